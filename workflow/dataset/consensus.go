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
	var errs []FieldError
	bad := func(field, format string, args ...any) {
		errs = append(errs, FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
	}
	open := make(map[SegmentRef]int, len(ov.Disagreements))
	for i, d := range ov.Disagreements {
		open[d.SegmentRef] = i
	}
	j := join(a, b)
	given := make(map[SegmentRef]int, len(res))
	resolved := make(map[SegmentRef][]string, len(res))
	for i, r := range res {
		p := fmt.Sprintf("resolutions[%d]", i)
		keyOK := true
		if msg := checkLabel(r.Case); msg != "" {
			bad(p+".case", "%s", msg)
			keyOK = false
		}
		if r.Session < 1 {
			bad(p+".session", "is required: a session number ≥ 1")
			keyOK = false
		}
		if r.Segment < 1 {
			bad(p+".segment", "is required: a segment number ≥ 1")
			keyOK = false
		}
		if r.Codes == nil {
			bad(p+".codes", "is required: the agreed codes of the segment ([] for none)")
		}
		seen := map[string]int{}
		for k, c := range r.Codes {
			switch {
			case c == "":
				bad(fmt.Sprintf("%s.codes[%d]", p, k), "is empty")
			case known != nil && !known(c):
				bad(fmt.Sprintf("%s.codes[%d]", p, k), "unknown code %s", quote(c))
			default:
				if first, dup := seen[c]; dup {
					bad(fmt.Sprintf("%s.codes[%d]", p, k), "duplicate of codes[%d]", first)
				}
				seen[c] = k
			}
		}
		if !keyOK {
			continue
		}
		if first, dup := given[r.SegmentRef]; dup {
			bad(p, "duplicate of resolutions[%d] (%s)", first, r.SegmentRef)
			continue
		}
		given[r.SegmentRef] = i
		if _, ok := open[r.SegmentRef]; !ok {
			sess := SessionRef{r.Case, r.Session}
			_, inA := j.a[sess]
			_, inB := j.b[sess]
			ea, eb := j.a[sess][r.Segment], j.b[sess][r.Segment]
			switch {
			case !inA || !inB:
				bad(p, "%s is not a disagreement: %s and %s did not both code that session", r.SegmentRef, quote(names[0]), quote(names[1]))
			case len(ea) == 0 && len(eb) == 0:
				bad(p, "%s is not a disagreement: neither coder coded that segment", r.SegmentRef)
			default:
				bad(p, "%s is not a disagreement: both coders gave %s", r.SegmentRef, strings.Join(ea.codes(), ", "))
			}
			continue
		}
		resolved[r.SegmentRef] = r.Codes
	}
	missing := 0
	for _, d := range ov.Disagreements {
		if _, ok := given[d.SegmentRef]; ok {
			continue
		}
		missing++
		if missing <= MaxListedUnresolved {
			bad("resolutions", "%s is unresolved: %s gave [%s], %s gave [%s]", d.SegmentRef,
				quote(names[0]), strings.Join(d.A, ", "), quote(names[1]), strings.Join(d.B, ", "))
		}
	}
	if missing > MaxListedUnresolved {
		bad("resolutions", "%d more disagreements are unresolved", missing-MaxListedUnresolved)
	}
	if len(errs) > 0 {
		return out, errs
	}
	for _, k := range j.sessions {
		for _, seg := range j.segments(k) {
			ea, eb := j.a[k][seg], j.b[k][seg]
			key := SegmentRef{k.Case, k.Session, seg}
			codes, isResolved := resolved[key]
			if !isResolved {
				out.Events = append(out.Events, ea...)
				continue
			}
			out.Resolved++
			for _, c := range codes {
				if e, ok := firstWith(ea, c); ok {
					out.Events = append(out.Events, e)
				} else if e, ok := firstWith(eb, c); ok {
					out.Events = append(out.Events, e)
				} else {
					out.Events = append(out.Events, CodedEvent{Case: k.Case, Session: k.Session, Segment: seg, Onset: earliest(ea, eb), Code: c})
				}
			}
		}
	}
	return out, nil
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
