package stats

import (
	"math"
	"testing"
)

// fisherTables: 2×2 tables [[a, b], [c, d]] with reference values from R
// 4.x, computed by /usr/bin/Rscript:
//
//	fisher.test(matrix(c(a, c, b, d), 2))$p.value
//	or <- (a*d)/(b*c)  (0.5 added to every cell when one is 0)
//	exp(log(or) + c(-1, 1) * qnorm(0.975) * sqrt(1/a + 1/b + 1/c + 1/d))
//
// The first is domain.md's example (p = 0.02301, OR 16); the second is
// Fisher's tea-tasting table (p = 0.4857, Agresti 2002 §3.5.1); four have a
// zero cell.
var fisherTables = []struct {
	a, b, c, d    int
	p, or, lo, hi float64
	corrected     bool
}{
	{8, 2, 2, 8, 0.0230141375652211, 16, 1.78833026345395, 143.150292332226, false},
	{3, 1, 1, 3, 0.485714285714286, 9, 0.366636931925546, 220.927006929157, false},
	{0, 5, 6, 2, 0.020979020979021, 0.034965034965035, 0.00136697291158091, 0.894351058275348, true},
	{10, 3, 2, 15, 0.000536724119143437, 25, 3.52158735233044, 177.476784605783, false},
	{1, 9, 11, 3, 0.00275945618522008, 0.0303030303030303, 0.00267157563746216, 0.343719875518359, false},
	{7, 0, 3, 5, 0.0256410256410256, 23.5714285714286, 0.999162557050708, 556.077928438387, true},
	{12, 5, 8, 20, 0.0122492626409186, 6, 1.5917874688631, 22.6160845616608, false},
	{2, 0, 0, 2, 0.333333333333333, 25, 0.341232873921496, 1831.59375243484, true},
}

func TestFisherExactAndOddsRatioAgainstR(t *testing.T) {
	rel := func(got, want float64) bool { return math.Abs(got-want) <= 1e-9*math.Max(1, math.Abs(want)) }
	for _, tc := range fisherTables {
		if got := FisherExact2x2(tc.a, tc.b, tc.c, tc.d); !rel(got, tc.p) {
			t.Errorf("fisher %v: p = %.15g, R fisher.test %.15g", tc, got, tc.p)
		}
		or := OddsRatio2x2(tc.a, tc.b, tc.c, tc.d)
		if !or.Defined || or.Corrected != tc.corrected || !rel(or.Value, tc.or) || !rel(or.Lower, tc.lo) || !rel(or.Upper, tc.hi) {
			t.Errorf("odds ratio %v: got %+v, want %.15g [%.15g, %.15g] corrected %v", tc, or, tc.or, tc.lo, tc.hi, tc.corrected)
		}
	}
}

// TestFisherDegenerate: an empty row or column leaves one possible table,
// so p = 1 (R: fisher.test(matrix(c(0, 0, 3, 4), 2))$p.value is 1) and the
// odds ratio compares nothing.
func TestFisherDegenerate(t *testing.T) {
	if p := FisherExact2x2(0, 3, 0, 4); p != 1 {
		t.Errorf("p = %v, want 1", p)
	}
	if p := FisherExact2x2(0, 0, 3, 4); p != 1 {
		t.Errorf("p = %v, want 1", p)
	}
	if or := OddsRatio2x2(0, 3, 0, 4); or.Defined {
		t.Errorf("odds ratio defined for an empty column: %+v", or)
	}
	if !math.IsNaN(FisherExact2x2(-1, 1, 1, 1)) {
		t.Errorf("negative count not NaN")
	}
}

// TestHolmAgainstR: R p.adjust(p, method = "holm") on the p-values of
// fisherTables and on a vector with ties.
func TestHolmAgainstR(t *testing.T) {
	var ps []float64
	for _, tc := range fisherTables {
		ps = append(ps, tc.p)
	}
	cases := []struct{ p, want []float64 }{
		{ps, []float64{0.104895104895105, 0.666666666666667, 0.104895104895105, 0.0042937929531475, 0.0193161932965406, 0.104895104895105, 0.0734955758455114, 0.666666666666667}},
		{[]float64{0.01, 0.04, 0.03, 0.005, 0.5, 0.04}, []float64{0.05, 0.12, 0.12, 0.03, 0.5, 0.12}},
	}
	for _, c := range cases {
		got := Holm(c.p)
		for i := range got {
			if math.Abs(got[i]-c.want[i]) > 1e-12 {
				t.Errorf("holm(%v)[%d] = %.15g, R p.adjust %.15g", c.p, i, got[i], c.want[i])
			}
		}
	}
	if got := Holm([]float64{0.01, math.NaN(), 0.02}); got[0] != 0.02 || !math.IsNaN(got[1]) || got[2] != 0.02 {
		t.Errorf("NaN handling: %v", got)
	}
}

// TestFisherLargeTables: margins in the thousands, where the walk from the
// mode stops long before the ends of the support. R:
// fisher.test(matrix(c(a, c, b, d), 2))$p.value.
func TestFisherLargeTables(t *testing.T) {
	for _, tc := range []struct {
		a, b, c, d int
		p          float64
	}{
		{5200, 4800, 5000, 5000, 0.00487879576890683},
		{40000, 10000, 39500, 10500, 9.27114637173524e-05},
		{300, 9700, 250, 9750, 0.0340259502012409},
	} {
		got := FisherExact2x2(tc.a, tc.b, tc.c, tc.d)
		if math.Abs(got-tc.p) > 1e-9*math.Max(tc.p, 1e-300) {
			t.Errorf("%v: p = %.15g, R %.15g", tc, got, tc.p)
		}
	}
}

// fisherByDefinition is the two-sided p of R's fisher.test written out
// directly: every hypergeometric term from log-gamma, rescaled by the
// largest, summed where d <= d_obs·(1 + 1e-7).
func fisherByDefinition(a, b, c, d int) float64 {
	m, n, k := a+b, c+d, a+c
	lo, hi := max(0, k-n), min(k, m)
	ds := make([]float64, 0, hi-lo+1)
	top := math.Inf(-1)
	for x := lo; x <= hi; x++ {
		v := logChoose(m, x) + logChoose(n, k-x)
		ds = append(ds, v)
		top = max(top, v)
	}
	var total, p float64
	for i := range ds {
		ds[i] = math.Exp(ds[i] - top)
		total += ds[i]
	}
	for _, v := range ds {
		if v <= ds[a-lo]*(1+1e-7) {
			p += v
		}
	}
	return p / total
}

// TestFisherMatchesDefinition: the walk from the mode gives the same p as
// the term-by-term definition on every table with cells 0-12.
func TestFisherMatchesDefinition(t *testing.T) {
	for a := 0; a <= 12; a++ {
		for b := 0; b <= 12; b++ {
			for c := 0; c <= 12; c++ {
				for d := 0; d <= 12; d++ {
					got, want := FisherExact2x2(a, b, c, d), fisherByDefinition(a, b, c, d)
					if math.Abs(got-want) > 1e-12*math.Max(want, 1e-300) && math.Abs(got-want) > 1e-15 {
						t.Fatalf("[[%d,%d],[%d,%d]]: %.17g, by definition %.17g", a, b, c, d, got, want)
					}
				}
			}
		}
	}
}
