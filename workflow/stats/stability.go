package stats

// Stability measures how much an item's rating distribution changed
// between two rounds: the total variation distance between the two
// distributions of ratings over the points of scale s, as proportions,
//
//	½ Σ_v |p_v − q_v|,
//
// from 0 (identical distributions) to 1 (no rating value in common). It is
// the share of the panel that would have to move to another scale point to
// turn one distribution into the other (the "net change" of Scheibe,
// Skutsch & Schofer 1975, in Linstone & Turoff (eds.), The Delphi Method),
// and an item is usually called stable when the change is at most 15 %,
// i.e. Stability ≤ 0.15. Proportions are used so that rounds with
// different numbers of respondents can be compared.
//
// Ratings outside the scale are ignored. When either round has no ratings
// there is nothing to compare and the result is 0; callers should check
// the numbers of ratings themselves before calling an item stable.
func Stability(prev, cur []int, s Scale) float64 {
	if s.Validate() != nil {
		return 0
	}
	p := proportions(prev, s)
	q := proportions(cur, s)
	if p == nil || q == nil {
		return 0
	}
	d := 0.0
	for i := range p {
		if p[i] > q[i] {
			d += p[i] - q[i]
		} else {
			d += q[i] - p[i]
		}
	}
	return clamp01(d / 2)
}

// proportions is the share of ratings at each point of s (nil for none).
func proportions(ratings []int, s Scale) []float64 {
	counts := make([]float64, s.Max-s.Min+1)
	n := 0
	for _, r := range ratings {
		if s.Contains(r) {
			counts[r-s.Min]++
			n++
		}
	}
	if n == 0 {
		return nil
	}
	for i := range counts {
		counts[i] /= float64(n)
	}
	return counts
}
