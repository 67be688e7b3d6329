package dataset

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"
)

// matchProblems compares problems by row and column exactly and by message
// containing the wanted text.
func matchProblems(t *testing.T, err error, want []Problem, truncated bool) {
	t.Helper()
	if len(want) == 0 && !truncated {
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return
	}
	var ie *ImportError
	if !errors.As(err, &ie) {
		t.Fatalf("error = %v (%T), want *ImportError", err, err)
	}
	if ie.Truncated != truncated {
		t.Errorf("Truncated = %v, want %v", ie.Truncated, truncated)
	}
	ok := len(ie.Problems) == len(want)
	for i := 0; ok && i < len(want); i++ {
		g, w := ie.Problems[i], want[i]
		ok = g.Row == w.Row && g.Column == w.Column && strings.Contains(g.Message, w.Message)
	}
	if !ok {
		var b strings.Builder
		b.WriteString("problems differ\ngot:\n")
		for _, p := range ie.Problems {
			fmt.Fprintf(&b, "  %d %q %q\n", p.Row, p.Column, p.Message)
		}
		b.WriteString("want (message is a substring):\n")
		for _, p := range want {
			fmt.Fprintf(&b, "  %d %q %q\n", p.Row, p.Column, p.Message)
		}
		t.Error(b.String())
	}
	for _, p := range ie.Problems {
		if !utf8.ValidString(p.Message) || !utf8.ValidString(p.Column) {
			t.Errorf("problem not valid UTF-8: %q", p)
		}
	}
}

func TestLineReaderLineEnds(t *testing.T) {
	in := "\ufeffa\r\nb\rc\n\r\nd\r"
	lr := newLineReader(strings.NewReader(in))
	var b strings.Builder
	buf := make([]byte, 3) // small reads cross the CR LF pairs
	for {
		n, err := lr.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			break
		}
	}
	if got, want := b.String(), "a\nb\nc\n\nd\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestImportErrorMessage(t *testing.T) {
	e := &ImportError{Problems: []Problem{{1, "wai3", "missing required column"}, {2, "", "no data rows"}}}
	want := "CSV rejected: 2 problems; row 1, column wai3: missing required column; row 2: no data rows"
	if e.Error() != want {
		t.Errorf("Error() = %q, want %q", e.Error(), want)
	}
}

func TestQuoteValue(t *testing.T) {
	if got := quote("a\x00\xff"); got != `"a\x00\xff"` {
		t.Errorf("quote = %s", got)
	}
	long := strings.Repeat("é", 30) // 60 bytes; cut at a rune boundary
	if got := quote(long); !utf8.ValidString(got) || !strings.HasSuffix(got, "…") {
		t.Errorf("quote(long) = %s", got)
	}
}

// TestMalformedVersusInvalid: a file that cannot be read as CSV (syntax,
// encoding, NUL, an over-long row) is Malformed, so the API answers 400;
// a readable file that breaks the rules is not (422).
func TestMalformedVersusInvalid(t *testing.T) {
	known := func(string) bool { return true }
	head := "case,session,coder,segment,code\n"
	for _, c := range []struct {
		name, in  string
		malformed bool
	}{
		{"bare quote", head + "P1,1,c,1,W\"1\n", true},
		{"invalid UTF-8", head + "P1,1,c\xff,1,W1\n", true},
		{"NUL byte", head + "P1,1,c\x00,1,W1\n", true},
		{"over-long row", head + "P1,1,c,1," + strings.Repeat("x", MaxRowBytes+10) + "\n", true},
		{"out of range", head + "P1,0,c,1,W1\n", false},
		{"unknown column", "case,session,coder,segment,code,x\nP1,1,c,1,W1,2\n", false},
		{"header only", head, false},
	} {
		_, err := ParseEvents(strings.NewReader(c.in), known, func(EventRow) error { return nil })
		var ie *ImportError
		if !errors.As(err, &ie) {
			t.Fatalf("%s: %v", c.name, err)
		}
		if ie.Malformed() != c.malformed {
			t.Errorf("%s: Malformed() = %v, want %v (%v)", c.name, ie.Malformed(), c.malformed, ie.Problems)
		}
	}
}
