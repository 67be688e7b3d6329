package datasets

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/stagewise/stagewise/models"
)

// TestTallyByHand: a report worked out by hand. Codebook A, B (family
// F1), C (F2); session 1: segment 1 both coders A, segment 2 coder a B and
// coder b C; session 2: segment 1 both A, segment 2 only a C; session 3
// only coder a. Units are the four segments of sessions 1 and 2.
func TestTallyByHand(t *testing.T) {
	book := []models.Code{{Code: "A", Family: "F1"}, {Code: "B", Family: "F1"}, {Code: "C", Family: "F2"}}
	units := []models.CodedUnit{
		{SessionID: 1, Segment: 1, Coder: "a", Code: "A"}, {SessionID: 1, Segment: 1, Coder: "b", Code: "A"},
		{SessionID: 1, Segment: 2, Coder: "a", Code: "B"}, {SessionID: 1, Segment: 2, Coder: "b", Code: "C"},
		{SessionID: 2, Segment: 1, Coder: "a", Code: "A"}, {SessionID: 2, Segment: 1, Coder: "b", Code: "A"},
		{SessionID: 2, Segment: 2, Coder: "a", Code: "C"},
		{SessionID: 3, Segment: 1, Coder: "a", Code: "A"},
	}
	tl := newTally(book, [2]string{"a", "b"})
	for _, u := range units {
		tl.add(u)
	}
	rep := tl.report()
	if rep.Units != 4 || rep.Sessions != 2 || rep.SessionsOnlyA != 1 || rep.SessionsOnlyB != 0 {
		t.Fatalf("units %d sessions %d only a %d only b %d", rep.Units, rep.Sessions, rep.SessionsOnlyA, rep.SessionsOnlyB)
	}
	type tb struct{ Both, OnlyA, OnlyB, Neither int }
	of := func(a Agreement) tb { return tb{a.Both, a.OnlyA, a.OnlyB, a.Neither} }
	got := map[string]tb{"overall": of(rep.Overall)}
	for _, f := range rep.Families {
		got["family "+f.Family] = of(f.Agreement)
	}
	for _, c := range rep.Codes {
		got["code "+c.Code] = of(c.Agreement)
	}
	want := map[string]tb{
		"code A": {2, 0, 0, 2}, "code B": {0, 1, 0, 3}, "code C": {0, 1, 1, 2},
		"family F1": {2, 1, 0, 1}, "family F2": {0, 1, 1, 2},
		"overall": {2, 2, 1, 3}, // 4 units × 2 families
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("presence tables (-want +got):\n%s", d)
	}
	// Code A: the coders agree on all four units: percent agreement 1.
	if pa := rep.Codes[0].PercentAgreement; pa == nil || *pa != 1 {
		t.Errorf("code A percent agreement %v", pa)
	}
}

// TestTallyMatchesDefinition compares the streaming tally with a direct
// reading of Reliability's definitions on random codings, including codes
// the codebook does not list.
func TestTallyMatchesDefinition(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 5))
	book := []models.Code{{Code: "A", Family: "F1"}, {Code: "B", Family: "F1"}, {Code: "C", Family: "F2"}, {Code: "D", Family: "F3"}}
	codes := []string{"A", "B", "C", "D", "X"}
	for trial := range 200 {
		var units []models.CodedUnit
		for s := range int64(rng.IntN(5)) {
			for seg := range rng.IntN(4) {
				for _, coder := range []string{"a", "b"} {
					for range rng.IntN(3) {
						units = append(units, models.CodedUnit{SessionID: s + 1, Segment: seg + 1, Coder: coder, Code: codes[rng.IntN(len(codes))]})
					}
				}
			}
		}
		tl := newTally(book, [2]string{"a", "b"})
		for _, u := range units {
			tl.add(u)
		}
		got := tl.report()
		want := reliabilityByDefinition(book, units)
		if d := cmp.Diff(want, got); d != "" {
			t.Fatalf("trial %d (-definition +tally):\n%s", trial, d)
		}
	}
}

// reliabilityByDefinition computes the report directly: for every code and
// family, a coder's value on a unit is 1 when they gave it there.
func reliabilityByDefinition(book []models.Code, units []models.CodedUnit) ReliabilityReport {
	rep := ReliabilityReport{Coders: [2]string{"a", "b"}}
	fam := map[string]string{}
	var codeNames, famNames []string
	addFam := func(f string) {
		if !slices.Contains(famNames, f) {
			famNames = append(famNames, f)
		}
	}
	for _, c := range book {
		fam[c.Code] = c.Family
		codeNames = append(codeNames, c.Code)
		addFam(c.Family)
	}
	for _, u := range units {
		if _, ok := fam[u.Code]; !ok {
			fam[u.Code] = notInCodebook
			codeNames = append(codeNames, u.Code)
			addFam(notInCodebook)
		}
	}
	coderOf := map[string]int{"a": 0, "b": 1}
	type unitKey struct {
		session int64
		segment int
	}
	has := map[int64][2]bool{}
	var sessions []int64
	for _, u := range units {
		h, seen := has[u.SessionID]
		if !seen {
			sessions = append(sessions, u.SessionID)
		}
		h[coderOf[u.Coder]] = true
		has[u.SessionID] = h
	}
	var both []int64
	for _, s := range sessions {
		switch h := has[s]; {
		case h[0] && h[1]:
			both = append(both, s)
		case h[0]:
			rep.SessionsOnlyA++
		default:
			rep.SessionsOnlyB++
		}
	}
	rep.Sessions = len(both)
	gave := map[unitKey][2]map[string]bool{} // codes and families per coder
	var keys []unitKey
	counts := func(item func(string) string, name string) [2][]float64 {
		var out [2][]float64
		for k := range 2 {
			out[k] = make([]float64, len(both))
		}
		for _, u := range units {
			if i := slices.Index(both, u.SessionID); i >= 0 && (name == "" || item(u.Code) == name) {
				out[coderOf[u.Coder]][i]++
			}
		}
		return out
	}
	for _, u := range units {
		if !slices.Contains(both, u.SessionID) {
			continue
		}
		k := unitKey{u.SessionID, u.Segment}
		g, ok := gave[k]
		if !ok {
			g = [2]map[string]bool{{}, {}}
			keys = append(keys, k)
		}
		g[coderOf[u.Coder]]["code "+u.Code] = true
		g[coderOf[u.Coder]]["family "+fam[u.Code]] = true
		gave[k] = g
	}
	rep.Units = len(keys)
	table := func(item string) (int, int, int) {
		var b, oa, ob int
		for _, k := range keys {
			x, y := gave[k][0][item], gave[k][1][item]
			switch {
			case x && y:
				b++
			case x:
				oa++
			case y:
				ob++
			}
		}
		return b, oa, ob
	}
	var pb, pa, pob int
	for _, f := range famNames {
		b, oa, ob := table("family " + f)
		pb, pa, pob = pb+b, pa+oa, pob+ob
		a := presence(b, oa, ob, rep.Units)
		c := counts(func(code string) string { return fam[code] }, f)
		a.addICC(c[0], c[1])
		rep.Families = append(rep.Families, FamilyAgreement{Family: f, Agreement: a})
	}
	rep.Codes = []CodeAgreement{}
	for _, code := range codeNames {
		b, oa, ob := table("code " + code)
		if b+oa+ob == 0 {
			continue
		}
		a := presence(b, oa, ob, rep.Units)
		c := counts(func(x string) string { return x }, code)
		a.addICC(c[0], c[1])
		rep.Codes = append(rep.Codes, CodeAgreement{Code: code, Family: fam[code], Agreement: a})
	}
	rep.Overall = presence(pb, pa, pob, rep.Units*len(famNames))
	total := counts(nil, "")
	rep.Overall.addICC(total[0], total[1])
	if rep.Sessions == 0 {
		rep.Overall.Notes = append([]string{"no session was coded by both coders"}, rep.Overall.Notes...)
	}
	return rep
}
