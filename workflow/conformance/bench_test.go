package conformance

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// benchModel: 12 stages S01 (marker) … S12 (resolution), a three-stage
// cluster K = {S05, S06, S07}, S09 optional, a loop S10→S04; three codes per
// stage.
func benchModel() Model {
	var m Model
	for i := 1; i <= 12; i++ {
		s := Stage{Key: fmt.Sprintf("S%02d", i), Role: RoleProcess}
		for c := 0; c < 3; c++ {
			s.Codes = append(s.Codes, fmt.Sprintf("c%02d%c", i, 'a'+c))
		}
		switch i {
		case 1:
			s.Role = RoleMarker
		case 12:
			s.Role = RoleResolution
		case 5, 6, 7:
			s.Cluster = "K"
		case 9:
			s.Optional = true
		}
		m.Stages = append(m.Stages, s)
	}
	m.Clusters = []string{"K"}
	for i := 1; i < 12; i++ {
		if i == 5 || i == 6 { // S05→S06→S07 is the cluster, entered at S05, left from S07
			continue
		}
		m.Transitions = append(m.Transitions, Transition{From: fmt.Sprintf("S%02d", i), To: fmt.Sprintf("S%02d", i+1), Kind: KindHypothesized})
	}
	m.Transitions = append(m.Transitions, Transition{From: "S10", To: "S04", Kind: KindLoop})
	return m
}

// benchSessions generates n sessions deterministically: 1–8 coded events
// each (8 in 97 % of sessions), a random walk along the stage order that
// mostly repeats or advances, sometimes jumps, and sometimes emits an
// unmapped code; about 40,000 cases.
func benchSessions(n int) []Session {
	rng := rand.New(rand.NewPCG(42, 2024))
	unmapped := []string{"u1", "u2", "u3", "u4"}
	ss := make([]Session, n)
	for k := range ss {
		L := 8
		if rng.Float64() < 0.03 {
			L = 1 + rng.IntN(7)
		}
		codes := make([]string, L)
		cur := 0
		if rng.Float64() < 0.2 {
			cur = rng.IntN(4)
		}
		for e := range codes {
			switch u := rng.Float64(); {
			case u < 0.03:
				codes[e] = unmapped[rng.IntN(len(unmapped))]
				continue
			case u < 0.45:
			case u < 0.93:
				cur = min(cur+1+rng.IntN(2), 11)
			default:
				cur = rng.IntN(12)
			}
			codes[e] = fmt.Sprintf("c%02d%c", cur+1, 'a'+rng.IntN(3))
		}
		ss[k] = Session{Case: fmt.Sprintf("case%05d", rng.IntN(40000)), Session: 1 + rng.IntN(20), Codes: codes}
	}
	return ss
}

// TestBenchGeneratorShape: the benchmark data has about 790,000 events and
// 11,000 variants.
func TestBenchGeneratorShape(t *testing.T) {
	ss := benchSessions(100000)
	a, err := NewAnalyzer(benchModel(), Params{})
	if err != nil {
		t.Fatal(err)
	}
	events := 0
	for _, s := range ss {
		events += len(s.Codes)
		a.Add(s)
	}
	r := a.Report()
	if events < 780000 || events > 800000 || r.Summary.Variants < 10000 || r.Summary.Variants > 12000 {
		t.Errorf("generator drifted: %d events, %d variants", events, r.Summary.Variants)
	}
	t.Logf("events %d variants %d sessions %d cases %d fitness %.3f precision %.3f", events, r.Summary.Variants, r.Summary.Sessions, r.Summary.Cases, *r.Summary.Fitness, *r.Summary.Precision)
}

// BenchmarkReport: NewAnalyzer + Add of 100,000 sessions + Report.
func BenchmarkReport(b *testing.B) {
	ss := benchSessions(100000)
	m := benchModel()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		a, err := NewAnalyzer(m, Params{})
		if err != nil {
			b.Fatal(err)
		}
		for _, s := range ss {
			a.Add(s)
		}
		_ = a.Report()
	}
}

// BenchmarkAlignments aligns every distinct variant of the benchmark
// workload once (what PM4Py's DFG alignments do per variant), alone.
func BenchmarkAlignments(b *testing.B) {
	a, err := NewAnalyzer(benchModel(), Params{}.WithDefaults())
	if err != nil {
		b.Fatal(err)
	}
	for _, s := range benchSessions(100000) {
		a.Add(s)
	}
	al := newAligner(a.d)
	var moves []move
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		total := 0
		for _, v := range a.variants {
			var cost int
			cost, moves = al.align(v.seq, moves[:0])
			total += cost
		}
		if i == 0 {
			b.ReportMetric(float64(len(a.variants)), "variants")
		}
	}
}

// BenchmarkPrecision is the ETConformance precision over the prefix tree
// of the benchmark workload's variants, alone.
func BenchmarkPrecision(b *testing.B) {
	a, err := NewAnalyzer(benchModel(), Params{}.WithDefaults())
	if err != nil {
		b.Fatal(err)
	}
	for _, s := range benchSessions(100000) {
		a.Add(s)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if a.precision() == nil {
			b.Fatal("no precision")
		}
	}
}
