package conformance

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestUnmappedSessions, by hand: X9 occurs 3 times in c1/1 (twice in a
// row, once after a stage) and once in c2/1, so 4 events in 2 sessions;
// Y1 once, in the session c3/1 whose stage sequence is empty (skipped, yet
// counted: the code is still evidence of something the model lacks).
func TestUnmappedSessions(t *testing.T) {
	r := analyze(t, ruptureModel(), Params{}, []Session{
		{Case: "c1", Session: 1, Codes: []string{"W1", "X9", "X9", "RS04", "X9", "RS10"}},
		{Case: "c2", Session: 1, Codes: []string{"W1", "X9", "RS10"}},
		{Case: "c3", Session: 1, Codes: []string{"Y1"}},
		{Case: "c4", Session: 1, Codes: []string{"W1", "RS04", "RS10"}},
	})
	want := []CodeCount{{Code: "X9", Count: 4, Sessions: 2}, {Code: "Y1", Count: 1, Sessions: 1}}
	if diff := cmp.Diff(want, r.UnmappedCodes); diff != "" {
		t.Errorf("unmapped codes (-want +got):\n%s", diff)
	}
	if r.Summary.Sessions != 3 || r.Summary.SkippedEmpty != 1 {
		t.Errorf("sessions %d, skipped %d", r.Summary.Sessions, r.Summary.SkippedEmpty)
	}
}
