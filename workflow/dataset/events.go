package dataset

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"unicode/utf8"
)

// EventRow is one valid row of an events import: one code given by one coder
// to one segment of a session. Onset (seconds from the start of the session)
// and Salience are nil when the column is absent or the cell empty. Line is
// the row's line in the file, so that callers can keep the input order.
type EventRow struct {
	Case     string
	Session  int
	Coder    string
	Segment  int
	Onset    *float64
	Code     string
	Salience *int
	Line     int
}

// Column indexes of an events file, in the order of eventCols.
const (
	eCase = iota
	eSession
	eCoder
	eSegment
	eCode
	eOnset
	eSalience
)

var eventCols = []column{
	{"case", true}, {"session", true}, {"coder", true}, {"segment", true},
	{"code", true}, {"onset", false}, {"salience", false},
}

// ParseEvents reads an events CSV file and calls emit with each valid row,
// in file order. It returns how many rows it emitted. known reports whether
// a code belongs to the dataset's codebook; codes are passed to it trimmed
// and compared by it as it likes (nil accepts every code).
//
// The header names the columns in any order, case-insensitively, with
// surrounding spaces ignored: case, session, coder, segment and code are
// required; onset and salience are optional. Any other column is a problem.
// Values are trimmed of surrounding spaces. The rules per value: case and
// coder non-empty, at most 100 characters, no control characters; session
// and segment integers from 1 to 2147483647; code non-empty, at most 32
// characters and known; onset empty or a finite decimal number of seconds
// ≥ 0 (digits, '.', an exponent; no hex, no "Inf"); salience empty or an
// integer 1-5. A row with the same (case, session, coder, segment, onset,
// code) as an earlier one is a problem naming the earlier line (onsets
// compare as numbers, so 1.5 and 1.50 are the same; an absent onset differs
// from every present one).
//
// The whole file is scanned so that every problem (up to MaxProblems) is
// reported in one *ImportError; emit is called only while no problem has
// been found, so rows before the first problem may already have been
// emitted: the caller inserts inside a transaction and rolls back when the
// returned error is non-nil. An error returned by emit stops the parse and
// is returned as is; an error reading r is returned wrapped.
//
// Duplicates are detected within this one file only, through a map from a
// 64-bit FNV-1a hash of the key to its first line (16 bytes or so per row);
// a hash collision, about one chance in 10^7 for a million rows, would be
// reported as a duplicate. Whether importing events of a (case, session,
// coder) already stored replaces them is the caller's concern.
func ParseEvents(r io.Reader, known func(code string) bool, emit func(EventRow) error) (int, error) {
	return ParseEventsWith(r, EventRules{Known: known}, emit)
}

// EventRules are the checks of an events import beyond the file format.
type EventRules struct {
	// Known reports whether a code belongs to the dataset's codebook (nil
	// accepts every code).
	Known func(code string) bool
	// Coder, when not empty, is the only coder name a row may carry (a
	// coder imports only under their own name); another is a problem of
	// the coder column.
	Coder string
}

// ParseEventsWith is ParseEvents with the rules of rules.
func ParseEventsWith(r io.Reader, rules EventRules, emit func(EventRow) error) (int, error) {
	s := newScanner(r, eventCols)
	if !s.header() {
		return s.finish(0)
	}
	p := eventRows{s: s, rules: rules, seen: make(map[uint64]uint32),
		keyed: s.has(eCase) && s.has(eSession) && s.has(eCoder) && s.has(eSegment) && s.has(eCode)}
	return readRows(s, p.row, emit)
}

// eventRows reads the records of an events file into rows, reporting each
// problem to the scanner.
type eventRows struct {
	s      *scanner
	rules  EventRules
	keyed  bool              // the file has every column of the identity
	seen   map[uint64]uint32 // hash of the identity → its first line
	ints   intSlab
	floats floatSlab
	good   bool // no problem in the current record
	keyOK  bool // the current record's identity is valid
}

// bad reports a problem with a column of the identity.
func (p *eventRows) bad(ci int, msg string) {
	p.good, p.keyOK = false, false
	p.s.problem(p.s.line, eventCols[ci].name, msg)
}

// row reads one record; good is false when it has a problem.
func (p *eventRows) row(rec []string) (row EventRow, good bool) {
	row = EventRow{Line: p.s.line}
	p.good, p.keyOK = true, p.keyed
	p.labels(rec, &row)
	p.code(rec, &row)
	onsetBits := p.onset(rec, &row)
	p.salience(rec, &row)
	if p.keyOK {
		p.unique(&row, onsetBits)
	}
	return row, p.good
}

// labels reads case, session, coder and segment.
func (p *eventRows) labels(rec []string, row *EventRow) {
	s := p.s
	row.Case = s.field(rec, eCase)
	if s.has(eCase) {
		if msg := checkLabel(row.Case); msg != "" {
			p.bad(eCase, msg)
		}
	}
	if v := s.field(rec, eSession); s.has(eSession) {
		if row.Session, _ = parseInt(v, 1, MaxNumber); row.Session == 0 {
			p.bad(eSession, numberMsg(v))
		}
	}
	row.Coder = s.field(rec, eCoder)
	if s.has(eCoder) {
		if msg := checkLabel(row.Coder); msg != "" {
			p.bad(eCoder, msg)
		} else if p.rules.Coder != "" && row.Coder != p.rules.Coder {
			p.bad(eCoder, fmt.Sprintf("must be %s: a coder imports events only under their own coder name, not %s", quote(p.rules.Coder), quote(row.Coder)))
		}
	}
	if v := s.field(rec, eSegment); s.has(eSegment) {
		if row.Segment, _ = parseInt(v, 1, MaxNumber); row.Segment == 0 {
			p.bad(eSegment, numberMsg(v))
		}
	}
}

func (p *eventRows) code(rec []string, row *EventRow) {
	row.Code = p.s.field(rec, eCode)
	if !p.s.has(eCode) {
		return
	}
	switch known := p.rules.Known; {
	case row.Code == "":
		p.bad(eCode, "is required")
	case utf8.RuneCountInString(row.Code) > MaxCodeLen || (known != nil && !known(row.Code)):
		p.bad(eCode, fmt.Sprintf("unknown code %s", quote(row.Code)))
	}
}

// onset reads the onset (seconds ≥ 0, or empty) and returns the bits that
// stand for it in the identity.
func (p *eventRows) onset(rec []string, row *EventRow) uint64 {
	onsetBits := uint64(1) // no float64 in [0, +Inf) has these bits: "absent"
	if v := p.s.field(rec, eOnset); v != "" {
		if x, ok := parseOnset(v); ok {
			row.Onset = p.floats.new(x)
			onsetBits = math.Float64bits(x)
			onsetBits <<= 1 // keep apart from the "absent" marker
		} else {
			p.bad(eOnset, fmt.Sprintf("must be a number of seconds ≥ 0, not %s", quote(v)))
		}
	}
	return onsetBits
}

// salience reads the salience, 1-5 or empty; it is not part of the
// identity.
func (p *eventRows) salience(rec []string, row *EventRow) {
	if v := p.s.field(rec, eSalience); v != "" {
		if x, ok := parseInt(v, 1, 5); ok {
			row.Salience = p.ints.new(x)
		} else {
			p.good = false
			p.s.problem(p.s.line, "salience", rangeMsg(v, 1, 5))
		}
	}
}

// unique reports an identity (case, session, coder, segment, onset, code)
// seen on an earlier line.
func (p *eventRows) unique(row *EventRow, onsetBits uint64) {
	h := hashString(fnvOffset, row.Case)
	h = hashUint(h, uint64(row.Session))
	h = hashString(h, row.Coder)
	h = hashUint(h, uint64(row.Segment))
	h = hashUint(h, onsetBits)
	h = hashString(h, row.Code)
	if first, dup := p.seen[h]; dup {
		p.good = false
		p.s.problem(p.s.line, "", fmt.Sprintf("duplicate of line %d (same case, session, coder, segment, onset and code)", first))
	} else {
		p.seen[h] = uint32(p.s.line)
	}
}

// parseOnset accepts a plain decimal number ≥ 0, finite: digits with an
// optional fraction and exponent ("12", "12.5", ".5", "1e3").
func parseOnset(v string) (float64, bool) {
	if v == "" || len(v) > 64 {
		return 0, false
	}
	for i := 0; i < len(v); i++ {
		switch c := v[i]; {
		case c >= '0' && c <= '9', c == '.', c == 'e', c == 'E', c == '+', c == '-':
		default:
			return 0, false
		}
	}
	x, err := strconv.ParseFloat(v, 64)
	if err != nil || math.IsInf(x, 0) || math.IsNaN(x) || x < 0 {
		return 0, false
	}
	if x == 0 {
		x = 0 // -0 becomes 0
	}
	return x, true
}

// floatSlab hands out *float64 from shared chunks (see intSlab).
type floatSlab struct{ buf []float64 }

func (s *floatSlab) new(v float64) *float64 {
	if len(s.buf) == 0 {
		s.buf = make([]float64, 1024)
	}
	p := &s.buf[0]
	*p = v
	s.buf = s.buf[1:]
	return p
}
