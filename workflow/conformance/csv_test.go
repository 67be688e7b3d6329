package conformance

import (
	"bytes"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestSafeCell: api.md "Abuse": cells beginning with =, +, -, @, a tab or a
// carriage return get a leading apostrophe; others are unchanged.
func TestSafeCell(t *testing.T) {
	for in, want := range map[string]string{
		"=SUM(A1)": "'=SUM(A1)", "+1": "'+1", "-2": "'-2", "@x": "'@x", "\tx": "'\tx", "\rx": "'\rx",
		"S1": "S1", "": "", "a=b": "a=b",
	} {
		if got := SafeCell(in); got != want {
			t.Errorf("SafeCell(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestWriteValidationCSV: one row per test, stages then transitions, with
// a hostile case label kept out (labels are not in this table) and a
// hostile stage key escaped.
func TestWriteValidationCSV(t *testing.T) {
	m := Model{
		Stages:      []Stage{{Key: "=A", Role: RoleMarker, Codes: []string{"a"}}, {Key: "R", Role: RoleResolution, Codes: []string{"r"}}},
		Transitions: []Transition{{From: "=A", To: "R"}},
	}
	r := analyze(t, m, Params{}, []Session{
		{Case: "=cmd", Session: 1, Codes: []string{"a", "r"}},
		{Case: "c", Session: 1, Codes: []string{"r", "a"}},
	})
	var buf bytes.Buffer
	if err := WriteValidationCSV(&buf, r); err != nil {
		t.Fatal(err)
	}
	// Resolved: the first session only. =A and R occur in both sessions (OR
	// undefined, p 1); the pairs =A→R and R→=A each in one group:
	// [[1, 0], [0, 1]], corrected OR 9, CI exp(log 9 ± 1.959964·√(16/3)) =
	// [0.097381564837025564, 831.77960978095609] and for R→=A OR 1/9,
	// [0.0012022415411978465, 10.268884071369829] (R: exp(log(9) + c(-1, 1)
	// * qnorm(0.975) * sqrt(1/1.5 + 1/.5 + 1/.5 + 1/1.5)); equal to 1e-15,
	// the rows below are this code's shortest decimal forms), Fisher p 1
	// (R: fisher.test(matrix(c(1, 0, 0, 1), 2))$p.value).
	want := strings.Join([]string{
		"test,key,from,to,resolved_with,resolved,unresolved_with,unresolved,odds_ratio,ci95_lower,ci95_upper,corrected,fisher_p,holm_p,outcome",
		"stage,'=A,,,1,1,1,1,,,,false,1,1,resolution_stage",
		"stage,R,,,1,1,1,1,,,,false,1,1,resolution_stage",
		"transition,,'=A,R,1,1,0,1,9,0.09738156483702547,831.7796097809576,true,1,1,resolution_stage",
		"transition,,R,'=A,0,1,1,1,0.1111111111111111,0.0012022415411978445,10.268884071369838,true,1,1,resolution_stage",
	}, "\n") + "\n"
	if diff := cmp.Diff(want, buf.String()); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	buf.Reset()
	if err := WriteSequencesCSV(&buf, r); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "\n'=cmd,1,") {
		t.Errorf("sequences CSV does not escape the case label:\n%s", buf.String())
	}
}
