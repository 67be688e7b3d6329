package dataset

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const eventHeader = "case,session,coder,segment,onset,code,salience"

func known3RS() func(string) bool {
	set := map[string]bool{}
	for _, c := range Codebook3RS2015() {
		set[c.Code] = true
	}
	return func(code string) bool { return set[code] }
}

func parseEventsAll(in string) ([]EventRow, int, error) {
	var rows []EventRow
	n, err := ParseEvents(strings.NewReader(in), known3RS(), func(r EventRow) error {
		rows = append(rows, r)
		return nil
	})
	return rows, n, err
}

func TestParseEventsGood(t *testing.T) {
	in := "\ufeffCode, Segment ,Coder,Session,Case,Salience,Onset\r\n" +
		"W1,1,anna,3,A,4,12.5\r\n" +
		"RS02,2,anna,3,A,,\r" +
		"RS02,2,anna,3,A,,0\n" + // differs from the previous row by its onset
		"C3,2,ben,3,A,5,1e2\r\n"
	got, n, err := parseEventsAll(in)
	if err != nil {
		t.Fatal(err)
	}
	want := []EventRow{
		{Case: "A", Session: 3, Coder: "anna", Segment: 1, Onset: floatp(12.5), Code: "W1", Salience: intp(4), Line: 2},
		{Case: "A", Session: 3, Coder: "anna", Segment: 2, Code: "RS02", Line: 3},
		{Case: "A", Session: 3, Coder: "anna", Segment: 2, Onset: floatp(0), Code: "RS02", Line: 4},
		{Case: "A", Session: 3, Coder: "ben", Segment: 2, Onset: floatp(100), Code: "C3", Salience: intp(5), Line: 5},
	}
	if n != len(want) {
		t.Errorf("n = %d", n)
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("rows (-want +got):\n%s", d)
	}
	// Without the optional columns.
	got, _, err = parseEventsAll("case,session,coder,segment,code\nA,1,c,1,W2\n")
	if err != nil || len(got) != 1 || got[0].Onset != nil || got[0].Salience != nil {
		t.Errorf("minimal file: %+v %v", got, err)
	}
}

func TestParseEventsBadFiles(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    []Problem
		emitted int
	}{
		{name: "empty file", in: "", want: []Problem{{1, "", "empty file"}}},
		{name: "header only", in: eventHeader + "\n", want: []Problem{{1, "", "no data rows"}}},
		{
			name: "missing and unknown columns",
			in:   "case,session,coder,code,note\nA,1,c,W1,x\n",
			want: []Problem{{1, "note", "unknown column"}, {1, "segment", "missing required column"}},
		},
		{
			name: "unknown code",
			in:   eventHeader + "\nA,1,c,1,,W1,\nA,1,c,2,,W9,\nA,1,c,3,,w1,\nA,1,c,4,,,\nA,1,c,5,," + strings.Repeat("R", 40) + ",\n",
			want: []Problem{
				{3, "code", `unknown code "W9"`},
				{4, "code", `unknown code "w1"`},
				{5, "code", "is required"},
				{6, "code", "unknown code"},
			},
			emitted: 1,
		},
		{
			name: "non-number and out of range",
			in: eventHeader + "\n" +
				"A,0,c,1,,W1,\n" +
				"A,1,c,-2,,W1,\n" +
				"A,1,c,1,-0.5,W1,\n" +
				"A,1,c,1,NaN,W1,\n" +
				"A,1,c,1,Inf,W1,\n" +
				"A,1,c,1,0x1p3,W1,\n" +
				"A,1,c,1,1e400,W1,\n" +
				"A,1,c,1,12s,W1,\n" +
				"A,1,c,1,,W1,6\n" +
				"A,1,c,2,,W1,high\n" +
				"A,1,,1,,W1,\n",
			want: []Problem{
				{2, "session", `not "0"`},
				{3, "segment", `not "-2"`},
				{4, "onset", `must be a number of seconds ≥ 0, not "-0.5"`},
				{5, "onset", `"NaN"`},
				{6, "onset", `"Inf"`},
				{7, "onset", `"0x1p3"`},
				{8, "onset", `"1e400"`},
				{9, "onset", `"12s"`},
				{10, "salience", `from 1 to 5, not "6"`},
				{11, "salience", `"high"`},
				{12, "coder", "is required"},
			},
		},
		{
			name: "duplicate rows",
			in: eventHeader + "\n" +
				"A,1,c,1,1.5,W1,\n" +
				"A,1,c,1,,W1,\n" + // no onset: not the same as 1.5
				"A,1,d,1,1.5,W1,\n" + // another coder
				"A,1,c,1,1.50,W1,3\n" + // same as line 2: onsets compare as numbers
				"A,1,c,1,,W1,\n", // same as line 3
			want: []Problem{
				{5, "", "duplicate of line 2 (same case, session, coder, segment, onset and code)"},
				{6, "", "duplicate of line 3"},
			},
			emitted: 3,
		},
		{
			name:    "wrong field count",
			in:      eventHeader + "\nA,1,c,1,,W1,\nA,1,c,2,W1\n",
			want:    []Problem{{3, "", "has 5 fields; the header has 7"}},
			emitted: 1,
		},
		{
			name: "NUL byte and invalid UTF-8",
			in:   eventHeader + "\nA,1,c\x00,1,,W1,\nA\xc0,1,c,1,,W1,\n",
			want: []Problem{{2, "coder", "NUL"}, {3, "case", "UTF-8"}},
		},
		{
			name: "over-long row",
			in:   eventHeader + "\nA,1,c,1,,W1,\nA,1,c,2,," + strings.Repeat("W", 70000) + ",\r\nA,1,c,3,,W1,\r\nA,1,c,4,,W0,\r\n",
			want: []Problem{
				{3, "", "row is longer than 65536 bytes"},
				{5, "code", `unknown code "W0"`},
			},
			emitted: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, n, err := parseEventsAll(tt.in)
			matchProblems(t, err, tt.want, false)
			if len(got) != tt.emitted || n != tt.emitted {
				t.Errorf("emitted %d rows (n = %d), want %d", len(got), n, tt.emitted)
			}
			checkEmittedBeforeProblems(t, got, err)
		})
	}
}

// checkEmittedBeforeProblems asserts that no row at or after the first
// problem was emitted.
func checkEmittedBeforeProblems(t *testing.T, rows []EventRow, err error) {
	t.Helper()
	var ie *ImportError
	if !errors.As(err, &ie) || len(ie.Problems) == 0 {
		return
	}
	first := ie.Problems[0].Row
	for _, p := range ie.Problems {
		first = min(first, p.Row)
	}
	for _, r := range rows {
		if r.Line >= first {
			t.Errorf("row on line %d emitted after a problem on line %d", r.Line, first)
		}
	}
}

func TestParseEventsRandomBytes(t *testing.T) {
	data := randomBytes(42, 10<<20)
	rows, _, err := parseEventsAll(string(data))
	var ie *ImportError
	if !errors.As(err, &ie) || len(ie.Problems) == 0 {
		t.Fatalf("err = %v", err)
	}
	if len(rows) != 0 {
		t.Errorf("emitted %d rows", len(rows))
	}
	// Random printable lines (no quotes, so the scan goes through all of
	// it): the cap is reached and reported.
	var b bytes.Buffer
	b.WriteString(eventHeader + "\n")
	for _, c := range randomBytes(7, 10<<20) {
		switch {
		case c%16 == 0:
			b.WriteByte('\n')
		case c%5 == 0:
			b.WriteByte(',')
		default:
			b.WriteByte('a' + c%26)
		}
	}
	rows, _, err = parseEventsAll(b.String())
	if !errors.As(err, &ie) || len(ie.Problems) != MaxProblems || !ie.Truncated || len(rows) != 0 {
		t.Errorf("random lines: %d rows, err %v", len(rows), err)
	}
}

// makeEvents returns a header and n distinct event rows.
func makeEvents(n int) []byte {
	codes := Codebook3RS2015()
	var b bytes.Buffer
	b.Grow(64 + n*40)
	b.WriteString(eventHeader + "\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "case%02d,%d,coder%d,%d,%d.5,%s,%d\n",
			i%20, 1+i/50000, i%2, 1+i%50000, i%3600, codes[i%len(codes)].Code, 1+i%5)
	}
	return b.Bytes()
}

func TestParseEventsMany(t *testing.T) {
	data := makeEvents(20000)
	n, err := ParseEvents(bytes.NewReader(data), known3RS(), func(EventRow) error { return nil })
	if err != nil || n != 20000 {
		t.Fatalf("n %d err %v", n, err)
	}
}

func BenchmarkParseEvents(b *testing.B) {
	data := makeEvents(1_000_000)
	known := known3RS()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		n, err := ParseEvents(bytes.NewReader(data), known, func(EventRow) error { return nil })
		if err != nil || n != 1_000_000 {
			b.Fatalf("n %d err %v", n, err)
		}
	}
}
