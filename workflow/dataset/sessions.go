package dataset

import (
	"fmt"
	"io"
	"strings"
)

// Raters of a session report.
const (
	RaterPatient   = "patient"
	RaterTherapist = "therapist"
)

// SessionRow is one valid row of a sessions import: one rater's WAI-12 items
// and rupture report for one session of one case. Intensity and Resolution
// are nil when the column is absent or the cell empty.
type SessionRow struct {
	Case       string
	Session    int
	Rater      string // RaterPatient or RaterTherapist
	WAI        [12]int
	Rupture    bool
	Intensity  *int
	Resolution *int
}

// Column indexes of a sessions file, in the order of sessionCols.
const (
	sCase = iota
	sSession
	sRater
	sWAI1       // wai1..wai12 follow
	sRupture    = sWAI1 + 12
	sIntensity  = sRupture + 1
	sResolution = sRupture + 2
)

var sessionCols = func() []column {
	cols := []column{{"case", true}, {"session", true}, {"rater", true}}
	for i := 1; i <= 12; i++ {
		cols = append(cols, column{fmt.Sprintf("wai%d", i), true})
	}
	return append(cols, column{"rupture", true}, column{"intensity", false}, column{"resolution", false})
}()

// ParseSessions reads a sessions CSV file and calls emit with each valid
// row, in file order. It returns how many rows it emitted.
//
// The header names the columns in any order, case-insensitively, with
// surrounding spaces ignored: case, session, rater, wai1…wai12 and rupture
// are required; intensity and resolution are optional. Any other column is a
// problem. Values are trimmed of surrounding spaces. The rules per value:
// case non-empty, at most 100 characters, no control characters; session an
// integer from 1 to 2147483647; rater "patient" or "therapist" (any letter
// case; emitted in lower case); wai1…wai12 integers 1-7 (as answered, not yet
// reverse-keyed); rupture 0 or 1; intensity and resolution integers 1-5 or
// empty (they are not checked against rupture). A (case, session, rater)
// that occurs twice is a problem naming the earlier line. Rows whose fields
// are all empty count as blank lines and are skipped.
//
// The whole file is scanned so that every problem (up to MaxProblems) is
// reported in one *ImportError; emit is called only while no problem has
// been found, so rows before the first problem may already have been
// emitted: the caller inserts inside a transaction and rolls back when the
// returned error is non-nil. An error returned by emit stops the parse and
// is returned as is; an error reading r is returned wrapped.
//
// Duplicates are detected within this one file only. Whether importing a
// (case, session, rater) that is already stored replaces it is the caller's
// concern.
func ParseSessions(r io.Reader, emit func(SessionRow) error) (int, error) {
	s := newScanner(r, sessionCols)
	if !s.header() {
		return s.finish(0)
	}
	p := sessionRows{s: s, keyed: s.has(sCase) && s.has(sSession) && s.has(sRater), seen: make(map[uint64]uint32)}
	return readRows(s, p.row, emit)
}

// sessionRows reads the records of a sessions file into rows, reporting
// each problem to the scanner.
type sessionRows struct {
	s     *scanner
	keyed bool              // the file has the case, session and rater columns
	seen  map[uint64]uint32 // hash of (case, session, rater) → its first line
	ints  intSlab
	good  bool // no problem in the current record
}

func (p *sessionRows) bad(ci int, msg string) {
	p.good = false
	p.s.problem(p.s.line, sessionCols[ci].name, msg)
}

// row reads one record; good is false when it has a problem.
func (p *sessionRows) row(rec []string) (row SessionRow, good bool) {
	p.good = true
	keyOK := p.key(rec, &row) && p.keyed
	p.wai(rec, &row)
	p.rupture(rec, &row)
	p.ratings(rec, &row)
	if keyOK {
		p.unique(&row)
	}
	return row, p.good
}

// key reads case, session and rater; it reports whether they are valid.
func (p *sessionRows) key(rec []string, row *SessionRow) bool {
	s, ok := p.s, true
	row.Case = s.field(rec, sCase)
	if s.has(sCase) {
		if msg := checkLabel(row.Case); msg != "" {
			p.bad(sCase, msg)
			ok = false
		}
	}
	if v := s.field(rec, sSession); s.has(sSession) {
		if row.Session, _ = parseInt(v, 1, MaxNumber); row.Session == 0 {
			p.bad(sSession, numberMsg(v))
			ok = false
		}
	}
	if v := s.field(rec, sRater); s.has(sRater) {
		switch strings.ToLower(v) {
		case RaterPatient:
			row.Rater = RaterPatient
		case RaterTherapist:
			row.Rater = RaterTherapist
		default:
			ok = false
			if v == "" {
				p.bad(sRater, "is required")
			} else {
				p.bad(sRater, fmt.Sprintf(`must be "patient" or "therapist", not %s`, quote(v)))
			}
		}
	}
	return ok
}

// wai reads the twelve WAI items, integers 1-7.
func (p *sessionRows) wai(rec []string, row *SessionRow) {
	for i := 0; i < 12; i++ {
		ci := sWAI1 + i
		if !p.s.has(ci) {
			continue
		}
		v := p.s.field(rec, ci)
		x, ok := parseInt(v, 1, 7)
		if !ok {
			p.bad(ci, rangeMsg(v, 1, 7))
		}
		row.WAI[i] = x
	}
}

func (p *sessionRows) rupture(rec []string, row *SessionRow) {
	if v := p.s.field(rec, sRupture); p.s.has(sRupture) {
		switch v {
		case "0":
		case "1":
			row.Rupture = true
		case "":
			p.bad(sRupture, "is required")
		default:
			p.bad(sRupture, fmt.Sprintf("must be 0 or 1, not %s", quote(v)))
		}
	}
}

// ratings reads intensity and resolution, integers 1-5 or empty.
func (p *sessionRows) ratings(rec []string, row *SessionRow) {
	for _, ci := range [2]int{sIntensity, sResolution} {
		v := p.s.field(rec, ci)
		if v == "" {
			continue
		}
		x, ok := parseInt(v, 1, 5)
		if !ok {
			p.bad(ci, rangeMsg(v, 1, 5))
			continue
		}
		if ci == sIntensity {
			row.Intensity = p.ints.new(x)
		} else {
			row.Resolution = p.ints.new(x)
		}
	}
}

// unique reports a (case, session, rater) seen on an earlier line.
func (p *sessionRows) unique(row *SessionRow) {
	h := hashString(fnvOffset, row.Case)
	h = hashUint(h, uint64(row.Session))
	h = hashString(h, row.Rater)
	if first, dup := p.seen[h]; dup {
		p.good = false
		p.s.problem(p.s.line, "", fmt.Sprintf("duplicate of line %d (same case, session and rater)", first))
	} else {
		p.seen[h] = uint32(p.s.line)
	}
}

func numberMsg(v string) string {
	if v == "" {
		return "is required"
	}
	return fmt.Sprintf("must be a whole number from 1 to %d, not %s", MaxNumber, quote(v))
}

func rangeMsg(v string, lo, hi int) string {
	if v == "" {
		return "is required"
	}
	return fmt.Sprintf("must be a whole number from %d to %d, not %s", lo, hi, quote(v))
}

// intSlab hands out *int from shared chunks, so that optional values do not
// cost one allocation each.
type intSlab struct{ buf []int }

func (s *intSlab) new(v int) *int {
	if len(s.buf) == 0 {
		s.buf = make([]int, 1024)
	}
	p := &s.buf[0]
	*p = v
	s.buf = s.buf[1:]
	return p
}
