package dataset

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestConsensusProblems: every rule of a resolution names its field and says
// what is wrong (the API answers these as 422s); with any problem no events
// come back.
func TestConsensusProblems(t *testing.T) {
	// P1/1: segment 1 agreed (W1), segment 2 a disagreement (RS09 vs RS03),
	// segment 3 coded by neither (segment 4 is). P2/1 coded by a only.
	a := []CodedEvent{ev("P1", 1, 1, "W1"), ev("P1", 1, 2, "RS09"), ev("P1", 1, 4, "C1"), ev("P2", 1, 1, "C2")}
	b := []CodedEvent{ev("P1", 1, 1, "W1"), ev("P1", 1, 2, "RS03"), ev("P1", 1, 4, "C1")}
	known := func(c string) bool { return c != "XX" }
	res := []Resolution{
		{SegmentRef{"", 0, 0}, nil},
		{SegmentRef{"P1", 1, 2}, []string{"RS09", "", "XX", "RS09"}},
		{SegmentRef{"P1", 1, 2}, []string{"RS03"}},
		{SegmentRef{"P2", 1, 1}, []string{"C2"}},
		{SegmentRef{"P1", 1, 3}, []string{"C1"}},
		{SegmentRef{"P1", 1, 1}, []string{"W1"}},
	}
	got, errs := Consensus(a, b, res, known, [2]string{"ann", "bob"})
	want := []FieldError{
		{"resolutions[0].case", "is required"},
		{"resolutions[0].session", "is required: a session number ≥ 1"},
		{"resolutions[0].segment", "is required: a segment number ≥ 1"},
		{"resolutions[0].codes", "is required: the agreed codes of the segment ([] for none)"},
		{"resolutions[1].codes[1]", "is empty"},
		{"resolutions[1].codes[2]", `unknown code "XX"`},
		{"resolutions[1].codes[3]", "duplicate of codes[0]"},
		{"resolutions[2]", `duplicate of resolutions[1] (case "P1", session 1, segment 2)`},
		{"resolutions[3]", `case "P2", session 1, segment 1 is not a disagreement: "ann" and "bob" did not both code that session`},
		{"resolutions[4]", `case "P1", session 1, segment 3 is not a disagreement: neither coder coded that segment`},
		{"resolutions[5]", `case "P1", session 1, segment 1 is not a disagreement: both coders gave W1`},
	}
	if d := cmp.Diff(want, errs); d != "" {
		t.Errorf("problems (-want +got):\n%s", d)
	}
	if got.Events != nil || got.Resolved != 0 {
		t.Errorf("events %v, resolved %d: want none with problems", got.Events, got.Resolved)
	}
}
