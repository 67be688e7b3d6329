package conformance

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// bruteCost is the minimum insert/delete edit distance from t to any model
// path (start → … → end), found by enumerating paths. Along a path p the cost
// is len(t) + len(p) − 2·LCS(t, p); as every appended stage lowers the cost by
// at most 1 and LCS ≤ len(t), paths longer than len(t) + bound cannot reach
// cost ≤ bound, so enumeration stops there.
func bruteCost(d *DFG, t []int32, bound int) int {
	L := len(t)
	best := 1 << 30
	var walk func(path []int32, lcs []int)
	walk = func(path []int32, lcs []int) {
		last := path[len(path)-1]
		if d.isEnd[last] {
			if c := L + len(path) - 2*lcs[L]; c < best {
				best = c
			}
		}
		if len(path) >= L+bound {
			return
		}
		for _, w := range d.succ[last] {
			next := make([]int, L+1)
			for j := 1; j <= L; j++ {
				next[j] = max(next[j-1], lcs[j])
				if t[j-1] == w {
					next[j] = max(next[j], lcs[j-1]+1)
				}
			}
			walk(append(path, w), next)
		}
	}
	for _, s := range d.succ[d.n] {
		lcs := make([]int, L+1)
		for j := 1; j <= L; j++ {
			lcs[j] = lcs[j-1]
			if t[j-1] == s {
				lcs[j] = 1
			}
		}
		walk([]int32{s}, lcs)
	}
	return best
}

// replayMoves checks that the moves form a valid alignment of t with the
// given cost: synchronous moves are the events not log-moved, and every step
// of the resulting model path follows an edge, from a start to an end.
func replayMoves(d *DFG, t []int32, moves []move, cost int) error {
	if len(moves) != cost {
		return fmt.Errorf("%d moves for cost %d", len(moves), cost)
	}
	v := int32(d.n)
	step := func(w int32) error {
		ok := d.isStart[w]
		if v < int32(d.n) {
			ok = d.adj[int(v)*d.n+int(w)]
		}
		if !ok {
			return fmt.Errorf("no edge %d→%d", v, w)
		}
		v = w
		return nil
	}
	mi := 0
	for i := 0; i <= len(t); i++ {
		logged := false
		for mi < len(moves) && int(moves[mi].pos) == i {
			m := moves[mi]
			mi++
			if m.model {
				if err := step(m.stage); err != nil {
					return err
				}
				continue
			}
			if m.stage != t[i] {
				return fmt.Errorf("log move of %d at %d, event is %d", m.stage, i, t[i])
			}
			logged = true
			break
		}
		if i == len(t) {
			break
		}
		if !logged {
			if err := step(t[i]); err != nil {
				return err
			}
		}
	}
	if mi != len(moves) {
		return fmt.Errorf("unused moves")
	}
	if v == int32(d.n) || !d.isEnd[v] {
		return fmt.Errorf("alignment ends in %d, not an end", v)
	}
	return nil
}

// TestAlignerMatchesBruteForce: property test, 500 seeded random cases of
// small random DFGs (2–5 stages, random edges, starts and ends) and random
// sequences of 1–5 stages: the aligner's optimal cost equals the brute-force
// minimum edit distance (insert/delete) to any model path, and its moves
// replay to a valid alignment of that cost.
func TestAlignerMatchesBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(20240501, 7))
	cases := 0
	for cases < 500 {
		n := 2 + rng.IntN(4)
		keys := make([]string, n)
		for i := range keys {
			keys[i] = fmt.Sprintf("S%d", i)
		}
		adj := make([]bool, n*n)
		for k := range adj {
			adj[k] = rng.Float64() < 0.35
		}
		isStart, isEnd := make([]bool, n), make([]bool, n)
		isStart[rng.IntN(n)] = true
		isEnd[rng.IntN(n)] = true
		for i := 0; i < n; i++ {
			isStart[i] = isStart[i] || rng.Float64() < 0.2
			isEnd[i] = isEnd[i] || rng.Float64() < 0.2
		}
		d := newDFG(keys, adj, isStart, isEnd)
		if d.ShortestPath == 0 {
			continue
		}
		cases++
		al := newAligner(d)
		seq := make([]int32, 1+rng.IntN(5))
		for i := range seq {
			seq[i] = int32(rng.IntN(n))
		}
		cost, moves := al.align(seq, nil)
		if want := bruteCost(d, seq, cost); want != cost {
			t.Fatalf("case %d: seq %v edges %v starts %v ends %v: aligner %d, brute force %d", cases, seq, d.Edges, d.Starts, d.Ends, cost, want)
		}
		if err := replayMoves(d, seq, moves, cost); err != nil {
			t.Fatalf("case %d: seq %v edges %v: %v (moves %+v)", cases, seq, d.Edges, err, moves)
		}
		if cost > len(seq)+d.ShortestPath {
			t.Fatalf("cost %d above the trivial bound", cost)
		}
	}
}

// pm4pyModel is the "PM4Py worked example": a DFG with start {a}, end {e} and
// edges a→b, a→c, b→d, c→d, d→e, d→b (loop), written as a model with marker a
// and resolution e.
func pm4pyModel() Model {
	st := func(k, role string) Stage { return Stage{Key: k, Role: role, Codes: []string{k}} }
	return Model{
		Stages: []Stage{st("a", RoleMarker), st("b", RoleProcess), st("c", RoleProcess), st("d", RoleProcess), st("e", RoleResolution)},
		Transitions: []Transition{
			{From: "a", To: "b"}, {From: "a", To: "c"}, {From: "b", To: "d"}, {From: "c", To: "d"},
			{From: "d", To: "e"}, {From: "d", To: "b", Kind: KindLoop},
		},
	}
}

// TestPM4PyWorkedExample: fitness and precision on the PM4Py-style example,
// following PM4Py's DFG alignment (unit log and model moves, sync 0) and DFG
// precision (ETConformance over the log's prefixes).
//
// Log: ⟨a b d e⟩ ×3, ⟨a c d e⟩, ⟨a d e⟩, ⟨a b c d e⟩. Shortest model path a b d e = 4.
//
//	⟨a b d e⟩    cost 0, denominator 4 + 4 = 8 (×3)
//	⟨a c d e⟩    cost 0, denominator 8
//	⟨a d e⟩      a→d is no edge: model move b (or c); cost 1, denominator 7
//	⟨a b c d e⟩  b→c is no edge: log move c; cost 1, denominator 9
//
// Log fitness = 1 − 2/(24 + 8 + 7 + 9) = 1 − 2/48 = 23/24.
//
// Precision (w = sessions having the prefix as a proper prefix):
//
//	⟨⟩       w6 allowed {a}     continued {a}        escaping 0
//	⟨a⟩      w6 allowed {b c}   continued {b c d}    escaping 0
//	⟨a b⟩    w4 allowed {d}     continued {d c}      escaping 0
//	⟨a c⟩    w1 allowed {d}     continued {d}        escaping 0
//	⟨a d⟩    not replayable (a→d)
//	⟨a b c⟩  not replayable (b→c)
//	⟨a b d⟩  w3 allowed {e b}   continued {e}        escaping 1
//	⟨a c d⟩  w1 allowed {e b}   continued {e}        escaping 1
//
// Σ w·allowed = 6 + 12 + 4 + 1 + 6 + 2 = 31, Σ w·escaping = 3 + 1 = 4,
// precision = 1 − 4/31 = 27/31.
func TestPM4PyWorkedExample(t *testing.T) {
	seqs := [][]string{{"a", "b", "d", "e"}, {"a", "b", "d", "e"}, {"a", "b", "d", "e"}, {"a", "c", "d", "e"}, {"a", "d", "e"}, {"a", "b", "c", "d", "e"}}
	var ss []Session
	for i, s := range seqs {
		ss = append(ss, Session{Case: fmt.Sprintf("k%d", i), Session: 1, Codes: s})
	}
	r := analyze(t, pm4pyModel(), Params{}, ss)
	checkNum(t, "fitness", r.Summary.Fitness, 23.0/24)
	checkNum(t, "precision", r.Summary.Precision, 27.0/31)
	wantDev := map[string]string{"k4": "model_move:b@1", "k5": "log_move:c@2"}
	for _, q := range r.Sequences {
		got := ""
		for _, d := range q.Deviations {
			got += fmt.Sprintf("%s:%s@%d", d.Type, d.Stage, d.Position)
		}
		if got != wantDev[q.Case] {
			t.Errorf("%s deviations %q, want %q", q.Case, got, wantDev[q.Case])
		}
	}
}
