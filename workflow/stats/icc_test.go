package stats

import (
	"errors"
	"testing"
)

// Shrout & Fleiss (1979), Table 2: 6 targets rated by 4 judges (rows are
// targets here; ICC takes m[judge][target], hence the transpose). The paper
// reports ICC(1,1) = .17, ICC(2,1) = .29, ICC(3,1) = .71 and the mean squares
// BMS 11.24, WMS 6.26, JMS 32.49, EMS 1.02. More digits (.1657, .2898,
// .7148) from an exact-fraction recomputation of the same formulas, which
// psych::ICC prints as 0.17, 0.29, 0.71.
var shroutFleiss = [][]float64{
	{9, 2, 5, 8}, {6, 1, 3, 2}, {8, 4, 6, 8}, {7, 1, 2, 6}, {10, 5, 6, 9}, {6, 2, 4, 7},
}

func TestIRRICCShroutFleiss(t *testing.T) {
	m := irrTranspose(shroutFleiss)
	for _, tc := range []struct {
		model        ICCModel
		paper, exact float64
	}{
		{ICC11, 0.17, 0.1657417684},
		{ICC21, 0.29, 0.2897637795},
		{ICC31, 0.71, 0.7148407148},
		{"", 0.29, 0.2897637795},
		{"ICC(1,1)", 0.17, 0.1657417684},
		{"ICC3", 0.71, 0.7148407148},
	} {
		got, n, err := ICC(m, tc.model)
		if err != nil || n != 6 {
			t.Fatalf("ICC(%s) = %v, %d, %v", tc.model, got, n, err)
		}
		irrApprox(t, "ICC("+string(tc.model)+") vs paper", got, tc.paper, 5e-3)
		irrApprox(t, "ICC("+string(tc.model)+")", got, tc.exact, 1e-9)
	}
	r, _ := icc(m, ICC21)
	irrApprox(t, "BMS", r.bms, 11.24, 5e-3)
	irrApprox(t, "WMS", r.wms, 6.26, 5e-3)
	irrApprox(t, "JMS", r.jms, 32.49, 5e-3)
	irrApprox(t, "EMS", r.ems, 1.02, 5e-3)
	// Shrout & Fleiss give F = BMS/EMS = 11.03 on (5, 15) df.
	irrApprox(t, "F", r.f, 11.03, 5e-3)
	if r.df1 != 5 || r.df2 != 15 {
		t.Errorf("df = %d, %d; want 5, 15", r.df1, r.df2)
	}
}

func TestIRRICCCases(t *testing.T) {
	// A unit with a missing rating is dropped.
	rows := append(append([][]float64{}, shroutFleiss...), []float64{1, irrNA, 3, 4})
	got, n, err := ICC(irrTranspose(rows), ICC31)
	if err != nil || n != 6 {
		t.Fatalf("with missing: %v, %d, %v", got, n, err)
	}
	irrApprox(t, "ICC(3,1) with missing", got, 0.7148407148, 1e-9)

	for name, tc := range map[string]struct {
		m     [][]float64
		model ICCModel
	}{
		"one value":             {[][]float64{{0.1, 0.1, 0.1}, {0.1, 0.1, 0.1}}, ICC21},
		"single unit":           {[][]float64{{1}, {2}}, ICC11},
		"all missing":           {[][]float64{{irrNA, irrNA}, {irrNA, irrNA}}, ICC21},
		"one rater":             {[][]float64{{1, 2, 3}}, ICC11},
		"only rater effect":     {[][]float64{{1, 1, 1}, {2, 2, 2}}, ICC31},
		"rater effect, inexact": {[][]float64{{0.1, 0.1, 0.1}, {0.3, 0.3, 0.3}}, ICC31},
	} {
		if got, _, err := ICC(tc.m, tc.model); !errors.Is(err, ErrDegenerate) || got != 0 {
			t.Errorf("%s: %v, %v; want ErrDegenerate", name, got, err)
		}
	}
	// Only a rater effect: ICC(1,1) and ICC(2,1) are defined and negative
	// or zero agreement, not NaN.
	for _, md := range []ICCModel{ICC11, ICC21} {
		got, _, err := ICC([][]float64{{1, 1, 1}, {2, 2, 2}}, md)
		if err != nil || got > 0 {
			t.Errorf("rater effect only, ICC(%s) = %v, %v", md, got, err)
		}
	}
	if _, _, err := ICC(irrTranspose(shroutFleiss), "4,1"); !errors.Is(err, ErrInvalidInput) {
		t.Errorf("unknown model: err = %v", err)
	}
}
