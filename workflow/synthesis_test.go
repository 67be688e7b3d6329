package workflow

import (
	"slices"
	"testing"

	"github.com/stagewise/stagewise/models"
	"github.com/stagewise/stagewise/workflow/conformance"
)

func f(x float64) *float64 { return &x }

// TestSynthesizeClustersAndResiduals, by hand: process stages A and B were
// seen in both orders (each pair in 60 % of sessions) and start a new
// cluster; D was seen before and after C, which is already in cluster K,
// so D joins K; the marker M and A were too, but markers never join a
// cluster. The unmodelled A→D (support 0.6) is added only when its
// adjusted residual (1.2) reaches min_adjusted_residual.
func TestSynthesizeClustersAndResiduals(t *testing.T) {
	content := models.Content{
		Stages: []models.Stage{
			{Key: "M", Name: "m", Actor: "patient", Role: "marker", Codes: []string{"W1"}},
			{Key: "A", Name: "a", Actor: "therapist", Role: "process", Codes: []string{"RS01"}},
			{Key: "B", Name: "b", Actor: "therapist", Role: "process", Codes: []string{"RS02"}},
			{Key: "C", Name: "c", Actor: "therapist", Role: "process", Cluster: "K", Codes: []string{"RS03"}},
			{Key: "D", Name: "d", Actor: "therapist", Role: "process", Codes: []string{"RS04"}},
			{Key: "R", Name: "r", Actor: "dyad", Role: "resolution", Codes: []string{"RS10"}},
		},
		Transitions: []models.Transition{{From: "M", To: "A", Kind: "hypothesized"}, {From: "A", To: "B", Kind: "hypothesized"},
			{From: "B", To: "C", Kind: "hypothesized"}, {From: "C", To: "D", Kind: "hypothesized"}, {From: "D", To: "R", Kind: "hypothesized"}},
		Clusters: []models.Cluster{{Key: "K", Name: "k"}},
	}
	row := func(from, to string, inModel bool, sup float64, z float64) conformance.TransitionRow {
		return conformance.TransitionRow{From: from, To: to, InModel: inModel, Count: 6, Sessions: 6, Cases: 3, SessionSupport: f(sup), CaseSupport: f(sup), Support: f(sup), AdjustedResidual: f(z)}
	}
	rep := conformance.Report{Params: conformance.Params{SupportThreshold: 0.5, Unit: "session", Lag: 1}}
	for _, k := range []string{"M", "A", "B", "C", "D", "R"} {
		rep.Stages = append(rep.Stages, conformance.StageRow{Key: k, Sessions: 6, SessionSupport: f(0.6), CaseSupport: f(0.6)})
	}
	rep.Transitions = []conformance.TransitionRow{
		row("M", "A", true, 0.6, 2), row("A", "M", false, 0.6, 2), row("A", "B", true, 0.6, 2), row("B", "A", false, 0.6, 2),
		row("A", "D", false, 0.6, 1.2), row("B", "C", true, 0.6, 2), row("C", "D", true, 0.6, 2), row("D", "C", true, 0.6, 2), row("D", "R", true, 0.6, 2),
	}
	p := SynthesisParams{SupportThreshold: 0.5, AddObserved: true, DemoteUnsupported: true, OptionalUnsupported: true, ClusterReversals: true, MinAdjustedResidual: f(1.96)}
	out, log := Synthesize(content, rep, 7, p)
	var got []string
	for _, e := range log {
		got = append(got, e.Op+" "+e.Target)
		if e.Evidence["comparison"] != int64(7) {
			t.Errorf("%s %s: evidence lacks the comparison: %v", e.Op, e.Target, e.Evidence)
		}
	}
	want := []string{"add_transition A→M", "add_transition B→A", "add_cluster observed-1", "move_to_cluster A", "move_to_cluster B", "move_to_cluster D"}
	if !slices.Equal(got, want) {
		t.Fatalf("changes = %v\nwant      %v", got, want)
	}
	clusterOf := map[string]string{}
	for _, s := range out.Stages {
		clusterOf[s.Key] = s.Cluster
	}
	if clusterOf["A"] != "observed-1" || clusterOf["B"] != "observed-1" || clusterOf["D"] != "K" || clusterOf["M"] != "" {
		t.Errorf("clusters = %v", clusterOf)
	}
	if errs := ValidateContent(out); len(errs) > 0 {
		t.Errorf("synthesized content is invalid: %v", errs)
	}
	// Without the residual rule, A→D (z = 1.2) is added as well.
	p.MinAdjustedResidual = nil
	_, log = Synthesize(content, rep, 7, p)
	found := false
	for _, e := range log {
		found = found || (e.Op == "add_transition" && e.Target == "A→D")
	}
	if !found {
		t.Errorf("A→D not added without a residual rule")
	}
	// Every rule off: nothing changes.
	out, log = Synthesize(content, rep, 7, SynthesisParams{SupportThreshold: 0.5})
	if len(log) != 0 || ContentHash(out) != ContentHash(content) {
		t.Errorf("rules off changed the model: %v", log)
	}
}
