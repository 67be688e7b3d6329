package stats

import (
	"math"
	"sort"
)

// KendallW is Kendall's coefficient of concordance W of m raters ranking
// n items, with its chi-square test.
type KendallW struct {
	W            float64 `json:"w"`
	ChiSquare    float64 `json:"chi_square"`
	DF           int     `json:"df"`
	P            float64 `json:"p"`
	Raters       int     `json:"raters"`
	Items        int     `json:"items"`
	TieCorrected bool    `json:"tie_corrected"`
}

// KendallWTies computes Kendall's W with the correction for tied ranks
// (Kendall 1948; Siegel & Castellan 1988, §9.4) from m[rater][item], the
// ratings (or ranks) each rater gave each item.
//
// Missing values are NaN (any value that is not finite counts as missing);
// a rater with a missing item — or a shorter row than the longest — is
// left out entirely (listwise deletion of raters), so Raters counts the
// raters used. Each remaining rater's values are turned into ranks 1..n,
// tied values getting their mean rank (midranks). With R_j the rank sum of
// item j, S = Σ_j R_j², and T = Σ over all raters and groups of t tied
// values of (t³ − t):
//
//	W  = (12S − 3m²n(n+1)²) / (m²n(n² − 1) − mT)
//	χ² = m(n − 1)W,  df = n − 1,  P = P(χ²_df ≥ χ²)
//
// (12S − 3m²n(n+1)² equals 12·Σ_j (R_j − m(n+1)/2)², which is what is
// computed.) TieCorrected reports whether there were ties, i.e. whether
// T > 0 changed the denominator. W is clamped to [0, 1] against rounding.
//
// ok is false when fewer than 2 raters or 2 items remain, or when the
// denominator is 0 (every rater tied all items); Raters and Items are
// still filled then, the other fields are 0.
func KendallWTies(m [][]float64) (KendallW, bool) {
	n := 0
	for _, row := range m {
		if len(row) > n {
			n = len(row)
		}
	}
	var rows [][]float64
	for _, row := range m {
		if len(row) < n {
			continue
		}
		complete := true
		for _, v := range row {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				complete = false
				break
			}
		}
		if complete {
			rows = append(rows, row)
		}
	}
	k := KendallW{Raters: len(rows), Items: n}
	if len(rows) < 2 || n < 2 {
		return k, false
	}
	rankSums := make([]float64, n)
	ties := 0.0
	for _, row := range rows {
		ranks, t := midranks(row)
		ties += t
		for j, r := range ranks {
			rankSums[j] += r
		}
	}
	mf, nf := float64(len(rows)), float64(n)
	mean := mf * (nf + 1) / 2
	ss := 0.0
	for _, r := range rankSums {
		ss += (r - mean) * (r - mean)
	}
	den := mf*mf*nf*(nf*nf-1) - mf*ties
	if den <= 0 {
		return k, false
	}
	k.W = clamp01(12 * ss / den)
	k.DF = n - 1
	k.ChiSquare = mf * (nf - 1) * k.W
	k.P = ChiSquareUpperTail(k.ChiSquare, float64(k.DF))
	k.TieCorrected = ties > 0
	return k, true
}

// midranks ranks the values 1..n, giving tied values the mean of the ranks
// they occupy, and returns Σ(t³ − t) over the groups of t tied values.
func midranks(row []float64) ([]float64, float64) {
	n := len(row)
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return row[idx[a]] < row[idx[b]] })
	ranks := make([]float64, n)
	ties := 0.0
	for i := 0; i < n; {
		j := i + 1
		for j < n && row[idx[j]] == row[idx[i]] {
			j++
		}
		// positions i..j-1 hold ranks i+1..j; their mean is (i+1+j)/2.
		r := float64(i+1+j) / 2
		for p := i; p < j; p++ {
			ranks[idx[p]] = r
		}
		if t := float64(j - i); t > 1 {
			ties += t*t*t - t
		}
		i = j
	}
	return ranks, ties
}
