package stats

import (
	"errors"
	"math"
	"testing"
)

// irrNA is a missing rating in test tables, irrInf a non-finite one.
var (
	irrNA  = math.NaN()
	irrInf = math.Inf(1)
)

func irrApprox(t *testing.T, name string, got, want, tol float64) {
	t.Helper()
	if math.IsNaN(got) || math.IsInf(got, 0) || math.Abs(got-want) > tol {
		t.Errorf("%s = %.10g, want %.10g (±%g)", name, got, want, tol)
	}
}

func TestIRRErrors(t *testing.T) {
	err := irrDegenerate("only %d unit", 1)
	if !errors.Is(err, ErrDegenerate) {
		t.Errorf("errors.Is(%v, ErrDegenerate) = false", err)
	}
	if errors.Is(err, ErrInvalidInput) {
		t.Errorf("a degenerate error matches ErrInvalidInput")
	}
	var de *DegenerateError
	if !errors.As(err, &de) || de.Reason != "only 1 unit" {
		t.Errorf("errors.As gave %+v", de)
	}
	if !errors.Is(DegenerateError{Reason: "x"}, ErrDegenerate) {
		t.Errorf("a DegenerateError value does not match ErrDegenerate")
	}
	if got := err.Error(); got != "statistic undefined for this input: only 1 unit" {
		t.Errorf("Error() = %q", got)
	}
	if !errors.Is(irrInvalid("bad"), ErrInvalidInput) {
		t.Errorf("irrInvalid does not match ErrInvalidInput")
	}
	if !IsMissing(Missing()) || IsMissing(0) || IsMissing(math.Inf(1)) {
		t.Errorf("Missing/IsMissing disagree")
	}
	if got := (FieldError{Field: "data[1]", Message: "ragged"}).Error(); got != "data[1]: ragged" {
		t.Errorf("FieldError.Error() = %q", got)
	}
}
