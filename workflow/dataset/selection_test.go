package dataset

import (
	"encoding/json"
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// sess builds a SessionInfo; a negative mean means "no report".
func sess(c string, n int, p, t float64, pr, tr bool) SessionInfo {
	s := SessionInfo{Case: c, Session: n, PatientRupture: pr, TherapistRupture: tr}
	if p >= 0 {
		s.PatientMean = floatp(p)
	}
	if t >= 0 {
		s.TherapistMean = floatp(t)
	}
	return s
}

func riseData() []SessionInfo {
	return []SessionInfo{
		// Case B, given in reverse order. Means are totals / 12, as ScoreWAI
		// gives them, so the tie between B2 and B4 (both +0.5 +0.5) is a
		// floating-point tie.
		sess("B", 5, 50.0/12, 57.0/12, false, true), // +1/12 +1/12
		sess("B", 4, 49.0/12, 56.0/12, false, true), // +0.5 +0.5
		sess("B", 3, 43.0/12, 50.0/12, false, false),
		sess("B", 2, 46.0/12, 56.0/12, true, false), // +0.5 +0.5
		sess("B", 1, 40.0/12, 50.0/12, false, false),
		// Case A.
		sess("A", 1, 4.00, 5.00, false, false),
		sess("A", 2, 4.50, 5.25, true, false),  // +0.50 +0.25 = 0.75
		sess("A", 3, 4.25, 5.00, false, true),  // decoy: rupture, alliance fell
		sess("A", 4, 5.00, 5.50, true, false),  // +0.75 +0.50 = 1.25
		sess("A", 5, 5.25, 6.00, false, false), // rose, but no rupture
		sess("A", 6, 5.50, 6.25, true, true),   // +0.25 +0.25 = 0.5
		sess("A", 6, 1, 1, false, false),       // repeated: ignored
		// Case C: no usable previous session.
		sess("C", 1, 5.0, -1, false, false),
		sess("C", 2, 5.5, 5.5, true, false), // session 1 lacks the therapist's report
		sess("C", 4, 6.0, 6.0, true, true),  // there is no session 3
		sess("C", 5, 5.0, 7.0, true, false), // patient fell
	}
}

func TestSelectRiseAfterRupture(t *testing.T) {
	a2 := Selected{"A", 2, 0.75, "rupture reported by patient; patient WAI 4.00→4.50 (+0.50), therapist 5.00→5.25 (+0.25)"}
	a4 := Selected{"A", 4, 1.25, "rupture reported by patient; patient WAI 4.25→5.00 (+0.75), therapist 5.00→5.50 (+0.50)"}
	a6 := Selected{"A", 6, 0.5, "rupture reported by patient and therapist; patient WAI 5.25→5.50 (+0.25), therapist 6.00→6.25 (+0.25)"}
	b2 := Selected{"B", 2, 1, "rupture reported by patient; patient WAI 3.33→3.83 (+0.50), therapist 4.17→4.67 (+0.50)"}
	b4 := Selected{"B", 4, 1, "rupture reported by therapist; patient WAI 3.58→4.08 (+0.50), therapist 4.17→4.67 (+0.50)"}
	b5 := Selected{"B", 5, 0.166667, "rupture reported by therapist; patient WAI 4.08→4.17 (+0.08), therapist 4.67→4.75 (+0.08)"}
	tests := []struct {
		k    int
		want []Selected
	}{
		{1, []Selected{a4, b2}}, // the B2/B4 tie goes to the earlier session
		{2, []Selected{a2, a4, b2, b4}},
		{0, []Selected{a2, a4, a6, b2, b4, b5}},
	}
	for _, tt := range tests {
		got := Select(RuleRiseAfterRupture, SelectionParams{K: tt.k}, riseData())
		if d := cmp.Diff(tt.want, got); d != "" {
			t.Errorf("k = %d (-want +got):\n%s", tt.k, d)
		}
	}
	// "" is the default rule.
	p, _ := ParseSelection("", nil)
	if d := cmp.Diff([]Selected{a2, a4, b2, b4}, Select("", p, riseData())); d != "" {
		t.Errorf("default rule (-want +got):\n%s", d)
	}
	if got := Select("nope", p, riseData()); got != nil {
		t.Errorf("unknown rule selected %v", got)
	}
}

func vData() []SessionInfo {
	return []SessionInfo{
		// Case V. Patient 5,6,3,6,5,5: mean 5, SD √1.2 = 1.095445.
		// Therapist 6,6,6,4,6,6: mean 34/6, SD √(2/3) = 0.816497.
		sess("V", 1, 5, 6, false, false),
		sess("V", 2, 6, 6, false, false),
		sess("V", 3, 3, 6, false, false), // patient dip: depth 2/1.095445 = 1.825742
		sess("V", 4, 6, 4, false, false), // therapist dip: depth (34/6−4)/0.816497 = 2.041241
		sess("V", 5, 5, 6, false, false),
		sess("V", 6, 5, 6, false, false),
		// Case W. Patient 5,3,6,6: mean 5, SD √2; therapist 6,4,6,6: mean 5.5, SD 1.
		sess("W", 1, 5, 6, false, false),
		sess("W", 2, 3, 4, false, false), // both dip: depths 1.414214 and 1.5
		sess("W", 3, 6, 6, false, false),
		sess("W", 4, 6, 6, false, false),
		// Case Z: no spread, no candidates even at z = 0.
		sess("Z", 1, 5, 5, false, false),
		sess("Z", 2, 5, 5, false, false),
		sess("Z", 3, 5, 5, false, false),
		// Case Y: the dip is the last session, so there is no session n+1.
		sess("Y", 1, 6, -1, false, false),
		sess("Y", 2, 6, -1, false, false),
		sess("Y", 3, 2, -1, false, false),
	}
}

func TestSelectVShape(t *testing.T) {
	v3 := Selected{"V", 3, 1.825742, "patient WAI 3.00 is 1.83 SD below the case mean 5.00 (SD 1.10, threshold 3.90 at z = 1), session 4 back to 6.00"}
	v4 := Selected{"V", 4, 2.041241, "therapist WAI 4.00 is 2.04 SD below the case mean 5.67 (SD 0.82, threshold 4.85 at z = 1), session 5 back to 6.00"}
	v4z2 := v4
	v4z2.Reason = "therapist WAI 4.00 is 2.04 SD below the case mean 5.67 (SD 0.82, threshold 4.03 at z = 2), session 5 back to 6.00"
	w2 := Selected{"W", 2, 1.5, "patient WAI 3.00 is 1.41 SD below the case mean 5.00 (SD 1.41, threshold 3.59 at z = 1), session 3 back to 6.00; " +
		"therapist WAI 4.00 is 1.50 SD below the case mean 5.50 (SD 1.00, threshold 4.50 at z = 1), session 3 back to 6.00"}
	tests := []struct {
		name string
		p    SelectionParams
		want []Selected
	}{
		{"either z=1", SelectionParams{Z: 1, Raters: "either"}, []Selected{v3, v4, w2}},
		{"both z=1", SelectionParams{Z: 1, Raters: "both"}, []Selected{w2}},
		{"either z=2", SelectionParams{Z: 2, Raters: "either"}, []Selected{v4z2}},
	}
	for _, tt := range tests {
		got := Select(RuleVShape, tt.p, vData())
		if d := cmp.Diff(tt.want, got); d != "" {
			t.Errorf("%s (-want +got):\n%s", tt.name, d)
		}
	}
	flat := []SessionInfo{sess("Z", 1, 5, 5, false, false), sess("Z", 2, 5, 5, false, false), sess("Z", 3, 5, 5, false, false)}
	if got := Select(RuleVShape, SelectionParams{Z: 0, Raters: "either"}, flat); got != nil {
		t.Errorf("SD 0 selected %v", got)
	}
}

func TestParseSelection(t *testing.T) {
	tests := []struct {
		name string
		rule string
		raw  map[string]any
		want SelectionParams
		errs []FieldError
	}{
		{name: "defaults", rule: "rise_after_rupture", want: SelectionParams{K: 2, Z: 1, Raters: "either"}},
		{name: "empty rule", rule: "", raw: map[string]any{"k": float64(1)}, want: SelectionParams{K: 1, Z: 1, Raters: "either"}},
		{name: "k 0", rule: "rise_after_rupture", raw: map[string]any{"k": json.Number("0")}, want: SelectionParams{K: 0, Z: 1, Raters: "either"}},
		{name: "v_shape", rule: "v_shape", raw: map[string]any{"z": 2.0, "raters": "both"}, want: SelectionParams{K: 2, Z: 2, Raters: "both"}},
		{
			name: "bad values",
			rule: "rise_after_rupture",
			raw:  map[string]any{"k": 1.5, "z": 1.0, "extra": true},
			want: SelectionParams{K: 2, Z: 1, Raters: "either"},
			errs: []FieldError{
				{"params.extra", "unknown parameter for rule rise_after_rupture"},
				{"params.k", "must be a whole number from 0 to 1000"},
				{"params.z", "unknown parameter for rule rise_after_rupture"},
			},
		},
		{
			name: "wrong types",
			rule: "v_shape",
			raw:  map[string]any{"z": "1", "raters": 2.0, "k": 1.0},
			want: SelectionParams{K: 2, Z: 1, Raters: "either"},
			errs: []FieldError{
				{"params.k", "unknown parameter for rule v_shape"},
				{"params.raters", `must be "either" or "both"`},
				{"params.z", "must be a number from 0 to 10"},
			},
		},
		{
			name: "out of range",
			rule: "v_shape",
			raw:  map[string]any{"z": -1.0, "raters": "neither"},
			want: SelectionParams{K: 2, Z: 1, Raters: "either"},
			errs: []FieldError{
				{"params.raters", `must be "either" or "both"`},
				{"params.z", "must be a number from 0 to 10"},
			},
		},
		{
			name: "k null and negative",
			rule: "rise_after_rupture",
			raw:  map[string]any{"k": nil},
			want: SelectionParams{K: 2, Z: 1, Raters: "either"},
			errs: []FieldError{{"params.k", "must be a whole number from 0 to 1000"}},
		},
		{
			name: "unknown rule",
			rule: "best",
			raw:  map[string]any{"k": -1.0, "q": 1.0},
			want: SelectionParams{K: 2, Z: 1, Raters: "either"},
			errs: []FieldError{
				{"rule", `must be "rise_after_rupture" or "v_shape"`},
				{"params.k", "must be a whole number from 0 to 1000"},
				{"params.q", "unknown parameter"},
			},
		},
		{name: "NaN z", rule: "v_shape", raw: map[string]any{"z": math.NaN()}, want: SelectionParams{K: 2, Z: 1, Raters: "either"},
			errs: []FieldError{{"params.z", "must be a number from 0 to 10"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, errs := ParseSelection(tt.rule, tt.raw)
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("params (-want +got):\n%s", d)
			}
			if d := cmp.Diff(tt.errs, errs); d != "" {
				t.Errorf("errors (-want +got):\n%s", d)
			}
		})
	}
	p := SelectionParams{K: 1, Z: 2, Raters: "both"}
	if d := cmp.Diff(map[string]any{"z": 2.0, "raters": "both"}, p.Params(RuleVShape)); d != "" {
		t.Errorf("Params: %s", d)
	}
	if d := cmp.Diff(map[string]any{"k": 1}, p.Params(RuleRiseAfterRupture)); d != "" {
		t.Errorf("Params: %s", d)
	}
}
