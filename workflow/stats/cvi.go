package stats

import "math"

// ModifiedKappa returns the item-level content validity index and the
// modified kappa of Polit, Beck & Owen (2007, Research in Nursing & Health
// 30:459-467) for an item that agree of n experts rated relevant (3 or 4
// on the 1-4 relevance scale):
//
//	I-CVI = A/N
//	Pc    = C(N, A) · 0.5^N      (probability of chance agreement)
//	κ*    = (I-CVI − Pc)/(1 − Pc)
//
// ok is false (and all values 0) when n < 1 or agree is not in 0..n. Pc
// is computed in logarithms, so large panels do not overflow; for n ≥ 1
// Pc ≤ 0.5, so κ* is always finite. κ* can be negative when I-CVI < Pc.
func ModifiedKappa(agree, n int) (icvi, pc, kappa float64, ok bool) {
	if n < 1 || agree < 0 || agree > n {
		return 0, 0, 0, false
	}
	icvi = float64(agree) / float64(n)
	pc = math.Exp(logChoose(n, agree) - float64(n)*math.Ln2)
	kappa = (icvi - pc) / (1 - pc)
	if agree == n {
		// (1 − Pc)/(1 − Pc): exactly 1, without rounding noise.
		kappa = 1
	}
	return icvi, pc, kappa, true
}

// logChoose is ln C(n, k) for 0 ≤ k ≤ n.
func logChoose(n, k int) float64 {
	if k == 0 || k == n {
		return 0
	}
	a, _ := math.Lgamma(float64(n + 1))
	b, _ := math.Lgamma(float64(k + 1))
	c, _ := math.Lgamma(float64(n - k + 1))
	return a - b - c
}

// SCVI returns the scale-level content validity indices over the I-CVIs of
// the items (Polit & Beck 2006, Research in Nursing & Health 29:489-497):
// ave (S-CVI/Ave) is the mean I-CVI and ua (S-CVI/UA, universal agreement)
// is the share of items whose I-CVI is 1, i.e. rated 3 or 4 by every
// expert. No items give 0, 0. Values that are not finite are skipped.
func SCVI(icvis []float64) (ave, ua float64) {
	n, sum, universal := 0, 0.0, 0
	for _, v := range icvis {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			continue
		}
		n++
		sum += v
		if v >= 1-1e-12 {
			universal++
		}
	}
	if n == 0 {
		return 0, 0
	}
	return sum / float64(n), float64(universal) / float64(n)
}
