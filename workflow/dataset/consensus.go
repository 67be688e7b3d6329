package dataset

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// CodedEvent is one event of one coder as consensus coding reads it.
// Onset and Salience are nil when not given.
type CodedEvent struct {
	Case     string
	Session  int
	Segment  int
	Onset    *float64
	Code     string
	Salience *int
}

// SessionRef names a session by case label and session number.
type SessionRef struct {
	Case    string
	Session int
}

// SegmentRef names a segment of a session.
type SegmentRef struct {
	Case    string
	Session int
	Segment int
}

func (k SegmentRef) String() string {
	return fmt.Sprintf("case %s, session %d, segment %d", quote(k.Case), k.Session, k.Segment)
}

// Disagreement is a segment two coders coded differently: A and B are the
// distinct codes each gave there, in byte order (empty when that coder
// gave none).
type Disagreement struct {
	SegmentRef
	A, B []string
}

// Overlap compares two coders' events, segment by segment, in the
// sessions both coded. Sessions holds those sessions in (case, session)
// order; OnlyA and OnlyB count the sessions only one of them coded.
// Segments counts the segments either coder coded in those sessions; a
// segment is agreed when both gave the same set of codes (how often a code
// was given in the segment, its onset and salience do not count) and is
// otherwise a disagreement.
type Overlap struct {
	Sessions      []SessionRef
	OnlyA, OnlyB  int
	Segments      int
	Agreed        int
	Disagreements []Disagreement
}

// segmentEvents is one coder's events of one segment, in input order.
type segmentEvents []CodedEvent

func (es segmentEvents) codes() []string {
	out := make([]string, 0, len(es))
	for _, e := range es {
		out = append(out, e.Code)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// bySession groups one coder's events by session and segment, keeping the
// input order within a segment.
func bySession(es []CodedEvent) map[SessionRef]map[int]segmentEvents {
	out := map[SessionRef]map[int]segmentEvents{}
	for _, e := range es {
		k := SessionRef{e.Case, e.Session}
		m := out[k]
		if m == nil {
			m = map[int]segmentEvents{}
			out[k] = m
		}
		m[e.Segment] = append(m[e.Segment], e)
	}
	return out
}

// joint is the sessions both coders coded, with each coder's segments.
type joint struct {
	sessions []SessionRef
	a, b     map[SessionRef]map[int]segmentEvents
	onlyA    int
	onlyB    int
}

func join(a, b []CodedEvent) joint {
	j := joint{a: bySession(a), b: bySession(b)}
	for k := range j.a {
		if _, ok := j.b[k]; ok {
			j.sessions = append(j.sessions, k)
		} else {
			j.onlyA++
		}
	}
	for k := range j.b {
		if _, ok := j.a[k]; !ok {
			j.onlyB++
		}
	}
	slices.SortFunc(j.sessions, func(x, y SessionRef) int {
		return cmp.Or(strings.Compare(x.Case, y.Case), cmp.Compare(x.Session, y.Session))
	})
	return j
}

// segments lists the segments either coder coded in session k, ascending.
func (j joint) segments(k SessionRef) []int {
	var out []int
	for s := range j.a[k] {
		out = append(out, s)
	}
	for s := range j.b[k] {
		if _, ok := j.a[k][s]; !ok {
			out = append(out, s)
		}
	}
	slices.Sort(out)
	return out
}

// Compare compares two coders' events (each in input order) as Overlap
// says. Disagreements come in (case, session, segment) order.
func Compare(a, b []CodedEvent) Overlap {
	j := join(a, b)
	out := Overlap{Sessions: j.sessions, OnlyA: j.onlyA, OnlyB: j.onlyB, Disagreements: []Disagreement{}}
	for _, k := range j.sessions {
		for _, seg := range j.segments(k) {
			out.Segments++
			ca, cb := j.a[k][seg].codes(), j.b[k][seg].codes()
			if slices.Equal(ca, cb) {
				out.Agreed++
				continue
			}
			out.Disagreements = append(out.Disagreements, Disagreement{SegmentRef: SegmentRef{k.Case, k.Session, seg}, A: ca, B: cb})
		}
	}
	return out
}

// Resolution is the agreed coding of one disagreement: the codes the
// segment gets, in the order they are to be stored. Nil Codes is missing;
// an empty list resolves the segment to no code at all.
type Resolution struct {
	SegmentRef
	Codes []string
}

// ConsensusResult is what Consensus writes: the events of the consensus
// coder for every session both coders coded, and what they came from.
type ConsensusResult struct {
	Overlap
	Events   []CodedEvent
	Resolved int
}

// MaxListedUnresolved is how many unresolved disagreements a rejected
// consensus names one by one.
const MaxListedUnresolved = 100

// Consensus builds the consensus coding of the sessions both coders coded
// (see Compare) from their events and the resolutions of their
// disagreements. Each session's events come in segment order: an agreed
// segment is copied from the first coder (every event, with its onset and
// salience, in input order); a disagreement gets the resolution's codes in
// the order given, each taking its onset and salience from the first
// coder's event with that code in the segment, else the second coder's,
// else the segment's earliest onset of either coder (nil when neither gave
// one) and no salience.
//
// Every disagreement must be resolved exactly once, and every resolution
// must name a disagreement; codes must be known (known nil accepts all)
// and listed once. Problems are named by field: "resolutions[i].codes[j]",
// "resolutions[i]" for a resolution that names no disagreement or repeats
// one, "resolutions" for each disagreement left unresolved (the first
// MaxListedUnresolved of them). When there is any problem, no events are
// returned.
func Consensus(a, b []CodedEvent, res []Resolution, known func(string) bool, names [2]string) (ConsensusResult, []FieldError) {
	ov := Compare(a, b)
	out := ConsensusResult{Overlap: ov}
	c := consensusCheck{
		j: join(a, b), names: names, known: known,
		open:     make(map[SegmentRef]int, len(ov.Disagreements)),
		given:    make(map[SegmentRef]int, len(res)),
		resolved: make(map[SegmentRef][]string, len(res)),
	}
	for i, d := range ov.Disagreements {
		c.open[d.SegmentRef] = i
	}
	for i, r := range res {
		c.resolution(i, r)
	}
	c.unresolved(ov.Disagreements)
	if len(c.errs) > 0 {
		return out, c.errs
	}
	out.Events, out.Resolved = c.j.merge(c.resolved)
	return out, nil
}

// consensusCheck matches the resolutions to the disagreements and collects
// the problems.
type consensusCheck struct {
	j        joint
	names    [2]string
	known    func(string) bool
	open     map[SegmentRef]int      // disagreement → its index
	given    map[SegmentRef]int      // resolved segment → index of its resolution
	resolved map[SegmentRef][]string // disagreement → the agreed codes
	errs     []FieldError
}

func (c *consensusCheck) bad(field, format string, args ...any) {
	c.errs = append(c.errs, FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
}

// resolution checks resolution i and records it when it resolves a
// disagreement not resolved before.
func (c *consensusCheck) resolution(i int, r Resolution) {
	p := fmt.Sprintf("resolutions[%d]", i)
	keyOK := c.segment(p, r.SegmentRef)
	c.codes(p, r.Codes)
	if !keyOK {
		return
	}
	if first, dup := c.given[r.SegmentRef]; dup {
		c.bad(p, "duplicate of resolutions[%d] (%s)", first, r.SegmentRef)
		return
	}
	c.given[r.SegmentRef] = i
	if _, ok := c.open[r.SegmentRef]; !ok {
		c.notDisagreement(p, r.SegmentRef)
		return
	}
	c.resolved[r.SegmentRef] = r.Codes
}

// segment checks the case, session and segment of a resolution; it reports
// whether all three are valid.
func (c *consensusCheck) segment(p string, k SegmentRef) bool {
	ok := true
	if msg := checkLabel(k.Case); msg != "" {
		c.bad(p+".case", "%s", msg)
		ok = false
	}
	if k.Session < 1 {
		c.bad(p+".session", "is required: a session number ≥ 1")
		ok = false
	}
	if k.Segment < 1 {
		c.bad(p+".segment", "is required: a segment number ≥ 1")
		ok = false
	}
	return ok
}

// codes checks the agreed codes: present (maybe empty), known, each once.
func (c *consensusCheck) codes(p string, codes []string) {
	if codes == nil {
		c.bad(p+".codes", "is required: the agreed codes of the segment ([] for none)")
	}
	seen := map[string]int{}
	for k, code := range codes {
		switch {
		case code == "":
			c.bad(fmt.Sprintf("%s.codes[%d]", p, k), "is empty")
		case c.known != nil && !c.known(code):
			c.bad(fmt.Sprintf("%s.codes[%d]", p, k), "unknown code %s", quote(code))
		default:
			if first, dup := seen[code]; dup {
				c.bad(fmt.Sprintf("%s.codes[%d]", p, k), "duplicate of codes[%d]", first)
			}
			seen[code] = k
		}
	}
}

// notDisagreement says why a resolved segment is not a disagreement.
func (c *consensusCheck) notDisagreement(p string, k SegmentRef) {
	sess := SessionRef{k.Case, k.Session}
	_, inA := c.j.a[sess]
	_, inB := c.j.b[sess]
	ea, eb := c.j.a[sess][k.Segment], c.j.b[sess][k.Segment]
	switch {
	case !inA || !inB:
		c.bad(p, "%s is not a disagreement: %s and %s did not both code that session", k, quote(c.names[0]), quote(c.names[1]))
	case len(ea) == 0 && len(eb) == 0:
		c.bad(p, "%s is not a disagreement: neither coder coded that segment", k)
	default:
		c.bad(p, "%s is not a disagreement: both coders gave %s", k, strings.Join(ea.codes(), ", "))
	}
}

// unresolved names the disagreements no resolution resolved, the first
// MaxListedUnresolved one by one.
func (c *consensusCheck) unresolved(ds []Disagreement) {
	missing := 0
	for _, d := range ds {
		if _, ok := c.given[d.SegmentRef]; ok {
			continue
		}
		missing++
		if missing <= MaxListedUnresolved {
			c.bad("resolutions", "%s is unresolved: %s gave [%s], %s gave [%s]", d.SegmentRef,
				quote(c.names[0]), strings.Join(d.A, ", "), quote(c.names[1]), strings.Join(d.B, ", "))
		}
	}
	if missing > MaxListedUnresolved {
		c.bad("resolutions", "%d more disagreements are unresolved", missing-MaxListedUnresolved)
	}
}

// merge gives the consensus events of every session both coders coded, in
// segment order (see Consensus), and how many segments were resolved.
func (j joint) merge(resolved map[SegmentRef][]string) (events []CodedEvent, n int) {
	for _, k := range j.sessions {
		for _, seg := range j.segments(k) {
			ea, eb := j.a[k][seg], j.b[k][seg]
			codes, isResolved := resolved[SegmentRef{k.Case, k.Session, seg}]
			if !isResolved {
				events = append(events, ea...)
				continue
			}
			n++
			for _, code := range codes {
				if e, ok := firstWith(ea, code); ok {
					events = append(events, e)
				} else if e, ok := firstWith(eb, code); ok {
					events = append(events, e)
				} else {
					events = append(events, CodedEvent{Case: k.Case, Session: k.Session, Segment: seg, Onset: earliest(ea, eb), Code: code})
				}
			}
		}
	}
	return events, n
}

func firstWith(es segmentEvents, code string) (CodedEvent, bool) {
	for _, e := range es {
		if e.Code == code {
			return e, true
		}
	}
	return CodedEvent{}, false
}

// earliest is the smallest onset among the events, nil when none has one.
func earliest(lists ...segmentEvents) *float64 {
	var m *float64
	for _, es := range lists {
		for _, e := range es {
			if e.Onset != nil && (m == nil || *e.Onset < *m) {
				v := *e.Onset
				m = &v
			}
		}
	}
	return m
}
