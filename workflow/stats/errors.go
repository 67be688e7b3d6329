package stats

import (
	"errors"
	"fmt"
	"math"
)

// ErrDegenerate is matched (errors.Is) by every error that means "the
// statistic is undefined for this input": no usable unit, a single value used
// by everyone where the coefficient divides by the expected disagreement, and
// so on. Callers report such a result as "no value" with the reason, never as
// NaN.
var ErrDegenerate = errors.New("statistic undefined for this input")

// ErrInvalidInput is matched (errors.Is) by errors about malformed input:
// ragged rows, infinite values, a value outside declared categories, an
// unknown parameter. Request.Validate reports the same problems per field.
var ErrInvalidInput = errors.New("invalid input")

// DegenerateError says why a statistic is undefined. It matches ErrDegenerate.
type DegenerateError struct {
	Reason string
}

func (e DegenerateError) Error() string {
	return ErrDegenerate.Error() + ": " + e.Reason
}

// Is reports whether target is ErrDegenerate.
func (e DegenerateError) Is(target error) bool { return target == ErrDegenerate }

func irrDegenerate(format string, args ...any) error {
	return &DegenerateError{Reason: fmt.Sprintf(format, args...)}
}

func irrInvalid(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalidInput, fmt.Sprintf(format, args...))
}

// FieldError (Field, Message; JSON "field", "message") names one bad field
// of a request. Request.Validate reports reliability fields such as
// "method", "level", "weights", "model", "categories[2]", "data",
// "data[1]" and "data[0][3]". The type is declared once for the package;
// at the time of writing the declaration sits in consensus.go.

// Missing returns the value used for a missing rating (NaN).
func Missing() float64 { return math.NaN() }

// IsMissing reports whether x is a missing rating (NaN).
func IsMissing(x float64) bool { return math.IsNaN(x) }

// irrCheckMatrix checks that m is rectangular and holds only finite values or
// missing ones, and returns its number of rows and columns.
func irrCheckMatrix(m [][]float64) (rows, cols int, err error) {
	rows = len(m)
	if rows == 0 {
		return 0, 0, nil
	}
	cols = len(m[0])
	for i, row := range m {
		if len(row) != cols {
			return 0, 0, irrInvalid("row %d has %d values, row 0 has %d", i, len(row), cols)
		}
		for j, x := range row {
			if math.IsInf(x, 0) {
				return 0, 0, irrInvalid("value [%d][%d] is not finite", i, j)
			}
		}
	}
	return rows, cols, nil
}
