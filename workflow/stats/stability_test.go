package stats

import "testing"

func TestStability(t *testing.T) {
	s := Scale{1, 9}
	if got := Stability([]int{7, 8, 9}, []int{9, 8, 7}, s); got != 0 {
		t.Errorf("same distribution: %v", got)
	}
	if got := Stability([]int{1, 2}, []int{8, 9}, s); got != 1 {
		t.Errorf("disjoint: %v", got)
	}
	// Hand computation: round 1 (n = 4) 7 7 8 9 → p = .5 .25 .25 at 7 8 9;
	// round 2 (n = 5) 7 8 8 8 9 → q = .2 .6 .2;
	// ½(|.5 − .2| + |.25 − .6| + |.25 − .2|) = ½(.3 + .35 + .05) = .35,
	// above the 0.15 of the usual stability convention.
	if got := Stability([]int{7, 7, 8, 9}, []int{7, 8, 8, 8, 9}, s); !qNear(got, 0.35, 1e-12) {
		t.Errorf("got %v, want .35", got)
	}
	// One panellist of ten moves from 7 to 8: 0.1, stable.
	prev := []int{7, 7, 7, 8, 8, 8, 9, 9, 9, 9}
	cur := []int{7, 7, 8, 8, 8, 8, 9, 9, 9, 9}
	if got := Stability(prev, cur, s); !qNear(got, 0.1, 1e-12) {
		t.Errorf("got %v, want .1", got)
	}
	if got := Stability(nil, cur, s); got != 0 {
		t.Errorf("empty round: %v", got)
	}
	if got := Stability(prev, cur, Scale{9, 1}); got != 0 {
		t.Errorf("bad scale: %v", got)
	}
}
