package datasets

import (
	"errors"
	"math"
	"testing"

	"github.com/stagewise/stagewise/models"
	"github.com/stagewise/stagewise/workflow/stats"
)

// TestCalculate: the calculator answers what stats.Compute answers, names
// every bad field of an invalid request, and refuses a matrix beyond its
// limits, naming data.
func TestCalculate(t *testing.T) {
	var s Service // the calculator reads no state
	// Hand computation: two raters agree on units 1 and 2 of 3 → 2/3.
	res, err := s.Calculate(stats.Request{Method: stats.MethodPercentAgreement, Data: [][]float64{{1, 2, 3}, {1, 2, 4}}})
	if err != nil || res.Value == nil || math.Abs(*res.Value-2.0/3) > 1e-12 || res.NUnits != 3 || res.NRaters != 2 || res.Details == nil {
		t.Fatalf("percent agreement: %+v %v", res, err)
	}
	_, err = s.Calculate(stats.Request{Method: "guess", Data: [][]float64{{1}}})
	var ve *models.ValidationError
	if !errors.As(err, &ve) || len(ve.Fields) == 0 || ve.Fields[0].Field != "method" {
		t.Fatalf("unknown method: %v", err)
	}
	for name, data := range map[string][][]float64{
		"raters": make([][]float64, MaxRaters+1),
		"units":  {make([]float64, 2), make([]float64, MaxUnits+1)},
	} {
		_, err := s.Calculate(stats.Request{Method: stats.MethodPercentAgreement, Data: data})
		if !errors.As(err, &ve) || len(ve.Fields) != 1 || ve.Fields[0].Field != "data" {
			t.Errorf("too many %s: %v", name, err)
		}
	}
}
