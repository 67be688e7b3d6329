package dataset

import (
	"fmt"
	"slices"
)

// WAIScore is the scoring of one WAI-12 report after reverse keying: Total
// is the sum of the twelve items (12-84), Mean the item mean (1-7), and
// Task, Goal and Bond the subscale sums of four items each (4-28).
type WAIScore struct {
	Total int
	Mean  float64
	Task  int
	Goal  int
	Bond  int
}

// WAI-12 subscales as item numbers (1-based).
var (
	waiTask = [4]int{1, 2, 10, 12}
	waiGoal = [4]int{4, 6, 8, 11}
	waiBond = [4]int{3, 5, 7, 9}
)

// DefaultReverseKeyed returns the negatively worded items of the WAI-12 short
// form that are scored 8 − x: items 4 and 10. Each call returns a fresh slice.
func DefaultReverseKeyed() []int { return []int{4, 10} }

// ScoreWAI scores one report. items holds the answers to items 1-12 as given
// (each 1-7; ScoreWAI does not check). reverse lists the item numbers scored
// 8 − x; it is used exactly as given, so pass DefaultReverseKeyed() for the
// standard scoring (nil or empty means no item is reversed). Numbers outside
// 1-12 are ignored and a repeated number counts once; ValidateReverseKeyed
// rejects both.
func ScoreWAI(items [12]int, reverse []int) WAIScore {
	scored := items
	var done [12]bool
	for _, k := range reverse {
		if k >= 1 && k <= 12 && !done[k-1] {
			done[k-1] = true
			scored[k-1] = 8 - items[k-1]
		}
	}
	sum := func(set [4]int) int {
		t := 0
		for _, k := range set {
			t += scored[k-1]
		}
		return t
	}
	s := WAIScore{Task: sum(waiTask), Goal: sum(waiGoal), Bond: sum(waiBond)}
	s.Total = s.Task + s.Goal + s.Bond
	s.Mean = float64(s.Total) / 12
	return s
}

// ValidateReverseKeyed checks a configured reverse-keyed set: every entry an
// item number 1-12, none repeated (an empty set is valid). Fields are named
// "reverse_keyed[i]".
func ValidateReverseKeyed(items []int) []FieldError {
	var errs []FieldError
	for i, k := range items {
		field := fmt.Sprintf("reverse_keyed[%d]", i)
		switch {
		case k < 1 || k > 12:
			errs = append(errs, FieldError{field, fmt.Sprintf("must be an item number from 1 to 12, not %d", k)})
		case slices.Contains(items[:i], k):
			errs = append(errs, FieldError{field, fmt.Sprintf("item %d is listed twice", k)})
		}
	}
	return errs
}
