package stats

import (
	"encoding/json"
	"math"
	"testing"
)

func TestDescribeNine(t *testing.T) {
	// 7 8 5 6 9 on 1-9, by hand: sorted 5 6 7 8 9; type 7 with h = 4p gives
	// median 7, Q1 6, Q3 8, IQR 2; mean 7; SD = √(10/4) = 1.5811.
	d := Describe([]int{7, 8, 5, 6, 9}, Scale{1, 9})
	if d.N != 5 || d.Median != 7 || d.Q1 != 6 || d.Q3 != 8 || d.IQR != 2 || d.Mean != 7 {
		t.Fatalf("got %+v", d)
	}
	if !d.SDDefined || !qNear(d.SD, math.Sqrt(2.5), 1e-12) {
		t.Fatalf("SD %v defined %v", d.SD, d.SDDefined)
	}
	want := []Count{{1, 0}, {2, 0}, {3, 0}, {4, 0}, {5, 1}, {6, 1}, {7, 1}, {8, 1}, {9, 1}}
	if len(d.Distribution) != len(want) {
		t.Fatalf("distribution %v", d.Distribution)
	}
	for i := range want {
		if d.Distribution[i] != want[i] {
			t.Fatalf("distribution %v, want %v", d.Distribution, want)
		}
	}
}

func TestDescribeSmallAndOutOfScale(t *testing.T) {
	d := Describe(nil, Scale{1, 4})
	if d.N != 0 || d.Median != 0 || d.SDDefined || len(d.Distribution) != 4 {
		t.Fatalf("empty: %+v", d)
	}
	d = Describe([]int{3}, Scale{1, 4})
	if d.N != 1 || d.Median != 3 || d.Q1 != 3 || d.IQR != 0 || d.SD != 0 || d.SDDefined {
		t.Fatalf("one rating: %+v", d)
	}
	// 0 and 5 are not on 1-4 and are not counted.
	d = Describe([]int{0, 2, 4, 5}, Scale{1, 4})
	if d.N != 2 || d.Mean != 3 || d.Distribution[1].N != 1 || d.Distribution[3].N != 1 {
		t.Fatalf("out of scale: %+v", d)
	}
	if _, err := json.Marshal(d); err != nil {
		t.Fatal(err)
	}
}
