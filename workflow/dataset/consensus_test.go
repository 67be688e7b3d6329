package dataset

import (
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func ev(c string, s, seg int, code string, onset ...float64) CodedEvent {
	e := CodedEvent{Case: c, Session: s, Segment: seg, Code: code}
	if len(onset) > 0 {
		e.Onset = &onset[0]
	}
	return e
}

// TestCompareSets: a segment is agreed when the coders gave the same set of
// codes, however often and in whatever order (hand-worked example).
func TestCompareSets(t *testing.T) {
	a := []CodedEvent{ev("P1", 1, 1, "W1"), ev("P1", 1, 1, "RS04"), ev("P1", 1, 1, "W1"), ev("P1", 1, 2, "RS09"), ev("P2", 1, 1, "C1")}
	b := []CodedEvent{ev("P1", 1, 1, "RS04"), ev("P1", 1, 1, "W1"), ev("P1", 1, 2, "RS03"), ev("P1", 1, 3, "RS10"), ev("P3", 1, 1, "C2"), ev("P3", 2, 1, "C2")}
	got := Compare(a, b)
	want := Overlap{Sessions: []SessionRef{{"P1", 1}}, OnlyA: 1, OnlyB: 2, Segments: 3, Agreed: 1, Disagreements: []Disagreement{
		{SegmentRef{"P1", 1, 2}, []string{"RS09"}, []string{"RS03"}},
		{SegmentRef{"P1", 1, 3}, []string{}, []string{"RS10"}},
	}}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
}

// TestConsensusOnsets: codes neither coder gave take the segment's
// earliest onset, or none when no event there has one.
func TestConsensusOnsets(t *testing.T) {
	a := []CodedEvent{ev("P1", 1, 1, "W1", 9), ev("P1", 1, 2, "RS01")}
	b := []CodedEvent{ev("P1", 1, 1, "W2", 4), ev("P1", 1, 2, "RS02")}
	res := []Resolution{{SegmentRef{"P1", 1, 1}, []string{"W3", "W2"}}, {SegmentRef{"P1", 1, 2}, []string{"RS03"}}}
	got, errs := Consensus(a, b, res, nil, [2]string{"a", "b"})
	if errs != nil {
		t.Fatal(errs)
	}
	four := 4.0
	want := []CodedEvent{
		{Case: "P1", Session: 1, Segment: 1, Onset: &four, Code: "W3"},
		{Case: "P1", Session: 1, Segment: 1, Onset: &four, Code: "W2"},
		{Case: "P1", Session: 1, Segment: 2, Code: "RS03"},
	}
	if d := cmp.Diff(want, got.Events); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
	if got.Resolved != 2 || got.Agreed != 0 {
		t.Errorf("resolved %d, agreed %d", got.Resolved, got.Agreed)
	}
}

// TestConsensusUnresolvedListed: the unresolved are listed one by one up to
// MaxListedUnresolved, then counted; no events come back.
func TestConsensusUnresolvedListed(t *testing.T) {
	var a, b []CodedEvent
	n := MaxListedUnresolved + 5
	for seg := 1; seg <= n; seg++ {
		a = append(a, ev("P1", 1, seg, "W1"))
		b = append(b, ev("P1", 1, seg, "W2"))
	}
	got, errs := Consensus(a, b, nil, nil, [2]string{"a", "b"})
	if len(errs) != MaxListedUnresolved+1 || got.Events != nil {
		t.Fatalf("%d problems, %d events", len(errs), len(got.Events))
	}
	if last := errs[len(errs)-1]; last.Field != "resolutions" || last.Message != fmt.Sprintf("%d more disagreements are unresolved", 5) {
		t.Errorf("last problem: %+v", last)
	}
	if first := errs[0].Message; first != `case "P1", session 1, segment 1 is unresolved: "a" gave [W1], "b" gave [W2]` {
		t.Errorf("first problem: %s", first)
	}
}
