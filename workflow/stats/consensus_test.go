package stats

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

func consF(v float64) *float64 { return &v }

// consResolve resolves r on s and fails the test on errors.
func consResolve(t *testing.T, r Rule, s Scale) Rule {
	t.Helper()
	rr, errs := r.Resolve(s)
	if len(errs) > 0 {
		t.Fatalf("Resolve(%+v, %v): %v", r, s, errs)
	}
	return rr
}

func TestConsensusEightyPercentRule(t *testing.T) {
	// The 80 % rule (api.md: percent_agree, agree_min 7 on 1-9, threshold
	// 0.8): ratings 7, 8, 5, 6, 9 → 3 of 5 rate ≥ 7 = 0.6 < 0.8, and 0 of 5
	// rate ≤ 3, so no consensus.
	s := Scale{1, 9}
	r := consResolve(t, Rule{Name: RulePercentAgree}, s)
	got := r.Evaluate([]int{7, 8, 5, 6, 9}, s)
	if got.PercentAgree != 0.6 || got.Consensus != ConsensusNone {
		t.Fatalf("got %+v, want percent_agree 0.6, none", got)
	}
	if got.ICVI != nil || got.KappaStar != nil || got.IPR != nil || got.Disagreement != nil {
		t.Fatalf("1-9 percent_agree must not fill CVI or RAND fields: %+v", got)
	}
	// 4 of 5 (0.8) is in; 4 of 5 at ≤ 3 (the mirror of 7 on 1-9) is out.
	if got := r.Evaluate([]int{7, 8, 9, 9, 5}, s); got.Consensus != ConsensusIn || got.PercentAgree != 0.8 {
		t.Fatalf("in: %+v", got)
	}
	if got := r.Evaluate([]int{1, 2, 3, 3, 5}, s); got.Consensus != ConsensusOut || got.PercentAgree != 0 {
		t.Fatalf("out: %+v", got)
	}
}

func TestConsensusPercentAgreeFourPoint(t *testing.T) {
	// On 1-4 agree_min is 3; I-CVI and κ* are reported for every rule there.
	s := Scale{1, 4}
	r := consResolve(t, Rule{}, s) // empty name = percent_agree
	got := r.Evaluate([]int{3, 4, 4, 4, 2}, s)
	if got.Consensus != ConsensusIn || got.PercentAgree != 0.8 {
		t.Fatalf("got %+v", got)
	}
	// 4 of 5 relevant: I-CVI .8, Pc = C(5,4)/32 = .15625, κ* = .64375/.84375.
	if got.ICVI == nil || *got.ICVI != 0.8 || got.KappaStar == nil || !qNear(*got.KappaStar, 0.64375/0.84375, 1e-12) {
		t.Fatalf("I-CVI/κ*: %+v", got)
	}
}

func TestConsensusMedianIQR(t *testing.T) {
	s := Scale{1, 9}
	r := consResolve(t, Rule{Name: RuleMedianIQR}, s) // median_min 7, iqr_max 1
	for _, c := range []struct {
		ratings []int
		want    string
	}{
		{[]int{7, 7, 8, 8, 8}, ConsensusIn},   // median 8, Q1 7, Q3 8, IQR 1
		{[]int{2, 2, 3, 3, 3}, ConsensusOut},  // median 3 ≤ 1+9−7, IQR 1
		{[]int{1, 5, 9, 7, 8}, ConsensusNone}, // median 7 but IQR 8−5 = 3
		{[]int{5, 5, 5, 5}, ConsensusNone},    // narrow but median 5
	} {
		if got := r.Evaluate(c.ratings, s); got.Consensus != c.want {
			t.Errorf("%v: %+v, want %s", c.ratings, got, c.want)
		}
	}
}

func TestConsensusGradeSeventyFifteen(t *testing.T) {
	// The 70/15 rule as worded in the COMET Handbook (Williamson PR et al.,
	// Trials 2017;18(Suppl 3):280) and the core-outcome-set Delphis that
	// follow it: "consensus in: 70% or more participants scoring 7 to 9
	// AND <15% scoring 1 to 3; consensus out: 70% or more scoring 1 to 3
	// AND <15% scoring 7 to 9; no consensus: anything else". Both veto
	// comparisons are strict (< 15 %).
	s := Scale{1, 9}
	r := consResolve(t, Rule{Name: RuleGrade}, s)
	for _, c := range []struct {
		name    string
		ratings []int
		want    string
		high    float64
	}{
		// 8/10 = 80 % at 7-9, 1/10 = 10 % at 1-3.
		{"in", []int{7, 7, 8, 8, 9, 9, 7, 8, 5, 2}, ConsensusIn, 0.8},
		// 8/10 at 1-3, none at 7-9.
		{"out", []int{1, 1, 2, 2, 3, 3, 2, 1, 5, 6}, ConsensusOut, 0},
		// 80 % at 7-9 but 20 % at 1-3: vetoed.
		{"none (veto)", []int{7, 8, 9, 7, 8, 9, 7, 8, 1, 2}, ConsensusNone, 0.8},
		// 60 % at 7-9: too few.
		{"none (too few)", []int{7, 8, 9, 7, 8, 9, 5, 5, 5, 5}, ConsensusNone, 0.6},
		// 14/20 = 70 % at 7-9 but exactly 3/20 = 15 % at 1-3: not < 15 %.
		{"none (15 % exactly)", []int{7, 7, 7, 7, 7, 8, 8, 8, 8, 8, 9, 9, 9, 9, 1, 2, 3, 5, 5, 5}, ConsensusNone, 0.7},
		// 14/20 = 70 % at 7-9 and 2/20 = 10 % at 1-3: in at the boundary.
		{"in (70 % exactly)", []int{7, 7, 7, 7, 7, 8, 8, 8, 8, 8, 9, 9, 9, 9, 1, 2, 5, 5, 5, 5}, ConsensusIn, 0.7},
	} {
		got := r.Evaluate(c.ratings, s)
		t.Logf("%s: %s", c.name, got.Reason)
		if got.Consensus != c.want || got.PercentAgree != c.high {
			t.Errorf("%s: %+v, want %s with percent_agree %v", c.name, got, c.want, c.high)
		}
	}
}

func TestConsensusCVI(t *testing.T) {
	s := Scale{1, 4}
	r := consResolve(t, Rule{Name: RuleCVI}, s) // threshold .78
	for _, c := range []struct {
		ratings []int
		want    string
		icvi    float64
	}{
		{[]int{4, 4, 3, 3, 4, 3, 4, 4, 2}, ConsensusIn, 8.0 / 9},  // .89 ≥ .78
		{[]int{4, 4, 3, 3, 2, 1, 4}, ConsensusNone, 5.0 / 7},      // .71
		{[]int{1, 1, 2, 2, 2, 1, 2, 1, 3}, ConsensusOut, 1.0 / 9}, // 8/9 at 1-2
	} {
		got := r.Evaluate(c.ratings, s)
		if got.Consensus != c.want || got.ICVI == nil || *got.ICVI != c.icvi || got.PercentAgree != c.icvi {
			t.Errorf("%v: %+v, want %s with I-CVI %v", c.ratings, got, c.want, c.icvi)
		}
	}
	// 8 of 9 relevant: κ* .89 (Polit, Beck & Owen 2007).
	got := r.Evaluate([]int{4, 4, 3, 3, 4, 3, 4, 4, 2}, s)
	if !qNear(*got.KappaStar, 0.89, 0.005) {
		t.Errorf("κ* %v", *got.KappaStar)
	}
}

func TestConsensusNoRatings(t *testing.T) {
	for _, c := range []struct {
		name string
		s    Scale
	}{
		{RulePercentAgree, Scale{1, 9}}, {RuleMedianIQR, Scale{1, 9}}, {RuleGrade, Scale{1, 9}},
		{RuleCVI, Scale{1, 4}}, {RuleRandUCLA, Scale{1, 9}},
	} {
		r := consResolve(t, Rule{Name: c.name}, c.s)
		got := r.Evaluate(nil, c.s)
		if got.Consensus != ConsensusNone || got.Reason != "no ratings" || got.ICVI != nil || got.KappaStar != nil {
			t.Errorf("%s: %+v", c.name, got)
		}
		// Ratings off the scale do not count either.
		if got := r.Evaluate([]int{0, 10, 42}, c.s); got.Reason != "no ratings" {
			t.Errorf("%s off-scale: %+v", c.name, got)
		}
		if _, err := json.Marshal(got); err != nil {
			t.Errorf("%s: %v", c.name, err)
		}
	}
}

func TestConsensusEvaluateInvalidRule(t *testing.T) {
	got := Rule{Name: "majority"}.Evaluate([]int{7, 7, 7}, Scale{1, 9})
	if got.Consensus != ConsensusNone || !strings.Contains(got.Reason, "consensus.rule") {
		t.Fatalf("got %+v", got)
	}
	// An unresolved but valid rule takes its defaults.
	if got := (Rule{Name: RulePercentAgree}).Evaluate([]int{7, 8, 9, 9, 9}, Scale{1, 9}); got.Consensus != ConsensusIn {
		t.Fatalf("unresolved: %+v", got)
	}
}

func TestConsensusBothCriteria(t *testing.T) {
	// With threshold 0.5 half the panel at each end meets both criteria;
	// the item is then none.
	s := Scale{1, 9}
	r := consResolve(t, Rule{Name: RulePercentAgree, Threshold: consF(0.5)}, s)
	got := r.Evaluate([]int{1, 2, 8, 9}, s)
	if got.Consensus != ConsensusNone || !strings.Contains(got.Reason, "both") {
		t.Fatalf("got %+v", got)
	}
}

func TestConsensusResolve(t *testing.T) {
	nine, four, five := Scale{1, 9}, Scale{1, 4}, Scale{1, 5}
	for _, c := range []struct {
		name   string
		in     Rule
		s      Scale
		want   Rule
		fields []string // fields of the errors, in order
	}{
		{"percent_agree 1-9", Rule{Name: RulePercentAgree}, nine,
			Rule{Name: RulePercentAgree, AgreeMin: consF(7), Threshold: consF(0.8)}, nil},
		{"percent_agree 1-4", Rule{Name: RulePercentAgree}, four,
			Rule{Name: RulePercentAgree, AgreeMin: consF(3), Threshold: consF(0.8)}, nil},
		{"empty name is percent_agree", Rule{}, five,
			Rule{Name: RulePercentAgree, AgreeMin: consF(4), Threshold: consF(0.8)}, nil},
		{"percent_agree given", Rule{Name: RulePercentAgree, AgreeMin: consF(8), Threshold: consF(0.75)}, nine,
			Rule{Name: RulePercentAgree, AgreeMin: consF(8), Threshold: consF(0.75)}, nil},
		{"median_iqr 1-9", Rule{Name: RuleMedianIQR}, nine,
			Rule{Name: RuleMedianIQR, MedianMin: consF(7), IQRMax: consF(1)}, nil},
		{"median_iqr 1-4", Rule{Name: RuleMedianIQR}, four,
			Rule{Name: RuleMedianIQR, MedianMin: consF(3), IQRMax: consF(0.375)}, nil},
		{"grade", Rule{Name: RuleGrade}, nine,
			Rule{Name: RuleGrade, HighMin: consF(7), LowMax: consF(3), InShare: consF(0.7), VetoShare: consF(0.15)}, nil},
		{"grade partly given", Rule{Name: RuleGrade, InShare: consF(0.8)}, nine,
			Rule{Name: RuleGrade, HighMin: consF(7), LowMax: consF(3), InShare: consF(0.8), VetoShare: consF(0.15)}, nil},
		{"cvi", Rule{Name: RuleCVI}, four, Rule{Name: RuleCVI, Threshold: consF(0.78)}, nil},
		{"rand_ucla", Rule{Name: RuleRandUCLA}, nine, Rule{Name: RuleRandUCLA}, nil},

		{"unknown rule", Rule{Name: "delphi"}, nine, Rule{Name: "delphi"}, []string{"consensus.rule"}},
		{"foreign parameter", Rule{Name: RulePercentAgree, IQRMax: consF(1)}, nine,
			Rule{Name: RulePercentAgree, AgreeMin: consF(7), Threshold: consF(0.8)}, []string{"consensus.iqr_max"}},
		{"foreign parameters on rand_ucla", Rule{Name: RuleRandUCLA, Threshold: consF(0.8), HighMin: consF(7)}, nine,
			Rule{Name: RuleRandUCLA}, []string{"consensus.threshold", "consensus.high_min"}},
		{"cvi on 1-9", Rule{Name: RuleCVI}, nine, Rule{Name: RuleCVI, Threshold: consF(0.78)}, []string{"scale"}},
		{"cvi on 1-5", Rule{Name: RuleCVI}, five, Rule{Name: RuleCVI, Threshold: consF(0.78)}, []string{"scale"}},
		{"rand_ucla on 1-4", Rule{Name: RuleRandUCLA}, four, Rule{Name: RuleRandUCLA}, []string{"scale"}},
		{"bad scale", Rule{Name: RulePercentAgree}, Scale{5, 1},
			Rule{Name: RulePercentAgree, AgreeMin: consF(7), Threshold: consF(0.8)}, []string{"scale"}},
		{"scale too wide", Rule{Name: RuleMedianIQR}, Scale{0, 100},
			Rule{Name: RuleMedianIQR, MedianMin: consF(7), IQRMax: consF(1)}, []string{"scale"}},
		{"threshold out of range", Rule{Name: RuleCVI, Threshold: consF(1.2)}, four,
			Rule{Name: RuleCVI, Threshold: consF(1.2)}, []string{"consensus.threshold"}},
		{"agree_min not whole", Rule{Name: RulePercentAgree, AgreeMin: consF(6.5)}, nine,
			Rule{Name: RulePercentAgree, AgreeMin: consF(6.5), Threshold: consF(0.8)}, []string{"consensus.agree_min"}},
		{"agree_min below midpoint", Rule{Name: RulePercentAgree, AgreeMin: consF(5)}, nine,
			Rule{Name: RulePercentAgree, AgreeMin: consF(5), Threshold: consF(0.8)}, []string{"consensus.agree_min"}},
		{"grade defaults off a 1-5 scale", Rule{Name: RuleGrade}, five,
			Rule{Name: RuleGrade, HighMin: consF(7), LowMax: consF(3), InShare: consF(0.7), VetoShare: consF(0.15)}, []string{"consensus.high_min"}},
		{"grade low_max above high_min", Rule{Name: RuleGrade, HighMin: consF(5), LowMax: consF(6)}, nine,
			Rule{Name: RuleGrade, HighMin: consF(5), LowMax: consF(6), InShare: consF(0.7), VetoShare: consF(0.15)}, []string{"consensus.low_max"}},
		{"iqr_max negative", Rule{Name: RuleMedianIQR, IQRMax: consF(-1)}, nine,
			Rule{Name: RuleMedianIQR, MedianMin: consF(7), IQRMax: consF(-1)}, []string{"consensus.iqr_max"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, errs := c.in.Resolve(c.s)
			var fields []string
			for _, e := range errs {
				fields = append(fields, e.Field)
				if e.Message == "" {
					t.Errorf("empty message on %s", e.Field)
				}
			}
			if !reflect.DeepEqual(fields, c.fields) {
				t.Errorf("error fields %v (%v), want %v", fields, errs, c.fields)
			}
			if !reflect.DeepEqual(got, c.want) {
				gj, _ := json.Marshal(got)
				wj, _ := json.Marshal(c.want)
				t.Errorf("resolved %s, want %s", gj, wj)
			}
			// Resolving twice changes nothing.
			if len(errs) == 0 {
				again, errs2 := got.Resolve(c.s)
				if len(errs2) > 0 || !reflect.DeepEqual(again, got) {
					t.Errorf("not idempotent: %+v %v", again, errs2)
				}
			}
		})
	}
	// The message of a foreign parameter names it and the rule's own.
	_, errs := Rule{Name: RulePercentAgree, IQRMax: consF(1)}.Resolve(nine)
	if len(errs) != 1 || !strings.Contains(errs[0].Message, "iqr_max") || !strings.Contains(errs[0].Message, "agree_min") {
		t.Errorf("message: %v", errs)
	}
}
