package versions

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/stagewise/stagewise/models"
)

// TestParseProposal: each kind's payload, checked alone and against the
// demo version; every problem is named by its path.
func TestParseProposal(t *testing.T) {
	_, in := DemoModel()
	c := in.Content
	for _, tc := range []struct {
		name    string
		pr      models.Proposal
		content bool
		target  string
		want    []string
	}{
		{"unknown kind", models.Proposal{Kind: "rewrite", Rationale: "r"}, true, "",
			[]string{"p.kind: must be one of add_stage, remove_stage, rename_stage, merge_stages, split_stage, add_transition, remove_transition, move_to_cluster, other"}},
		{"rationale and target", models.Proposal{Kind: models.ProposeRemoveStage}, true, "",
			[]string{"p.rationale: is required", "p.target: is required: the key of the stage this proposal is about"}},
		{"remove a stage the version lacks", models.Proposal{Kind: models.ProposeRemoveStage, Target: "gone", Rationale: "r"}, true, "gone",
			[]string{`p.target: names no stage of this version: "gone"`}},
		{"remove: alone, any key", models.Proposal{Kind: models.ProposeRemoveStage, Target: "gone", Rationale: "r"}, false, "gone", nil},
		{"add an existing stage", models.Proposal{Kind: models.ProposeAddStage, Rationale: "r", Payload: map[string]any{
			"key": "explore", "name": "E", "actor": "therapist", "role": "process", "codes": []any{"RS04"}, "after": "nope"}}, true, "explore",
			[]string{`p.payload.key: stage "explore" exists already`, `p.payload.codes[0]: code "RS04" already indicates stage "explore"; a code indicates one stage`,
				`p.payload.after: names no stage of this version: "nope"`}},
		{"merge", models.Proposal{Kind: models.ProposeMergeStages, Rationale: "r", Payload: map[string]any{"keys": []any{"explore", "explore"}, "into": "bad key"}}, true, "",
			[]string{"p.payload.into: must be a stage key: 1-64 letters, digits, '_', '.' or '-'", `p.payload.keys[1]: repeats stage "explore"`}},
		{"split into one", models.Proposal{Kind: models.ProposeSplitStage, Target: "explore", Rationale: "r", Payload: map[string]any{"into": []any{"x"}}}, true, "explore",
			[]string{"p.payload.into: split into at least two stages", "p.payload.into[0]: must be a stage object"}},
		{"add an existing transition", models.Proposal{Kind: models.ProposeAddTransition, Rationale: "r", Payload: map[string]any{"from": "marker", "to": "explore"}}, true, "marker->explore",
			[]string{"p.payload.to: the transition marker -> explore exists already"}},
		{"self transition", models.Proposal{Kind: models.ProposeAddTransition, Rationale: "r", Payload: map[string]any{"from": "explore", "to": "explore", "kind": "odd"}}, true, "explore->explore",
			[]string{"p.payload.kind: must be one of hypothesized, alternative, loop", "p.payload.to: a transition from a stage to itself must have kind loop"}},
		{"remove a missing transition", models.Proposal{Kind: models.ProposeRemoveTransition, Rationale: "r", Payload: map[string]any{"from": "marker", "to": "reengage"}}, true, "marker->reengage",
			[]string{"p.payload.to: names no transition of this version: marker -> reengage"}},
		{"move without cluster", models.Proposal{Kind: models.ProposeMoveToCluster, Target: "explore", Rationale: "r"}, true, "explore",
			[]string{`p.payload.cluster: is required: a cluster key, or "" to leave every cluster`}},
		{"move to a missing cluster", models.Proposal{Kind: models.ProposeMoveToCluster, Target: "explore", Rationale: "r", Payload: map[string]any{"cluster": "k"}}, true, "explore",
			[]string{`p.payload.cluster: names no cluster of this version: "k"`}},
		{"other", models.Proposal{Kind: models.ProposeOther, Rationale: "r", Payload: map[string]any{"text": "t"}}, true, "", nil},
	} {
		var cc *models.Content
		if tc.content {
			cc = &c
		}
		spec, errs := parseProposal("p", tc.pr, cc)
		var got []string
		for _, e := range errs {
			got = append(got, e.Field+": "+e.Message)
		}
		if d := cmp.Diff(tc.want, got); d != "" {
			t.Errorf("%s (-want +got):\n%s", tc.name, d)
		}
		if spec.target != tc.target {
			t.Errorf("%s: target %q, want %q", tc.name, spec.target, tc.target)
		}
	}
}
