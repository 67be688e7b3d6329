package dataset

import (
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const (
	sessHeader = "case,session,rater,wai1,wai2,wai3,wai4,wai5,wai6,wai7,wai8,wai9,wai10,wai11,wai12,rupture,intensity,resolution"
	w5         = "5,5,5,5,5,5,5,5,5,5,5,5"
)

func intp(v int) *int           { return &v }
func floatp(v float64) *float64 { return &v }

// parseSessionsAll runs ParseSessions and collects what it emitted.
func parseSessionsAll(in string) ([]SessionRow, int, error) {
	var rows []SessionRow
	n, err := ParseSessions(strings.NewReader(in), func(r SessionRow) error {
		rows = append(rows, r)
		return nil
	})
	return rows, n, err
}

func TestParseSessionsGood(t *testing.T) {
	want := []SessionRow{
		{Case: "A", Session: 1, Rater: "patient", WAI: [12]int{1, 2, 3, 4, 5, 6, 7, 1, 2, 3, 4, 5}, Rupture: true, Intensity: intp(3), Resolution: intp(4)},
		{Case: "A", Session: 1, Rater: "therapist", WAI: [12]int{5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5}},
		{Case: "case 2", Session: 12, Rater: "patient", WAI: [12]int{7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7}, Intensity: intp(1)},
	}
	body := []string{
		"A,1,patient,1,2,3,4,5,6,7,1,2,3,4,5,1,3,4",
		"A,1,Therapist," + w5 + ",0,,",
		` "case 2",12,PATIENT,7,7,7,7,7,7,7,7,7,7,7,7,0, 1 ,`,
	}
	for name, in := range map[string]string{
		"LF":        sessHeader + "\n" + strings.Join(body, "\n") + "\n",
		"BOM CRLF":  "\ufeff" + sessHeader + "\r\n" + strings.Join(body, "\r\n") + "\r\n",
		"mixed":     sessHeader + "\r" + body[0] + "\r\n" + body[1] + "\n\n" + body[2],
		"blank row": sessHeader + "\n" + body[0] + "\n,,,,,,,,,,,,,,,,,\n" + body[1] + "\n\n" + body[2] + "\n",
	} {
		t.Run(name, func(t *testing.T) {
			got, n, err := parseSessionsAll(in)
			if err != nil {
				t.Fatal(err)
			}
			if n != len(want) {
				t.Errorf("n = %d, want %d", n, len(want))
			}
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("rows (-want +got):\n%s", d)
			}
		})
	}
}

func TestParseSessionsHeaderOrderFree(t *testing.T) {
	in := " Rupture ,WAI12,wai11,wai10,wai9,wai8,wai7,wai6,wai5,wai4,wai3,wai2,wai1, RATER,Session,CASE\n" +
		"1,1,2,3,4,5,6,7,1,2,3,4,5,patient,3,X\n"
	got, _, err := parseSessionsAll(in)
	if err != nil {
		t.Fatal(err)
	}
	want := []SessionRow{{Case: "X", Session: 3, Rater: "patient", WAI: [12]int{5, 4, 3, 2, 1, 7, 6, 5, 4, 3, 2, 1}, Rupture: true}}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("rows (-want +got):\n%s", d)
	}
}

func TestParseSessionsBadFiles(t *testing.T) {
	good := func(c string, s string, r string) string { return c + "," + s + "," + r + "," + w5 + ",0,," }
	missingHeader := func(skip string) (string, []Problem) {
		var names []string
		for _, c := range strings.Split(sessHeader, ",") {
			if c != skip {
				names = append(names, c)
			}
		}
		return strings.Join(names, ","), []Problem{{1, skip, "missing required column"}}
	}
	noWAI7, noWAI7Problems := missingHeader("wai7")
	allMissing := []Problem{{1, "case;session;rater;wai1;wai2;wai3;wai4;wai5;wai6;wai7;wai8;wai9;wai10;wai11;wai12;rupture", "unknown column"}}
	for _, c := range sessionCols {
		if c.required {
			allMissing = append(allMissing, Problem{1, c.name, "missing required column"})
		}
	}
	long := strings.Repeat("x", MaxRowBytes+10)

	tests := []struct {
		name      string
		in        string
		want      []Problem
		emitted   int // rows emitted before the first problem was found
		truncated bool
	}{
		{name: "empty file", in: "", want: []Problem{{1, "", "empty file"}}},
		{name: "BOM only", in: "\ufeff", want: []Problem{{1, "", "empty file"}}},
		{name: "blank lines only", in: "\n\r\n  \n", want: []Problem{{1, "", "empty file"}}},
		{name: "header only", in: sessHeader + "\r\n", want: []Problem{{1, "", "no data rows"}}},
		{name: "header and blank rows", in: sessHeader + "\n,,,,,,,,,,,,,,,,,\n\n", want: []Problem{{1, "", "no data rows"}}},
		{
			name: "wrong header (semicolons)",
			in:   strings.ReplaceAll(sessHeader[:strings.Index(sessHeader, ",intensity")], ",", ";") + "\nA;1;patient;5;5;5;5;5;5;5;5;5;5;5;5;0\n",
			want: allMissing,
		},
		{
			name: "unknown column",
			in:   sessHeader + ",Notes\n" + good("A", "1", "patient") + ",hello\n",
			want: []Problem{{1, "Notes", "unknown column"}},
		},
		{
			name: "duplicate column",
			in:   sessHeader + ",CASE\n" + good("A", "1", "patient") + ",B\n",
			want: []Problem{{1, "case", "duplicate column (also column 1)"}},
		},
		{
			name: "unnamed column",
			in:   sessHeader + ",\n" + good("A", "1", "patient") + ",x\n",
			want: []Problem{{1, "column 19", "column has no name"}},
		},
		{
			name: "missing column",
			in:   noWAI7 + "\nA,1,patient,5,5,5,5,5,5,5,5,5,5,5,0,,\nA,1,patient,5,5,5,5,5,5,x,5,5,5,5,0,,\n",
			want: append(noWAI7Problems, Problem{3, "wai8", `not "x"`}, Problem{3, "", "duplicate of line 2"}),
		},
		{
			name: "non-number",
			in:   sessHeader + "\n" + good("A", "1", "patient") + "\nA,x,patient,5,5,five,5,5,5,5,5,5,5,5,5,0,,\n",
			want: []Problem{
				{3, "session", `must be a whole number from 1 to 2147483647, not "x"`},
				{3, "wai3", `must be a whole number from 1 to 7, not "five"`},
			},
			emitted: 1,
		},
		{
			name: "out of range",
			in: sessHeader + "\n" +
				"A,0,patient,8,5,5,5,5,5,5,5,5,5,5,0,2,6,0\n" +
				"A,1,client,5,5,5,5,5,5,5,5,5,5,5,5,1,,\n" +
				"A,2,patient,5,5,5,5,5,5,5,5,5,5,5,5,,,\n" +
				"A,99999999999999,patient,5,5,5,5,5,5,5,5,5,5,5,5,1,5,5\n" +
				"," + "3,patient," + w5 + ",1,,\n" +
				strings.Repeat("é", 101) + ",4,patient," + w5 + ",1,,\n",
			want: []Problem{
				{2, "session", "from 1 to 2147483647"},
				{2, "wai1", `from 1 to 7, not "8"`},
				{2, "wai12", `not "0"`},
				{2, "rupture", `must be 0 or 1, not "2"`},
				{2, "intensity", `from 1 to 5, not "6"`},
				{2, "resolution", `from 1 to 5, not "0"`},
				{3, "rater", `must be "patient" or "therapist", not "client"`},
				{4, "rupture", "is required"},
				{5, "session", "99999999999999"},
				{6, "case", "is required"},
				{7, "case", "longer than 100 characters"},
			},
		},
		{
			name: "duplicate row",
			in: sessHeader + "\n" + good("A", "1", "patient") + "\n" + good("A", "1", "therapist") + "\n" +
				good("A", "2", "patient") + "\n" + "A,01,PATIENT," + w5 + ",1,2,3\n",
			want:    []Problem{{5, "", "duplicate of line 2 (same case, session and rater)"}},
			emitted: 3,
		},
		{
			name: "wrong field count",
			in:   sessHeader + "\n" + good("A", "1", "patient") + "\nA,2,patient,5,5\n" + good("A", "3", "patient") + ",extra\n",
			want: []Problem{
				{3, "", "has 5 fields; the header has 18"},
				{4, "", "has 19 fields; the header has 18"},
			},
			emitted: 1,
		},
		{
			name: "invalid UTF-8",
			in:   sessHeader + "\n" + good("A\xff", "1", "patient") + "\n" + good("B", "1", "pat\xc3ient") + "\n",
			want: []Problem{{2, "case", "not valid UTF-8"}, {3, "rater", "not valid UTF-8"}},
		},
		{
			name: "invalid UTF-8 in header",
			in:   sessHeader + ",n\xe9\n" + good("A", "1", "patient") + ",x\n",
			want: []Problem{{1, "column 19", "column name is not valid UTF-8"}},
		},
		{
			name: "NUL byte",
			in:   sessHeader + "\n" + good("A\x00", "1", "patient") + "\n",
			want: []Problem{{2, "case", "contains a NUL byte"}},
		},
		{
			name: "control character in case",
			in:   sessHeader + "\n" + good("\"A\nB\"", "1", "patient") + "\n" + good("C", "x", "patient") + "\n",
			want: []Problem{{2, "case", "control character"}, {4, "session", "whole number"}},
		},
		{
			name:    "mixed line ends keep line numbers",
			in:      sessHeader + "\r" + good("A", "1", "patient") + "\r\n\r\n" + good("A", "2", "patient") + "\n" + good("A", "x", "patient") + "\r",
			want:    []Problem{{5, "session", "whole number"}},
			emitted: 2,
		},
		{
			name: "over-long row is skipped",
			in: sessHeader + "\n" + good("A", "1", "patient") + "\n" + good(long, "2", "patient") + "\n" +
				good("A", "3", "patient") + "\n" + good("A", "x", "patient") + "\n",
			want: []Problem{
				{3, "", "row is longer than 65536 bytes"},
				{5, "session", "whole number"},
			},
			emitted: 1,
		},
		{
			name: "over-long quoted row over several lines",
			in: sessHeader + "\n" + good("A", "1", "patient") + "\n" + good(`"`+strings.Repeat(long[:1000]+"\r\n", 70)+`"`, "2", "patient") + "\n" +
				good("A", "3", "patient") + "\n" + good("A", "x", "patient") + "\n",
			want: []Problem{
				{3, "", "row is longer than 65536 bytes"},
				{75, "session", "whole number"},
			},
			emitted: 1,
		},
		{
			name: "over-long header",
			in:   sessHeader + "," + long + "\n" + good("A", "1", "patient") + "\n",
			want: []Problem{{1, "", "row is longer than 65536 bytes"}},
		},
		{
			name: "bare quote stops the scan",
			in: sessHeader + "\n" + good("A", "1", "patient") + "\n" + good(`A"B`, "2", "patient") + "\n" +
				good("A", "x", "patient") + "\n",
			want:    []Problem{{3, "", `CSV syntax error at byte 2 of the line: bare " in non-quoted-field; the rest of the file was not read`}},
			emitted: 1,
		},
		{
			name:    "unterminated quote",
			in:      sessHeader + "\n" + good("A", "1", "patient") + "\n" + good(`"A`, "2", "patient") + "\n" + good("A", "3", "patient") + "\n",
			want:    []Problem{{4, "", `extraneous or missing " in quoted-field (in the row starting on line 3)`}},
			emitted: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, n, err := parseSessionsAll(tt.in)
			matchProblems(t, err, tt.want, tt.truncated)
			if len(got) != tt.emitted || n != tt.emitted {
				t.Errorf("emitted %d rows (n = %d), want %d", len(got), n, tt.emitted)
			}
		})
	}
}

func TestParseSessionsProblemCap(t *testing.T) {
	var b strings.Builder
	b.WriteString(sessHeader + "\n")
	for i := 0; i < 150; i++ {
		fmt.Fprintf(&b, "A,%d,patient,%s,7,,\n", i+1, w5) // rupture 7: one problem per row
	}
	_, n, err := parseSessionsAll(b.String())
	var ie *ImportError
	if !errors.As(err, &ie) {
		t.Fatalf("err = %v", err)
	}
	if len(ie.Problems) != MaxProblems || !ie.Truncated || n != 0 {
		t.Errorf("got %d problems, truncated %v, n %d", len(ie.Problems), ie.Truncated, n)
	}
	if last := ie.Problems[MaxProblems-1]; last.Row != MaxProblems+1 {
		t.Errorf("last problem on row %d, want %d", last.Row, MaxProblems+1)
	}
}

// randomBytes returns n bytes from a seeded generator.
func randomBytes(seed uint64, n int) []byte {
	r := rand.New(rand.NewPCG(seed, seed))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

func TestParseSessionsRandomBytes(t *testing.T) {
	for seed := uint64(1); seed <= 3; seed++ {
		data := randomBytes(seed, 10<<20)
		rows, _, err := parseSessionsAll(string(data))
		var ie *ImportError
		if !errors.As(err, &ie) || len(ie.Problems) == 0 || len(ie.Problems) > MaxProblems {
			t.Fatalf("seed %d: err = %v", seed, err)
		}
		if len(rows) != 0 {
			t.Errorf("seed %d: emitted %d rows from random bytes", seed, len(rows))
		}
	}
}

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errors.New("disk on fire") }

func TestParseSessionsErrors(t *testing.T) {
	// An error from the reader is returned wrapped, not as an ImportError.
	_, err := ParseSessions(io.MultiReader(strings.NewReader(sessHeader+"\n"), failingReader{}), func(SessionRow) error { return nil })
	var ie *ImportError
	if err == nil || errors.As(err, &ie) || !strings.Contains(err.Error(), "disk on fire") {
		t.Errorf("reader error: got %v", err)
	}
	// An error from emit stops the parse and is returned as is.
	stop := errors.New("stop")
	calls := 0
	n, err := ParseSessions(strings.NewReader(sessHeader+"\nA,1,patient,"+w5+",0,,\nA,2,patient,"+w5+",0,,\n"), func(SessionRow) error {
		calls++
		return stop
	})
	if err != stop || calls != 1 || n != 0 {
		t.Errorf("emit error: n %d calls %d err %v", n, calls, err)
	}
}
