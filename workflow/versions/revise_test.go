package versions

import (
	"errors"
	"strings"
	"testing"

	"github.com/stagewise/stagewise/models"
)

// TestApplyProposalsConflicts: applying is sequential; a proposal whose
// target is gone or that would leave the model invalid is named.
func TestApplyProposalsConflicts(t *testing.T) {
	_, in := DemoModel()
	// Validate and rationale in a cluster "repair", so that moving the
	// last-but-one member out and removing the other empties it.
	in.Content.Clusters = []models.Cluster{{Key: "repair", Name: "Repair strategies"}}
	for i, st := range in.Content.Stages {
		if st.Key == "validate" || st.Key == "rationale" {
			in.Content.Stages[i].Cluster = "repair"
		}
	}
	r := models.Round{ID: 7, Number: 1}
	mk := func(id int64, kind, target string, payload map[string]any) roundProposal {
		return roundProposal{round: r, p: models.Proposal{ID: id, Kind: kind, Target: target, Payload: payload, Rationale: "r", Decision: models.DecisionAccepted}}
	}
	_, _, err := applyProposals(in.Content, []roundProposal{
		mk(1, models.ProposeRemoveStage, "validate", nil),
		mk(2, models.ProposeRemoveStage, "validate", nil),
		mk(3, models.ProposeRemoveStage, "reengage", nil),
		mk(4, models.ProposeRenameStage, "explore", map[string]any{"name": "Invite exploration of the rupture"}),
	})
	var ve *models.ValidationError
	if !errors.As(err, &ve) || len(ve.Fields) != 2 || ve.Fields[0].Field != "proposal:2" || ve.Fields[1].Field != "proposal:3" {
		t.Fatalf("got %v", err)
	}
	c, log, err := applyProposals(in.Content, []roundProposal{
		mk(1, models.ProposeRemoveStage, "rationale", nil),
		mk(2, models.ProposeMoveToCluster, "validate", map[string]any{"cluster": ""}),
		mk(3, models.ProposeSplitStage, "explore", map[string]any{"into": []any{
			map[string]any{"key": "explore_a", "name": "Ask", "actor": "therapist", "role": "process", "codes": []any{"RS04"}},
			map[string]any{"key": "explore_b", "name": "Listen", "actor": "therapist", "role": "process", "codes": []any{"RS11"}},
		}}),
	})
	if err != nil {
		t.Fatal(err)
	}
	var ops []string
	for _, e := range log {
		ops = append(ops, e.Op+" "+e.Target)
	}
	want := "remove_stage rationale|remove_transition validate->rationale|remove_transition rationale->renegotiate|move_to_cluster validate|remove_cluster repair|not_applied explore"
	if got := strings.Join(ops, "|"); got != want {
		t.Errorf("change log\n got %s\nwant %s", got, want)
	}
	if len(c.Clusters) != 0 || len(ValidateContent(c)) != 0 {
		t.Errorf("content: clusters %v, errors %v", c.Clusters, ValidateContent(c))
	}
}

// TestPickRounds: every closed round of the version by default, in number
// order when named, and each named round that is not a closed round of
// the version is named.
func TestPickRounds(t *testing.T) {
	v := models.Version{ID: 2, Number: 1}
	all := []models.Round{
		{ID: 10, Number: 2, VersionID: 2, Status: models.RoundClosed},
		{ID: 11, Number: 1, VersionID: 2, Status: models.RoundClosed},
		{ID: 12, Number: 3, VersionID: 2, Status: models.RoundOpen},
		{ID: 13, Number: 4, VersionID: 3, VersionNumber: 2, Status: models.RoundClosed},
	}
	numbers := func(rs []models.Round) string {
		var out []string
		for _, r := range rs {
			out = append(out, string(rune('0'+r.Number)))
		}
		return strings.Join(out, ",")
	}
	if rs, err := pickRounds(all, v, "m", nil); err != nil || numbers(rs) != "2,1" {
		t.Errorf("default: %s %v", numbers(rs), err)
	}
	if rs, err := pickRounds(all, v, "m", []int64{10, 11}); err != nil || numbers(rs) != "1,2" {
		t.Errorf("named: %s %v", numbers(rs), err)
	}
	_, err := pickRounds(all, v, "m", []int64{99, 13, 12, 11, 11})
	var ve *models.ValidationError
	if !errors.As(err, &ve) {
		t.Fatal(err)
	}
	var got []string
	for _, f := range ve.Fields {
		got = append(got, f.Field+": "+f.Message)
	}
	want := "rounds[0]: no round 99 on model m|rounds[1]: round 13 reviewed version 2, not 1|rounds[2]: round 12 is open; only closed rounds count|rounds[4]: repeats a round"
	if strings.Join(got, "|") != want {
		t.Errorf("got  %s\nwant %s", strings.Join(got, "|"), want)
	}
	if _, err := pickRounds(all[2:], v, "m", nil); !errors.As(err, &ve) || ve.Fields[0].Field != "rounds" {
		t.Errorf("no closed round: %v", err)
	}
}
