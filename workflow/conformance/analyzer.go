package conformance

import (
	"cmp"
	"math"
	"slices"
	"strings"

	"github.com/stagewise/stagewise/workflow/stats"
)

// Session is one coded session. Codes are in onset order (the caller sorts
// them); each code indicates at most one stage.
type Session struct {
	Case    string
	Session int
	Codes   []string
	// Reported is the session report's resolution rating (1-5) of the
	// rater Params.OutcomeRater names, nil when there is none; it is read
	// only with Params.Outcome "reported".
	Reported *int
}

// Analyzer accumulates sessions and produces a Report. It keeps one entry per
// distinct collapsed sequence (a variant) and a 24-byte record per session
// (case id, session number, variant id, repeats, outcome), plus the lag counts and the unmapped
// code counts. It is not safe for concurrent use.
//
// Stage sequence of a session: its codes mapped to stages in the given order;
// codes that indicate no stage are counted per code (unmapped_codes) and left
// out; consecutive repeats collapse to one. Only the lag table sees the
// uncollapsed sequence, and only with allow_repeats.
type Analyzer struct {
	p          Params
	d          *DFG
	n          int
	roles      []string
	resolution []bool
	pos        []int
	declared   []string // declared kind per (from, to) cell, "" if none
	ndeclared  int

	codeStage  map[string]int32
	variantIdx map[string]int32
	variants   []variant
	caseIdx    map[string]int32
	cases      []string
	recs       []record
	unmapped   map[string]int
	// unmappedID numbers the unmapped codes for variant keys and extras.
	unmappedID    map[string]int32
	unmappedNames []string
	// unmappedSess counts per unmapped code id the sessions having it;
	// unmappedSeen stamps the last session (1-based Add count) that did.
	unmappedSess []int
	unmappedSeen []int
	added        int
	extra        []extraEvent
	lag          []int64
	skipped      int
	events       int
	unmappedEv   int

	raw, col []int32
	key      []byte
	al       *aligner
	moves    []move
	stamp    []int32 // per stage, for distinct stages of a variant
	pstamp   []int32 // per pair, for distinct pairs of a variant

	// With allow_repeats: adjacent repeats per stage (occurrences), and per
	// session the distinct stages that repeat (record.self indexes selfSets).
	selfCount []int
	selfSets  [][]int32
}

// extraEvent is an unmapped event kept for the alignment: code is its index
// in unmappedNames, pos the number of stages of the collapsed sequence
// before it.
type extraEvent struct {
	pos, code int32
}

type record struct {
	caseID  int32
	variant int32
	session int
	self    int32 // index into selfSets, -1 when no stage repeats (or repeats are collapsed)
	outcome int8  // reported outcome: 1 resolved, 0 unresolved, -1 no rating
}

type variant struct {
	seq   []int32
	extra []extraEvent // unmapped events as log moves (Params.Unmapped "deviation")
	count int

	analyzed bool
	cost     int
	denom    int
	fitness  float64
	devs     []Deviation
	stages   []string
	conforms bool
	resolved bool
	tau      *float64
	distinct []int32 // distinct stages, first-occurrence order
	pairs    []int32 // distinct adjacent pairs as from*n+to
}

// NewAnalyzer compiles the model and checks the parameters (after
// WithDefaults). Errors are FieldErrors.
func NewAnalyzer(m Model, p Params) (*Analyzer, error) {
	p = p.WithDefaults()
	if errs := p.Validate(); len(errs) > 0 {
		return nil, FieldErrors(errs)
	}
	d, err := Compile(m)
	if err != nil {
		return nil, err
	}
	n := len(m.Stages)
	a := &Analyzer{
		p:          p,
		d:          d,
		n:          n,
		roles:      make([]string, n),
		resolution: make([]bool, n),
		pos:        make([]int, n),
		declared:   make([]string, n*n),
		codeStage:  map[string]int32{},
		variantIdx: map[string]int32{},
		caseIdx:    map[string]int32{},
		unmapped:   map[string]int{},
		unmappedID: map[string]int32{},
		lag:        make([]int64, n*n),
		al:         newAligner(d),
		stamp:      make([]int32, n),
		pstamp:     make([]int32, n*n),
		selfCount:  make([]int, n),
	}
	index := map[string]int{}
	clusterPos := map[string]int{}
	for i, s := range m.Stages {
		index[s.Key] = i
		a.roles[i] = cmp.Or(s.Role, RoleProcess)
		a.resolution[i] = s.Role == RoleResolution
		a.pos[i] = i
		if s.Cluster != "" {
			if q, ok := clusterPos[s.Cluster]; ok {
				a.pos[i] = q
			} else {
				clusterPos[s.Cluster] = i
			}
		}
		for _, c := range s.Codes {
			a.codeStage[c] = int32(i)
		}
	}
	for _, t := range m.Transitions {
		k := index[t.From]*n + index[t.To]
		if a.declared[k] == "" {
			a.declared[k] = cmp.Or(t.Kind, KindHypothesized)
			a.ndeclared++
		}
	}
	return a, nil
}

// Add adds one session. Sessions may come in any order; the report does not
// depend on it.
func (a *Analyzer) Add(s Session) {
	a.added++
	a.mapCodes(s.Codes)
	raw, col := a.raw, a.col
	a.events += len(raw)
	if len(col) == 0 {
		a.skipped++
		return
	}
	a.countLag(raw, col)
	rec := record{caseID: a.caseOf(s.Case), variant: a.variantOf(col, a.extra), session: s.Session, self: -1, outcome: -1}
	if a.p.AllowRepeats {
		rec.self = a.repeats(raw)
	}
	if a.p.Outcome == OutcomeReported && s.Reported != nil {
		rec.outcome = 0
		if *s.Reported >= a.p.OutcomeMin {
			rec.outcome = 1
		}
	}
	a.recs = append(a.recs, rec)
}

// mapCodes maps a session's codes to stages: a.raw gets the stage sequence,
// a.col the same with consecutive repeats collapsed, a.extra the unmapped
// events kept for the alignment (Params.Unmapped "deviation"). Unmapped
// codes are counted.
func (a *Analyzer) mapCodes(codes []string) {
	raw, col, extra := a.raw[:0], a.col[:0], a.extra[:0]
	lastUnmapped := int32(-1) // the previous event's unmapped code, -1 after a mapped one
	for _, c := range codes {
		st, ok := a.codeStage[c]
		if !ok {
			id := a.countUnmapped(c)
			// Consecutive repeats of one code collapse, like stages.
			if a.p.Unmapped == UnmappedDeviation && id != lastUnmapped {
				extra = append(extra, extraEvent{pos: int32(len(col)), code: id})
			}
			lastUnmapped = id
			continue
		}
		lastUnmapped = -1
		raw = append(raw, st)
		if len(col) == 0 || col[len(col)-1] != st {
			col = append(col, st)
		}
	}
	a.raw, a.col, a.extra = raw, col, extra
}

// countUnmapped counts one event of an unmapped code (and the session, once)
// and returns the code's id.
func (a *Analyzer) countUnmapped(c string) int32 {
	id, seen := a.unmappedID[c]
	if !seen {
		c = strings.Clone(c) // do not retain the caller's backing memory
		id = int32(len(a.unmappedNames))
		a.unmappedID[c] = id
		a.unmappedNames = append(a.unmappedNames, c)
		a.unmappedSess = append(a.unmappedSess, 0)
		a.unmappedSeen = append(a.unmappedSeen, 0)
	}
	if a.unmappedSeen[id] != a.added {
		a.unmappedSeen[id] = a.added
		a.unmappedSess[id]++
	}
	a.unmapped[c]++
	a.unmappedEv++
	return id
}

// countLag adds the session's pairs at the lag to the lag table: over the
// collapsed sequence, or the uncollapsed one with allow_repeats.
func (a *Analyzer) countLag(raw, col []int32) {
	seq := col
	if a.p.AllowRepeats {
		seq = raw
	}
	n, k := a.n, a.p.Lag
	for t := 0; t+k < len(seq); t++ {
		a.lag[int(seq[t])*n+int(seq[t+k])]++
	}
}

// variantOf returns the variant of a collapsed sequence and its unmapped
// events, adding it when new, and counts the session.
func (a *Analyzer) variantOf(col []int32, extra []extraEvent) int32 {
	// The variant key: a tag byte, then (with unmapped events) the stage
	// count, the stages and the unmapped events; so no two kinds of key can
	// spell the same bytes.
	key := a.key[:0]
	if len(extra) == 0 {
		key = append(key, 0)
	} else {
		key = append(key, 1, byte(len(col)>>24), byte(len(col)>>16), byte(len(col)>>8), byte(len(col)))
	}
	if a.n <= 256 {
		for _, st := range col {
			key = append(key, byte(st))
		}
	} else {
		for _, st := range col {
			key = append(key, byte(st>>8), byte(st))
		}
	}
	for _, e := range extra {
		key = append(key, byte(e.pos>>24), byte(e.pos>>16), byte(e.pos>>8), byte(e.pos),
			byte(e.code>>24), byte(e.code>>16), byte(e.code>>8), byte(e.code))
	}
	a.key = key
	vi, ok := a.variantIdx[string(key)]
	if !ok {
		vi = int32(len(a.variants))
		a.variantIdx[string(key)] = vi
		a.variants = append(a.variants, variant{seq: slices.Clone(col), extra: slices.Clone(extra)})
	}
	a.variants[vi].count++
	return vi
}

// caseOf returns the id of a case label, adding it when new.
func (a *Analyzer) caseOf(label string) int32 {
	ci, ok := a.caseIdx[label]
	if !ok {
		ci = int32(len(a.cases))
		label = strings.Clone(label) // do not retain the caller's backing memory
		a.caseIdx[label] = ci
		a.cases = append(a.cases, label)
	}
	return ci
}

// repeats counts the adjacent repeats of the uncollapsed sequence per stage
// and returns the index in selfSets of the distinct stages that repeat, -1
// when none does.
func (a *Analyzer) repeats(raw []int32) int32 {
	var set []int32
	for t := 0; t+1 < len(raw); t++ {
		if st := raw[t]; st == raw[t+1] {
			a.selfCount[st]++
			if !slices.Contains(set, st) {
				set = append(set, st)
			}
		}
	}
	if set == nil {
		return -1
	}
	a.selfSets = append(a.selfSets, set)
	return int32(len(a.selfSets) - 1)
}

// analyze computes the per-variant metrics once.
func (a *Analyzer) analyze(vi int) {
	v := &a.variants[vi]
	if v.analyzed {
		return
	}
	v.analyzed = true
	d, n := a.d, a.n
	seq := v.seq
	var cost int
	cost, a.moves = a.al.align(seq, a.moves[:0])
	// Unmapped events are outside the model: each is a log move wherever it
	// stands, so it adds exactly one to the optimal cost of the stages.
	cost += len(v.extra)
	v.cost = cost
	v.denom = d.ShortestPath + len(seq) + len(v.extra)
	v.fitness = 1 - float64(cost)/float64(v.denom)
	v.devs = make([]Deviation, 0, len(a.moves)+len(v.extra))
	x := 0
	for _, m := range a.moves {
		// An unmapped event before stage p comes before the moves at p.
		for x < len(v.extra) && int(v.extra[x].pos) <= int(m.pos) {
			v.devs = append(v.devs, Deviation{Type: LogMove, Position: int(v.extra[x].pos), Code: a.unmappedNames[v.extra[x].code]})
			x++
		}
		t := LogMove
		if m.model {
			t = ModelMove
		}
		v.devs = append(v.devs, Deviation{Type: t, Stage: d.Stages[m.stage], Position: int(m.pos)})
	}
	for ; x < len(v.extra); x++ {
		v.devs = append(v.devs, Deviation{Type: LogMove, Position: int(v.extra[x].pos), Code: a.unmappedNames[v.extra[x].code]})
	}
	v.stages = make([]string, len(seq))
	for i, s := range seq {
		v.stages[i] = d.Stages[s]
	}
	v.resolved = a.resolution[seq[len(seq)-1]]
	mark := int32(vi + 1)
	for _, s := range seq {
		if a.stamp[s] != mark {
			a.stamp[s] = mark
			v.distinct = append(v.distinct, s)
		}
	}
	for t := 0; t+1 < len(seq); t++ {
		p := seq[t]*int32(n) + seq[t+1]
		if a.pstamp[p] != mark {
			a.pstamp[p] = mark
			v.pairs = append(v.pairs, p)
		}
	}
	// Order conformity and Kendall's τ-b over the distinct stages.
	var conc, disc, tiesY int
	for k := 0; k < len(v.distinct); k++ {
		pk := a.pos[v.distinct[k]]
		for l := k + 1; l < len(v.distinct); l++ {
			switch pl := a.pos[v.distinct[l]]; {
			case pl > pk:
				conc++
			case pl < pk:
				disc++
			default:
				tiesY++
			}
		}
	}
	v.conforms = disc == 0
	m := len(v.distinct)
	n0 := m * (m - 1) / 2
	if n0-tiesY > 0 {
		v.tau = num(float64(conc-disc) / math.Sqrt(float64(n0)*float64(n0-tiesY)))
	}
}

// Report computes the report of the sessions added so far. It may be called
// again after more sessions are added.
//
// Rules:
//   - Stage support: a stage's sessions (cases) are those whose sequence
//     contains it; session_support = sessions / summary.sessions,
//     case_support = cases / summary.cases; supported when the share in the
//     unit is ≥ the threshold.
//   - Transition support: pairs a→b adjacent in collapsed sequences; count =
//     occurrences, sessions (cases) containing the pair, support = share in
//     the unit, supported ≥ threshold. Rows: every observed pair and every
//     declared transition.
//   - Order conformity: a stage's model position is its index in the stage
//     list, except that every member of a cluster takes the index of the
//     cluster's first member. A session conforms when the positions of its
//     distinct stages, in first-occurrence order, never decrease (a single
//     stage conforms). kendall_tau is Kendall's τ-b between first-occurrence
//     rank and model position (null when fewer than 2 distinct positions).
//   - Fitness and deviations: the optimal alignment of the aligner (see
//     Deviation); session fitness = 1 − cost/(DFG.ShortestPath + length).
//   - Precision: see Summary.Precision; null when no prefix allows anything.
//   - Resolved: the last stage of the sequence has role resolution.
func (a *Analyzer) Report() Report {
	for vi := range a.variants {
		a.analyze(vi)
	}
	vorder := a.sortForReport()
	rep := Report{Params: a.p, Model: a.d}
	sum := &rep.Summary
	a.countSessions(sum, vorder)
	t := newTally(a.n)
	a.tallyVariants(t, sum)
	rep.Sequences = a.tallyCases(t, sum)
	sh := support{sessions: len(a.recs), cases: len(a.cases), byCase: a.p.Unit == UnitCase, threshold: a.p.SupportThreshold}
	rep.Stages = a.stageRows(t, sh, sum)
	fit := fitLag(a.lag, a.n, a.quasi())
	rep.LagTable = a.lagTable(fit)
	rep.Transitions = a.transitionRows(t, sh, fit, sum)
	sum.Precision = a.precision()
	rep.LeftOut = []SessionRef{}
	rep.UnmappedCodes = a.unmappedCodes()
	rep.Discovery = a.discovery(t)
	rep.Variants = a.variantRows(vorder)
	rep.Validation = a.validation(&rep)
	return rep
}

// sortForReport puts the session records in report order (sortRecords) and
// returns the variants in canonical order: by stage sequence, ties (variants
// that differ only in their unmapped events) broken by those events, by
// position and code name, so that no order depends on the order of Add.
func (a *Analyzer) sortForReport() (vorder []int32) {
	vorder = make([]int32, len(a.variants))
	for i := range vorder {
		vorder[i] = int32(i)
	}
	slices.SortFunc(vorder, func(x, y int32) int {
		vx, vy := &a.variants[x], &a.variants[y]
		if c := slices.Compare(vx.seq, vy.seq); c != 0 {
			return c
		}
		return slices.CompareFunc(vx.extra, vy.extra, func(ex, ey extraEvent) int {
			return cmp.Or(cmp.Compare(ex.pos, ey.pos), strings.Compare(a.unmappedNames[ex.code], a.unmappedNames[ey.code]))
		})
	})
	vrank := make([]int32, len(a.variants))
	for r, vi := range vorder {
		vrank[vi] = int32(r)
	}
	corder := make([]int32, len(a.cases))
	for i := range corder {
		corder[i] = int32(i)
	}
	slices.SortFunc(corder, func(x, y int32) int { return strings.Compare(a.cases[x], a.cases[y]) })
	crank := make([]int32, len(a.cases))
	for r, ci := range corder {
		crank[ci] = int32(r)
	}
	a.sortRecords(crank, vrank)
	return vorder
}

// countSessions fills the summary's counts of sessions, cases, variants and
// events.
func (a *Analyzer) countSessions(sum *Summary, vorder []int32) {
	sum.Sessions, sum.Cases = len(a.recs), len(a.cases)
	// Variants are distinct stage sequences; the analyzer's own table also
	// tells apart sequences whose unmapped events differ (their alignments
	// do), so count the distinct stage sequences in rank order.
	for r, vi := range vorder {
		if r == 0 || !slices.Equal(a.variants[vi].seq, a.variants[vorder[r-1]].seq) {
			sum.Variants++
		}
	}
	sum.SkippedEmpty = a.skipped
	sum.Events, sum.UnmappedEvents = a.events, a.unmappedEv
}

// tally holds the per-stage and per-pair counts (pairs as from*n+to) the
// report's rows are made of.
type tally struct {
	stageSess, stageCases []int // sessions (cases) whose sequence has the stage
	pairSess, pairCases   []int // sessions (cases) whose sequence has the pair
	pairCount             []int // occurrences of the pair
	selfSess, selfCases   []int // with allow_repeats: sessions (cases) where the stage repeats
	startCnt, endCnt      []int // sessions starting (ending) with the stage
}

func newTally(n int) *tally {
	return &tally{
		stageSess: make([]int, n), stageCases: make([]int, n),
		pairSess: make([]int, n*n), pairCases: make([]int, n*n), pairCount: make([]int, n*n),
		selfSess: make([]int, n), selfCases: make([]int, n),
		startCnt: make([]int, n), endCnt: make([]int, n),
	}
}

// tallyVariants adds the per-session counts, each variant weighted by its
// sessions (integers, so the variant order is irrelevant), and the log
// fitness, order conformity and resolved counts of the summary.
func (a *Analyzer) tallyVariants(t *tally, sum *Summary) {
	n := a.n
	var costSum, denomSum int64
	for i := range a.variants {
		v := &a.variants[i]
		c := v.count
		for _, s := range v.distinct {
			t.stageSess[s] += c
		}
		for _, q := range v.pairs {
			t.pairSess[q] += c
		}
		for k := 0; k+1 < len(v.seq); k++ {
			t.pairCount[int(v.seq[k])*n+int(v.seq[k+1])] += c
		}
		t.startCnt[v.seq[0]] += c
		t.endCnt[v.seq[len(v.seq)-1]] += c
		costSum += int64(v.cost) * int64(c)
		denomSum += int64(v.denom) * int64(c)
		if v.conforms {
			sum.OrderConforming += c
		}
		if v.resolved {
			sum.Resolved += c
		}
	}
	if denomSum > 0 {
		sum.Fitness = num(1 - float64(costSum)/float64(denomSum))
	}
}

// tallyCases walks the records in report order (case by case): it adds the
// per-case counts, makes the sequence rows and the summary's means.
func (a *Analyzer) tallyCases(t *tally, sum *Summary) []SequenceRow {
	n := a.n
	stageStamp := make([]int32, n)
	pairStamp := make([]int32, n*n)
	selfStamp := make([]int32, n)
	rows := make([]SequenceRow, len(a.recs))
	var tauSum, fitSum float64
	tauN := 0
	caseNo := int32(0)
	for i, r := range a.recs {
		if i == 0 || r.caseID != a.recs[i-1].caseID {
			caseNo++
		}
		v := &a.variants[r.variant]
		for _, s := range v.distinct {
			if stageStamp[s] != caseNo {
				stageStamp[s] = caseNo
				t.stageCases[s]++
			}
		}
		for _, q := range v.pairs {
			if pairStamp[q] != caseNo {
				pairStamp[q] = caseNo
				t.pairCases[q]++
			}
		}
		if r.self >= 0 {
			for _, st := range a.selfSets[r.self] {
				t.selfSess[st]++
				if selfStamp[st] != caseNo {
					selfStamp[st] = caseNo
					t.selfCases[st]++
				}
			}
		}
		if v.tau != nil {
			tauSum += *v.tau
			tauN++
		}
		fitSum += v.fitness
		rows[i] = SequenceRow{
			Case: a.cases[r.caseID], Session: r.session, Stages: v.stages,
			Cost: v.cost, Fitness: v.fitness, Conforms: v.conforms, KendallTau: v.tau,
			Resolved: v.resolved, Deviations: v.devs,
		}
	}
	if tauN > 0 {
		sum.MeanKendallTau = num(tauSum / float64(tauN))
	}
	if len(a.recs) > 0 {
		sum.MeanFitness = num(fitSum / float64(len(a.recs)))
	}
	return rows
}

// support turns session and case counts into shares and the supported flag.
type support struct {
	sessions, cases int     // of the report
	byCase          bool    // Params.Unit is case
	threshold       float64 // Params.SupportThreshold
}

// of gives the share in the unit, the session and case shares, and whether
// the share in the unit reaches the threshold.
func (sh support) of(sessions, cases int) (u, ss, cs *float64, ok bool) {
	ss, cs = ratio(sessions, sh.sessions), ratio(cases, sh.cases)
	u = ss
	if sh.byCase {
		u = cs
	}
	return u, ss, cs, u != nil && *u >= sh.threshold
}

func (a *Analyzer) stageRows(t *tally, sh support, sum *Summary) []StageRow {
	rows := make([]StageRow, a.n)
	for i := range rows {
		_, ss, cs, ok := sh.of(t.stageSess[i], t.stageCases[i])
		rows[i] = StageRow{Key: a.d.Stages[i], Role: a.roles[i], Sessions: t.stageSess[i], Cases: t.stageCases[i],
			SessionSupport: ss, CaseSupport: cs, Supported: ok}
		if ok {
			sum.StagesSupported++
		}
	}
	return rows
}

// quasi tells whether the lag table is fitted under quasi-independence: at
// lag 1 with collapsed repeats the diagonal is structurally zero.
func (a *Analyzer) quasi() bool { return !a.p.AllowRepeats && a.p.Lag == 1 }

func (a *Analyzer) lagTable(fit *lagFit) LagTable {
	n := a.n
	lt := LagTable{Lag: a.p.Lag, Labels: a.d.Stages, Counts: make([][]int, n), N: int(fit.total),
		Table: TableIndependence, Expected: make([][]*float64, n), AdjustedResiduals: make([][]*float64, n),
		Iterations: fit.iterations, Converged: fit.converged}
	if a.quasi() {
		lt.Table = TableQuasiIndependence
	}
	for i := 0; i < n; i++ {
		lt.Counts[i] = make([]int, n)
		lt.Expected[i] = make([]*float64, n)
		lt.AdjustedResiduals[i] = make([]*float64, n)
		for j := 0; j < n; j++ {
			lt.Counts[i][j] = int(a.lag[i*n+j])
			lt.Expected[i][j] = num(fit.e[i*n+j])
			lt.AdjustedResiduals[i][j] = num(fit.z[i*n+j])
		}
	}
	return lt
}

// transitionRows lists every observed pair and every declared transition,
// and fills the summary's transition counts.
func (a *Analyzer) transitionRows(t *tally, sh support, fit *lagFit, sum *Summary) []TransitionRow {
	n := a.n
	rows := []TransitionRow{}
	allowed, total := 0, 0
	sum.DeclaredTransitions = a.ndeclared
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			k := i*n + j
			c := t.pairCount[k]
			total += c
			if a.d.adj[k] {
				allowed += c
			}
			sessions, cases := t.pairSess[k], t.pairCases[k]
			if i == j && a.p.AllowRepeats {
				// Collapsed sequences have no self-pairs; the uncollapsed
				// ones do (they stay out of allowed_transition_share).
				c, sessions, cases = a.selfCount[i], t.selfSess[i], t.selfCases[i]
			}
			if c == 0 && a.declared[k] == "" {
				continue
			}
			row := a.transitionRow(i, j, c, t.pairCount[j*n+i], fit)
			row.Sessions, row.Cases = sessions, cases
			row.Support, row.SessionSupport, row.CaseSupport, row.Supported = sh.of(sessions, cases)
			if row.Supported && row.InModel {
				sum.TransitionsSupported++
			}
			if row.Supported && a.declared[k] != "" {
				sum.DeclaredSupported++
			}
			rows = append(rows, row)
		}
	}
	sum.AllowedTransitionShare = ratio(allowed, total)
	return rows
}

// transitionRow is the row of i→j without its support: count c, back the
// occurrences of j→i, and the lag table's statistics of the cell.
func (a *Analyzer) transitionRow(i, j, c, back int, fit *lagFit) TransitionRow {
	k := i*a.n + j
	pr, z, q := fit.cellStats(i, j)
	var dep float64
	if i == j {
		dep = float64(c) / float64(c+1)
	} else {
		dep = float64(c-back) / float64(c+back+1)
	}
	return TransitionRow{From: a.d.Stages[i], To: a.d.Stages[j], InModel: a.d.adj[k] || (i == j && a.declared[k] != ""),
		Kind: a.declared[k], Count: c,
		Probability: num(pr), AdjustedResidual: num(z), YulesQ: num(q), Dependency: dep}
}

// unmappedCodes lists the unmapped codes by name.
func (a *Analyzer) unmappedCodes() []CodeCount {
	out := make([]CodeCount, 0, len(a.unmapped))
	for c, k := range a.unmapped {
		out = append(out, CodeCount{Code: c, Count: k, Sessions: a.unmappedSess[a.unmappedID[c]]})
	}
	slices.SortFunc(out, func(x, y CodeCount) int { return strings.Compare(x.Code, y.Code) })
	return out
}

// discovery counts the sessions by first and last stage, in stage order.
func (a *Analyzer) discovery(t *tally) Discovery {
	d := Discovery{StartCounts: []StageCount{}, EndCounts: []StageCount{}}
	for i := 0; i < a.n; i++ {
		if t.startCnt[i] > 0 {
			d.StartCounts = append(d.StartCounts, StageCount{Stage: a.d.Stages[i], Count: t.startCnt[i]})
		}
		if t.endCnt[i] > 0 {
			d.EndCounts = append(d.EndCounts, StageCount{Stage: a.d.Stages[i], Count: t.endCnt[i]})
		}
	}
	return d
}

// variantRows groups the analyzer's variants by stage sequence (vorder
// lists them sorted by it) and counts sessions and cases per group; the
// records must be in case order (sortRecords).
func (a *Analyzer) variantRows(vorder []int32) []VariantRow {
	group := make([]int32, len(a.variants))
	rows := make([]VariantRow, 0, len(a.variants))
	for r, vi := range vorder {
		if r == 0 || !slices.Equal(a.variants[vi].seq, a.variants[vorder[r-1]].seq) {
			rows = append(rows, VariantRow{Stages: a.variants[vi].stages})
		}
		group[vi] = int32(len(rows) - 1)
		rows[len(rows)-1].Sessions += a.variants[vi].count
	}
	stamp := make([]int32, len(rows))
	caseNo := int32(0)
	for i, r := range a.recs {
		if i == 0 || r.caseID != a.recs[i-1].caseID {
			caseNo++
		}
		if g := group[r.variant]; stamp[g] != caseNo {
			stamp[g] = caseNo
			rows[g].Cases++
		}
	}
	// Groups are numbered in sequence order, so a stable sort by sessions
	// keeps ties in that order.
	slices.SortStableFunc(rows, func(x, y VariantRow) int { return cmp.Compare(y.Sessions, x.Sessions) })
	return rows
}

// validation computes the discrimination tests (see Validation) from the
// records and the report's transition rows.
func (a *Analyzer) validation(rep *Report) Validation {
	g := a.outcomeGroups()
	val := Validation{Outcome: a.p.Outcome, Family: ValidationFamily,
		Resolved: g.sessions[1], Unresolved: g.sessions[0], NoOutcome: g.none,
		Fitness: GroupFitness{Resolved: g.fitness(1), Unresolved: g.fitness(0)}}
	val.Stages = make([]Test, a.n)
	for i := range val.Stages {
		val.Stages[i] = g.test(g.with[1][i], g.with[0][i])
		val.Stages[i].Key = a.d.Stages[i]
	}
	val.Transitions = []Test{}
	index := make(map[string]int, a.n)
	for i, k := range a.d.Stages {
		index[k] = i
	}
	for _, t := range rep.Transitions {
		if t.Count == 0 {
			continue
		}
		q := index[t.From]*a.n + index[t.To]
		tt := g.test(g.pairWith[1][q], g.pairWith[0][q])
		tt.From, tt.To = t.From, t.To
		val.Transitions = append(val.Transitions, tt)
	}
	holmAdjust(&val)
	return val
}

// groups tallies the sessions by outcome: index 1 resolved, 0 unresolved.
type groups struct {
	n           int
	sessions    [2]int
	none        int      // sessions without an outcome
	with        [2][]int // sessions whose sequence has the stage
	pairWith    [2][]int // sessions whose sequence has the pair (from*n+to)
	cost, denom [2]int64
}

// outcomeGroups tallies the sessions by their outcome: the variant's own
// (it ends in a resolution stage) or the reported one.
func (a *Analyzer) outcomeGroups() *groups {
	g := &groups{n: a.n}
	for o := range g.with {
		g.with[o] = make([]int, a.n)
		g.pairWith[o] = make([]int, a.n*a.n)
	}
	resolved := func(v *variant) int {
		if v.resolved {
			return 1
		}
		return 0
	}
	if a.p.Outcome == OutcomeResolutionStage && !a.p.AllowRepeats {
		// The outcome is the variant's: count each variant once, weighted.
		for i := range a.variants {
			v := &a.variants[i]
			g.add(v, resolved(v), v.count, nil)
		}
		return g
	}
	for _, r := range a.recs {
		v := &a.variants[r.variant]
		o := int(r.outcome)
		if a.p.Outcome == OutcomeResolutionStage {
			o = resolved(v)
		}
		var self []int32
		if r.self >= 0 {
			self = a.selfSets[r.self]
		}
		g.add(v, o, 1, self)
	}
	return g
}

// add counts w sessions of variant v with outcome o (-1: none); self lists
// the stages that repeat in them (allow_repeats).
func (g *groups) add(v *variant, o, w int, self []int32) {
	if o < 0 {
		g.none += w
		return
	}
	g.sessions[o] += w
	for _, s := range v.distinct {
		g.with[o][s] += w
	}
	for _, q := range v.pairs {
		g.pairWith[o][q] += w
	}
	for _, s := range self {
		g.pairWith[o][int(s)*g.n+int(s)] += w
	}
	g.cost[o] += int64(v.cost) * int64(w)
	g.denom[o] += int64(v.denom) * int64(w)
}

// fitness is the log fitness of group o, nil when it is empty.
func (g *groups) fitness(o int) *float64 {
	if g.denom[o] == 0 {
		return nil
	}
	return num(1 - float64(g.cost[o])/float64(g.denom[o]))
}

// test is the 2×2 test of a stage or pair present in rw resolved and uw
// unresolved sessions: Fisher's exact p and the odds ratio with its 95 % CI.
func (g *groups) test(rw, uw int) Test {
	t := Test{ResolvedWith: rw, UnresolvedWith: uw}
	a, b, c, d := rw, g.sessions[1]-rw, uw, g.sessions[0]-uw
	t.FisherP = stats.FisherExact2x2(a, b, c, d)
	if or := stats.OddsRatio2x2(a, b, c, d); or.Defined {
		t.OddsRatio = num(or.Value)
		lo, hi := num(or.Lower), num(or.Upper)
		if lo != nil && hi != nil {
			t.CI95 = &[2]float64{*lo, *hi}
		}
		t.Corrected = or.Corrected
	}
	return t
}

// holmAdjust sets the Holm-adjusted p of every test, over the family of
// the stage and transition tests.
func holmAdjust(val *Validation) {
	ps := make([]float64, 0, len(val.Stages)+len(val.Transitions))
	for _, t := range val.Stages {
		ps = append(ps, t.FisherP)
	}
	for _, t := range val.Transitions {
		ps = append(ps, t.FisherP)
	}
	holm := stats.Holm(ps)
	for i := range val.Stages {
		val.Stages[i].HolmP = holm[i]
	}
	for i := range val.Transitions {
		val.Transitions[i].HolmP = holm[len(val.Stages)+i]
	}
	val.Tests = len(ps)
}

type trieNode struct {
	last    int32 // stage of the prefix's last element, -1 for the root
	child   int32 // first child, -1 if none
	sibling int32 // next sibling, -1 if none
	weight  int64 // sessions for which this prefix is a proper prefix
}

// precision computes ETConformance on the DFG over the prefix tree of the
// variants: for every proper prefix (the empty one included, the whole
// sequence not) that the DFG replays from a start stage (each sequence stops
// at its first prefix that cannot be replayed), allowed = the start stages
// for the empty prefix, else the successors of its last stage; escaping = the
// allowed stages that no session continued the prefix with. Precision =
// 1 − Σ w·escaping / Σ w·allowed, w = the number of sessions having the
// prefix as a proper prefix. Null when Σ w·allowed = 0.
func (a *Analyzer) precision() *float64 {
	d, n := a.d, a.n
	nodes := []trieNode{{last: -1, child: -1, sibling: -1}}
	for i := range a.variants {
		v := &a.variants[i]
		node := int32(0)
		for k := 0; k < len(v.seq); k++ {
			if k == 1 && !d.isStart[v.seq[0]] {
				break
			}
			if k >= 2 && !d.adj[int(v.seq[k-2])*n+int(v.seq[k-1])] {
				break
			}
			nodes[node].weight += int64(v.count)
			s := v.seq[k]
			c := nodes[node].child
			for c >= 0 && nodes[c].last != s {
				c = nodes[c].sibling
			}
			if c < 0 {
				c = int32(len(nodes))
				nodes = append(nodes, trieNode{last: s, child: -1, sibling: nodes[node].child})
				nodes[node].child = c
			}
			node = c
		}
	}
	var esc, all int64
	for i := range nodes {
		nd := &nodes[i]
		if nd.weight == 0 {
			continue
		}
		succ := d.succ[n]
		if nd.last >= 0 {
			succ = d.succ[nd.last]
		}
		cont := 0
		for c := nd.child; c >= 0; c = nodes[c].sibling {
			s := nodes[c].last
			if (nd.last < 0 && d.isStart[s]) || (nd.last >= 0 && d.adj[int(nd.last)*n+int(s)]) {
				cont++
			}
		}
		all += nd.weight * int64(len(succ))
		esc += nd.weight * int64(len(succ)-cont)
	}
	if all == 0 {
		return nil
	}
	return num(1 - float64(esc)/float64(all))
}

// sortRecords orders the session records by case rank, session number and
// variant rank: a counting sort by case, then a sort within each case.
func (a *Analyzer) sortRecords(crank, vrank []int32) {
	start := make([]int32, len(a.cases)+1)
	for _, r := range a.recs {
		start[crank[r.caseID]+1]++
	}
	for i := 1; i < len(start); i++ {
		start[i] += start[i-1]
	}
	sorted := make([]record, len(a.recs))
	next := slices.Clone(start[:len(a.cases)])
	for _, r := range a.recs {
		k := crank[r.caseID]
		sorted[next[k]] = r
		next[k]++
	}
	for c := 0; c < len(a.cases); c++ {
		g := sorted[start[c]:start[c+1]]
		if len(g) < 2 {
			continue
		}
		slices.SortFunc(g, func(x, y record) int {
			if c := cmp.Compare(x.session, y.session); c != 0 {
				return c
			}
			return cmp.Compare(vrank[x.variant], vrank[y.variant])
		})
	}
	a.recs = sorted
}
