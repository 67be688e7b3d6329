package stats

import (
	"math"
	"slices"
)

// Weights selects the agreement weights of Cohen's kappa.
type Weights string

// The weights CohenKappa accepts. R irr's names "equal" (linear) and
// "squared" (quadratic) are accepted as aliases; "" means unweighted.
const (
	WeightsUnweighted Weights = "unweighted"
	WeightsLinear     Weights = "linear"
	WeightsQuadratic  Weights = "quadratic"
)

// canonical maps aliases onto the three canonical names.
func (w Weights) canonical() (Weights, bool) {
	switch w {
	case "", WeightsUnweighted:
		return WeightsUnweighted, true
	case WeightsLinear, "equal":
		return WeightsLinear, true
	case WeightsQuadratic, "squared":
		return WeightsQuadratic, true
	}
	return w, false
}

// CohenKappa returns Cohen's kappa for two raters a and b (same length, one
// rating per unit) and the number of units used.
//
// A pair with a missing rating (NaN) is dropped. The categories are the
// ordered distinct values that occur in either rater (in the complete
// pairs) when categories is empty (as R irr::kappa2 does), or the declared
// set (sorted; duplicates ignored) otherwise, in which case a rating outside that set is an error matching
// ErrInvalidInput. Weights run over the category ranks i, j of k categories:
// unweighted 1 if i = j else 0; linear 1−|i−j|/(k−1); quadratic
// 1−((i−j)/(k−1))². κ = (p_o − p_e)/(1 − p_e) with p_o the weighted observed
// and p_e the weighted chance agreement from the margins.
//
// Degenerate input (error matches ErrDegenerate): no complete pair; fewer
// than two categories; p_e = 1 (both raters use a single, identical category
// throughout), where κ is 0/0.
func CohenKappa(a, b []float64, w Weights, categories []float64) (float64, int, error) {
	r, err := cohenKappa(a, b, w, categories)
	return r.value, r.units, err
}

type cohenResult struct {
	value      float64
	units      int
	weights    Weights
	categories []float64
	observed   float64
	expected   float64
}

func cohenKappa(a, b []float64, w Weights, categories []float64) (cohenResult, error) {
	var res cohenResult
	cw, ok := w.canonical()
	if !ok {
		return res, irrInvalid("unknown weights %q", string(w))
	}
	res.weights = cw
	if len(a) != len(b) {
		return res, irrInvalid("raters have %d and %d ratings", len(a), len(b))
	}
	if _, _, err := irrCheckMatrix([][]float64{a, b}); err != nil {
		return res, err
	}
	var xs, ys []float64
	for i := range a {
		if IsMissing(a[i]) || IsMissing(b[i]) {
			continue
		}
		xs = append(xs, a[i])
		ys = append(ys, b[i])
	}
	res.units = len(xs)

	var cats []float64
	if len(categories) == 0 {
		cats = append(append(cats, xs...), ys...)
	} else {
		for i, c := range categories {
			if IsMissing(c) || math.IsInf(c, 0) {
				return res, irrInvalid("category %d is not a finite number", i)
			}
		}
		cats = append(cats, categories...)
	}
	slices.Sort(cats)
	cats = slices.Compact(cats)
	res.categories = cats
	if res.units == 0 {
		return res, irrDegenerate("no unit has ratings from both raters")
	}
	index := make(map[float64]int, len(cats))
	for i, c := range cats {
		index[c] = i
	}
	k := len(cats)
	table := make([]float64, k*k)
	rowM := make([]float64, k)
	colM := make([]float64, k)
	n := float64(res.units)
	for i := range xs {
		ia, okA := index[xs[i]]
		ib, okB := index[ys[i]]
		if !okA || !okB {
			v := xs[i]
			if okA {
				v = ys[i]
			}
			return res, irrInvalid("rating %v is not among the declared categories", v)
		}
		table[ia*k+ib] += 1 / n
		rowM[ia] += 1 / n
		colM[ib] += 1 / n
	}
	if k < 2 {
		return res, irrDegenerate("both raters use a single category, so chance agreement is 1 and kappa is undefined")
	}
	weight := func(i, j int) float64 {
		d := float64(i - j)
		switch cw {
		case WeightsLinear:
			return 1 - math.Abs(d)/float64(k-1)
		case WeightsQuadratic:
			return 1 - (d*d)/float64((k-1)*(k-1))
		}
		if i == j {
			return 1
		}
		return 0
	}
	for i := 0; i < k; i++ {
		for j := 0; j < k; j++ {
			wt := weight(i, j)
			res.observed += wt * table[i*k+j]
			res.expected += wt * rowM[i] * colM[j]
		}
	}
	if 1-res.expected < 1e-12 {
		return res, irrDegenerate("chance agreement is 1 (both raters use one and the same category), so kappa is undefined")
	}
	res.value = (res.observed - res.expected) / (1 - res.expected)
	return res, nil
}
