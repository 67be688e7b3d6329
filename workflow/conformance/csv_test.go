package conformance

import (
	"bytes"
	"encoding/csv"
	"testing"
)

// TestSequencesCSVEscapesFormulas: a case label imported as a formula is
// written as text (package sheet), while numbers such as a negative
// Kendall's tau stay numbers.
func TestSequencesCSVEscapesFormulas(t *testing.T) {
	tau := -0.5
	r := Report{Sequences: []SequenceRow{{Case: `=HYPERLINK("http://x","y")`, Session: 1, Stages: []string{"S1"}, Fitness: 1, KendallTau: &tau}}}
	var buf bytes.Buffer
	if err := WriteSequencesCSV(&buf, r); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if rows[1][0] != `'=HYPERLINK("http://x","y")` || rows[1][5] != "-0.5" {
		t.Fatalf("row %q", rows[1])
	}
}
