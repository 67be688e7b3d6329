package stats

import (
	"errors"
	"testing"
)

// irr's `diagnoses` data (Fleiss 1971, Table 1): 30 patients, 6 raters,
// categories 1 Depression, 2 Personality Disorder, 3 Schizophrenia,
// 4 Neurosis, 5 Other. One row per patient here; transposed to
// m[rater][unit] below. Rows from the irr data set as shipped in pyirr's
// tests/diagnoses.csv.
var diagnosesByPatient = [][]float64{
	{4, 4, 4, 4, 4, 4}, {2, 2, 2, 5, 5, 5}, {2, 3, 3, 3, 3, 5}, {5, 5, 5, 5, 5, 5},
	{2, 2, 2, 4, 4, 4}, {1, 1, 3, 3, 3, 3}, {3, 3, 3, 3, 5, 5}, {1, 1, 3, 3, 3, 4},
	{1, 1, 4, 4, 4, 4}, {5, 5, 5, 5, 5, 5}, {1, 4, 4, 4, 4, 4}, {1, 2, 4, 4, 4, 4},
	{2, 2, 2, 3, 3, 3}, {1, 4, 4, 4, 4, 4}, {2, 2, 4, 4, 4, 5}, {3, 3, 3, 3, 3, 5},
	{1, 1, 1, 4, 5, 5}, {1, 1, 1, 1, 1, 2}, {2, 2, 4, 4, 4, 4}, {1, 3, 3, 5, 5, 5},
	{5, 5, 5, 5, 5, 5}, {2, 4, 4, 4, 4, 4}, {2, 2, 4, 5, 5, 5}, {1, 1, 4, 4, 4, 4},
	{1, 4, 4, 4, 4, 5}, {2, 2, 2, 2, 2, 4}, {1, 1, 1, 1, 5, 5}, {2, 2, 4, 4, 4, 4},
	{1, 3, 3, 3, 3, 3}, {5, 5, 5, 5, 5, 5},
}

func irrTranspose(rows [][]float64) [][]float64 {
	if len(rows) == 0 {
		return nil
	}
	m := make([][]float64, len(rows[0]))
	for j := range m {
		m[j] = make([]float64, len(rows))
		for i, row := range rows {
			m[j][i] = row[j]
		}
	}
	return m
}

// irrFromCounts turns a subjects × categories count table into a
// m[rater][unit] matrix: in each unit, the first counts[0] raters give
// category 1, the next counts[1] category 2, and so on.
func irrFromCounts(counts [][]int) [][]float64 {
	raters := 0
	for _, c := range counts[0] {
		raters += c
	}
	rows := make([][]float64, len(counts))
	for u, cs := range counts {
		for cat, c := range cs {
			for range c {
				rows[u] = append(rows[u], float64(cat+1))
			}
		}
	}
	return irrTranspose(rows)
}

func TestIRRFleissKappaDiagnoses(t *testing.T) {
	// Fleiss (1971): κ = .430; irr::kappam.fleiss(diagnoses) prints
	// Kappa = 0.43, z = 17.7 (pyirr's port prints z = 17.652).
	// More digits (0.4302445) from an exact recomputation of the formula.
	m := irrTranspose(diagnosesByPatient)
	got, n, err := FleissKappa(m)
	if err != nil || n != 30 {
		t.Fatalf("FleissKappa = %v, %d, %v", got, n, err)
	}
	irrApprox(t, "kappa", got, 0.430, 5e-4)
	irrApprox(t, "kappa (more digits)", got, 0.4302445, 1e-7)
	r, _ := fleissKappa(m)
	irrApprox(t, "z", r.z, 17.652, 1e-3)
	irrApprox(t, "observed", r.observed, 0.5555556, 1e-7)
	irrApprox(t, "expected", r.expected, 0.2199383, 1e-7)
}

func TestIRRFleissKappaWikipedia(t *testing.T) {
	// Wikipedia "Fleiss' kappa" worked example: 10 subjects, 14 raters,
	// 5 categories, given as counts per category; P̄ = 0.378,
	// P̄_e = 0.213, κ = 0.210.
	counts := [][]int{
		{0, 0, 0, 0, 14}, {0, 2, 6, 4, 2}, {0, 0, 3, 5, 6}, {0, 3, 9, 2, 0}, {2, 2, 8, 1, 1},
		{7, 7, 0, 0, 0}, {3, 2, 6, 3, 0}, {2, 5, 3, 2, 2}, {6, 5, 2, 1, 0}, {0, 2, 2, 3, 7},
	}
	got, n, err := FleissKappa(irrFromCounts(counts))
	if err != nil || n != 10 {
		t.Fatalf("FleissKappa = %v, %d, %v", got, n, err)
	}
	irrApprox(t, "kappa", got, 0.210, 5e-4)
	r, _ := fleissKappa(irrFromCounts(counts))
	irrApprox(t, "P̄", r.observed, 0.378, 5e-4)
	irrApprox(t, "P̄_e", r.expected, 0.213, 5e-4)
}

func TestIRRFleissKappaCases(t *testing.T) {
	// Units with a missing rating are dropped.
	m := irrTranspose(append(append([][]float64{}, diagnosesByPatient...), []float64{1, irrNA, 2, 3, 4, 5}))
	got, n, err := FleissKappa(m)
	if err != nil || n != 30 {
		t.Fatalf("with missing: %v, %d, %v", got, n, err)
	}
	irrApprox(t, "kappa with missing", got, 0.4302445, 1e-7)

	for name, m := range map[string][][]float64{
		"one value":   {{2, 2, 2}, {2, 2, 2}, {2, 2, 2}},
		"all missing": {{irrNA, irrNA}, {irrNA, irrNA}},
		"one rater":   {{1, 2, 3}},
		"no units":    {{}, {}},
	} {
		if got, _, err := FleissKappa(m); !errors.Is(err, ErrDegenerate) || got != 0 {
			t.Errorf("%s: %v, %v; want ErrDegenerate", name, got, err)
		}
	}
	if _, _, err := FleissKappa([][]float64{{1, 2}, {1}}); !errors.Is(err, ErrInvalidInput) {
		t.Errorf("ragged: err = %v", err)
	}
}
