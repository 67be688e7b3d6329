package stats

import (
	"math"
	"testing"
)

func TestChiSquareUpperTail(t *testing.T) {
	// Closed forms: df = 2: e^(−x/2); df = 1: erfc(√(x/2));
	// df = 3: erfc(√(x/2)) + √(2x/π)·e^(−x/2).
	for _, x := range []float64{0.01, 0.5, 1, 3.841459, 7, 20, 80} {
		if got, want := ChiSquareUpperTail(x, 2), math.Exp(-x/2); !qNear(got, want, 1e-13*math.Max(1, want)) {
			t.Errorf("df 2, x %v: %v want %v", x, got, want)
		}
		if got, want := ChiSquareUpperTail(x, 1), math.Erfc(math.Sqrt(x/2)); !qNear(got, want, 1e-12) {
			t.Errorf("df 1, x %v: %v want %v", x, got, want)
		}
		want3 := math.Erfc(math.Sqrt(x/2)) + math.Sqrt(2*x/math.Pi)*math.Exp(-x/2)
		if got := ChiSquareUpperTail(x, 3); !qNear(got, want3, 1e-12) {
			t.Errorf("df 3, x %v: %v want %v", x, got, want3)
		}
	}
	// Critical values of the chi-square table: 3.841 (df 1), 18.307 (df 10)
	// and 30.144 (df 19) at α = .05.
	for _, c := range []struct{ x, df float64 }{{3.841459, 1}, {18.307038, 10}, {30.143527, 19}} {
		if got := ChiSquareUpperTail(c.x, c.df); !qNear(got, 0.05, 1e-6) {
			t.Errorf("x %v df %v: %v, want .05", c.x, c.df, got)
		}
	}
	// P + Q = 1 across both branches.
	for _, a := range []float64{0.5, 1, 4.5, 30} {
		for _, x := range []float64{0.1, a, a + 1, 3 * a} {
			if s := regGammaP(a, x) + regGammaQ(a, x); !qNear(s, 1, 1e-12) {
				t.Errorf("P+Q(%v, %v) = %v", a, x, s)
			}
		}
	}
	for _, c := range []struct{ x, df, want float64 }{
		{0, 3, 1}, {-1, 3, 1}, {math.NaN(), 3, 1}, {math.Inf(1), 3, 0}, {2, 0, 0}, {2, math.Inf(1), 1},
	} {
		if got := ChiSquareUpperTail(c.x, c.df); got != c.want {
			t.Errorf("edge x %v df %v: %v, want %v", c.x, c.df, got, c.want)
		}
	}
}
