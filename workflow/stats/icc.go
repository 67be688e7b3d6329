package stats

import (
	"math"
	"strings"
)

// ICCModel names a Shrout & Fleiss (1979) single-measure intraclass
// correlation: "1,1" (one-way random), "2,1" (two-way random, absolute
// agreement) or "3,1" (two-way mixed, consistency).
type ICCModel string

// The models ICC accepts. "" means "2,1"; "ICC(2,1)", "ICC2" and "2" are
// accepted for "2,1" (likewise for 1 and 3).
const (
	ICC11 ICCModel = "1,1"
	ICC21 ICCModel = "2,1"
	ICC31 ICCModel = "3,1"
)

func (m ICCModel) canonical() (ICCModel, bool) {
	s := strings.ToUpper(strings.TrimSpace(string(m)))
	s = strings.TrimPrefix(s, "ICC")
	s = strings.TrimSuffix(strings.TrimPrefix(s, "("), ")")
	s = strings.ReplaceAll(s, " ", "")
	switch s {
	case "":
		return ICC21, true
	case "1", "1,1":
		return ICC11, true
	case "2", "2,1":
		return ICC21, true
	case "3", "3,1":
		return ICC31, true
	}
	return m, false
}

// ICC returns the single-measure intraclass correlation of Shrout & Fleiss
// (1979) for m[rater][unit], and the number of units used. Units with a
// missing rating (NaN) are dropped. From the two-way ANOVA of n targets by k
// raters, with BMS (between targets), WMS (within targets), JMS (between
// raters) and EMS (residual) mean squares:
//
//	ICC(1,1) = (BMS − WMS) / (BMS + (k−1)WMS)
//	ICC(2,1) = (BMS − EMS) / (BMS + (k−1)EMS + k(JMS − EMS)/n)
//	ICC(3,1) = (BMS − EMS) / (BMS + (k−1)EMS)
//
// These equal psych::ICC's ICC1, ICC2 and ICC3 and irr::icc's
// oneway, twoway agreement and twoway consistency single-rater values.
//
// Degenerate input (error matches ErrDegenerate): fewer than two raters or
// fewer than two complete units, all ratings equal, or a zero denominator
// (e.g. ICC(3,1) when the only variation is between raters).
func ICC(m [][]float64, model ICCModel) (float64, int, error) {
	r, err := icc(m, model)
	return r.value, r.units, err
}

type iccResult struct {
	value              float64
	units              int
	model              ICCModel
	bms, wms, jms, ems float64
	f                  float64
	df1, df2           int
}

func icc(m [][]float64, model ICCModel) (iccResult, error) {
	var res iccResult
	md, ok := model.canonical()
	if !ok {
		return res, irrInvalid("unknown ICC model %q", string(model))
	}
	res.model = md
	rows, cols, err := irrCheckMatrix(m)
	if err != nil {
		return res, err
	}
	if rows < 2 {
		return res, irrDegenerate("the ICC needs at least two raters")
	}
	keep := completeUnits(m, rows, cols)
	res.units = len(keep)
	if res.units < 2 {
		return res, irrDegenerate("the ICC needs at least two units rated by all raters")
	}
	if allEqual(m, rows, keep) {
		return res, irrDegenerate("all ratings are equal, so the ICC is undefined")
	}
	ss := sumsOfSquares(m, rows, keep)
	for _, x := range []float64{ss.grand, ss.total, ss.rows, ss.cols} {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return res, irrDegenerate("the ratings are too large to compute the ICC")
		}
	}
	n, k := float64(res.units), float64(rows)
	res.bms = ss.rows / (n - 1)
	res.wms = math.Max(ss.total-ss.rows, 0) / (n * (k - 1))
	res.jms = ss.cols / (k - 1)
	res.ems = math.Max(ss.total-ss.rows-ss.cols, 0) / ((n - 1) * (k - 1))
	num, den := res.ratio(rows)
	// Mean squares below this are rounding noise.
	if tiny := 1e-12 * ss.total / (n*k - 1); !(den > tiny) {
		return res, irrDegenerate("the ICC(%s) denominator is 0 (no variation between units nor residual variation), so it is undefined", md)
	}
	res.value = num / den
	if math.IsNaN(res.value) || math.IsInf(res.value, 0) {
		return res, irrDegenerate("the ICC(%s) is not a finite number for this input", md)
	}
	return res, nil
}

// completeUnits lists the units every rater rated.
func completeUnits(m [][]float64, rows, cols int) []int {
	var keep []int
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
		}
	}
	return keep
}

// allEqual tells whether every rating of the kept units is the same.
func allEqual(m [][]float64, rows int, keep []int) bool {
	for r := 0; r < rows; r++ {
		for _, u := range keep {
			if m[r][u] != m[0][keep[0]] {
				return false
			}
		}
	}
	return true
}

// squares are the sums of squares of the two-way layout (units × raters).
type squares struct {
	grand float64 // grand mean
	total float64 // SST
	rows  float64 // between units (SSR)
	cols  float64 // between raters (SSC)
}

func sumsOfSquares(m [][]float64, rows int, keep []int) squares {
	n, k := float64(len(keep)), float64(rows)
	var ss squares
	for r := 0; r < rows; r++ {
		for _, u := range keep {
			ss.grand += m[r][u]
		}
	}
	ss.grand /= n * k
	for _, u := range keep {
		mean := 0.0
		for r := 0; r < rows; r++ {
			d := m[r][u] - ss.grand
			ss.total += d * d
			mean += m[r][u]
		}
		d := mean/k - ss.grand
		ss.rows += d * d
	}
	ss.rows *= k
	for r := 0; r < rows; r++ {
		mean := 0.0
		for _, u := range keep {
			mean += m[r][u]
		}
		d := mean/n - ss.grand
		ss.cols += d * d
	}
	ss.cols *= n
	return ss
}

// ratio gives the numerator and denominator of the model's ICC from the
// mean squares, and sets its F test.
func (res *iccResult) ratio(rows int) (num, den float64) {
	n, k := float64(res.units), float64(rows)
	switch res.model {
	case ICC11:
		num = res.bms - res.wms
		den = res.bms + (k-1)*res.wms
		res.f, res.df1, res.df2 = iccF(res.bms, res.wms), res.units-1, res.units*(rows-1)
	case ICC21:
		num = res.bms - res.ems
		den = res.bms + (k-1)*res.ems + k*(res.jms-res.ems)/n
		res.f, res.df1, res.df2 = iccF(res.bms, res.ems), res.units-1, (res.units-1)*(rows-1)
	case ICC31:
		num = res.bms - res.ems
		den = res.bms + (k-1)*res.ems
		res.f, res.df1, res.df2 = iccF(res.bms, res.ems), res.units-1, (res.units-1)*(rows-1)
	}
	return num, den
}

// iccF returns a/b, or 0 when b is 0 (an F ratio reported as a detail).
func iccF(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}
