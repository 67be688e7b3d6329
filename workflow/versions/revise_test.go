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
