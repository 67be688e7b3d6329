package datasets

import "github.com/stagewise/stagewise/models"

// tally is the pure part of Reliability: it takes the coded units of two
// coders one at a time, grouped by session and, within a session, by
// segment (as Store.EachCodedUnit streams them), and accumulates the
// presence tables and per-session counts that Service.Reliability defines.
// It holds one session's events at a time.
type tally struct {
	coders [2]string
	rep    ReliabilityReport

	// Codes and families in codebook order; a code missing from the
	// codebook (impossible through imports) gets its own family.
	codeIdx   map[string]int
	famIdx    map[string]int
	codeFam   []int
	codeNames []string
	famNames  []string

	codeT, famT []presenceTable
	codeUsed    []bool
	// Per-session counts, one slice per coder: counts[coder][item][session].
	codeCounts, famCounts [2][][]float64
	totalCounts           [2][]float64

	// The current session's events.
	buf        []tallyEvent
	curSession int64
	// Marks of the current unit: stamp per code and family, per coder.
	stamp                    int
	markCode, markFam        [2][]int
	touchedCodes, touchedFam []int
}

type presenceTable struct{ both, onlyA, onlyB int }

type tallyEvent struct {
	segment int
	coder   int
	code    int
}

// notInCodebook is the family of a code the codebook does not list.
const notInCodebook = "(not in the codebook)"

func newTally(codebook []models.Code, coders [2]string) *tally {
	t := &tally{coders: coders, codeIdx: map[string]int{}, famIdx: map[string]int{}}
	t.rep.Coders = coders
	for _, c := range codebook {
		if _, dup := t.codeIdx[c.Code]; !dup {
			t.addCode(c.Code, c.Family)
		}
	}
	return t
}

// addCode indexes a code (and its family when new) and grows the tables.
func (t *tally) addCode(code, fam string) int {
	fi, ok := t.famIdx[fam]
	if !ok {
		fi = len(t.famNames)
		t.famIdx[fam] = fi
		t.famNames = append(t.famNames, fam)
		t.famT = append(t.famT, presenceTable{})
		for k := range 2 {
			t.famCounts[k] = append(t.famCounts[k], make([]float64, t.rep.Sessions))
		}
	}
	ci := len(t.codeNames)
	t.codeIdx[code] = ci
	t.codeNames = append(t.codeNames, code)
	t.codeFam = append(t.codeFam, fi)
	t.codeT = append(t.codeT, presenceTable{})
	t.codeUsed = append(t.codeUsed, false)
	for k := range 2 {
		t.codeCounts[k] = append(t.codeCounts[k], make([]float64, t.rep.Sessions))
	}
	return ci
}

// add takes one coded unit of either coder.
func (t *tally) add(u models.CodedUnit) {
	if u.SessionID != t.curSession {
		t.flush()
		t.curSession = u.SessionID
	}
	ci, ok := t.codeIdx[u.Code]
	if !ok {
		ci = t.addCode(u.Code, notInCodebook)
	}
	k := 0
	if u.Coder == t.coders[1] {
		k = 1
	}
	t.buf = append(t.buf, tallyEvent{segment: u.Segment, coder: k, code: ci})
}

// flush counts the buffered session: a session only one coder coded is
// left out (and counted as such); otherwise each of its segments is a unit.
func (t *tally) flush() {
	if len(t.buf) == 0 {
		return
	}
	defer func() { t.buf = t.buf[:0] }()
	var has [2]bool
	for _, e := range t.buf {
		has[e.coder] = true
	}
	switch {
	case has[0] && !has[1]:
		t.rep.SessionsOnlyA++
		return
	case has[1] && !has[0]:
		t.rep.SessionsOnlyB++
		return
	}
	si := t.rep.Sessions
	t.rep.Sessions++
	for k := range 2 {
		for i := range t.codeCounts[k] {
			t.codeCounts[k][i] = append(t.codeCounts[k][i], 0)
		}
		for i := range t.famCounts[k] {
			t.famCounts[k][i] = append(t.famCounts[k][i], 0)
		}
		t.totalCounts[k] = append(t.totalCounts[k], 0)
		for len(t.markCode[k]) < len(t.codeNames) {
			t.markCode[k] = append(t.markCode[k], 0)
		}
		for len(t.markFam[k]) < len(t.famNames) {
			t.markFam[k] = append(t.markFam[k], 0)
		}
	}
	for start := 0; start < len(t.buf); {
		end := start
		for end < len(t.buf) && t.buf[end].segment == t.buf[start].segment {
			end++
		}
		t.unit(si, t.buf[start:end])
		start = end
	}
}

// unit counts one (session, segment) unit of session si.
func (t *tally) unit(si int, evs []tallyEvent) {
	t.stamp++
	t.rep.Units++
	t.touchedCodes, t.touchedFam = t.touchedCodes[:0], t.touchedFam[:0]
	for _, e := range evs {
		f := t.codeFam[e.code]
		t.codeCounts[e.coder][e.code][si]++
		t.famCounts[e.coder][f][si]++
		t.totalCounts[e.coder][si]++
		if t.markCode[0][e.code] != t.stamp && t.markCode[1][e.code] != t.stamp {
			t.touchedCodes = append(t.touchedCodes, e.code)
		}
		t.markCode[e.coder][e.code] = t.stamp
		if t.markFam[0][f] != t.stamp && t.markFam[1][f] != t.stamp {
			t.touchedFam = append(t.touchedFam, f)
		}
		t.markFam[e.coder][f] = t.stamp
	}
	for _, c := range t.touchedCodes {
		t.codeUsed[c] = true
		t.codeT[c].count(t.markCode[0][c] == t.stamp, t.markCode[1][c] == t.stamp)
	}
	for _, f := range t.touchedFam {
		t.famT[f].count(t.markFam[0][f] == t.stamp, t.markFam[1][f] == t.stamp)
	}
}

// count adds a unit where at least one coder gave the code (a, b: which).
func (p *presenceTable) count(a, b bool) {
	switch {
	case a && b:
		p.both++
	case a:
		p.onlyA++
	default:
		p.onlyB++
	}
}

// report ends the last session and computes the statistics.
func (t *tally) report() ReliabilityReport {
	t.flush()
	rep := t.rep
	var pooled presenceTable
	rep.Families = make([]FamilyAgreement, 0, len(t.famNames))
	for f, name := range t.famNames {
		p := t.famT[f]
		pooled.both += p.both
		pooled.onlyA += p.onlyA
		pooled.onlyB += p.onlyB
		a := presence(p.both, p.onlyA, p.onlyB, rep.Units)
		a.addICC(t.famCounts[0][f], t.famCounts[1][f])
		rep.Families = append(rep.Families, FamilyAgreement{Family: name, Agreement: a})
	}
	rep.Codes = []CodeAgreement{}
	for c, name := range t.codeNames {
		if !t.codeUsed[c] {
			continue
		}
		p := t.codeT[c]
		a := presence(p.both, p.onlyA, p.onlyB, rep.Units)
		a.addICC(t.codeCounts[0][c], t.codeCounts[1][c])
		rep.Codes = append(rep.Codes, CodeAgreement{Code: name, Family: t.famNames[t.codeFam[c]], Agreement: a})
	}
	rep.Overall = presence(pooled.both, pooled.onlyA, pooled.onlyB, rep.Units*len(t.famNames))
	rep.Overall.addICC(t.totalCounts[0], t.totalCounts[1])
	if rep.Sessions == 0 {
		rep.Overall.Notes = append([]string{"no session was coded by both coders"}, rep.Overall.Notes...)
	}
	return rep
}
