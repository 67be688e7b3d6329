package conformance

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// ruptureModel is the example model of the tests ("rupture model"):
//
//	M (marker) → A → {C1 C2 C3} (cluster X) → O (optional) → R (resolution)
//
// declared transitions M→A, A→C1, C2→O, O→R (hypothesized) and O→A (loop).
func ruptureModel() Model {
	return Model{
		Stages: []Stage{
			{Key: "M", Role: RoleMarker, Codes: []string{"W1", "W2"}},
			{Key: "A", Role: RoleProcess, Codes: []string{"RS04"}},
			{Key: "C1", Role: RoleProcess, Cluster: "X", Codes: []string{"RS01"}},
			{Key: "C2", Role: RoleProcess, Cluster: "X", Codes: []string{"RS05"}},
			{Key: "C3", Role: RoleProcess, Cluster: "X", Codes: []string{"RS06"}},
			{Key: "O", Role: RoleProcess, Optional: true, Codes: []string{"RS09"}},
			{Key: "R", Role: RoleResolution, Codes: []string{"RS10"}},
		},
		Transitions: []Transition{
			{From: "M", To: "A", Kind: KindHypothesized},
			{From: "A", To: "C1", Kind: KindHypothesized},
			{From: "C2", To: "O", Kind: KindHypothesized},
			{From: "O", To: "R", Kind: KindHypothesized},
			{From: "O", To: "A", Kind: KindLoop},
		},
		Clusters: []string{"X"},
	}
}

// TestCompileRuptureModel: the rupture model (3-stage cluster, optional stage,
// loop).
//
// Cluster X = {C1, C2, C3}: predecessors {A} (A→C1), successors {O} (C2→O):
// adds C1↔C2, C1↔C3, C2↔C3, A→C2, A→C3, C1→O, C3→O.
// Skippable: C1, C2, C3 (cluster), O (optional). Skip closure:
//
//	A  → C1 C2 C3, through them O, through O: R and A (A→A dropped)
//	Ci → the other members, O, through O: R, A
//	O  → R, A (A is not skippable); M → A; R → nothing.
//
// Starts {M}; ends {R}; shortest path M A R = 3 stages (A→R by skipping).
func TestCompileRuptureModel(t *testing.T) {
	d, err := Compile(ruptureModel())
	if err != nil {
		t.Fatal(err)
	}
	e := func(from, to, origin string) Edge { return Edge{From: from, To: to, Origin: origin} }
	want := []Edge{
		e("M", "A", OriginDeclared),
		e("A", "C1", OriginDeclared), e("A", "C2", OriginCluster), e("A", "C3", OriginCluster), e("A", "O", OriginSkip), e("A", "R", OriginSkip),
		e("C1", "A", OriginSkip), e("C1", "C2", OriginCluster), e("C1", "C3", OriginCluster), e("C1", "O", OriginCluster), e("C1", "R", OriginSkip),
		e("C2", "A", OriginSkip), e("C2", "C1", OriginCluster), e("C2", "C3", OriginCluster), e("C2", "O", OriginDeclared), e("C2", "R", OriginSkip),
		e("C3", "A", OriginSkip), e("C3", "C1", OriginCluster), e("C3", "C2", OriginCluster), e("C3", "O", OriginCluster), e("C3", "R", OriginSkip),
		e("O", "A", OriginDeclared), e("O", "R", OriginDeclared),
	}
	if diff := cmp.Diff(want, d.Edges); diff != "" {
		t.Errorf("edges (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"M"}, d.Starts); diff != "" {
		t.Errorf("starts: %s", diff)
	}
	if diff := cmp.Diff([]string{"R"}, d.Ends); diff != "" {
		t.Errorf("ends: %s", diff)
	}
	if d.ShortestPath != 3 {
		t.Errorf("shortest path = %d, want 3", d.ShortestPath)
	}
}

// TestCompileStartRules: "no marker" example: stages P, Q (optional), S, R
// (resolution) with P→Q→S→R and no marker: the start is P (no predecessor);
// making P optional also makes Q a start, and through the optional Q, S.
func TestCompileStartRules(t *testing.T) {
	m := Model{
		Stages: []Stage{{Key: "P"}, {Key: "Q", Optional: true}, {Key: "S"}, {Key: "R", Role: RoleResolution}},
		Transitions: []Transition{
			{From: "P", To: "Q"}, {From: "Q", To: "S"}, {From: "S", To: "R"},
		},
	}
	d, err := Compile(m)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"P"}, d.Starts); diff != "" {
		t.Errorf("starts: %s", diff)
	}
	if !d.HasEdge("P", "S") || d.HasEdge("P", "R") {
		t.Errorf("skip edges wrong: %v", d.Edges)
	}
	if d.ShortestPath != 3 { // P S R
		t.Errorf("shortest path %d, want 3", d.ShortestPath)
	}
	m.Stages[0].Optional = true
	d, err = Compile(m)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"P", "Q", "S"}, d.Starts); diff != "" {
		t.Errorf("starts with optional P: %s", diff)
	}
	if d.ShortestPath != 2 { // S R
		t.Errorf("shortest path %d, want 2", d.ShortestPath)
	}
}

// TestCompileOptionalResolution: "optional resolution" example: A (marker) →
// R1 (optional resolution) → B → R2 (resolution). R1 is an end and, being
// optional, makes its predecessor A an end (domain.md "Start and end
// stages": end stages are symmetric to start stages); A→B is added by
// skipping R1; A alone is a complete path.
func TestCompileOptionalResolution(t *testing.T) {
	m := Model{
		Stages:      []Stage{{Key: "A", Role: RoleMarker}, {Key: "R1", Role: RoleResolution, Optional: true}, {Key: "B"}, {Key: "R2", Role: RoleResolution}},
		Transitions: []Transition{{From: "A", To: "R1"}, {From: "R1", To: "B"}, {From: "B", To: "R2"}},
	}
	d, err := Compile(m)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"A", "R1", "R2"}, d.Ends); diff != "" {
		t.Errorf("ends: %s", diff)
	}
	if !d.HasEdge("A", "B") {
		t.Errorf("A→B missing")
	}
	if d.ShortestPath != 1 {
		t.Errorf("shortest path %d, want 1", d.ShortestPath)
	}
}

// TestCompileEndRules: the domain.md example and its cluster form.
//   - A (marker) → B → C (optional resolution): ends {B, C}; the session A,B
//     fits (fitness 1), as A,B,C does; before the symmetric rule A,B got 0.8
//     (one model move over shortest path 3 + length 2).
//   - A (marker) → {X, Y} (cluster K) with Y a resolution stage: every
//     member of the cluster holding the end stage is an end (X through the
//     cluster edge X→Y), and so is A (its predecessor, Y being skippable).
//     The predecessors of a non-skippable end stay as they are.
func TestCompileEndRules(t *testing.T) {
	m := Model{
		Stages:      []Stage{{Key: "A", Role: RoleMarker, Codes: []string{"a"}}, {Key: "B", Codes: []string{"b"}}, {Key: "C", Role: RoleResolution, Optional: true, Codes: []string{"c"}}},
		Transitions: []Transition{{From: "A", To: "B"}, {From: "B", To: "C"}},
	}
	d, err := Compile(m)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"B", "C"}, d.Ends); diff != "" {
		t.Errorf("ends: %s", diff)
	}
	a, err := NewAnalyzer(m, Params{})
	if err != nil {
		t.Fatal(err)
	}
	a.Add(Session{Case: "c1", Session: 1, Codes: []string{"a", "b"}})
	a.Add(Session{Case: "c1", Session: 2, Codes: []string{"a", "b", "c"}})
	rep := a.Report()
	for _, row := range rep.Sequences {
		if row.Fitness != 1 || row.Cost != 0 {
			t.Errorf("session %d: fitness %v cost %d, want 1 and 0", row.Session, row.Fitness, row.Cost)
		}
	}

	m = Model{
		Stages: []Stage{{Key: "A", Role: RoleMarker}, {Key: "X", Cluster: "K"}, {Key: "Y", Cluster: "K", Role: RoleResolution},
			{Key: "Z", Role: RoleMarker}, {Key: "R", Role: RoleResolution}},
		Transitions: []Transition{{From: "A", To: "X"}, {From: "Z", To: "R"}},
		Clusters:    []string{"K"},
	}
	d, err = Compile(m)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"A", "X", "Y", "R"}, d.Ends); diff != "" {
		t.Errorf("cluster ends: %s", diff)
	}
}

// TestCompileErrors: invalid models give FieldErrors naming the field.
func TestCompileErrors(t *testing.T) {
	cases := []struct {
		name  string
		m     Model
		field string
	}{
		{"empty", Model{}, "model.stages"},
		{"duplicate key", Model{Stages: []Stage{{Key: "A", Role: RoleResolution}, {Key: "A"}}}, "model.stages[1].key"},
		{"unknown role", Model{Stages: []Stage{{Key: "A", Role: "x"}}}, "model.stages[0].role"},
		{"unknown stage", Model{Stages: []Stage{{Key: "A", Role: RoleResolution}}, Transitions: []Transition{{From: "A", To: "B"}}}, "model.transitions[0].to"},
		{"unknown kind", Model{Stages: []Stage{{Key: "A", Role: RoleResolution}, {Key: "B"}}, Transitions: []Transition{{From: "A", To: "B", Kind: "maybe"}}}, "model.transitions[0].kind"},
		{"unknown cluster", Model{Stages: []Stage{{Key: "A", Role: RoleResolution, Cluster: "Y"}}, Clusters: []string{"X"}}, "model.stages[0].cluster"},
		{"shared code", Model{Stages: []Stage{{Key: "A", Codes: []string{"c"}}, {Key: "B", Role: RoleResolution, Codes: []string{"c"}}}}, "model.stages[1].codes[0]"},
		{"no resolution", Model{Stages: []Stage{{Key: "A", Role: RoleMarker}}}, "model.stages"},
		{"unreachable end", Model{Stages: []Stage{{Key: "A", Role: RoleMarker}, {Key: "R", Role: RoleResolution}}}, "model.transitions"},
		{"no start", Model{Stages: []Stage{{Key: "A"}, {Key: "R", Role: RoleResolution}}, Transitions: []Transition{{From: "A", To: "R"}, {From: "R", To: "A"}}}, "model.stages"},
	}
	for _, c := range cases {
		_, err := Compile(c.m)
		var fe FieldErrors
		if !errors.As(err, &fe) || len(fe) == 0 || fe[0].Field != c.field {
			t.Errorf("%s: err = %v, want field %s", c.name, err, c.field)
		}
	}
}

// TestParams: defaults and validation fields.
func TestParams(t *testing.T) {
	p := Params{}.WithDefaults()
	if p != (Params{SupportThreshold: 0.5, Unit: "session", Lag: 1, Unmapped: "deviation", Outcome: "resolution_stage"}) {
		t.Errorf("defaults %+v", p)
	}
	if errs := p.Validate(); len(errs) != 0 {
		t.Errorf("defaults invalid: %v", errs)
	}
	bad := Params{SupportThreshold: 1.5, Unit: "dyad", Lag: 6, Unmapped: "drop", Outcome: "felt"}.Validate()
	var fields []string
	for _, e := range bad {
		fields = append(fields, e.Field)
	}
	if diff := cmp.Diff([]string{"params.support_threshold", "params.unit", "params.lag", "params.unmapped", "params.outcome"}, fields); diff != "" {
		t.Errorf("fields: %s", diff)
	}
	// The reported outcome: defaults 4 (top third of 1-5) and patient;
	// its two parameters are refused with the resolution_stage outcome.
	p = Params{Outcome: OutcomeReported}.WithDefaults()
	if p.OutcomeMin != 4 || p.OutcomeRater != "patient" || len(p.Validate()) != 0 {
		t.Errorf("reported defaults %+v: %v", p, p.Validate())
	}
	fields = nil
	for _, e := range (Params{OutcomeMin: 3, OutcomeRater: "patient"}).WithDefaults().Validate() {
		fields = append(fields, e.Field)
	}
	for _, e := range (Params{Outcome: OutcomeReported, OutcomeMin: 6, OutcomeRater: "observer"}).WithDefaults().Validate() {
		fields = append(fields, e.Field)
	}
	if diff := cmp.Diff([]string{"params.outcome_min", "params.outcome_rater", "params.outcome_min", "params.outcome_rater"}, fields); diff != "" {
		t.Errorf("outcome fields: %s", diff)
	}
	if _, err := NewAnalyzer(ruptureModel(), Params{SupportThreshold: -1}); err == nil {
		t.Errorf("NewAnalyzer accepted a negative threshold")
	}
}
