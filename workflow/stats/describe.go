package stats

import (
	"math"
	"sort"
)

// Count is the number of ratings N given to one scale Value.
type Count struct {
	Value int `json:"value"`
	N     int `json:"n"`
}

// Description summarises the ratings of one item in a round.
//
// Median, Q1 and Q3 are type-7 quantiles (see Quantile7) and IQR = Q3 − Q1.
// SD is the sample standard deviation (divisor n − 1); with fewer than two
// ratings it is undefined, reported as SD 0 and SDDefined false.
// Distribution lists every scale value Min..Max in order, zero counts
// included.
type Description struct {
	N            int     `json:"n"`
	Median       float64 `json:"median"`
	Q1           float64 `json:"q1"`
	Q3           float64 `json:"q3"`
	IQR          float64 `json:"iqr"`
	Mean         float64 `json:"mean"`
	SD           float64 `json:"sd"`
	SDDefined    bool    `json:"-"`
	Distribution []Count `json:"distribution"`
}

// inScale returns the ratings that are points of s, as float64 in ascending
// order. With an invalid scale every rating is kept.
func inScale(ratings []int, s Scale) []float64 {
	valid := s.Validate() == nil
	xs := make([]float64, 0, len(ratings))
	for _, r := range ratings {
		if valid && !s.Contains(r) {
			continue
		}
		xs = append(xs, float64(r))
	}
	sort.Float64s(xs)
	return xs
}

// Describe summarises ratings on scale s. Ratings outside the scale are
// not counted (N counts only the ratings on the scale); callers are
// expected to reject them before they are stored. With no ratings the
// result has N 0, all statistics 0 and the all-zero distribution. With an
// invalid scale (see Scale.Validate) every rating is counted and the
// distribution is left empty.
func Describe(ratings []int, s Scale) Description {
	xs := inScale(ratings, s)
	d := Description{N: len(xs)}
	if s.Validate() == nil {
		d.Distribution = make([]Count, 0, s.Max-s.Min+1)
		counts := make([]int, s.Max-s.Min+1)
		for _, x := range xs {
			counts[int(x)-s.Min]++
		}
		for i, c := range counts {
			d.Distribution = append(d.Distribution, Count{Value: s.Min + i, N: c})
		}
	}
	if len(xs) == 0 {
		return d
	}
	d.Median = Quantile7(xs, 0.5)
	d.Q1 = Quantile7(xs, 0.25)
	d.Q3 = Quantile7(xs, 0.75)
	d.IQR = d.Q3 - d.Q1
	sum := 0.0
	for _, x := range xs {
		sum += x
	}
	d.Mean = sum / float64(len(xs))
	if len(xs) >= 2 {
		ss := 0.0
		for _, x := range xs {
			ss += (x - d.Mean) * (x - d.Mean)
		}
		d.SD = math.Sqrt(ss / float64(len(xs)-1))
		d.SDDefined = true
	}
	return d
}
