package stats

import (
	"fmt"
	"math"
)

// Scale is the closed integer rating scale of a round, Min..Max (for
// example 1-9 for GRADE-style importance ratings or 1-4 for the content
// validity relevance scale).
type Scale struct {
	Min int `json:"min"`
	Max int `json:"max"`
}

// MaxScaleSpan is the largest Max−Min a Scale may have; it keeps
// distributions (one count per scale point) small.
const MaxScaleSpan = 20

// Validate reports whether the scale is usable: Min < Max and
// Max − Min ≤ MaxScaleSpan.
func (s Scale) Validate() error {
	if s.Min >= s.Max {
		return fmt.Errorf("scale min (%d) must be less than max (%d)", s.Min, s.Max)
	}
	if s.Max-s.Min > MaxScaleSpan {
		return fmt.Errorf("scale %d-%d spans more than %d points", s.Min, s.Max, MaxScaleSpan)
	}
	return nil
}

// Contains reports whether v is a point of the scale.
func (s Scale) Contains(v int) bool { return v >= s.Min && v <= s.Max }

// String renders the scale as "min-max".
func (s Scale) String() string { return fmt.Sprintf("%d-%d", s.Min, s.Max) }

// Quantile7 returns the p-quantile of an ascending sorted sample by the rule
// of Hyndman & Fan (1996) type 7, the default of R's quantile() and of
// Python's statistics.quantiles(method="inclusive"): with n values
// x[0] ≤ … ≤ x[n−1] and h = (n − 1)·p, the result is
// x[⌊h⌋] + (h − ⌊h⌋)·(x[⌊h⌋+1] − x[⌊h⌋]).
//
// p is clamped to [0, 1] (NaN counts as 0). An empty sample gives 0, so
// the result is never NaN for finite input. A value of h within 1e-9 of a
// whole number is taken as that whole number, so that for example
// (n − 1)·0.7 = 7.000000000000001 does not leak a rounding error into a
// quantile that is exactly a data value.
func Quantile7(sorted []float64, p float64) float64 {
	n := len(sorted)
	if n == 0 {
		return 0
	}
	if !(p > 0) { // also NaN
		return sorted[0]
	}
	if p >= 1 {
		return sorted[n-1]
	}
	h := float64(n-1) * p
	if r := math.Round(h); math.Abs(h-r) < 1e-9 {
		h = r
	}
	lo := int(math.Floor(h))
	if lo >= n-1 {
		return sorted[n-1]
	}
	f := h - float64(lo)
	a, b := sorted[lo], sorted[lo+1]
	if f == 0 || a == b {
		return a
	}
	return a + f*(b-a)
}

// TopThirdMin is the lowest scale point of the top third of the scale,
// ⌈max − (max − min)/3⌉: 7 on 1-9, 3 on 1-4, 4 on 1-5, 5 on 1-7. It is
// computed in integers as max − ⌊(max − min)/3⌋.
func TopThirdMin(s Scale) int {
	d := s.Max - s.Min
	if d < 0 {
		return s.Max
	}
	return s.Max - d/3
}
