package dataset

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestCodebook3RS2015(t *testing.T) {
	cs := Codebook3RS2015()
	if errs := ValidateCodebook(cs); errs != nil {
		t.Fatalf("built-in codebook invalid: %v", errs)
	}
	count := map[string]int{}
	for _, c := range cs {
		count[c.Family]++
		if c.Label == "" {
			t.Errorf("%s has no label", c.Code)
		}
	}
	if d := cmp.Diff(map[string]int{"withdrawal": 7, "confrontation": 7, "resolution": 10}, count); d != "" {
		t.Errorf("families (-want +got):\n%s", d)
	}
	want := []Code{
		{"W1", "withdrawal", "Denial"},
		{"C7", "confrontation", "Efforts to control or pressure the therapist"},
		{"RS02", "resolution", "Changes tasks or goals"},
		{"RS10", "resolution", "Redirects or refocuses"},
	}
	for _, w := range want {
		found := false
		for _, c := range cs {
			if c == w {
				found = true
			}
		}
		if !found {
			t.Errorf("missing %+v", w)
		}
	}
	cs[0].Code = "changed"
	if Codebook3RS2015()[0].Code != "W1" {
		t.Error("Codebook3RS2015 returns shared storage")
	}
}

func TestValidateCodebook(t *testing.T) {
	got := ValidateCodebook([]Code{
		{"A1", "fam", "ok"},
		{"", "", "x"},
		{"a1", "fam", ""},
		{strings.Repeat("X", 33), "fam", ""},
		{"B\x01", "fam", ""},
		{" B2", "fam", ""},
		{"B3", "fam", "line\nbreak"},
		{"B4\xff", "fam", ""},
	})
	want := []FieldError{
		{"codebook[1].code", "is required"},
		{"codebook[1].family", "is required"},
		{"codebook[2].code", "duplicate of codebook[0].code (A1)"},
		{"codebook[3].code", "is longer than 32 characters"},
		{"codebook[4].code", "contains a character that is not printable"},
		{"codebook[5].code", "has leading or trailing spaces"},
		{"codebook[6].label", "contains a control character"},
		{"codebook[7].code", "is not valid UTF-8"},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
	if got := ValidateCodebook(nil); len(got) != 1 || got[0].Field != "codebook" {
		t.Errorf("empty: %v", got)
	}
	big := make([]Code, MaxCodes+1)
	for i := range big {
		big[i] = Code{fmt.Sprint("K", i), "f", ""}
	}
	if got := ValidateCodebook(big); len(got) != 1 || got[0].Field != "codebook" {
		t.Errorf("too many: %v", got)
	}
	if got := ValidateCodebook(big[:MaxCodes]); got != nil {
		t.Errorf("500 codes: %v", got)
	}
}
