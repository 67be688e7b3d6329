package workflow

import (
	"context"
	"errors"
	"fmt"

	"github.com/stagewise/stagewise/models"
)

// DemoSlug is the slug of the demonstration model.
const DemoSlug = "renegotiating-tasks-goals"

// DemoModel is version 1 of the demonstration model: six stages from
// marker to re-engagement, after the rupture-repair task of Muran et al.
// (2023), with 3RS-2015 codes as indicators. Validation and rationale form
// an unordered cluster; inviting exploration may lead straight to
// renegotiation, and renegotiation may loop back to exploration.
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
				{Key: "validate", Name: "Validate the defensive posture", Description: "The therapist validates the patient's defensive stance.", Actor: models.ActorTherapist, Role: models.RoleProcess, Cluster: "repair",
					Codes: []string{"RS09"}},
				{Key: "rationale", Name: "Rationale or clarification", Description: "The therapist illustrates the task, gives a rationale or clarifies a misunderstanding.", Actor: models.ActorTherapist, Role: models.RoleProcess, Cluster: "repair",
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
			Clusters: []models.Cluster{{Key: "repair", Name: "Repair strategies"}},
		}}
	return m, in
}

// DemoResult says what SeedDemo made.
type DemoResult struct {
	PI      models.User
	PIToken string
	Client  models.User
	// ClientToken is fresh on every start, like PIToken.
	ClientToken string
	// Invitations are fresh on every start too, one for each panelist and
	// coder of the demo (they sign in by claiming it, like real invitees;
	// nobody is handed their token).
	Invitations []DemoInvitation
}

// DemoInvitation is a demo invitee and their new invitation code.
type DemoInvitation struct {
	User models.User
	Code string
}

// SeedDemo creates, idempotently, the demonstration study: a PI, a client
// and the demo model with an approved rational version 1. It gives the PI
// and the client fresh tokens each time, for the start-up banner.
func (s *Service) SeedDemo(ctx context.Context) (DemoResult, error) {
	var out DemoResult
	pi, _, err := s.EnsureUser(ctx, models.User{}, NewUser{Name: "Demo PI", Email: "pi@demo.stagewise.invalid", Role: models.RolePI})
	if err != nil {
		return out, err
	}
	client, _, err := s.EnsureUser(ctx, models.User{}, NewUser{Name: "Demo API client", Email: "client@demo.stagewise.invalid", Role: models.RoleClient})
	if err != nil {
		return out, err
	}
	out.PI, out.Client = pi, client
	nm, in := DemoModel()
	if _, err := s.store.ModelBySlug(ctx, nm.Slug); errors.Is(err, models.ErrNotFound) {
		if _, err := s.CreateModel(ctx, pi, nm); err != nil && !errors.Is(err, models.ErrConflict) {
			return out, err
		}
	} else if err != nil {
		return out, err
	}
	m, err := s.store.ModelBySlug(ctx, nm.Slug)
	if err != nil {
		return out, err
	}
	v1, err := s.store.VersionByNumber(ctx, m, 1)
	if errors.Is(err, models.ErrNotFound) {
		if v1, err = s.CreateVersion(ctx, pi, nm.Slug, in); err != nil {
			return out, err
		}
	} else if err != nil {
		return out, err
	}
	if v1.Status == models.StatusDraft {
		if v1, err = s.Transition(ctx, pi, nm.Slug, 1, ActionSubmit, "ready for the panel"); err != nil {
			return out, err
		}
	}
	// The panel reviews version 1 while it is in review; then the PI approves it.
	if err := s.seedDemoPanel(ctx, pi, m); err != nil {
		return out, fmt.Errorf("demo panel: %w", err)
	}
	if v1.Status == models.StatusInReview {
		if _, err = s.Transition(ctx, pi, nm.Slug, 1, ActionApprove, "approved after two panel rounds"); err != nil {
			return out, err
		}
	}
	if err := s.seedDemoDataset(ctx, pi); err != nil {
		return out, fmt.Errorf("demo dataset: %w", err)
	}
	if err := s.seedDemoComparison(ctx, pi, m); err != nil {
		return out, fmt.Errorf("demo comparison: %w", err)
	}
	if out.PIToken, err = s.ResetToken(ctx, pi); err != nil {
		return out, err
	}
	if out.ClientToken, err = s.ResetToken(ctx, client); err != nil {
		return out, err
	}
	if out.Invitations, err = s.demoInvitations(ctx, pi); err != nil {
		return out, err
	}
	return out, nil
}

// demoInvitations issues a new invitation to every panelist and coder the
// demo PI created (replacing an unclaimed one; a claimed one's token keeps
// working until the new invitation is claimed).
func (s *Service) demoInvitations(ctx context.Context, pi models.User) ([]DemoInvitation, error) {
	users, err := s.store.UsersCreatedBy(ctx, pi.ID)
	if err != nil {
		return nil, err
	}
	var out []DemoInvitation
	for _, u := range users {
		if !invited(u.Role) {
			continue
		}
		_, inv, err := s.IssueInvitation(ctx, models.User{Role: models.RoleAdmin}, u.ID)
		if err != nil {
			return nil, err
		}
		out = append(out, DemoInvitation{User: u, Code: inv.Code})
	}
	return out, nil
}
