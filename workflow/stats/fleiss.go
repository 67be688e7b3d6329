package stats

import (
	"math"
	"slices"
)

// FleissKappa returns Fleiss' kappa for m[rater][unit], as R
// irr::kappam.fleiss (exact = FALSE), and the number of units used.
//
// Units with a missing rating (NaN) are dropped. The categories are the
// distinct values in the remaining data. With n units, r raters and n_ij the
// number of raters putting unit i in category j:
// P̄ = mean over units of (Σ_j n_ij² − r)/(r(r−1)), P̄_e = Σ_j p_j² with
// p_j = Σ_i n_ij/(n r), κ = (P̄ − P̄_e)/(1 − P̄_e).
//
// Degenerate input (error matches ErrDegenerate): fewer than two raters, no
// unit rated by everyone, or a single category used throughout (P̄_e = 1).
func FleissKappa(m [][]float64) (float64, int, error) {
	r, err := fleissKappa(m)
	return r.value, r.units, err
}

type fleissResult struct {
	value      float64
	units      int
	categories []float64
	observed   float64
	expected   float64
	z, p       float64
	hasZ       bool
}

func fleissKappa(m [][]float64) (fleissResult, error) {
	var res fleissResult
	rows, cols, err := irrCheckMatrix(m)
	if err != nil {
		return res, err
	}
	if rows < 2 {
		return res, irrDegenerate("Fleiss' kappa needs at least two raters")
	}
	var keep []int
	var cats []float64
	for u := 0; u < cols; u++ {
		complete := true
		for r := 0; r < rows; r++ {
			if IsMissing(m[r][u]) {
				complete = false
				break
			}
		}
		if complete {
			keep = append(keep, u)
			for r := 0; r < rows; r++ {
				cats = append(cats, m[r][u])
			}
		}
	}
	slices.Sort(cats)
	cats = slices.Compact(cats)
	res.categories = cats
	res.units = len(keep)
	if res.units == 0 {
		return res, irrDegenerate("no unit is rated by all raters")
	}
	if len(cats) < 2 {
		return res, irrDegenerate("all ratings are the same category, so chance agreement is 1 and kappa is undefined")
	}
	index := make(map[float64]int, len(cats))
	for i, c := range cats {
		index[c] = i
	}
	k := len(cats)
	nr := float64(rows)
	ns := float64(res.units)
	colSums := make([]float64, k)
	counts := make([]float64, k)
	agree := 0.0
	for _, u := range keep {
		clear(counts)
		for r := 0; r < rows; r++ {
			counts[index[m[r][u]]]++
		}
		sq := 0.0
		for j, c := range counts {
			sq += c * c
			colSums[j] += c
		}
		agree += (sq - nr) / (nr * (nr - 1))
	}
	res.observed = agree / ns
	sumPQ, sumPQQP := 0.0, 0.0
	for _, c := range colSums {
		p := c / (ns * nr)
		q := 1 - p
		res.expected += p * p
		sumPQ += p * q
		sumPQQP += p * q * (q - p)
	}
	if 1-res.expected < 1e-12 {
		return res, irrDegenerate("chance agreement is 1, so kappa is undefined")
	}
	res.value = (res.observed - res.expected) / (1 - res.expected)
	// Standard error under the null hypothesis of no agreement beyond chance
	// (Fleiss, Nee & Landis 1979), as irr::kappam.fleiss reports.
	v := 2 / (sumPQ * sumPQ * ns * nr * (nr - 1)) * (sumPQ*sumPQ - sumPQQP)
	if v > 0 && !math.IsInf(v, 0) {
		res.z = res.value / math.Sqrt(v)
		res.p = math.Erfc(math.Abs(res.z) / math.Sqrt2)
		res.hasZ = true
	}
	return res, nil
}
