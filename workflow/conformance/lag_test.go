package conformance

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// TestLagIndependenceClosedForm: "independence table" example, a 3×3 table
// with a diagonal (repeats kept): e and z match the closed forms, and the
// general leverage routine reproduces h = 1 − (1 − x_+j/N)(1 − x_i+/N).
func TestLagIndependenceClosedForm(t *testing.T) {
	x := []int64{
		4, 2, 1,
		3, 5, 2,
		0, 6, 7,
	}
	n := 3
	f := fitLag(x, n, false)
	N := 30.0
	row := []float64{7, 10, 13}
	col := []float64{7, 13, 10}
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			e := row[i] * col[j] / N
			z := (float64(x[i*n+j]) - e) / math.Sqrt(e*(1-col[j]/N)*(1-row[i]/N))
			if !near(f.e[i*n+j], e) || !near(f.z[i*n+j], z) {
				t.Errorf("cell %d%d: e %v z %v, want %v %v", i, j, f.e[i*n+j], f.z[i*n+j], e, z)
			}
		}
	}
	h := leverage(f.e, n, func(i, j int) bool { return true })
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			want := 1 - (1-col[j]/N)*(1-row[i]/N)
			if !near(h[i*n+j], want) {
				t.Errorf("leverage %d%d = %v, want %v", i, j, h[i*n+j], want)
			}
		}
	}
	// Cell (2,0): x 0, e = 13·7/30; Yule's Q with a = 0: (0 − b c)/(0 + b c) = −1.
	if _, _, q := f.cellStats(2, 0); q != -1 {
		t.Errorf("Q(2,0) = %v, want -1", q)
	}
	// Cell (0,0): a 4, b 3, c 3, d 30 − 7 − 7 + 4 = 20 → (80 − 9)/(80 + 9) = 71/89; p = 4/7.
	if p, _, q := f.cellStats(0, 0); !near(q, 71.0/89) || !near(p, 4.0/7) {
		t.Errorf("Q(0,0) = %v p %v", q, p)
	}
}

// TestLagQuasiThreeByThree: the "cycle" example. Sessions A B C A B C A B C A
// and A C B A give collapsed lag-1 counts A→B 3, B→C 3, C→A 3 and A→C 1,
// C→B 1, B→A 1: every margin is 4, N = 12.
//
// With 3 labels the quasi-independence model has one degree of freedom: the
// residuals x − e are ±δ on the cycles (A→B, B→C, C→A) and (A→C, C→B, B→A),
// and the fit satisfies e_AB e_BC e_CA = e_AC e_CB e_BA. (3 − δ)³ = (1 + δ)³
// gives δ = 1, so every off-diagonal e = 2. The one residual direction gives
// 1 − h_c = (1/e_c) / Σ_k (1/e_k) = (1/2)/3 = 1/6, so
// z = ±1/√(2 · 1/6) = ±√3.
func TestLagQuasiThreeByThree(t *testing.T) {
	m := Model{
		Stages:      []Stage{{Key: "A", Role: RoleMarker, Codes: []string{"a"}}, {Key: "B", Codes: []string{"b"}}, {Key: "C", Role: RoleResolution, Codes: []string{"c"}}},
		Transitions: []Transition{{From: "A", To: "B"}, {From: "B", To: "C"}},
	}
	r := analyze(t, m, Params{}, []Session{
		{Case: "x", Session: 1, Codes: []string{"a", "b", "c", "a", "b", "c", "a", "b", "c", "a"}},
		{Case: "x", Session: 2, Codes: []string{"a", "c", "b", "a"}},
	})
	lt := r.LagTable
	if lt.Table != TableQuasiIndependence || lt.N != 12 {
		t.Fatalf("table %s N %d", lt.Table, lt.N)
	}
	checkQuasiMargins(t, lt)
	s3 := math.Sqrt(3)
	wantZ := [][]float64{{math.NaN(), s3, -s3}, {-s3, math.NaN(), s3}, {s3, -s3, math.NaN()}}
	for i := 0; i < 3; i++ {
		for j := 0; j < 3; j++ {
			if i == j {
				checkNum(t, "e diag", lt.Expected[i][j], 0)
			} else {
				checkNum(t, fmt.Sprintf("e %d%d", i, j), lt.Expected[i][j], 2)
			}
			checkNum(t, fmt.Sprintf("z %d%d", i, j), lt.AdjustedResiduals[i][j], wantZ[i][j])
		}
	}
	// Transition row A→B carries z = √3, p = 3/4.
	ab := r.Transitions[0]
	if ab.From != "A" || ab.To != "B" {
		t.Fatalf("first transition %s→%s", ab.From, ab.To)
	}
	checkNum(t, "A→B z", ab.AdjustedResidual, s3)
	checkNum(t, "A→B p", ab.Probability, 0.75)
}

// TestLagQuasiGeneral: "random quasi" example, for random 5×5 tables with zero
// diagonal and one empty row: e has a zero diagonal and reproduces the row
// margins, the empty row has e = 0 and null residuals, and the leverages sum
// to the rank of the model, 4 active rows + 5 active columns − 1 = 8.
func TestLagQuasiGeneral(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	n := 5
	for it := 0; it < 20; it++ {
		x := make([]int64, n*n)
		for i := 0; i < n-1; i++ { // last row empty
			for j := 0; j < n; j++ {
				if i != j {
					x[i*n+j] = int64(1 + rng.IntN(9))
				}
			}
		}
		f := fitLag(x, n, true)
		if !f.converged {
			t.Fatalf("IPF did not converge")
		}
		hs := 0.0
		h := leverage(f.e, n, func(i, j int) bool { return i != j })
		for i := 0; i < n; i++ {
			rs := 0.0
			for j := 0; j < n; j++ {
				rs += f.e[i*n+j]
				if !math.IsNaN(h[i*n+j]) {
					hs += h[i*n+j]
				}
			}
			if math.Abs(rs-float64(f.row[i])) > 1e-8*math.Max(1, rs) || f.e[i*n+i] != 0 {
				t.Fatalf("row %d: %v vs %d", i, rs, f.row[i])
			}
		}
		if math.Abs(hs-8) > 1e-8 {
			t.Fatalf("leverages sum to %v, want 8", hs)
		}
		for j := 0; j < n; j++ { // empty row: e 0, z null
			if f.e[(n-1)*n+j] != 0 || !math.IsNaN(f.z[(n-1)*n+j]) {
				t.Fatalf("empty row cell %d: e %v z %v", j, f.e[(n-1)*n+j], f.z[(n-1)*n+j])
			}
		}
	}
}

// TestLagTwoIsIndependence: lag 2 on collapsed sequences uses the independence
// table ("lag 2" example: A B A C → A→A, B→C).
func TestLagTwoIsIndependence(t *testing.T) {
	m := Model{
		Stages:      []Stage{{Key: "A", Role: RoleMarker, Codes: []string{"a"}}, {Key: "B", Codes: []string{"b"}}, {Key: "C", Role: RoleResolution, Codes: []string{"c"}}},
		Transitions: []Transition{{From: "A", To: "B"}, {From: "B", To: "C"}},
	}
	r := analyze(t, m, Params{Lag: 2}, []Session{{Case: "x", Session: 1, Codes: []string{"a", "b", "b", "a", "c"}}})
	lt := r.LagTable
	if lt.Table != TableIndependence || lt.Counts[0][0] != 1 || lt.Counts[1][2] != 1 || lt.N != 2 {
		t.Fatalf("lag 2 table %+v", lt)
	}
	checkIndependence(t, lt)
}

// TestDeterminism: the same 300 random sessions (with duplicates and sessions
// of unmapped codes) added in three shuffled orders give identical JSON, and
// calling Report twice gives identical JSON.
func TestDeterminism(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	codes := []string{"W1", "W2", "RS04", "RS01", "RS05", "RS06", "RS09", "RS10", "X9", "Y1"}
	var ss []Session
	for i := 0; i < 300; i++ {
		k := 1 + rng.IntN(7)
		c := make([]string, k)
		for j := range c {
			c[j] = codes[rng.IntN(len(codes))]
		}
		ss = append(ss, Session{Case: fmt.Sprintf("case%02d", rng.IntN(40)), Session: 1 + rng.IntN(4), Codes: c})
	}
	var first []byte
	for round := 0; round < 3; round++ {
		rng.Shuffle(len(ss), func(i, j int) { ss[i], ss[j] = ss[j], ss[i] })
		a, err := NewAnalyzer(ruptureModel(), Params{})
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range ss {
			a.Add(s)
		}
		b, err := json.Marshal(a.Report())
		if err != nil {
			t.Fatal(err)
		}
		if again, _ := json.Marshal(a.Report()); !bytes.Equal(b, again) {
			t.Fatalf("round %d: a second Report differs", round)
		}
		if round == 0 {
			first = b
		} else if !bytes.Equal(first, b) {
			t.Fatalf("round %d: JSON differs", round)
		}
	}
}
