package stats

import (
	"errors"
	"testing"
)

// The 3-coder, 15-unit reliability data of docs/domain.md, also used by
// fast-krippendorff's tests (test_nominal_metric_reliability_data,
// test_interval_metric): nominal 0.691358, interval 0.810845.
var kripp3 = [][]float64{
	{irrNA, irrNA, irrNA, irrNA, irrNA, 3, 4, 1, 2, 1, 1, 3, 3, irrNA, 3},
	{1, irrNA, 2, 1, 3, 3, 4, 3, irrNA, irrNA, irrNA, irrNA, irrNA, irrNA, irrNA},
	{irrNA, irrNA, 2, 1, 3, 4, 4, irrNA, 2, 1, 1, 3, 3, irrNA, 4},
}

// Krippendorff (2011), "Computing Krippendorff's alpha-reliability", the
// example with 4 observers and 12 units (missing values allowed): nominal
// .743, ordinal .815, interval .849, ratio .797. fast-krippendorff's
// test_ordinal_metric and test_ratio_metric use the same matrix and values.
var kripp4 = [][]float64{
	{1, 2, 3, 3, 2, 1, 4, 1, 2, irrNA, irrNA, irrNA},
	{1, 2, 3, 3, 2, 2, 4, 1, 2, 5, irrNA, 3},
	{irrNA, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, irrNA},
	{1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, irrNA},
}

func TestIRRKrippendorffAlphaReference(t *testing.T) {
	for _, tc := range []struct {
		name  string
		m     [][]float64
		level Level
		want  float64
		tol   float64
		units int
	}{
		// domain.md / fast-krippendorff, 6 decimals.
		{"3 coders nominal", kripp3, LevelNominal, 0.691358, 5e-7, 12},
		{"3 coders default level", kripp3, "", 0.691358, 5e-7, 12},
		{"3 coders interval", kripp3, LevelInterval, 0.810845, 5e-7, 12},
		// Not published for this matrix: values from an independent
		// exact-fraction implementation of the pairwise definition
		// (D_o, D_e summed over pairs of pairable values), written for
		// this test; the published 4-coder values below check the metrics.
		{"3 coders ordinal", kripp3, LevelOrdinal, 0.8067214199, 1e-9, 12},
		{"3 coders ratio", kripp3, LevelRatio, 0.8089436708, 1e-9, 12},
		// Krippendorff (2011), 3 decimals.
		{"4 coders nominal", kripp4, LevelNominal, 0.743, 5e-4, 11},
		{"4 coders ordinal", kripp4, LevelOrdinal, 0.815, 5e-4, 11},
		{"4 coders interval", kripp4, LevelInterval, 0.849, 5e-4, 11},
		{"4 coders ratio", kripp4, LevelRatio, 0.797, 5e-4, 11},
	} {
		got, n, err := KrippendorffAlpha(tc.m, tc.level)
		if err != nil || n != tc.units {
			t.Errorf("%s: %v, %d units, %v; want %d units", tc.name, got, n, err, tc.units)
			continue
		}
		irrApprox(t, tc.name, got, tc.want, tc.tol)
	}
	// Krippendorff (2011) also gives, for nominal data, D_o and D_e through
	// the coincidences: n = 40 pairable values for the 4-coder example.
	r, _ := krippendorffAlpha(kripp4, LevelNominal)
	if r.pairable != 40 {
		t.Errorf("pairable values = %d, want 40", r.pairable)
	}
}

func TestIRRKrippendorffAlphaCases(t *testing.T) {
	// Perfect agreement is 1 at every level; ratio with zeros is fine.
	for _, lv := range []Level{LevelNominal, LevelOrdinal, LevelInterval, LevelRatio} {
		got, _, err := KrippendorffAlpha([][]float64{{0, 1, 2}, {0, 1, 2}}, lv)
		if err != nil || got != 1 {
			t.Errorf("perfect %s: %v, %v", lv, got, err)
		}
	}
	// Degenerate: one value for all (D_e = 0), a single pairable unit, all
	// missing, no units.
	for name, m := range map[string][][]float64{
		"one value":   {{1, 1, 1}, {1, 1, irrNA}},
		"single unit": {{1, irrNA}, {2, 3}},
		"all missing": {{irrNA, irrNA}, {irrNA, irrNA}},
		"no units":    {},
	} {
		for _, lv := range []Level{LevelNominal, LevelInterval} {
			if got, _, err := KrippendorffAlpha(m, lv); !errors.Is(err, ErrDegenerate) || got != 0 {
				t.Errorf("%s %s: %v, %v; want ErrDegenerate", name, lv, got, err)
			}
		}
	}
	// Invalid: unknown level, negative value at the ratio level, ragged rows.
	for name, f := range map[string]func() error{
		"level":    func() error { _, _, err := KrippendorffAlpha(kripp3, "cardinal"); return err },
		"negative": func() error { _, _, err := KrippendorffAlpha([][]float64{{-1, 2}, {1, 2}}, LevelRatio); return err },
		"ragged":   func() error { _, _, err := KrippendorffAlpha([][]float64{{1, 2}, {1}}, LevelNominal); return err },
	} {
		if err := f(); !errors.Is(err, ErrInvalidInput) {
			t.Errorf("%s: err = %v, want ErrInvalidInput", name, err)
		}
	}
}
