package stats

import (
	"math"
	"testing"
)

// qNear reports whether a and b agree within tol.
func qNear(a, b, tol float64) bool { return math.Abs(a-b) <= tol }

func TestQuantile7Quartiles(t *testing.T) {
	// R: quantile(c(1, 2, 3, 4), type = 7) gives 25% 1.75, 50% 2.50,
	// 75% 3.25 (the printed example of quantile(1:4) in R). By hand:
	// n = 4, h = 3p; p = .25: h = 0.75 → 1 + 0.75·(2 − 1) = 1.75;
	// p = .75: h = 2.25 → 3 + 0.25·(4 − 3) = 3.25; IQR = 1.5.
	x := []float64{1, 2, 3, 4}
	q1, q3 := Quantile7(x, 0.25), Quantile7(x, 0.75)
	if q1 != 1.75 || q3 != 3.25 || q3-q1 != 1.5 {
		t.Fatalf("Q1 %v Q3 %v IQR %v, want 1.75 3.25 1.5", q1, q3, q3-q1)
	}
	if m := Quantile7(x, 0.5); m != 2.5 {
		t.Fatalf("median %v, want 2.5", m)
	}
}

func TestQuantile7SecondVector(t *testing.T) {
	// quantile(c(3, 1, 4, 1, 5, 9, 2, 6), c(.1, .25, .5, .75, .9), type = 7)
	// computed by hand (no R on this machine); sorted x = 1 1 2 3 4 5 6 9,
	// n = 8, h = 7p, x[k] 0-based:
	//   p = .10: h = 0.70 → x[0] + 0.70·(x[1] − x[0]) = 1 + 0.7·0 = 1
	//   p = .25: h = 1.75 → x[1] + 0.75·(x[2] − x[1]) = 1 + 0.75·1 = 1.75
	//   p = .50: h = 3.50 → x[3] + 0.50·(x[4] − x[3]) = 3 + 0.5·1 = 3.5
	//   p = .75: h = 5.25 → x[5] + 0.25·(x[6] − x[5]) = 5 + 0.25·1 = 5.25
	//   p = .90: h = 6.30 → x[6] + 0.30·(x[7] − x[6]) = 6 + 0.3·3 = 6.9
	// Cross-checked with Python's statistics.quantiles(x, n=4 and n=10,
	// method="inclusive"), which implements the same type-7 rule:
	// [1.75, 3.5, 5.25] and deciles 1.0 … 6.9.
	x := []float64{1, 1, 2, 3, 4, 5, 6, 9}
	for _, c := range []struct{ p, want float64 }{
		{0.10, 1}, {0.25, 1.75}, {0.5, 3.5}, {0.75, 5.25}, {0.90, 6.9},
		{0, 1}, {1, 9},
	} {
		if got := Quantile7(x, c.p); !qNear(got, c.want, 1e-12) {
			t.Errorf("Quantile7(p=%v) = %v, want %v", c.p, got, c.want)
		}
	}
}

func TestQuantile7Edges(t *testing.T) {
	if got := Quantile7(nil, 0.5); got != 0 {
		t.Errorf("empty: %v, want 0", got)
	}
	if got := Quantile7([]float64{4}, 0.3); got != 4 {
		t.Errorf("single: %v, want 4", got)
	}
	x := []float64{1, 2, 3}
	if got := Quantile7(x, -1); got != 1 {
		t.Errorf("p<0: %v", got)
	}
	if got := Quantile7(x, 2); got != 3 {
		t.Errorf("p>1: %v", got)
	}
	if got := Quantile7(x, math.NaN()); got != 1 {
		t.Errorf("p NaN: %v", got)
	}
	// n = 11, p = .3: (n − 1)·p is 3.0000000000000004 in floating point; the
	// quantile must be exactly x[3], not x[3] + 4e-16·(x[4] − x[3]).
	y := []float64{0, 0, 0, 1, 1000, 1000, 1000, 1000, 1000, 1000, 1000}
	if got := Quantile7(y, 0.3); got != 1 {
		t.Errorf("snapped h: %v, want exactly 1", got)
	}
}

func TestTopThirdMin(t *testing.T) {
	for _, c := range []struct {
		s    Scale
		want int
	}{
		{Scale{1, 9}, 7}, // ⌈9 − 8/3⌉ = ⌈6.33⌉ = 7 (domain.md)
		{Scale{1, 4}, 3}, // ⌈4 − 1⌉ = 3 (domain.md)
		{Scale{1, 5}, 4}, // ⌈5 − 4/3⌉ = ⌈3.67⌉ = 4
		{Scale{1, 7}, 5}, // ⌈7 − 2⌉ = 5
		{Scale{0, 10}, 7},
		{Scale{-3, 3}, 1},
	} {
		if got := TopThirdMin(c.s); got != c.want {
			t.Errorf("TopThirdMin(%v) = %d, want %d", c.s, got, c.want)
		}
	}
}

func TestScaleValidate(t *testing.T) {
	for _, c := range []struct {
		s  Scale
		ok bool
	}{
		{Scale{1, 9}, true}, {Scale{1, 4}, true}, {Scale{0, 20}, true},
		{Scale{0, 21}, false}, {Scale{5, 5}, false}, {Scale{9, 1}, false},
	} {
		if err := c.s.Validate(); (err == nil) != c.ok {
			t.Errorf("%v.Validate() = %v, want ok=%v", c.s, err, c.ok)
		}
	}
}
