package stats

import (
	"errors"
	"testing"
)

func TestIRRPercentAgreement(t *testing.T) {
	// Hand example, m[rater][unit]:
	// unit 0: 1 1 1 agree; unit 1: 2 2 3 disagree; unit 2: 3 NA 3 agree
	// (missing ignored); unit 3: NA NA 4 left out (one rating); unit 4:
	// 1 2 NA disagree. 2 of 4 units agree.
	m := [][]float64{
		{1, 2, 3, irrNA, 1},
		{1, 2, irrNA, irrNA, 2},
		{1, 3, 3, 4, irrNA},
	}
	v, n, err := PercentAgreement(m)
	if err != nil || n != 4 {
		t.Fatalf("PercentAgreement = %v, %d, %v; want 0.5, 4, nil", v, n, err)
	}
	irrApprox(t, "agreement", v, 0.5, 0)

	// Everyone uses one value: agreement is 1 (kappa/alpha are undefined).
	v, n, err = PercentAgreement([][]float64{{2, 2, 2}, {2, 2, 2}})
	if err != nil || v != 1 || n != 3 {
		t.Errorf("one value: got %v, %d, %v; want 1, 3, nil", v, n, err)
	}

	// All missing, or no unit with two ratings: undefined.
	for _, m := range [][][]float64{
		{{irrNA, irrNA}, {irrNA, irrNA}},
		{{1, irrNA}, {irrNA, 2}},
		{},
	} {
		if v, _, err := PercentAgreement(m); !errors.Is(err, ErrDegenerate) || v != 0 {
			t.Errorf("PercentAgreement(%v) = %v, %v; want ErrDegenerate", m, v, err)
		}
	}
	if _, _, err := PercentAgreement([][]float64{{1, 2}, {1}}); !errors.Is(err, ErrInvalidInput) {
		t.Errorf("ragged rows: err = %v, want ErrInvalidInput", err)
	}
}
