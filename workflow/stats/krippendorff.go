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
	units, vals, err := pairableValues(m, rows, cols, lv)
	if err != nil {
		return res, err
	}
	res.units = len(units)
	res.pairable = len(vals)
	slices.Sort(vals)
	vals = slices.Compact(vals)
	res.valuesSet = vals
	switch {
	case res.units == 0:
		return res, irrDegenerate("no unit has values from at least two coders")
	case res.units < 2:
		return res, irrDegenerate("only one unit has values from at least two coders; alpha needs at least two")
	case len(vals) < 2:
		return res, irrDegenerate("every coder uses the same value, so the expected disagreement is 0 and alpha is undefined")
	}
	o := coincidences(m, rows, units, vals)
	met := newAlphaMetric(lv, vals, o)
	do, de := met.disagreements(o)
	n := met.n
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

// pairableValues lists the pairable units (at least two present values) and
// every value present in them, unsorted; the ratio level refuses a negative
// value.
func pairableValues(m [][]float64, rows, cols int, lv Level) (units []int, vals []float64, err error) {
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
				return nil, nil, irrInvalid("ratio level needs non-negative values, got %v", x)
			}
			vals = append(vals, x)
		}
	}
	return units, vals, nil
}

// coincidences is the k×k coincidence matrix o over the sorted distinct
// values vals: o_ck sums, over the pairable units with m_u values, the
// ordered c–k pairs from different coders divided by m_u − 1.
func coincidences(m [][]float64, rows int, units []int, vals []float64) []float64 {
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
	return o
}

// alphaMetric is the difference function δ² of a level over the values
// that occur, with the marginals n_c of the coincidence matrix.
type alphaMetric struct {
	lv   Level
	vals []float64
	nc   []float64 // n_c = Σ_k o_ck
	n    float64   // Σ n_c, the pairable values
	cum  []float64 // cum[i] = n_0 + … + n_{i−1}, for the ordinal metric
}

func newAlphaMetric(lv Level, vals, o []float64) *alphaMetric {
	k := len(vals)
	met := &alphaMetric{lv: lv, vals: vals, nc: make([]float64, k), cum: make([]float64, k+1)}
	for a := 0; a < k; a++ {
		for b := 0; b < k; b++ {
			met.nc[a] += o[a*k+b]
		}
		met.n += met.nc[a]
	}
	for i := 0; i < k; i++ {
		met.cum[i+1] = met.cum[i] + met.nc[i]
	}
	return met
}

// delta is δ²(a, b) for the values of index a and b.
func (met *alphaMetric) delta(a, b int) float64 {
	if a == b {
		return 0
	}
	switch met.lv {
	case LevelOrdinal:
		lo, hi := min(a, b), max(a, b)
		d := met.cum[hi+1] - met.cum[lo] - (met.nc[lo]+met.nc[hi])/2
		return d * d
	case LevelInterval:
		d := met.vals[a] - met.vals[b]
		return d * d
	case LevelRatio:
		s := met.vals[a] + met.vals[b]
		if s == 0 {
			return 0
		}
		d := (met.vals[a] - met.vals[b]) / s
		return d * d
	}
	return 1
}

// disagreements gives Σ o_ck δ²_ck and Σ n_c n_k δ²_ck.
func (met *alphaMetric) disagreements(o []float64) (do, de float64) {
	k := len(met.vals)
	for a := 0; a < k; a++ {
		for b := 0; b < k; b++ {
			if a == b {
				continue
			}
			d := met.delta(a, b)
			do += o[a*k+b] * d
			de += met.nc[a] * met.nc[b] * d
		}
	}
	return do, de
}
