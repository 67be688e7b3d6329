package api

import "testing"

// TestETagMatches: RFC 9110 §8.8.3.2 comparison, weak for If-None-Match
// (W/"x" matches "x"), strong for If-Match (a weak validator never
// matches), over comma-separated lists with optional whitespace and "*".
func TestETagMatches(t *testing.T) {
	const etag = `"abc"`
	for _, c := range []struct {
		header     string
		weak, want bool
	}{
		{`"abc"`, true, true},
		{`"abc"`, false, true},
		{`W/"abc"`, true, true},
		{`W/"abc"`, false, false},
		{`"x", "abc"`, true, true},
		{`"x",W/"abc" , "y"`, true, true},
		{`"x",W/"abc" , "y"`, false, false},
		{`"x", "y"`, true, false},
		{`*`, true, true},
		{` * `, false, true},
		{``, true, false},
		{`,`, true, false},
		{`"abc`, true, false},
		{`abc`, true, false},
	} {
		if got := etagMatches(c.header, etag, c.weak); got != c.want {
			t.Errorf("etagMatches(%q, weak=%v) = %v, want %v", c.header, c.weak, got, c.want)
		}
	}
	if n := testing.AllocsPerRun(100, func() { etagMatches(`"x", W/"y", "abc"`, etag, true) }); n != 0 {
		t.Errorf("etagMatches allocates %.0f objects, want 0", n)
	}
}
