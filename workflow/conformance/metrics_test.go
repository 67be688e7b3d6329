package conformance

import (
	"bytes"
	"fmt"
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// ruptureSessions is the "rupture dataset" on ruptureModel (codes → stages:
// W1,W2→M RS04→A RS01→C1 RS05→C2 RS06→C3 RS09→O RS10→R; X9 unmapped):
//
//	S1 c1/1  W1 W1 RS04 RS01 RS05 RS09 RS10 → M A C1 C2 O R
//	S2 c1/2  W1 RS04 X9 RS10                → M A R
//	S3 c2/1  RS04 RS06 RS01 RS10            → A C3 C1 R
//	S4 c2/2  W1 RS10 RS04                   → M R A
//	S5 c3/1  X9                             → empty (skipped)
//	S6 c3/2  W2 RS04 RS10                   → M A R
//
// Sessions are given out of order on purpose.
func ruptureSessions() []Session {
	return []Session{
		{Case: "c3", Session: 2, Codes: []string{"W2", "RS04", "RS10"}},
		{Case: "c2", Session: 2, Codes: []string{"W1", "RS10", "RS04"}},
		{Case: "c1", Session: 1, Codes: []string{"W1", "W1", "RS04", "RS01", "RS05", "RS09", "RS10"}},
		{Case: "c3", Session: 1, Codes: []string{"X9"}},
		{Case: "c2", Session: 1, Codes: []string{"RS04", "RS06", "RS01", "RS10"}},
		{Case: "c1", Session: 2, Codes: []string{"W1", "RS04", "X9", "RS10"}},
	}
}

func analyze(t *testing.T, m Model, p Params, ss []Session) Report {
	t.Helper()
	a, err := NewAnalyzer(m, p)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range ss {
		a.Add(s)
	}
	return a.Report()
}

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(b)) }

func checkNum(t *testing.T, name string, got *float64, want float64) {
	t.Helper()
	if math.IsNaN(want) {
		if got != nil {
			t.Errorf("%s = %v, want null", name, *got)
		}
		return
	}
	if got == nil || !near(*got, want) {
		if got == nil {
			t.Errorf("%s = null, want %v", name, want)
		} else {
			t.Errorf("%s = %v, want %v", name, *got, want)
		}
	}
}

// TestRuptureDatasetMetrics checks every metric of the rupture dataset against
// the hand computation below (DFG edges: see TestCompileRuptureModel).
func TestRuptureDatasetMetrics(t *testing.T) {
	r := analyze(t, ruptureModel(), Params{Unmapped: UnmappedIgnore}, ruptureSessions())
	s := r.Summary

	// Counts: 5 non-empty sessions in cases c1, c2, c3; S5 skipped; variants
	// V1 = M A C1 C2 O R, V2 = M A R (×2), V3 = A C3 C1 R, V4 = M R A.
	if s.Sessions != 5 || s.Cases != 3 || s.Variants != 4 || s.SkippedEmpty != 1 {
		t.Errorf("counts: %+v", s)
	}
	// Events: mapped 7+3+4+3+3 = 20 (S1 has 7 mapped codes, S2 3, S3 4, S4 3, S6 3); unmapped X9 ×2.
	if s.Events != 20 || s.UnmappedEvents != 2 {
		t.Errorf("events %d unmapped %d", s.Events, s.UnmappedEvents)
	}
	if diff := cmp.Diff([]CodeCount{{Code: "X9", Count: 2, Sessions: 2}}, r.UnmappedCodes); diff != "" {
		t.Errorf("unmapped: %s", diff)
	}

	// Alignment (shortest model path M A R = 3):
	//  V1: all synchronous (M→A, A→C1, C1→C2, C2→O, O→R), cost 0, denominator 3+6 = 9.
	//  V2: M→A, A→R (skip edge), cost 0, denominator 6.
	//  V3: A is not a start: model move M, then A C3 C1 R synchronous; cost 1, denominator 7.
	//  V4: M, log move R (M→R is no edge), A, model move R; cost 2, denominator 6.
	//      (No 1-edit path exists: deleting one event leaves M R, M A or R A, none a
	//      start-to-end path; R has no successors so A cannot follow R.)
	// Log fitness = 1 − (0 + 0·2 + 1 + 2)/(9 + 6·2 + 7 + 6) = 1 − 3/34 = 31/34.
	checkNum(t, "fitness", s.Fitness, 31.0/34)
	// Mean fitness = (1 + 1 + 6/7 + 2/3 + 1)/5.
	checkNum(t, "mean fitness", s.MeanFitness, (3+6.0/7+2.0/3)/5)

	// Precision (proper replayable prefixes; weight = sessions having it as a proper prefix):
	//  ⟨⟩        w5  allowed {M}                 continued M, A   escaping 0
	//  ⟨A⟩ (S3)  A is not a start → not replayable, S3 stops
	//  ⟨M⟩       w4  allowed {A}                 continued A, R   escaping 0
	//  ⟨M R⟩     M→R no edge → S4 stops
	//  ⟨M A⟩     w3  allowed {C1 C2 C3 O R}      continued C1, R  escaping 3
	//  ⟨M A C1⟩  w1  allowed {A C2 C3 O R}       continued C2     escaping 4
	//  ⟨… C2⟩    w1  allowed {A C1 C3 O R}       continued O      escaping 4
	//  ⟨… O⟩     w1  allowed {A R}               continued R      escaping 1
	// Σ w·allowed = 5 + 4 + 15 + 5 + 5 + 2 = 36; Σ w·escaping = 9 + 4 + 4 + 1 = 18; precision 0.5.
	checkNum(t, "precision", s.Precision, 0.5)

	// Order (positions M0 A1 C1,C2,C3 → 2 O5 R6):
	//  S1 0 1 2 2 5 6 conforms; τb = (14 − 0)/√(15·14) = √(14/15) (one tie C1/C2)
	//  S2, S6 0 1 6 conform; τb = 1
	//  S3 1 2 2 6 conforms; τb = 5/√(6·5) = √(5/6)
	//  S4 0 6 1 does not; C = 2, D = 1, τb = 1/3
	if s.OrderConforming != 4 {
		t.Errorf("order conforming %d, want 4", s.OrderConforming)
	}
	checkNum(t, "mean tau", s.MeanKendallTau, (math.Sqrt(14.0/15)+1+math.Sqrt(5.0/6)+1.0/3+1)/5)
	// Resolved: all but S4 (ends in A).
	if s.Resolved != 4 {
		t.Errorf("resolved %d, want 4", s.Resolved)
	}

	// Sequences: sorted by case then session.
	type seqRow struct {
		Case     string
		Session  int
		Stages   []string
		Cost     int
		Fitness  float64
		Conforms bool
		Tau      float64
		Resolved bool
		Devs     []Deviation
	}
	want := []seqRow{
		{"c1", 1, []string{"M", "A", "C1", "C2", "O", "R"}, 0, 1, true, math.Sqrt(14.0 / 15), true, []Deviation{}},
		{"c1", 2, []string{"M", "A", "R"}, 0, 1, true, 1, true, []Deviation{}},
		{"c2", 1, []string{"A", "C3", "C1", "R"}, 1, 6.0 / 7, true, math.Sqrt(5.0 / 6), true, []Deviation{{ModelMove, "M", 0, ""}}},
		{"c2", 2, []string{"M", "R", "A"}, 2, 2.0 / 3, false, 1.0 / 3, false, []Deviation{{LogMove, "R", 1, ""}, {ModelMove, "R", 3, ""}}},
		{"c3", 2, []string{"M", "A", "R"}, 0, 1, true, 1, true, []Deviation{}},
	}
	var got []seqRow
	for _, q := range r.Sequences {
		got = append(got, seqRow{q.Case, q.Session, q.Stages, q.Cost, q.Fitness, q.Conforms, *q.KendallTau, q.Resolved, q.Deviations})
	}
	if diff := cmp.Diff(want, got, cmp.Comparer(func(a, b float64) bool { return near(a, b) })); diff != "" {
		t.Errorf("sequences (-want +got):\n%s", diff)
	}

	// Stage support (5 sessions, 3 cases): M 4/3, A 5/3, C1 2/2, C2 1/1, C3 1/1, O 1/1, R 5/3.
	// Supported (session share ≥ 0.5): M 0.8, A 1, R 1 → 3.
	wantStages := []struct {
		key      string
		sessions int
		cases    int
		sup      bool
	}{{"M", 4, 3, true}, {"A", 5, 3, true}, {"C1", 2, 2, false}, {"C2", 1, 1, false}, {"C3", 1, 1, false}, {"O", 1, 1, false}, {"R", 5, 3, true}}
	for i, w := range wantStages {
		g := r.Stages[i]
		if g.Key != w.key || g.Sessions != w.sessions || g.Cases != w.cases || g.Supported != w.sup {
			t.Errorf("stage %d: %+v, want %+v", i, g, w)
		}
		checkNum(t, "session support "+w.key, g.SessionSupport, float64(w.sessions)/5)
		checkNum(t, "case support "+w.key, g.CaseSupport, float64(w.cases)/3)
	}
	if s.StagesSupported != 3 {
		t.Errorf("stages supported %d", s.StagesSupported)
	}

	// Transitions: pairs S1 MA AC1 C1C2 C2O OR; S2 MA AR; S3 AC3 C3C1 C1R; S4 MR RA; S6 MA AR.
	// 14 occurrences, M→R and R→A are not DFG edges: allowed share 12/14.
	// O→A is declared (loop) and unobserved.
	type tr struct {
		from, to  string
		in        bool
		kind      string
		count     int
		sessions  int
		cases     int
		supported bool
	}
	wantTr := []tr{
		{"M", "A", true, KindHypothesized, 3, 3, 2, true},
		{"M", "R", false, "", 1, 1, 1, false},
		{"A", "C1", true, KindHypothesized, 1, 1, 1, false},
		{"A", "C3", true, "", 1, 1, 1, false},
		{"A", "R", true, "", 2, 2, 2, false},
		{"C1", "C2", true, "", 1, 1, 1, false},
		{"C1", "R", true, "", 1, 1, 1, false},
		{"C2", "O", true, KindHypothesized, 1, 1, 1, false},
		{"C3", "C1", true, "", 1, 1, 1, false},
		{"O", "A", true, KindLoop, 0, 0, 0, false},
		{"O", "R", true, KindHypothesized, 1, 1, 1, false},
		{"R", "A", false, "", 1, 1, 1, false},
	}
	var gotTr []tr
	for _, g := range r.Transitions {
		gotTr = append(gotTr, tr{g.From, g.To, g.InModel, g.Kind, g.Count, g.Sessions, g.Cases, g.Supported})
	}
	if diff := cmp.Diff(wantTr, gotTr, cmp.AllowUnexported(tr{})); diff != "" {
		t.Errorf("transitions (-want +got):\n%s", diff)
	}
	checkNum(t, "allowed share", s.AllowedTransitionShare, 12.0/14)
	if s.TransitionsSupported != 1 || s.DeclaredTransitions != 5 || s.DeclaredSupported != 1 {
		t.Errorf("transitions supported %d declared %d/%d", s.TransitionsSupported, s.DeclaredSupported, s.DeclaredTransitions)
	}
	// M→A: support 3/5; lag table row M = (A 3, R 1), x_M+ = 4, column A = M→A 3 + R→A 1 = 4,
	// N = 14: p = 3/4; Yule's Q: a 3, b 1, c 1, d 14 − 4 − 4 + 3 = 9 → (27 − 1)/(27 + 1) = 13/14.
	// Dependency M⇒A = (3 − 0)/(3 + 0 + 1) = 3/4; A⇒R = (2 − 1)/(2 + 1 + 1) = 1/4; R⇒A = (1 − 2)/(1 + 2 + 1) = −1/4.
	ma := r.Transitions[0]
	checkNum(t, "M→A support", ma.Support, 0.6)
	checkNum(t, "M→A p", ma.Probability, 0.75)
	checkNum(t, "M→A Q", ma.YulesQ, 13.0/14)
	if ma.Dependency != 0.75 || r.Transitions[4].Dependency != 0.25 || r.Transitions[11].Dependency != -0.25 {
		t.Errorf("dependencies %v %v %v", ma.Dependency, r.Transitions[4].Dependency, r.Transitions[11].Dependency)
	}
	// O→A never observed: p = 0/1, Q: a 0, b 1, c 4, d 14 − 1 − 4 = 9 → (0 − 4)/(0 + 4) = −1.
	oa := r.Transitions[9]
	checkNum(t, "O→A p", oa.Probability, 0)
	checkNum(t, "O→A Q", oa.YulesQ, -1)

	// Lag table: lag 1, collapsed → quasi-independence.
	lt := r.LagTable
	wantCounts := [][]int{
		//M  A  C1 C2 C3 O  R
		{0, 3, 0, 0, 0, 0, 1}, // M
		{0, 0, 1, 0, 1, 0, 2}, // A
		{0, 0, 0, 1, 0, 0, 1}, // C1
		{0, 0, 0, 0, 0, 1, 0}, // C2
		{0, 0, 1, 0, 0, 0, 0}, // C3
		{0, 0, 0, 0, 0, 0, 1}, // O
		{0, 1, 0, 0, 0, 0, 0}, // R
	}
	if diff := cmp.Diff(wantCounts, lt.Counts); diff != "" {
		t.Errorf("lag counts: %s", diff)
	}
	if lt.Table != TableQuasiIndependence || lt.N != 14 || !lt.Converged {
		t.Errorf("lag table %s N %d converged %v", lt.Table, lt.N, lt.Converged)
	}
	checkQuasiMargins(t, lt)

	// Discovery: starts M ×4, A ×1; ends R ×4, A ×1.
	if diff := cmp.Diff(Discovery{StartCounts: []StageCount{{"M", 4}, {"A", 1}}, EndCounts: []StageCount{{"A", 1}, {"R", 4}}}, r.Discovery); diff != "" {
		t.Errorf("discovery: %s", diff)
	}

	// CSV.
	var buf bytes.Buffer
	if err := WriteSequencesCSV(&buf, r); err != nil {
		t.Fatal(err)
	}
	wantCSV := "case,session,stages,fitness,conforms,kendall_tau,resolved,deviations\n" +
		"c1,1,M > A > C1 > C2 > O > R,1,true,0.9660917830792959,true,\n" +
		"c1,2,M > A > R,1,true,1,true,\n" +
		"c2,1,A > C3 > C1 > R,0.8571428571428572,true,0.9128709291752769,true,model_move:M@0\n" +
		"c2,2,M > R > A,0.6666666666666667,false,0.3333333333333333,false,log_move:R@1; model_move:R@3\n" +
		"c3,2,M > A > R,1,true,1,true,\n"
	if diff := cmp.Diff(wantCSV, buf.String()); diff != "" {
		t.Errorf("csv (-want +got):\n%s", diff)
	}
}

// checkQuasiMargins: expected counts have a zero diagonal and reproduce the
// row and column margins.
func checkQuasiMargins(t *testing.T, lt LagTable) {
	t.Helper()
	n := len(lt.Labels)
	for i := 0; i < n; i++ {
		rs, cs, re, ce := 0.0, 0.0, 0.0, 0.0
		for j := 0; j < n; j++ {
			rs += float64(lt.Counts[i][j])
			cs += float64(lt.Counts[j][i])
			re += *lt.Expected[i][j]
			ce += *lt.Expected[j][i]
		}
		if *lt.Expected[i][i] != 0 {
			t.Errorf("e[%d][%d] = %v, want 0", i, i, *lt.Expected[i][i])
		}
		if math.Abs(rs-re) > 1e-8*math.Max(1, rs) || math.Abs(cs-ce) > 1e-8*math.Max(1, cs) {
			t.Errorf("margins of %d: rows %v vs %v, cols %v vs %v", i, rs, re, cs, ce)
		}
	}
}

// TestRuptureDatasetCaseUnit: the rupture dataset with unit "case": stage
// case shares M 1, A 1, C1 2/3, C2 1/3, C3 1/3, O 1/3, R 1 → 4 supported;
// transition case shares M→A 2/3 and A→R 2/3 → both in the model and
// supported.
func TestRuptureDatasetCaseUnit(t *testing.T) {
	r := analyze(t, ruptureModel(), Params{Unit: UnitCase, Unmapped: UnmappedIgnore}, ruptureSessions())
	if r.Summary.StagesSupported != 4 || r.Summary.TransitionsSupported != 2 || r.Summary.DeclaredSupported != 1 {
		t.Errorf("supported: %+v", r.Summary)
	}
	checkNum(t, "A→R support", r.Transitions[4].Support, 2.0/3)
	if r.Params.Unit != UnitCase || r.Params.SupportThreshold != 0.5 || r.Params.Lag != 1 {
		t.Errorf("params echo %+v", r.Params)
	}
}

// TestRuptureDatasetRepeats: with allow_repeats the lag table keeps S1's
// W1 W1 (M→M once) and uses the independence table with the closed form; all
// other metrics are unchanged.
func TestRuptureDatasetRepeats(t *testing.T) {
	base := analyze(t, ruptureModel(), Params{Unmapped: UnmappedIgnore}, ruptureSessions())
	r := analyze(t, ruptureModel(), Params{AllowRepeats: true, Unmapped: UnmappedIgnore}, ruptureSessions())
	lt := r.LagTable
	if lt.Counts[0][0] != 1 || lt.N != 15 || lt.Table != TableIndependence {
		t.Fatalf("lag table: %+v", lt)
	}
	checkIndependence(t, lt)
	if !cmp.Equal(base.Sequences, r.Sequences) || !cmp.Equal(base.Stages, r.Stages) {
		t.Errorf("allow_repeats changed non-lag metrics")
	}
	if *base.Summary.Fitness != *r.Summary.Fitness || *base.Summary.Precision != *r.Summary.Precision {
		t.Errorf("allow_repeats changed fitness/precision")
	}
	// Every observed pair is listed (api.md): S1's W1 W1 is the self-pair
	// M→M, once, in one session of one case; collapsed, it is not observed.
	self := func(rep Report) *TransitionRow {
		for i, tr := range rep.Transitions {
			if tr.From == "M" && tr.To == "M" {
				return &rep.Transitions[i]
			}
		}
		return nil
	}
	if tr := self(r); tr == nil || tr.Count != 1 || tr.Sessions != 1 || tr.Cases != 1 || tr.InModel || tr.Dependency != 0.5 {
		t.Errorf("M→M under allow_repeats: %+v", tr)
	}
	if tr := self(base); tr != nil {
		t.Errorf("M→M listed with repeats collapsed: %+v", tr)
	}
	if *base.Summary.AllowedTransitionShare != *r.Summary.AllowedTransitionShare {
		t.Errorf("self-pairs changed allowed_transition_share")
	}
	found := false
	for _, vt := range r.Validation.Transitions {
		if vt.From == "M" && vt.To == "M" {
			found = vt.ResolvedWith == 1 && vt.UnresolvedWith == 0
		}
	}
	if !found {
		t.Errorf("M→M missing from the validation: %+v", r.Validation.Transitions)
	}
}

// TestVariants: the rupture dataset's distinct sequences, most frequent
// first, ties lexicographically in model stage order (M A C1 C2 C3 O R);
// S2 (with the unmapped X9) and S6 share M A R.
func TestVariants(t *testing.T) {
	r := analyze(t, ruptureModel(), Params{}, ruptureSessions())
	want := []VariantRow{
		{Stages: []string{"M", "A", "R"}, Sessions: 2, Cases: 2},
		{Stages: []string{"M", "A", "C1", "C2", "O", "R"}, Sessions: 1, Cases: 1},
		{Stages: []string{"M", "R", "A"}, Sessions: 1, Cases: 1},
		{Stages: []string{"A", "C3", "C1", "R"}, Sessions: 1, Cases: 1},
	}
	if diff := cmp.Diff(want, r.Variants); diff != "" {
		t.Errorf("variants (-want +got):\n%s", diff)
	}
}

// TestValidationReported: domain.md's discrimination example. Model A
// (marker) → B → R (resolution), shortest path 3. Twenty sessions rated by
// the patient: ten resolved (rating 5), eight of them A B R, two A R;
// ten unresolved (rating 2), two A B R, eight A R; one more without a
// rating (left out, counted). Stage B: [[8, 2], [2, 8]]: Fisher p =
// 0.0230141375652211 (R: fisher.test(matrix(c(8,2,2,8),2))$p.value), OR =
// 8·8/(2·2) = 16, CI exp(log 16 ± 1.959964·√(1/8+1/2+1/2+1/8)) =
// [1.78833026345395, 143.150292332226] (R, same formula). A and R occur
// everywhere: an empty column, OR undefined, p = 1. Transitions A→B and
// B→R as B; A→R [[2, 8], [8, 2]]: the same p, OR 1/16. Holm over the six
// tests: R p.adjust(c(1, p, 1, p, p, p), "holm") = 0.138084825391327 for
// the four p's, 1 for the others. Fitness: resolved 1 − 2/(8·6 + 2·5) =
// 28/29, unresolved 1 − 8/(2·6 + 8·5) = 11/13 (A R needs one model move).
func TestValidationReported(t *testing.T) {
	m := Model{
		Stages:      []Stage{{Key: "A", Role: RoleMarker, Codes: []string{"a"}}, {Key: "B", Codes: []string{"b"}}, {Key: "R", Role: RoleResolution, Codes: []string{"r"}}},
		Transitions: []Transition{{From: "A", To: "B"}, {From: "B", To: "R"}},
	}
	rating := func(x int) *int { return &x }
	var ss []Session
	for i := 0; i < 20; i++ {
		codes := []string{"a", "r"}
		if i < 8 || (i >= 10 && i < 12) {
			codes = []string{"a", "b", "r"}
		}
		r := 5
		if i >= 10 {
			r = 2
		}
		ss = append(ss, Session{Case: fmt.Sprintf("c%02d", i), Session: 1, Codes: codes, Reported: rating(r)})
	}
	ss = append(ss, Session{Case: "c99", Session: 1, Codes: []string{"a", "r"}})
	rep := analyze(t, m, Params{Outcome: OutcomeReported}, ss)
	v := rep.Validation
	if v.Outcome != "reported" || v.Resolved != 10 || v.Unresolved != 10 || v.NoOutcome != 1 || v.Tests != 6 || v.Family == "" {
		t.Fatalf("validation head: %+v", v)
	}
	if rep.Params.OutcomeMin != 4 || rep.Params.OutcomeRater != "patient" {
		t.Errorf("params not echoed: %+v", rep.Params)
	}
	const p, holm = 0.0230141375652211, 0.138084825391327
	check := func(name string, got Test, rw, uw int, or, lo, hi, fp, hp float64) {
		t.Helper()
		if got.ResolvedWith != rw || got.UnresolvedWith != uw || got.Corrected || !near(got.FisherP, fp) || !near(got.HolmP, hp) {
			t.Errorf("%s: %+v", name, got)
		}
		if math.IsNaN(or) {
			if got.OddsRatio != nil || got.CI95 != nil {
				t.Errorf("%s: odds ratio %v %v, want null", name, got.OddsRatio, got.CI95)
			}
			return
		}
		checkNum(t, name+" OR", got.OddsRatio, or)
		if got.CI95 == nil || !near(got.CI95[0], lo) || !near(got.CI95[1], hi) {
			t.Errorf("%s: ci95 %v, want [%v, %v]", name, got.CI95, lo, hi)
		}
	}
	nan := math.NaN()
	check("A", v.Stages[0], 10, 10, nan, 0, 0, 1, 1)
	check("B", v.Stages[1], 8, 2, 16, 1.78833026345395, 143.150292332226, p, holm)
	check("R", v.Stages[2], 10, 10, nan, 0, 0, 1, 1)
	if len(v.Transitions) != 3 {
		t.Fatalf("transitions: %+v", v.Transitions)
	}
	for _, tt := range v.Transitions {
		switch tt.From + tt.To {
		case "AB", "BR":
			check(tt.From+"→"+tt.To, tt, 8, 2, 16, 1.78833026345395, 143.150292332226, p, holm)
		case "AR":
			check("A→R", tt, 2, 8, 1.0/16, 1/143.150292332226, 1/1.78833026345395, p, holm)
		default:
			t.Errorf("unexpected transition %s→%s", tt.From, tt.To)
		}
	}
	checkNum(t, "fitness resolved", v.Fitness.Resolved, 28.0/29)
	checkNum(t, "fitness unresolved", v.Fitness.Unresolved, 11.0/13)

	// outcome_min 2 makes every rated session resolved: no unresolved
	// group, every test p = 1, fitness of the empty group null.
	rep = analyze(t, m, Params{Outcome: OutcomeReported, OutcomeMin: 2}, ss)
	if v := rep.Validation; v.Resolved != 20 || v.Unresolved != 0 || v.Fitness.Unresolved != nil || v.Stages[1].FisherP != 1 || v.Stages[1].OddsRatio != nil {
		t.Errorf("outcome_min 2: %+v", v)
	}
}

// TestValidationResolutionStage: on the rupture dataset the outcome is the
// last stage: S1, S2, S3, S6 end in R (resolved), S4 (M R A) does not.
// Stage M: [[3, 1], [1, 0]], a zero cell: corrected OR (3.5·0.5)/(1.5·1.5)
// = 0.777…; Fisher p = 1 (R: fisher.test(matrix(c(3,1,1,0),2))$p.value).
func TestValidationResolutionStage(t *testing.T) {
	r := analyze(t, ruptureModel(), Params{}, ruptureSessions())
	v := r.Validation
	if v.Outcome != "resolution_stage" || v.Resolved != 4 || v.Unresolved != 1 || v.NoOutcome != 0 {
		t.Fatalf("validation: %+v", v)
	}
	m := v.Stages[0]
	if m.Key != "M" || m.ResolvedWith != 3 || m.UnresolvedWith != 1 || !m.Corrected || m.FisherP != 1 {
		t.Errorf("M: %+v", m)
	}
	checkNum(t, "M OR", m.OddsRatio, 3.5*0.5/(1.5*1.5))
	if r.Params.OutcomeMin != 0 || r.Params.OutcomeRater != "" {
		t.Errorf("reported-only params echoed: %+v", r.Params)
	}
}

// checkIndependence compares expected counts and residuals with the closed
// forms e = r c / N, z = (x − e)/√(e (1 − c/N)(1 − r/N)).
func checkIndependence(t *testing.T, lt LagTable) {
	t.Helper()
	n := len(lt.Labels)
	row, col := make([]float64, n), make([]float64, n)
	N := 0.0
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			x := float64(lt.Counts[i][j])
			row[i] += x
			col[j] += x
			N += x
		}
	}
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			e := row[i] * col[j] / N
			checkNum(t, "e", lt.Expected[i][j], e)
			v := e * (1 - col[j]/N) * (1 - row[i]/N)
			z := math.NaN()
			if e > 0 && v > 0 {
				z = (float64(lt.Counts[i][j]) - e) / math.Sqrt(v)
			}
			checkNum(t, "z", lt.AdjustedResiduals[i][j], z)
		}
	}
}

// TestEmptyAnalyzer: no sessions → counts 0 and null ratios, no NaN.
func TestEmptyAnalyzer(t *testing.T) {
	r := analyze(t, ruptureModel(), Params{}, []Session{{Case: "c", Session: 1, Codes: []string{"nope"}}})
	s := r.Summary
	if s.Sessions != 0 || s.SkippedEmpty != 1 || s.Fitness != nil || s.Precision != nil || s.AllowedTransitionShare != nil || s.MeanKendallTau != nil {
		t.Errorf("summary %+v", s)
	}
	if r.Stages[0].SessionSupport != nil || r.Stages[0].Supported {
		t.Errorf("stage row %+v", r.Stages[0])
	}
	if r.LagTable.Expected[0][1] != nil {
		t.Errorf("expected should be null when N = 0")
	}
}

// TestUnmappedEventsAreDeviations, by hand on the rupture dataset with the
// default Unmapped "deviation" (domain.md: events outside the model are
// always deviations). Only c1/2 (W1 RS04 X9 RS10 → M A [X9] R) changes
// from TestRuptureDatasetMetrics: its X9 is one more log move (cost 0 → 1)
// and one more event (denominator 3 + 3 → 3 + 3 + 1), so its fitness is
// 6/7, and the log fitness 1 − 3/34 becomes 1 − 4/35 = 31/35. c3/1 has
// only X9 and stays skipped; stage variants stay 4 (c1/2 and c3/2 are
// both M A R).
func TestUnmappedEventsAreDeviations(t *testing.T) {
	r := analyze(t, ruptureModel(), Params{}, ruptureSessions())
	if r.Params.Unmapped != UnmappedDeviation {
		t.Fatalf("default unmapped = %q", r.Params.Unmapped)
	}
	checkNum(t, "log fitness", r.Summary.Fitness, 31.0/35)
	if r.Summary.Variants != 4 || r.Summary.SkippedEmpty != 1 {
		t.Errorf("variants %d skipped %d", r.Summary.Variants, r.Summary.SkippedEmpty)
	}
	for _, s := range r.Sequences {
		switch {
		case s.Case == "c1" && s.Session == 2:
			if s.Cost != 1 || !near(s.Fitness, 6.0/7) {
				t.Errorf("c1/2 cost %d fitness %v", s.Cost, s.Fitness)
			}
			if diff := cmp.Diff([]Deviation{{LogMove, "", 2, "X9"}}, s.Deviations); diff != "" {
				t.Errorf("c1/2 deviations: %s", diff)
			}
		case s.Case == "c3" && s.Session == 2:
			if s.Cost != 0 || len(s.Deviations) != 0 {
				t.Errorf("c3/2 changed: %+v", s)
			}
		}
	}
	// Consecutive repeats of one unmapped code collapse; different codes,
	// or the same code apart, do not. A model move at a position comes
	// after an unmapped event before that position's stage.
	r = analyze(t, ruptureModel(), Params{}, []Session{
		{Case: "x", Session: 1, Codes: []string{"X9", "X9", "W1", "RS04", "RS10"}},
		{Case: "x", Session: 2, Codes: []string{"W1", "X9", "Y8", "RS04", "X9", "RS10"}},
		{Case: "x", Session: 3, Codes: []string{"X9", "RS04", "RS10"}},
	})
	want := map[int][]Deviation{
		1: {{LogMove, "", 0, "X9"}},
		2: {{LogMove, "", 1, "X9"}, {LogMove, "", 1, "Y8"}, {LogMove, "", 2, "X9"}},
		3: {{LogMove, "", 0, "X9"}, {ModelMove, "M", 0, ""}},
	}
	for _, s := range r.Sequences {
		if diff := cmp.Diff(want[s.Session], s.Deviations); diff != "" {
			t.Errorf("x/%d deviations (-want +got):\n%s", s.Session, diff)
		}
	}
	// "ignore" leaves them out of the alignment.
	r = analyze(t, ruptureModel(), Params{Unmapped: UnmappedIgnore}, []Session{{Case: "x", Session: 1, Codes: []string{"X9", "W1", "RS04", "RS10"}}})
	if r.Sequences[0].Cost != 0 || r.Summary.UnmappedEvents != 1 {
		t.Errorf("ignore: %+v", r.Sequences[0])
	}
}
