package stats

import (
	"errors"
	"testing"
)

// R irr's `anxiety` data set, raters 2 and 3 (20 subjects); reference
// values from irr::kappa2(anxiety[, 2:3], weight) as quoted in
// docs/domain.md: unweighted −0.006289308, "equal" 0.1459075,
// "squared" 0.2520325. The categories are the 5 distinct values
// {1,2,3,4,6}, weighted by rank (so 4 and 6 are adjacent).
var (
	anxietyR2 = []float64{3, 6, 4, 6, 2, 4, 2, 4, 3, 3, 2, 3, 3, 3, 2, 2, 1, 3, 3, 4}
	anxietyR3 = []float64{2, 1, 4, 4, 3, 2, 1, 6, 1, 1, 1, 2, 3, 3, 1, 1, 3, 3, 2, 2}
)

func TestIRRCohenKappaAnxiety(t *testing.T) {
	for _, tc := range []struct {
		w    Weights
		want float64
	}{
		{"", -0.006289308},
		{WeightsUnweighted, -0.006289308},
		{WeightsLinear, 0.1459075},
		{"equal", 0.1459075},
		{WeightsQuadratic, 0.2520325},
		{"squared", 0.2520325},
	} {
		got, n, err := CohenKappa(anxietyR2, anxietyR3, tc.w, nil)
		if err != nil || n != 20 {
			t.Fatalf("CohenKappa(%q) = %v, %d, %v", tc.w, got, n, err)
		}
		irrApprox(t, "kappa "+string(tc.w), got, tc.want, 1e-6)
	}
}

func TestIRRCohenKappaCases(t *testing.T) {
	// Missing values drop the pair: appending incomplete pairs changes nothing.
	a := append(append([]float64{}, anxietyR2...), irrNA, 5)
	b := append(append([]float64{}, anxietyR3...), 3, irrNA)
	got, n, err := CohenKappa(a, b, WeightsLinear, nil)
	if err != nil || n != 20 {
		t.Fatalf("with missing: %v, %d, %v", got, n, err)
	}
	irrApprox(t, "kappa with missing", got, 0.1459075, 1e-6)

	// Declared categories 1..6 make 5 and 6 two ranks apart: the linear
	// kappa changes (p_o = 0.73, p_e = 0.691 over k = 6, computed by hand).
	got, _, err = CohenKappa(anxietyR2, anxietyR3, WeightsLinear, []float64{6, 5, 4, 3, 2, 1})
	if err != nil {
		t.Fatal(err)
	}
	irrApprox(t, "kappa over 1..6", got, (0.73-0.691)/(1-0.691), 1e-9)
	// Unweighted kappa does not depend on unused categories.
	got, _, _ = CohenKappa(anxietyR2, anxietyR3, WeightsUnweighted, []float64{1, 2, 3, 4, 5, 6})
	irrApprox(t, "unweighted over 1..6", got, -0.006289308, 1e-6)

	// Perfect agreement on two categories is 1.
	got, _, err = CohenKappa([]float64{1, 2, 1, 2}, []float64{1, 2, 1, 2}, WeightsQuadratic, nil)
	if err != nil || got != 1 {
		t.Errorf("perfect agreement: %v, %v", got, err)
	}

	// Degenerate: one category for both (p_e = 1); no complete pair.
	for _, tc := range []struct{ a, b, cats []float64 }{
		{[]float64{3, 3, 3}, []float64{3, 3, 3}, nil},
		{[]float64{3, 3, 3}, []float64{3, 3, 3}, []float64{3}},
		{[]float64{1, irrNA}, []float64{irrNA, 2}, nil},
		{nil, nil, nil},
	} {
		got, _, err := CohenKappa(tc.a, tc.b, "", tc.cats)
		if !errors.Is(err, ErrDegenerate) || got != 0 {
			t.Errorf("CohenKappa(%v, %v) = %v, %v; want ErrDegenerate", tc.a, tc.b, got, err)
		}
	}
	// With declared categories {1,2,3}, both raters always using 3 is also p_e = 1.
	if _, _, err := CohenKappa([]float64{3, 3}, []float64{3, 3}, WeightsLinear, []float64{1, 2, 3}); !errors.Is(err, ErrDegenerate) {
		t.Errorf("p_e = 1 with declared categories: err = %v", err)
	}

	// Invalid: value outside the declared categories, unequal lengths,
	// unknown weights, infinite value.
	for name, f := range map[string]func() error{
		"outside": func() error {
			_, _, err := CohenKappa([]float64{1, 2, 7}, []float64{1, 2, 2}, "", []float64{1, 2, 3})
			return err
		},
		"lengths": func() error { _, _, err := CohenKappa([]float64{1, 2}, []float64{1}, "", nil); return err },
		"weights": func() error { _, _, err := CohenKappa([]float64{1, 2}, []float64{1, 2}, "cubic", nil); return err },
		"inf":     func() error { _, _, err := CohenKappa([]float64{1, irrInf}, []float64{1, 2}, "", nil); return err },
	} {
		if err := f(); !errors.Is(err, ErrInvalidInput) {
			t.Errorf("%s: err = %v, want ErrInvalidInput", name, err)
		}
	}
}
