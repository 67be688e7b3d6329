package stats

import (
	"math"
	"slices"
)

// FisherExact2x2 is the two-sided p-value of Fisher's exact test on the 2×2
// table [[a, b], [c, d]], as R's fisher.test: with the margins fixed, the
// sum of the hypergeometric probabilities of every table no more probable
// than the observed one, where "no more probable" allows a relative
// tolerance of 1e-7 (R: d <= d_obs * (1 + 1e-7)). A table with an empty row
// or column has only one arrangement: p = 1. Negative counts give NaN.
//
// The probabilities are taken relative to the mode of the distribution:
// the observed one from log-gamma terms, the others by the ratio of
// neighbouring terms, d(x+1)/d(x) = (m − x)(k − x)/((x + 1)(n − k + x + 1)),
// walking outwards from the mode until a term falls below 1e-300 of it
// (R's exp(d − max(d)) loses those too). So a table with margins in the
// tens of thousands costs a few thousand multiplications, not as many
// log-gamma calls per possible table.
func FisherExact2x2(a, b, c, d int) float64 {
	if a < 0 || b < 0 || c < 0 || d < 0 {
		return math.NaN()
	}
	m, n, k := a+b, c+d, a+c // row 1 total, row 2 total, column 1 total
	lo, hi := max(0, k-n), min(k, m)
	if lo == hi {
		return 1
	}
	mode := int(float64(k+1) * float64(m+1) / float64(m+n+2))
	mode = min(max(mode, lo), hi)
	logMode := logChoose(m, mode) + logChoose(n, k-mode)
	lim := math.Exp(logChoose(m, a)+logChoose(n, k-a)-logMode) * (1 + 1e-7)
	total, p := 1.0, 0.0
	if 1 <= lim {
		p = 1
	}
	const tiny = 1e-300
	t := 1.0
	for x := mode; x < hi && t >= tiny; x++ {
		t *= float64(m-x) * float64(k-x) / (float64(x+1) * float64(n-k+x+1))
		total += t
		if t <= lim {
			p += t
		}
	}
	t = 1.0
	for x := mode; x > lo && t >= tiny; x-- {
		// d(x−1)/d(x) is the inverse of the ratio from x−1 to x.
		t *= float64(x) * float64(n-k+x) / (float64(m-x+1) * float64(k-x+1))
		total += t
		if t <= lim {
			p += t
		}
	}
	return math.Min(1, p/total)
}

// Z975 is the 0.975 quantile of the standard normal distribution (R:
// qnorm(0.975)), the multiplier of 95 % Wald intervals.
const Z975 = 1.959963984540054

// OddsRatio is the sample odds ratio of the 2×2 table [[a, b], [c, d]],
// (a·d)/(b·c), with its 95 % Wald interval on the log scale:
// exp(log OR ± 1.959964·√(1/a + 1/b + 1/c + 1/d)). When any cell is 0,
// 0.5 is added to every cell first (the Haldane–Anscombe correction) and
// Corrected is true. Defined is false, and the other fields zero, when a
// row or a column of the table is empty (the odds ratio then compares
// nothing).
type OddsRatio struct {
	Value     float64
	Lower     float64
	Upper     float64
	Corrected bool
	Defined   bool
}

// OddsRatio2x2 computes the OddsRatio of [[a, b], [c, d]].
func OddsRatio2x2(a, b, c, d int) OddsRatio {
	if a+b == 0 || c+d == 0 || a+c == 0 || b+d == 0 || a < 0 || b < 0 || c < 0 || d < 0 {
		return OddsRatio{}
	}
	fa, fb, fc, fd := float64(a), float64(b), float64(c), float64(d)
	r := OddsRatio{Defined: true}
	if a == 0 || b == 0 || c == 0 || d == 0 {
		fa, fb, fc, fd = fa+0.5, fb+0.5, fc+0.5, fd+0.5
		r.Corrected = true
	}
	r.Value = fa * fd / (fb * fc)
	se := math.Sqrt(1/fa + 1/fb + 1/fc + 1/fd)
	l := math.Log(r.Value)
	r.Lower, r.Upper = math.Exp(l-Z975*se), math.Exp(l+Z975*se)
	return r
}

// Holm adjusts p-values for multiple testing by Holm's step-down method,
// as R's p.adjust(p, method = "holm"): with the p-values sorted ascending,
// p_(i) becomes max over j ≤ i of min(1, (m − j + 1)·p_(j)), m = len(p).
// The result is in the input order; NaN entries are left out of the family
// and stay NaN (R's na.rm-like n = number of non-NaN values).
func Holm(p []float64) []float64 {
	out := make([]float64, len(p))
	idx := make([]int, 0, len(p))
	for i, v := range p {
		if math.IsNaN(v) {
			out[i] = v
			continue
		}
		idx = append(idx, i)
	}
	slices.SortStableFunc(idx, func(x, y int) int {
		switch {
		case p[x] < p[y]:
			return -1
		case p[x] > p[y]:
			return 1
		}
		return 0
	})
	m := len(idx)
	run := 0.0
	for j, i := range idx {
		run = math.Max(run, math.Min(1, float64(m-j)*p[i]))
		out[i] = run
	}
	return out
}
