package stats

import (
	"math"
	"slices"
)

// Level is the level of measurement for Krippendorff's alpha.
type Level string

// The levels KrippendorffAlpha accepts; "" means nominal.
const (
	LevelNominal  Level = "nominal"
	LevelOrdinal  Level = "ordinal"
	LevelInterval Level = "interval"
	LevelRatio    Level = "ratio"
)

func (l Level) canonical() (Level, bool) {
	switch l {
	case "":
		return LevelNominal, true
	case LevelNominal, LevelOrdinal, LevelInterval, LevelRatio:
		return l, true
	}
	return l, false
}

// KrippendorffAlpha returns Krippendorff's alpha for m[rater][unit] at the
// given level of measurement, and the number of pairable units (units with
// at least two present values). Missing values (NaN) are allowed.
//
// It uses the coincidence-matrix method of Krippendorff (2011), "Computing
// Krippendorff's alpha-reliability": o_ck sums, over pairable units u with
// m_u values, the number of ordered c–k pairs from different coders divided
// by m_u − 1; n_c = Σ_k o_ck, n = Σ_c n_c (the pairable values);
// α = 1 − (n − 1) Σ o_ck δ²_ck / Σ n_c n_k δ²_ck. Metrics: nominal
// δ² = [c ≠ k]; ordinal δ² = (Σ_{g=c..k} n_g − (n_c + n_k)/2)² over the ranks
// of the values that occur; interval (c − k)²; ratio ((c − k)/(c + k))²,
// which needs non-negative values (0 with 0 has distance 0).
//
// Degenerate input (error matches ErrDegenerate): fewer than two pairable
// units — with a single unit α is 0 or 0/0 whatever the data, so it is
// reported as undefined — and every pairable value being the same, where the
// expected disagreement D_e is 0 (percent agreement is 1 there).
func KrippendorffAlpha(m [][]float64, level Level) (float64, int, error) {
	r, err := krippendorffAlpha(m, level)
	return r.value, r.units, err
}

type alphaResult struct {
	value     float64
	units     int
	level     Level
	pairable  int     // n, the number of pairable values
	observed  float64 // D_o
	expected  float64 // D_e
	valuesSet []float64
}

func krippendorffAlpha(m [][]float64, level Level) (alphaResult, error) {
	var res alphaResult
	lv, ok := level.canonical()
	if !ok {
		return res, irrInvalid("unknown level %q", string(level))
	}
	res.level = lv
	rows, cols, err := irrCheckMatrix(m)
	if err != nil {
		return res, err
	}
	// Pairable units and the values that occur in them.
	var units []int
	var vals []float64
	for u := 0; u < cols; u++ {
		present := 0
		for r := 0; r < rows; r++ {
			if !IsMissing(m[r][u]) {
				present++
			}
		}
		if present < 2 {
			continue
		}
		units = append(units, u)
		for r := 0; r < rows; r++ {
			x := m[r][u]
			if IsMissing(x) {
				continue
			}
			if lv == LevelRatio && x < 0 {
				return res, irrInvalid("ratio level needs non-negative values, got %v", x)
			}
			vals = append(vals, x)
		}
	}
	res.units = len(units)
	res.pairable = len(vals)
	slices.Sort(vals)
	vals = slices.Compact(vals)
	res.valuesSet = vals
	if res.units == 0 {
		return res, irrDegenerate("no unit has values from at least two coders")
	}
	if res.units < 2 {
		return res, irrDegenerate("only one unit has values from at least two coders; alpha needs at least two")
	}
	if len(vals) < 2 {
		return res, irrDegenerate("every coder uses the same value, so the expected disagreement is 0 and alpha is undefined")
	}
	index := make(map[float64]int, len(vals))
	for i, v := range vals {
		index[v] = i
	}
	k := len(vals)
	o := make([]float64, k*k)
	counts := make([]float64, k)
	var seen []int
	for _, u := range units {
		seen = seen[:0]
		mu := 0.0
		for r := 0; r < rows; r++ {
			x := m[r][u]
			if IsMissing(x) {
				continue
			}
			i := index[x]
			if counts[i] == 0 {
				seen = append(seen, i)
			}
			counts[i]++
			mu++
		}
		for _, a := range seen {
			for _, b := range seen {
				pairs := counts[a] * counts[b]
				if a == b {
					pairs = counts[a] * (counts[a] - 1)
				}
				o[a*k+b] += pairs / (mu - 1)
			}
		}
		for _, a := range seen {
			counts[a] = 0
		}
	}
	nc := make([]float64, k)
	n := 0.0
	for a := 0; a < k; a++ {
		for b := 0; b < k; b++ {
			nc[a] += o[a*k+b]
		}
		n += nc[a]
	}
	// cum[i] = n_0 + … + n_{i−1}, for the ordinal metric.
	cum := make([]float64, k+1)
	for i := 0; i < k; i++ {
		cum[i+1] = cum[i] + nc[i]
	}
	delta := func(a, b int) float64 {
		if a == b {
			return 0
		}
		switch lv {
		case LevelOrdinal:
			lo, hi := min(a, b), max(a, b)
			d := cum[hi+1] - cum[lo] - (nc[lo]+nc[hi])/2
			return d * d
		case LevelInterval:
			d := vals[a] - vals[b]
			return d * d
		case LevelRatio:
			s := vals[a] + vals[b]
			if s == 0 {
				return 0
			}
			d := (vals[a] - vals[b]) / s
			return d * d
		}
		return 1
	}
	do, de := 0.0, 0.0
	for a := 0; a < k; a++ {
		for b := 0; b < k; b++ {
			if a == b {
				continue
			}
			d := delta(a, b)
			do += o[a*k+b] * d
			de += nc[a] * nc[b] * d
		}
	}
	res.observed = do / n
	res.expected = de / (n * (n - 1))
	if math.IsInf(de, 0) || math.IsInf(do, 0) || math.IsNaN(de) || math.IsNaN(do) {
		res.observed, res.expected = 0, 0
		return res, irrDegenerate("the values are too large to compute alpha")
	}
	if !(de > 0) {
		return res, irrDegenerate("the expected disagreement is 0, so alpha is undefined")
	}
	res.value = 1 - (n-1)*do/de
	return res, nil
}
