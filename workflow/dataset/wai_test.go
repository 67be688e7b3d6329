package dataset

import (
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestScoreWAI(t *testing.T) {
	items := [12]int{5, 6, 3, 2, 7, 4, 6, 5, 7, 3, 4, 6}
	tests := []struct {
		name    string
		reverse []int
		want    WAIScore
	}{
		// Items 4 (2 → 6) and 10 (3 → 5) reversed.
		// task 1,2,10,12 = 5+6+5+6 = 22; goal 4,6,8,11 = 6+4+5+4 = 19;
		// bond 3,5,7,9 = 3+7+6+7 = 23; total 64; mean 64/12.
		{"default", DefaultReverseKeyed(), WAIScore{Total: 64, Mean: 64.0 / 12, Task: 22, Goal: 19, Bond: 23}},
		// Items 1 (5 → 3) and 12 (6 → 2): task 3+6+3+2 = 14; goal 2+4+5+4 = 15; bond 23.
		{"custom", []int{12, 1}, WAIScore{Total: 52, Mean: 52.0 / 12, Task: 14, Goal: 15, Bond: 23}},
		// None reversed: task 5+6+3+6 = 20; goal 15; bond 23.
		{"none", nil, WAIScore{Total: 58, Mean: 58.0 / 12, Task: 20, Goal: 15, Bond: 23}},
		// Out-of-range and repeated numbers are ignored.
		{"sloppy", []int{4, 4, 10, 0, 13}, WAIScore{Total: 64, Mean: 64.0 / 12, Task: 22, Goal: 19, Bond: 23}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ScoreWAI(items, tt.reverse)
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("(-want +got):\n%s", d)
			}
		})
	}
	if got := ScoreWAI([12]int{1, 1, 1, 7, 1, 1, 1, 1, 1, 7, 1, 1}, DefaultReverseKeyed()); got.Total != 12 || math.Abs(got.Mean-1) > 1e-12 {
		t.Errorf("floor: %+v", got)
	}
}

func TestValidateReverseKeyed(t *testing.T) {
	if errs := ValidateReverseKeyed(DefaultReverseKeyed()); errs != nil {
		t.Errorf("default: %v", errs)
	}
	if errs := ValidateReverseKeyed(nil); errs != nil {
		t.Errorf("empty: %v", errs)
	}
	got := ValidateReverseKeyed([]int{4, 0, 13, 4})
	want := []FieldError{
		{"reverse_keyed[1]", "must be an item number from 1 to 12, not 0"},
		{"reverse_keyed[2]", "must be an item number from 1 to 12, not 13"},
		{"reverse_keyed[3]", "item 4 is listed twice"},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
}
