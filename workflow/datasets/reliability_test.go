package datasets

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stagewise/stagewise/workflow/stats"
)

// TestPresenceMatchesStats checks the closed-form presence statistics
// against package stats (itself checked against R irr and
// fast-krippendorff) on random 2×2 tables, degenerate ones included.
func TestPresenceMatchesStats(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	tables := [][4]int{{0, 0, 0, 5}, {5, 0, 0, 0}, {0, 3, 0, 0}, {0, 0, 0, 1}, {1, 0, 0, 0}, {0, 1, 1, 0}, {2, 1, 0, 2}}
	for range 300 {
		tables = append(tables, [4]int{rng.IntN(6), rng.IntN(6), rng.IntN(6), rng.IntN(6)})
	}
	for _, tb := range tables {
		both, onlyA, onlyB, neither := tb[0], tb[1], tb[2], tb[3]
		n := both + onlyA + onlyB + neither
		var a, b []float64
		add := func(k int, x, y float64) {
			for range k {
				a, b = append(a, x), append(b, y)
			}
		}
		add(both, 1, 1)
		add(onlyA, 1, 0)
		add(onlyB, 0, 1)
		add(neither, 0, 0)
		got := presence(both, onlyA, onlyB, n)
		if n == 0 {
			if got.PercentAgreement != nil || len(got.Notes) == 0 {
				t.Errorf("empty table: %+v", got)
			}
			continue
		}
		same := func(name string, p *float64, want float64, err error) {
			t.Helper()
			switch {
			case err != nil && p != nil:
				t.Errorf("%v %s: got %v, stats says undefined (%v)", tb, name, *p, err)
			case err == nil && p == nil:
				t.Errorf("%v %s: undefined, stats gives %v", tb, name, want)
			case err == nil && math.Abs(*p-want) > 1e-12:
				t.Errorf("%v %s: got %v, want %v", tb, name, *p, want)
			}
		}
		pa, _, err := stats.PercentAgreement([][]float64{a, b})
		same("percent agreement", got.PercentAgreement, pa, err)
		k, _, err := stats.CohenKappa(a, b, "", nil)
		same("kappa", got.CohenKappa, k, err)
		al, _, err := stats.KrippendorffAlpha([][]float64{a, b}, stats.LevelNominal)
		same("alpha", got.KrippendorffAlpha, al, err)
	}
}
