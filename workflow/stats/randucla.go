package stats

import (
	"fmt"
	"math"
)

// Appropriateness classes of the RAND/UCLA appropriateness method.
const (
	Appropriate   = "appropriate"
	Uncertain     = "uncertain"
	Inappropriate = "inappropriate"
)

// RandUCLA holds the panel statistics of one item rated on 1-9 by the
// RAND/UCLA appropriateness method (Fitch K, Bernstein SJ, Aguilar MD et
// al. The RAND/UCLA Appropriateness Method User's Manual. Santa Monica:
// RAND; 2001, chapter 8), with the interpercentile range adjusted for
// symmetry (IPRAS) as the test of disagreement:
//
//	IPR   = P70 − P30
//	IPRCP = (P30 + P70)/2        (central point of the IPR)
//	AI    = |5 − IPRCP|           (asymmetry index)
//	IPRAS = 2.35 + 1.5 · AI
//	disagreement when IPR > IPRAS
//
// The percentiles (and the median) are type-7 quantiles (Quantile7); the
// manual leaves the percentile definition to the software, and the worked
// example of BMJ Open 2012;2:e001431 (Table 1) agrees with type 7.
//
// Class, by the manual's median bands 1-3 / 4-6 / 7-9: appropriate when
// median ≥ 7 without disagreement; inappropriate when median ≤ 3 without
// disagreement; uncertain otherwise, including any disagreement. A median
// between two bands (3.5 or 6.5, possible with an even panel) is
// uncertain: it lies in neither outer band, and treating 3.5 and 6.5 alike
// keeps the rule symmetric about the centre 5 (as in the EPAGE
// appropriateness criteria of the manual's co-authors: "appropriate when
// the median is ≥ 7, inappropriate when ≤ 3, uncertain in between").
type RandUCLA struct {
	N            int     `json:"n"`
	Median       float64 `json:"median"`
	P30          float64 `json:"p30"`
	P70          float64 `json:"p70"`
	IPR          float64 `json:"ipr"`
	IPRCP        float64 `json:"iprcp"`
	AI           float64 `json:"ai"`
	IPRAS        float64 `json:"ipras"`
	Disagreement bool    `json:"disagreement"`
	Class        string  `json:"class"`
}

// RandUCLAStats computes the RAND/UCLA statistics of ratings on 1-9.
// Ratings outside 1-9 are ignored; with none the result is the zero value
// with Class "uncertain".
func RandUCLAStats(ratings []int) RandUCLA {
	xs := inScale(ratings, Scale{Min: 1, Max: 9})
	r := RandUCLA{N: len(xs), Class: Uncertain}
	if len(xs) == 0 {
		return r
	}
	r.Median = Quantile7(xs, 0.5)
	r.P30 = Quantile7(xs, 0.3)
	r.P70 = Quantile7(xs, 0.7)
	r.IPR = r.P70 - r.P30
	r.IPRCP = (r.P30 + r.P70) / 2
	r.AI = math.Abs(5 - r.IPRCP)
	r.IPRAS = 2.35 + 1.5*r.AI
	// Round away representation noise (e.g. 6.1000000000000005) before the
	// comparison; the inputs are whole numbers and type-7 weights are
	// multiples of 0.1 for the 30th/70th percentile.
	r.IPR, r.IPRCP, r.AI, r.IPRAS = round9(r.IPR), round9(r.IPRCP), round9(r.AI), round9(r.IPRAS)
	r.Disagreement = r.IPR > r.IPRAS
	switch {
	case r.Disagreement:
	case r.Median >= 7:
		r.Class = Appropriate
	case r.Median <= 3:
		r.Class = Inappropriate
	}
	return r
}

// round9 rounds to 9 decimals.
func round9(v float64) float64 { return math.Round(v*1e9) / 1e9 }

// Reason describes the classification in words.
func (r RandUCLA) Reason() string {
	dis := "no disagreement"
	if r.Disagreement {
		dis = "disagreement"
	}
	return fmt.Sprintf("%s: median %g, IPR %g vs IPRAS %g (%s)", r.Class, r.Median, r.IPR, r.IPRAS, dis)
}
