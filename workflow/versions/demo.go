package versions

import "github.com/stagewise/stagewise/models"

// DemoSlug is the slug of the demonstration model.
const DemoSlug = "renegotiating-tasks-goals"

// DemoModel is version 1 of the demonstration model: six stages from
// marker to re-engagement, after the rupture-repair task of Muran et al.
// (2023), with 3RS-2015 codes as indicators. As a rational model it
// hypothesizes one sequence of repair strategies (explore, validate, give
// a rationale, renegotiate); inviting exploration may lead straight to
// renegotiation, and renegotiation may loop back to exploration. The demo
// data then show the strategies in varying orders, and the synthesis turns
// them into one "any order" cluster, as the study found.
func DemoModel() (NewModel, VersionInput) {
	m := NewModel{
		Slug:       DemoSlug,
		Title:      "Renegotiating tasks or goals as rupture repair",
		Marker:     "A withdrawal or confrontation rupture marker (3RS) during a CBT session",
		Resolution: "The patient re-engages in a renegotiated task or goal",
		Context:    "Cognitive-behavioural therapy for personality disorder; after Muran et al. (2023), Psychotherapy Research 33(1):16-29.",
	}
	in := VersionInput{Kind: models.KindRational, Notes: "Rational model drafted with the expert panel (demonstration data).",
		Content: models.Content{
			Stages: []models.Stage{
				{Key: "marker", Name: "Rupture marker", Description: "The patient withdraws from or confronts the therapist or the work.", Actor: models.ActorPatient, Role: models.RoleMarker,
					Codes: []string{"W1", "W2", "W3", "W4", "W5", "W6", "W7", "C1", "C2", "C3", "C4", "C5", "C6", "C7"}},
				{Key: "explore", Name: "Invite exploration", Description: "The therapist invites the patient to discuss thoughts and feelings about the therapist or the therapy.", Actor: models.ActorTherapist, Role: models.RoleProcess,
					Codes: []string{"RS04"}},
				{Key: "validate", Name: "Validate the defensive posture", Description: "The therapist validates the patient's defensive stance.", Actor: models.ActorTherapist, Role: models.RoleProcess,
					Codes: []string{"RS09"}},
				{Key: "rationale", Name: "Rationale or clarification", Description: "The therapist illustrates the task, gives a rationale or clarifies a misunderstanding.", Actor: models.ActorTherapist, Role: models.RoleProcess,
					Codes: []string{"RS01", "RS03"}},
				{Key: "renegotiate", Name: "Renegotiate the task or goal", Description: "The therapist changes the task or goal together with the patient.", Actor: models.ActorDyad, Role: models.RoleProcess,
					Codes: []string{"RS02"}},
				{Key: "reengage", Name: "Re-engagement", Description: "The patient re-engages in the (renegotiated) work.", Actor: models.ActorPatient, Role: models.RoleResolution,
					Codes: []string{"RS10"}},
			},
			Transitions: []models.Transition{
				{From: "marker", To: "explore", Kind: models.TransitionHypothesized},
				{From: "explore", To: "validate", Kind: models.TransitionHypothesized},
				{From: "validate", To: "rationale", Kind: models.TransitionHypothesized},
				{From: "rationale", To: "renegotiate", Kind: models.TransitionHypothesized},
				{From: "renegotiate", To: "reengage", Kind: models.TransitionHypothesized},
				{From: "explore", To: "renegotiate", Kind: models.TransitionAlternative, Note: "Some therapists move straight to renegotiation."},
				{From: "renegotiate", To: "explore", Kind: models.TransitionLoop, Note: "A renegotiation that fails reopens exploration."},
			},
		}}
	return m, in
}
