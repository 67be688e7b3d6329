package stats

// PercentAgreement returns the share (0 to 1, not 0 to 100) of units on which
// all raters agree, as R irr::agree with tolerance 0, from m[rater][unit],
// under the "pairwise" missing-value convention (MissingPairwise).
//
// Missing ratings (NaN) are allowed: a unit with fewer than two present
// ratings is left out, and a unit agrees when all its present ratings are
// equal. units is the number of units counted. (R irr::agree itself drops
// every unit with a missing rating: MissingIRR in Compute.)
//
// Degenerate input: when no unit has two present ratings the share is
// undefined and the error matches ErrDegenerate. When everyone uses one
// value the agreement is 1 (unlike the chance-corrected coefficients, which
// are undefined there).
func PercentAgreement(m [][]float64) (value float64, units int, err error) {
	r, err := percentAgreement(m, false)
	return r.value, r.units, err
}

type agreementResult struct {
	value  float64
	units  int
	agreed int
}

// percentAgreement counts the units with at least two ratings, or with
// complete only those that every rater rated (irr's na.omit).
func percentAgreement(m [][]float64, complete bool) (agreementResult, error) {
	rows, cols, err := irrCheckMatrix(m)
	if err != nil {
		return agreementResult{}, err
	}
	var res agreementResult
	for u := 0; u < cols; u++ {
		present := 0
		first := 0.0
		agree := true
		for r := 0; r < rows; r++ {
			x := m[r][u]
			if IsMissing(x) {
				continue
			}
			if present == 0 {
				first = x
			} else if x != first {
				agree = false
			}
			present++
		}
		if present < 2 || (complete && present < rows) {
			continue
		}
		res.units++
		if agree {
			res.agreed++
		}
	}
	if res.units == 0 {
		if complete {
			return res, irrDegenerate("no unit was rated by every rater")
		}
		return res, irrDegenerate("no unit has at least two ratings")
	}
	res.value = float64(res.agreed) / float64(res.units)
	return res, nil
}
