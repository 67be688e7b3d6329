package datasets

import (
	"github.com/stagewise/stagewise/models"
	"github.com/stagewise/stagewise/workflow/stats"
)

// Size limits of the stateless reliability calculator: a matrix of at
// most MaxRaters rows (raters) and MaxUnits columns (units). The api
// enforces them while the body streams in (413 naming data); Calculate
// refuses a larger matrix from any other caller.
const (
	MaxRaters = 100
	MaxUnits  = 10000
)

// Calculate is the stateless reliability calculator (POST
// /api/v1/stats/reliability): the statistic r.Method of the raters × units
// matrix the caller sends, with NaN for a missing rating. It reads and
// stores nothing, so every signed-in user may use it. An invalid request
// is a validation error naming every bad field; a statistic undefined for
// the data is a nil Value with Details["note"] saying why.
func (s *Service) Calculate(r stats.Request) (stats.Result, error) {
	if err := checkMatrixSize(r.Data); err != nil {
		return stats.Result{}, err
	}
	if fes := r.Validate(); len(fes) > 0 {
		errs := make([]models.FieldError, len(fes))
		for i, fe := range fes {
			errs[i] = models.FieldError{Field: fe.Field, Message: fe.Message}
		}
		return stats.Result{}, models.Invalid(errs)
	}
	res := stats.Compute(r)
	if res.Details == nil {
		res.Details = map[string]any{}
	}
	return res, nil
}

// checkMatrixSize applies MaxRaters and MaxUnits.
func checkMatrixSize(data [][]float64) error {
	if len(data) > MaxRaters {
		return models.InvalidField("data", "has %d raters (rows); at most %d raters × %d units are accepted", len(data), MaxRaters, MaxUnits)
	}
	for i, row := range data {
		if len(row) > MaxUnits {
			return models.InvalidField("data", "row %d has %d units (columns); at most %d raters × %d units are accepted", i+1, len(row), MaxRaters, MaxUnits)
		}
	}
	return nil
}
