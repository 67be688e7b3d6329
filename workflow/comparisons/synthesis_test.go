package comparisons

import (
	"slices"
	"strings"
	"testing"

	"github.com/stagewise/stagewise/models"
	"github.com/stagewise/stagewise/workflow/conformance"
	"github.com/stagewise/stagewise/workflow/versions"
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
	if errs := versions.ValidateContent(out); len(errs) > 0 {
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
	if len(log) != 0 || versions.ContentHash(out) != versions.ContentHash(content) {
		t.Errorf("rules off changed the model: %v", log)
	}
}

// orderModel: a marker M, process stages A, B, C, D in that order, a
// resolution R; the hypothesized path M→A→B→C→D→R.
func orderModel() models.Content {
	st := func(key, role, code string) models.Stage {
		return models.Stage{Key: key, Name: key, Actor: "therapist", Role: role, Codes: []string{code}}
	}
	return models.Content{
		Stages: []models.Stage{st("M", "marker", "W1"), st("A", "process", "RS01"), st("B", "process", "RS02"),
			st("C", "process", "RS03"), st("D", "process", "RS04"), st("R", "resolution", "RS10")},
		Transitions: []models.Transition{{From: "M", To: "A", Kind: "hypothesized"}, {From: "A", To: "B", Kind: "hypothesized"},
			{From: "B", To: "C", Kind: "hypothesized"}, {From: "C", To: "D", Kind: "hypothesized"}, {From: "D", To: "R", Kind: "hypothesized"}},
	}
}

// seqReport is a report holding only what the order-free and
// proposed-stage rules read: the sessions' stage sequences, the summary
// counts and the unmapped codes.
func seqReport(skipped int, unmapped []conformance.CodeCount, seqs ...string) conformance.Report {
	rep := conformance.Report{Params: conformance.Params{SupportThreshold: 0.5, Unit: "session"}, UnmappedCodes: unmapped}
	for i, s := range seqs {
		rep.Sequences = append(rep.Sequences, conformance.SequenceRow{Case: "c", Session: i + 1, Stages: strings.Fields(s)})
	}
	rep.Summary.Sessions, rep.Summary.SkippedEmpty = len(seqs), skipped
	return rep
}

func orderParams() SynthesisParams {
	return SynthesisParams{MakeUnordered: true, MinCooccur: DefaultMinCooccur, MinReversalShare: DefaultMinReversalShare,
		ProposeStages: true, MinUnmappedShare: DefaultMinUnmappedShare}
}

func ops(log []models.ChangeLogEntry) []string {
	var out []string
	for _, e := range log {
		out = append(out, e.Op+" "+e.Target)
	}
	return out
}

// TestMakeUnorderedBoundaries: each rule fires exactly at its threshold
// and not one step below (counts by hand from the sequences given).
func TestMakeUnorderedBoundaries(t *testing.T) {
	abFirst := "M A B R"
	baFirst := "M B A R"
	created := []string{"make_unordered any-order-1", "move_to_cluster A", "move_to_cluster B", "demote_transition A→B"}
	for _, c := range []struct {
		name  string
		seqs  []string
		tweak func(*SynthesisParams)
		want  []string
	}{
		// Both in exactly 3 sessions (= min_cooccur), A first in 2, B first in 1 (1/3 ≥ 0.25).
		{"co-occur exactly min_cooccur", []string{abFirst, abFirst, baFirst, "M A R", "M C R"}, nil, created},
		// Both in 2 sessions (one below), 1 each way: not enough sessions.
		{"co-occur one below", []string{abFirst, baFirst, "M A R", "M B R", "M C R"}, nil, nil},
		// 4 sessions, B first in exactly 1: share 0.25 = min_reversal_share.
		{"reversal share exactly", []string{abFirst, abFirst, abFirst, baFirst}, nil, created},
		// 5 sessions, B first in 1: 0.2, just below.
		{"reversal share below", []string{abFirst, abFirst, abFirst, abFirst, baFirst}, nil, nil},
		// The same 0.25 against a threshold just above it.
		{"threshold just above the share", []string{abFirst, abFirst, abFirst, baFirst}, func(p *SynthesisParams) { p.MinReversalShare = 0.2500001 }, nil},
		// min_cooccur raised to 5 over the 4 sessions of the exact case.
		{"min_cooccur raised", []string{abFirst, abFirst, abFirst, baFirst}, func(p *SynthesisParams) { p.MinCooccur = 5 }, nil},
		// Repeats do not count: A B A has A first (B's first is after A's).
		{"first occurrences only", []string{"M A B A R", "M A B A R", "M A B A R", baFirst}, nil, created},
		// The marker and A in both orders: markers never join a cluster.
		{"markers stay", []string{"M A R", "A M R", "M A R", "A M R"}, nil, nil},
		{"rule off", []string{abFirst, abFirst, baFirst}, func(p *SynthesisParams) { p.MakeUnordered = false }, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := orderParams()
			if c.tweak != nil {
				c.tweak(&p)
			}
			out, log := Synthesize(orderModel(), seqReport(0, nil, c.seqs...), 9, p)
			if got := ops(log); !slices.Equal(got, c.want) {
				t.Fatalf("changes = %v, want %v", got, c.want)
			}
			if errs := versions.ValidateContent(out); len(errs) > 0 {
				t.Fatalf("invalid content: %v", errs)
			}
			if c.want == nil {
				if versions.ContentHash(out) != versions.ContentHash(orderModel()) {
					t.Errorf("content changed without a change-log entry")
				}
				return
			}
			for _, s := range out.Stages {
				if want := map[string]string{"A": "any-order-1", "B": "any-order-1"}[s.Key]; s.Cluster != want {
					t.Errorf("%s in cluster %q, want %q", s.Key, s.Cluster, want)
				}
			}
		})
	}
}

// TestMakeUnorderedEvidence: A-B and B-C are order-free, A-C is not (A
// always before C), yet all three form one connected group and one
// cluster; D, before and after nothing of the group, stays out. Counts by
// hand over the six sessions:
//
//	A-B: both in 6, A first in 4 (s1, s2, s5, s6), B first in 2 (s3, s4)
//	B-C: both in 6, B first in 4 (s1, s2, s3, s4), C first in 2 (s5, s6)
//	A-C: both in 6, A first in 6: not order-free
//
// In model order (A, B, C): s1 and s2 only, so 2 of 6 sessions with two or
// more members. The hypothesized A→B and B→C become alternatives (both
// ends in the group); M→A and C→D stay hypothesized.
func TestMakeUnorderedEvidence(t *testing.T) {
	rep := seqReport(0, nil, "M A B C D R", "M A B C D R", "M B A C D R", "M B A C D R", "M A C B D R", "M A C B D R")
	rep.Summary.OrderConforming = 2
	out, log := Synthesize(orderModel(), rep, 4, orderParams())
	want := []string{"make_unordered any-order-1", "move_to_cluster A", "move_to_cluster B", "move_to_cluster C",
		"demote_transition A→B", "demote_transition B→C"}
	if got := ops(log); !slices.Equal(got, want) {
		t.Fatalf("changes = %v, want %v", got, want)
	}
	ev := log[0].Evidence
	if !slices.Equal(ev["members"].([]string), []string{"A", "B", "C"}) || !slices.Equal(ev["joined"].([]string), []string{"A", "B", "C"}) {
		t.Errorf("members %v joined %v", ev["members"], ev["joined"])
	}
	pairs := ev["pairs"].([]map[string]any)
	if len(pairs) != 2 {
		t.Fatalf("pairs = %v, want A-B and B-C", pairs)
	}
	for i, w := range []struct {
		a, b          string
		both, af, bf  int
		afShare, bfSh float64
	}{{"A", "B", 6, 4, 2, 4.0 / 6, 2.0 / 6}, {"B", "C", 6, 4, 2, 4.0 / 6, 2.0 / 6}} {
		g := pairs[i]
		if g["a"] != w.a || g["b"] != w.b || g["sessions"] != w.both || g["a_first"] != w.af || g["b_first"] != w.bf ||
			g["a_first_share"] != w.afShare || g["b_first_share"] != w.bfSh {
			t.Errorf("pair %d = %v", i, g)
		}
	}
	if g := ev["group_order"].(map[string]any); g["sessions_with_two_or_more"] != 6 || g["in_model_order"] != 2 {
		t.Errorf("group order = %v", g)
	}
	if c := ev["order_conformity"].(map[string]any); c["sessions"] != 6 || c["order_conforming"] != 2 || c["share"] != 2.0/6 {
		t.Errorf("order conformity = %v", c)
	}
	if ev["min_cooccur"] != 3 || ev["min_reversal_share"] != 0.25 || ev["comparison"] != int64(4) {
		t.Errorf("parameters not echoed: %v", ev)
	}
	kinds := map[string]string{}
	for _, tr := range out.Transitions {
		kinds[tr.From+tr.To] = tr.Kind
	}
	if kinds["AB"] != "alternative" || kinds["BC"] != "alternative" || kinds["MA"] != "hypothesized" || kinds["CD"] != "hypothesized" {
		t.Errorf("transition kinds = %v", kinds)
	}
}

// TestMakeUnorderedExistingClusters: a group touching one cluster extends
// it; a group wholly inside one cluster changes nothing; a group spanning
// two clusters is logged, not applied.
func TestMakeUnorderedExistingClusters(t *testing.T) {
	free := []string{"M A B R", "M A B R", "M B A R", "M B A R"} // A-B order-free
	withClusters := func(a, b string) models.Content {
		c := orderModel()
		for _, k := range []string{a, b} {
			if k != "" && !slices.ContainsFunc(c.Clusters, func(x models.Cluster) bool { return x.Key == k }) {
				c.Clusters = append(c.Clusters, models.Cluster{Key: k, Name: k})
			}
		}
		c.Stages[1].Cluster, c.Stages[2].Cluster = a, b
		if a != "" {
			c.Stages[3].Cluster = a // C keeps every cluster non-empty
		}
		if b != "" {
			c.Stages[4].Cluster = b
		}
		return c
	}
	// A in K, B free: B joins K; A→B demoted.
	out, log := Synthesize(withClusters("K", ""), seqReport(0, nil, free...), 1, orderParams())
	if got, want := ops(log), []string{"make_unordered K", "move_to_cluster B", "demote_transition A→B"}; !slices.Equal(got, want) {
		t.Errorf("one cluster: %v, want %v", got, want)
	} else if out.Stages[2].Cluster != "K" || log[0].Evidence["joined"].([]string)[0] != "B" || log[0].Evidence["created"] != false {
		t.Errorf("one cluster: B in %q, evidence %v", out.Stages[2].Cluster, log[0].Evidence)
	}
	// Both in K: nothing to do.
	if _, log := Synthesize(withClusters("K", "K"), seqReport(0, nil, free...), 1, orderParams()); len(log) != 0 {
		t.Errorf("same cluster: %v", ops(log))
	}
	// A in K, B in L: a note, nothing applied.
	in := withClusters("K", "L")
	out, log = Synthesize(in, seqReport(0, nil, free...), 1, orderParams())
	if got := ops(log); !slices.Equal(got, []string{"make_unordered A+B"}) || log[0].Evidence["applied"] != false {
		t.Errorf("two clusters: %v %v", got, log)
	}
	if versions.ContentHash(out) != versions.ContentHash(in) {
		t.Errorf("two clusters: content changed")
	}
}

// TestProposeStageBoundaries: a code that indicates no stage is proposed
// when the sessions having it reach min_unmapped_share of all compared
// sessions (the empty ones included), and not just below.
func TestProposeStageBoundaries(t *testing.T) {
	seqs := []string{"M A R", "M B R", "M C R"}
	codes := []conformance.CodeCount{{Code: "RS05", Count: 3, Sessions: 1}, {Code: "RS06", Count: 1, Sessions: 1}}
	// 3 sessions with stages + 1 empty = 4: 1/4 = 0.25 exactly.
	_, log := Synthesize(orderModel(), seqReport(1, codes, seqs...), 2, orderParams())
	if got := ops(log); !slices.Equal(got, []string{"propose_stage RS05", "propose_stage RS06"}) {
		t.Fatalf("at 0.25: %v", got)
	}
	ev := log[0].Evidence
	if ev["sessions"] != 1 || ev["of"] != 4 || ev["share"] != 0.25 || ev["events"] != 3 || ev["threshold"] != 0.25 || ev["applied"] != false {
		t.Errorf("evidence = %v", ev)
	}
	// 4 sessions with stages + 1 empty = 5: 1/5 = 0.2, just below.
	if _, log := Synthesize(orderModel(), seqReport(1, codes, append(seqs, "M D R")...), 2, orderParams()); len(log) != 0 {
		t.Errorf("at 0.2: %v", ops(log))
	}
	// The threshold lowered to 0.2 proposes them again; the rule off, never.
	p := orderParams()
	p.MinUnmappedShare = 0.2
	if _, log := Synthesize(orderModel(), seqReport(1, codes, append(seqs, "M D R")...), 2, p); len(log) != 2 {
		t.Errorf("threshold 0.2: %v", ops(log))
	}
	p.ProposeStages = false
	if _, log := Synthesize(orderModel(), seqReport(1, codes, seqs...), 2, p); len(log) != 0 {
		t.Errorf("rule off: %v", ops(log))
	}
}

// TestSynthesisParamsResolve: defaults, and given values taken. (The
// ranges are the api request's validate tags: TestValidateTagsEnforced.)
func TestSynthesisParamsResolve(t *testing.T) {
	rep := conformance.Report{Params: conformance.Params{SupportThreshold: 0.5}}
	p, errs := SynthesisInput{}.resolve(rep)
	if len(errs) > 0 || !p.MakeUnordered || p.MinCooccur != 3 || p.MinReversalShare != 0.25 || !p.ProposeStages || p.MinUnmappedShare != 0.25 {
		t.Errorf("defaults = %+v %v", p, errs)
	}
	two, half, most, t9 := 2, 0.5, 1.0, 0.9
	p, errs = SynthesisInput{MinCooccur: &two, MinReversalShare: &half, MinUnmappedShare: &most, SupportThreshold: &t9}.resolve(rep)
	if len(errs) > 0 || p.MinCooccur != 2 || p.MinReversalShare != 0.5 || p.MinUnmappedShare != 1 || p.SupportThreshold != 0.9 {
		t.Errorf("given = %+v %v", p, errs)
	}
}
