package dataset

import (
	"bytes"
	"errors"
	"math"
	"strings"
	"testing"
	"unicode/utf8"
)

// checkImportResult asserts what holds for every parse result: the count
// matches the rows emitted, a failure is an *ImportError with 1 to
// MaxProblems well-formed problems, and a success emitted at least one row.
func checkImportResult(t *testing.T, n, emitted int, err error) int {
	t.Helper()
	if n != emitted {
		t.Fatalf("returned %d, emitted %d", n, emitted)
	}
	if err == nil {
		if emitted == 0 {
			t.Fatal("success without rows")
		}
		return 0
	}
	var ie *ImportError
	if !errors.As(err, &ie) {
		t.Fatalf("error is %T: %v", err, err)
	}
	if len(ie.Problems) == 0 || len(ie.Problems) > MaxProblems {
		t.Fatalf("%d problems", len(ie.Problems))
	}
	first := math.MaxInt
	for _, p := range ie.Problems {
		if p.Row < 1 || p.Message == "" || !utf8.ValidString(p.Message) || !utf8.ValidString(p.Column) {
			t.Fatalf("bad problem %q", p)
		}
		first = min(first, p.Row)
	}
	return first
}

func validLabel(s string) bool {
	return checkLabel(s) == "" && utf8.ValidString(s) && !bytes.ContainsRune([]byte(s), 0)
}

func FuzzParseSessions(f *testing.F) {
	f.Add([]byte(sessHeader + "\nA,1,patient," + w5 + ",1,2,3\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		emitted := 0
		n, err := ParseSessions(bytes.NewReader(data), func(r SessionRow) error {
			emitted++
			if !validLabel(r.Case) || r.Session < 1 || r.Session > MaxNumber ||
				(r.Rater != RaterPatient && r.Rater != RaterTherapist) {
				t.Fatalf("bad key in %+v", r)
			}
			for _, x := range r.WAI {
				if x < 1 || x > 7 {
					t.Fatalf("bad WAI in %+v", r)
				}
			}
			for _, p := range []*int{r.Intensity, r.Resolution} {
				if p != nil && (*p < 1 || *p > 5) {
					t.Fatalf("bad optional in %+v", r)
				}
			}
			return nil
		})
		checkImportResult(t, n, emitted, err)
	})
}

func FuzzParseEvents(f *testing.F) {
	f.Add([]byte(eventHeader + "\nA,1,c,1,2.5,W1,3\n"))
	known := known3RS()
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzEvents(t, data, known)
		// Again with a tiny row limit, so that skipping over-long rows is
		// exercised. Every emitted row is one physical line (a line break
		// inside a value is always a problem), so its Line must point at a
		// line holding its case and code.
		defer func(old int) { rowLimit = old }(rowLimit)
		rowLimit = 48
		rows := fuzzEvents(t, data, known)
		text := strings.ReplaceAll(strings.ReplaceAll(string(bytes.TrimPrefix(data, []byte("\ufeff"))), "\r\n", "\n"), "\r", "\n")
		physical := strings.Split(text, "\n")
		for _, r := range rows {
			if r.Line > len(physical) || !strings.Contains(physical[r.Line-1], r.Code) || !strings.Contains(physical[r.Line-1], r.Case) {
				t.Fatalf("row %+v does not match line %d of the input", r, r.Line)
			}
		}
	})
}

func fuzzEvents(t *testing.T, data []byte, known func(string) bool) []EventRow {
	var rows []EventRow
	n, err := ParseEvents(bytes.NewReader(data), known, func(r EventRow) error {
		rows = append(rows, r)
		if !validLabel(r.Case) || !validLabel(r.Coder) || !known(r.Code) ||
			r.Session < 1 || r.Session > MaxNumber || r.Segment < 1 || r.Segment > MaxNumber || r.Line < 2 {
			t.Fatalf("bad row %+v", r)
		}
		if r.Onset != nil && (math.IsNaN(*r.Onset) || math.IsInf(*r.Onset, 0) || *r.Onset < 0) {
			t.Fatalf("bad onset %v", *r.Onset)
		}
		if r.Salience != nil && (*r.Salience < 1 || *r.Salience > 5) {
			t.Fatalf("bad salience %v", *r.Salience)
		}
		if len(rows) > 1 && rows[len(rows)-2].Line >= r.Line {
			t.Fatalf("lines not increasing: %d then %d", rows[len(rows)-2].Line, r.Line)
		}
		return nil
	})
	first := checkImportResult(t, n, len(rows), err)
	if err != nil {
		for _, r := range rows {
			if r.Line >= first {
				t.Fatalf("row on line %d emitted after a problem on line %d", r.Line, first)
			}
		}
	}
	return rows
}
