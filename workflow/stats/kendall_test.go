package stats

import (
	"math"
	"testing"
)

// The anxiety data of R package irr (Gamer et al.), rows here are the three
// raters over 20 subjects (irr stores subjects in rows).
var kendallAnxiety = [][]float64{
	{3, 3, 3, 4, 5, 5, 2, 3, 5, 2, 2, 6, 1, 5, 2, 2, 1, 2, 4, 3},
	{3, 6, 4, 6, 2, 4, 2, 4, 3, 3, 2, 3, 3, 3, 2, 2, 1, 3, 3, 4},
	{2, 1, 4, 4, 3, 2, 1, 6, 1, 1, 1, 2, 3, 3, 1, 1, 3, 3, 2, 2},
}

func TestKendallWTiesAnxiety(t *testing.T) {
	// R irr: kendall(anxiety, correct = TRUE) → Wt = 0.54, Chisq(19) = 30.8,
	// p-value = 0.0429, as asserted by the Python port pyirr
	// (tests/test_kendall.py: round(value, 2) == 0.54, round(statistic, 1)
	// == 30.8, round(pvalue, 4) == 0.0429); the data are irr's anxiety as
	// given in the DescTools::KendallW example. Step by step:
	//   ties per rater Σ(t³ − t): rater 1 402, rater 2 690, rater 3 582,
	//   T = 1674; rank sums R_j, S = Σ R_j² = 22849;
	//   12S − 3m²n(n+1)² = 274188 − 238140 = 36048;
	//   m²n(n² − 1) − mT = 71820 − 5022 = 66798;
	//   W = 36048/66798 = 0.539657; χ² = 3·19·W = 30.7604.
	k, ok := KendallWTies(kendallAnxiety)
	if !ok {
		t.Fatal("not ok")
	}
	if !qNear(k.W, 36048.0/66798, 1e-12) || !qNear(k.ChiSquare, 57*36048.0/66798, 1e-9) {
		t.Errorf("W %v χ² %v", k.W, k.ChiSquare)
	}
	if math.Round(k.W*100)/100 != 0.54 || math.Round(k.ChiSquare*10)/10 != 30.8 || math.Round(k.P*1e4)/1e4 != 0.0429 {
		t.Errorf("rounded W %.2f χ² %.1f p %.4f, want 0.54 30.8 0.0429", k.W, k.ChiSquare, k.P)
	}
	t.Logf("anxiety: %+v", k)
	if k.DF != 19 || k.Raters != 3 || k.Items != 20 || !k.TieCorrected {
		t.Errorf("got %+v", k)
	}
}

func TestKendallWTiesNoTies(t *testing.T) {
	// Hand computation: three raters rank four items
	//   1 2 3 4 / 1 3 2 4 / 2 1 3 4 → R = 4 6 8 12, mean m(n+1)/2 = 7.5,
	//   Σ(R − 7.5)² = 12.25 + 2.25 + .25 + 20.25 = 35;
	//   W = 12·35/(m²(n³ − n)) = 420/540 = 7/9; χ² = m(n − 1)W = 7 on
	//   df 3, p = erfc(√3.5) + √(14/π)·e^(−3.5) = 0.0719.
	k, ok := KendallWTies([][]float64{{1, 2, 3, 4}, {1, 3, 2, 4}, {2, 1, 3, 4}})
	if !ok || !qNear(k.W, 7.0/9, 1e-12) || !qNear(k.ChiSquare, 7, 1e-12) || k.DF != 3 || k.TieCorrected {
		t.Fatalf("got %+v", k)
	}
	want := math.Erfc(math.Sqrt(3.5)) + math.Sqrt(14/math.Pi)*math.Exp(-3.5)
	if !qNear(k.P, want, 1e-12) {
		t.Errorf("p %v want %v", k.P, want)
	}
	// Perfect agreement: W = 1.
	k, ok = KendallWTies([][]float64{{10, 20, 30}, {1, 2, 3}})
	if !ok || !qNear(k.W, 1, 1e-12) {
		t.Fatalf("perfect: %+v", k)
	}
}

func TestKendallWTiesMissingAndDegenerate(t *testing.T) {
	nan := math.NaN()
	// The second rater has a missing item and is left out; the rest equals
	// the no-ties example above.
	k, ok := KendallWTies([][]float64{{1, 2, 3, 4}, {1, nan, 2, 4}, {1, 3, 2, 4}, {2, 1, 3, 4}})
	if !ok || k.Raters != 3 || !qNear(k.W, 7.0/9, 1e-12) {
		t.Fatalf("missing: %+v %v", k, ok)
	}
	// A short row counts as missing items.
	if k, ok := KendallWTies([][]float64{{1, 2, 3}, {1, 2}, {3, 2, 1}}); !ok || k.Raters != 2 || k.W != 0 {
		t.Fatalf("short row: %+v %v", k, ok)
	}
	for name, m := range map[string][][]float64{
		"no raters":       nil,
		"one rater":       {{1, 2, 3}},
		"one item":        {{1}, {2}},
		"one complete":    {{1, 2, 3}, {nan, 1, 2}},
		"all tied":        {{5, 5, 5}, {2, 2, 2}},
		"all missing row": {{nan, nan}, {nan, nan}},
	} {
		k, ok := KendallWTies(m)
		if ok || k.W != 0 || k.P != 0 || k.ChiSquare != 0 {
			t.Errorf("%s: %+v ok=%v, want not ok", name, k, ok)
		}
	}
}
