package sheet

import (
	"bytes"
	"encoding/csv"
	"testing"
)

// TestCell: the OWASP "CSV Injection" rule (cells beginning with =, +, -,
// @, tab or carriage return get a leading apostrophe), except plain
// decimal numbers.
func TestCell(t *testing.T) {
	for in, want := range map[string]string{
		"":                                   "",
		"P01":                                "P01",
		"=HYPERLINK(\"http://x\",\"click\")": "'=HYPERLINK(\"http://x\",\"click\")",
		"+cmd|' /C calc'!A0":                 "'+cmd|' /C calc'!A0",
		"-2+3":                               "'-2+3",
		"@SUM(A1:A2)":                        "'@SUM(A1:A2)",
		"\t=1":                               "'\t=1",
		"\r=1":                               "'\r=1",
		"-":                                  "'-",
		"-.":                                 "'-.",
		"-1e":                                "'-1e",
		"-0x1p-2":                            "'-0x1p-2",
		"-Inf":                               "'-Inf",
		"+NaN":                               "'+NaN",
		"-1.5":                               "-1.5",
		"+2":                                 "+2",
		"-3e-2":                              "-3e-2",
		"-.5":                                "-.5",
		"-12.":                               "-12.",
		"1.5":                                "1.5",
		"a=b":                                "a=b",
	} {
		if got := Cell(in); got != want {
			t.Errorf("Cell(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestWriterEscapesAndRoundTrips(t *testing.T) {
	var buf bytes.Buffer
	w := NewWriter(&buf)
	rec := []string{"=1+1", "-0.25", "plain, with comma"}
	if err := w.Write(rec); err != nil {
		t.Fatal(err)
	}
	w.Flush()
	if w.Error() != nil || rec[0] != "=1+1" {
		t.Fatalf("error %v; caller's record changed: %v", w.Error(), rec)
	}
	got, err := csv.NewReader(&buf).Read()
	if err != nil {
		t.Fatal(err)
	}
	if got[0] != "'=1+1" || got[1] != "-0.25" || got[2] != "plain, with comma" {
		t.Fatalf("read back %q", got)
	}
}
