package conformance

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// versionModel is a valid model version: marker M, cluster K = {A, B},
// optional C, resolution R.
func versionModel() Model {
	return Model{
		Stages: []Stage{
			{Key: "M", Role: RoleMarker, Codes: []string{"m1"}},
			{Key: "A", Role: RoleProcess, Cluster: "K", Codes: []string{"a1", "a2"}},
			{Key: "B", Role: RoleProcess, Cluster: "K", Codes: []string{"b1"}},
			{Key: "C", Role: RoleProcess, Optional: true, Codes: []string{"c1"}},
			{Key: "R", Role: RoleResolution, Codes: []string{"r1"}},
		},
		Transitions: []Transition{{From: "M", To: "A"}, {From: "B", To: "C", Kind: KindAlternative}, {From: "C", To: "R"}, {From: "C", To: "C", Kind: KindLoop}},
		Clusters:    []string{"K"},
	}
}

// TestValidate: each rule of a model version names the field and says what
// is wrong; the messages are the API's (api/badinput_test.go pins the paths).
func TestValidate(t *testing.T) {
	if errs := Validate(versionModel()); len(errs) != 0 {
		t.Fatalf("valid version: %v", errs)
	}
	codes := make([]string, MaxCodes+1)
	for i := range codes {
		codes[i] = fmt.Sprintf("x%d", i)
	}
	cases := []struct {
		name   string
		change func(m *Model)
		want   FieldErrors
	}{
		{"no stages", func(m *Model) { m.Stages, m.Transitions, m.Clusters = nil, nil, nil },
			FieldErrors{{"stages", "at least one stage is required"}}},
		{"too many stages", func(m *Model) {
			for i := 0; i < MaxStages; i++ {
				m.Stages = append(m.Stages, Stage{Key: fmt.Sprintf("X%d", i), Role: RoleProcess, Codes: []string{fmt.Sprintf("x%d", i)}})
			}
		}, FieldErrors{{"stages", "at most 200 stages"}}},
		{"too many transitions and clusters", func(m *Model) {
			for range MaxTransitions {
				m.Transitions = append(m.Transitions, Transition{From: "M", To: "A"})
			}
			m.Transitions = m.Transitions[:MaxTransitions+1]
			for i := range MaxClusters {
				m.Clusters = append(m.Clusters, fmt.Sprintf("K%d", i))
			}
		}, nil}, // checked by prefix below
		{"bad keys", func(m *Model) { m.Stages[1].Key, m.Clusters[0] = "a b", "-K" },
			FieldErrors{
				{"clusters[0].key", KeySyntax},
				{"stages[1].key", KeySyntax},
				{"stages[1].cluster", `names no cluster of this version: "K"`},
				{"stages[2].cluster", `names no cluster of this version: "K"`},
				{"transitions[0].to", `names no stage of this version: "A"`},
			}},
		{"duplicate keys", func(m *Model) { m.Stages[2].Key = "A"; m.Clusters = append(m.Clusters, "K") },
			FieldErrors{
				{"clusters[1].key", `duplicates clusters[0].key "K"`},
				{"stages[2].key", `duplicates stages[1].key "A"`},
				{"transitions[1].from", `names no stage of this version: "B"`},
			}},
		{"roles", func(m *Model) { m.Stages[0].Role, m.Stages[4].Role, m.Stages[3].Role = "", RoleProcess, "boss" },
			FieldErrors{
				{"stages[0].role", "must be one of marker, process, resolution"},
				{"stages[3].role", "must be one of marker, process, resolution"},
				{"stages", "at least one stage with role marker is required"},
				{"stages", "at least one stage with role resolution is required"},
			}},
		{"clusters", func(m *Model) { m.Stages[1].Cluster, m.Stages[2].Cluster = "", "Q"; m.Clusters = []string{"K", "L"} },
			FieldErrors{
				{"stages[2].cluster", `names no cluster of this version: "Q"`},
				{"clusters[0].key", `cluster "K" has no member stages`},
				{"clusters[1].key", `cluster "L" has no member stages`},
			}},
		{"codes", func(m *Model) {
			m.Stages[0].Codes = nil
			m.Stages[1].Codes = []string{"a1", "has space", "a1", "r1", strings.Repeat("x", 33)}
			m.Stages[2].Codes = codes
		}, FieldErrors{
			{"stages[0].codes", "at least one indicator code is required"},
			{"stages[1].codes[1]", "must be 1-32 printable characters without spaces"},
			{"stages[1].codes[2]", `repeats code "a1"`},
			{"stages[1].codes[4]", "must be 1-32 printable characters without spaces"},
			{"stages[2].codes", "at most 100 codes"},
			{"stages[4].codes[0]", `code "r1" already indicates stage "A"; a code indicates one stage`},
		}},
		{"transitions", func(m *Model) {
			m.Transitions = append(m.Transitions,
				Transition{From: "Z", To: "M", Kind: "maybe"},
				Transition{From: "R", To: "R"},
				Transition{From: "M", To: "A", Kind: KindAlternative})
		}, FieldErrors{
			{"transitions[4].from", `names no stage of this version: "Z"`},
			{"transitions[4].kind", "must be one of hypothesized, alternative, loop"},
			{"transitions[5].to", "a transition from a stage to itself must have kind loop"},
			{"transitions[6]", "duplicates transitions[0] (M → A)"},
		}},
	}
	for _, c := range cases {
		m := versionModel()
		c.change(&m)
		got := Validate(m)
		if c.want == nil {
			want := FieldErrors{{"transitions", "at most 2000 transitions"}, {"clusters", "at most 50 clusters"}}
			if len(got) < 2 || cmp.Diff(want, got[:2]) != "" {
				t.Errorf("%s: got %v", c.name, got)
			}
			continue
		}
		if diff := cmp.Diff(c.want, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", c.name, diff)
		}
	}
}

// TestCompileLenient: the engine reads what a version must spell out (an
// empty role is process, kind empty is hypothesized, clusters listed by
// their stages, no marker: starts by rule 4) and ignores what cannot harm it
// (a repeated code, a repeated transition, a self-transition of any kind,
// keys of any syntax), while Validate refuses each.
func TestCompileLenient(t *testing.T) {
	m := Model{
		Stages: []Stage{
			{Key: "first step", Codes: []string{"c", "c"}},
			{Key: "B", Cluster: "K"},
			{Key: "R", Role: RoleResolution},
		},
		Transitions: []Transition{{From: "first step", To: "B"}, {From: "first step", To: "B"}, {From: "B", To: "B"}, {From: "B", To: "R"}},
	}
	d, err := Compile(m)
	if err != nil {
		t.Fatalf("Compile: %v", err)
	}
	if diff := cmp.Diff([]string{"first step"}, d.Starts); diff != "" {
		t.Errorf("starts: %s", diff)
	}
	var fields []string
	for _, e := range Validate(m) {
		fields = append(fields, e.Field)
	}
	want := []string{"stages[0].key", "stages[0].role", "stages[0].codes[1]", "stages[1].role", "stages[1].cluster", "stages[1].codes",
		"stages[2].codes", "stages", "transitions[0].from", "transitions[1].from", "transitions[1]", "transitions[2].to"}
	if diff := cmp.Diff(want, fields); diff != "" {
		t.Errorf("Validate fields (-want +got):\n%s", diff)
	}
	// An engine model that lists its clusters must list every one used.
	m.Clusters = []string{"L"}
	if _, err := Compile(m); err == nil || !strings.Contains(err.Error(), `model.stages[1].cluster: names no cluster of this version: "K"`) {
		t.Errorf("undeclared cluster: %v", err)
	}
	m.Clusters = nil
	m.Stages[0].Key = ""
	if _, err := Compile(m); err == nil || !strings.Contains(err.Error(), "model.stages[0].key: must not be empty") {
		t.Errorf("empty key: %v", err)
	}
}
