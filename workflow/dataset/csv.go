package dataset

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Limits of a CSV import.
const (
	// MaxProblems is how many problems an ImportError keeps; the scan stops
	// at the next one and sets Truncated.
	MaxProblems = 100
	// MaxRowBytes is the longest row (record) accepted, in bytes after line
	// ends are normalised. A longer row is a problem; the parser skips to the
	// next row and goes on.
	MaxRowBytes = 64 << 10
	// MaxLabelLen is the longest case label or coder name, in characters.
	MaxLabelLen = 100
	// MaxNumber is the largest session or segment number (it fits a signed
	// 32-bit column).
	MaxNumber = 1<<31 - 1
)

// Problem is one thing wrong with an imported CSV file. Row is the 1-based
// line in the file where the row starts (the header is row 1 when the file
// does not start with blank lines); Column is the column's name as the
// parser knows it (lower case for known columns; "" when the problem is the
// whole row or the whole file). Message and Column are always valid UTF-8:
// values are quoted with Go escapes.
type Problem struct {
	Row     int
	Column  string
	Message string
}

func (p Problem) String() string {
	if p.Column == "" {
		return fmt.Sprintf("row %d: %s", p.Row, p.Message)
	}
	return fmt.Sprintf("row %d, column %s: %s", p.Row, p.Column, p.Message)
}

// ImportError rejects a whole CSV file. It lists the problems in file order,
// at most MaxProblems of them; Truncated says there were more (the scan
// stopped at the first one over the limit). Match it with errors.As.
type ImportError struct {
	Problems  []Problem
	Truncated bool
	// Unreadable: some problem is a place where the file could not be read
	// as CSV at all (a syntax error, invalid UTF-8, a NUL byte, an
	// over-long row), as opposed to a readable file that breaks the rules.
	Unreadable bool
}

// Malformed reports whether the file could not be read as CSV at all.
func (e *ImportError) Malformed() bool { return e.Unreadable }

func (e *ImportError) Error() string {
	var b strings.Builder
	n := len(e.Problems)
	more := ""
	if e.Truncated {
		more = " or more"
	}
	fmt.Fprintf(&b, "CSV rejected: %d%s problem", n, more)
	if n != 1 || e.Truncated {
		b.WriteString("s")
	}
	for i, p := range e.Problems {
		if i == 3 {
			b.WriteString("; …")
			break
		}
		b.WriteString("; ")
		b.WriteString(p.String())
	}
	return b.String()
}

// rowLimit is MaxRowBytes; the fuzz tests lower it to reach the over-long
// path with small inputs.
var rowLimit = MaxRowBytes

// errRowTooLong is returned by lineReader when a row exceeds MaxRowBytes.
var errRowTooLong = errors.New("row too long")

// lineReader sits between the caller's reader and encoding/csv. It drops a
// leading UTF-8 byte order mark, turns CR LF and lone CR line ends into LF
// (so line numbers count every kind of line end), and bounds the memory a
// row can take: it follows the quote parity, as encoding/csv does for
// well-formed input, and when a row grows beyond MaxRowBytes it returns
// errRowTooLong, then drops the rest of that row (keeping the LFs of its
// later physical lines so encoding/csv keeps counting lines right).
type lineReader struct {
	src    io.Reader
	buf    []byte
	r, w   int
	srcErr error
	empty  int // consecutive empty reads

	started  bool // BOM check done
	afterCR  bool // the last byte was a CR turned into LF
	inQuotes bool
	rowLen   int
	line     int  // physical line of the next byte, 1-based
	rowStart int  // line where the current row started
	skipping bool // dropping the rest of an over-long row
	ownNL    bool // the next LF ends the line csv already counted
	longRow  int  // rowStart of the last over-long row
}

func newLineReader(src io.Reader) *lineReader {
	return &lineReader{src: src, buf: make([]byte, 32<<10), line: 1, rowStart: 1}
}

func (l *lineReader) fill() {
	if l.r == l.w {
		l.r, l.w = 0, 0
	}
	if l.srcErr != nil || l.w == len(l.buf) {
		return
	}
	n, err := l.src.Read(l.buf[l.w:])
	l.w += n
	switch {
	case err != nil:
		l.srcErr = err
	case n == 0:
		if l.empty++; l.empty >= 100 {
			l.srcErr = io.ErrNoProgress
		}
	default:
		l.empty = 0
	}
}

func (l *lineReader) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	if !l.started {
		for l.w-l.r < 3 && l.srcErr == nil {
			l.fill()
		}
		l.started = true
		if l.w-l.r >= 3 && l.buf[l.r] == 0xEF && l.buf[l.r+1] == 0xBB && l.buf[l.r+2] == 0xBF {
			l.r += 3
		}
	}
	n := 0
	for n == 0 {
		if l.r == l.w {
			if l.srcErr != nil {
				return 0, l.srcErr
			}
			l.fill()
			continue
		}
		for l.r < l.w && n < len(p) {
			c := l.buf[l.r]
			l.r++
			if l.afterCR {
				l.afterCR = false
				if c == '\n' {
					continue
				}
			}
			if c == '\r' {
				c = '\n'
				l.afterCR = true
			}
			if l.skipping {
				switch c {
				case '"':
					l.inQuotes = !l.inQuotes
				case '\n':
					l.line++
					if !l.inQuotes {
						l.skipping = false
						l.rowLen = 0
						l.rowStart = l.line
					}
					if l.ownNL {
						l.ownNL = false
						continue
					}
					p[n] = c
					n++
				}
				continue
			}
			switch c {
			case '"':
				l.inQuotes = !l.inQuotes
			case '\n':
				l.line++
				if !l.inQuotes {
					l.rowLen = 0
					l.rowStart = l.line
					p[n] = c
					n++
					continue
				}
			}
			l.rowLen++
			if l.rowLen > rowLimit {
				l.skipping = true
				// csv counts the line it is reading when it gets the error,
				// so the LF ending that line must not reach it; a LF that
				// overflowed has ended that line already.
				l.ownNL = c != '\n'
				l.longRow = l.rowStart
				return n, errRowTooLong
			}
			p[n] = c
			n++
		}
	}
	return n, nil
}

// column describes one column an import accepts.
type column struct {
	name     string
	required bool
}

// scanner runs encoding/csv over a lineReader and collects problems.
type scanner struct {
	lr         *lineReader
	cr         *csv.Reader
	cols       []column
	idx        []int    // field index of each of cols, -1 when absent
	names      []string // display name of each field of the header
	mapped     []bool   // whether a header field is a known column
	nfields    int
	problems   []Problem
	truncated  bool
	unreadable bool // some problem is one of reading, not of the rules
	stopped    bool // nothing more can be read
	fatal      bool // a CSV syntax error ended the scan
	headerLine int
	ioErr      error
	rows       int // non-blank data rows seen
	line       int // start line of the current row
}

func newScanner(r io.Reader, cols []column) *scanner {
	lr := newLineReader(r)
	cr := csv.NewReader(lr)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	cr.LazyQuotes = false
	cr.TrimLeadingSpace = true // so ` "a b"` is a quoted field; values are trimmed anyway
	s := &scanner{lr: lr, cr: cr, cols: cols, idx: make([]int, len(cols))}
	for i := range s.idx {
		s.idx[i] = -1
	}
	return s
}

// problem records a problem; it returns false once the scan must stop
// because the cap has been passed.
func (s *scanner) problem(row int, col, msg string) bool {
	return s.add(Problem{Row: row, Column: col, Message: msg})
}

// malformed records a place where the file cannot be read as CSV.
func (s *scanner) malformed(row int, col, msg string) bool {
	s.unreadable = true
	return s.add(Problem{Row: row, Column: col, Message: msg})
}

func (s *scanner) add(p Problem) bool {
	if len(s.problems) >= MaxProblems {
		s.truncated = true
		s.stopped = true
		return false
	}
	s.problems = append(s.problems, p)
	return true
}

func (s *scanner) ok() bool { return len(s.problems) == 0 }

// read returns the next non-blank record, or nil when the scan is over.
// Every field is trimmed of surrounding white space.
func (s *scanner) read() []string {
	for !s.stopped {
		rec, err := s.cr.Read()
		if err != nil {
			var pe *csv.ParseError
			switch {
			case err == io.EOF:
				s.stopped = true
			case errors.Is(err, errRowTooLong):
				s.malformed(s.lr.longRow, "", fmt.Sprintf("row is longer than %d bytes", MaxRowBytes))
				if s.names == nil {
					// Without a header nothing else can be checked.
					s.stopped = true
					return nil
				}
				s.rows++
				continue
			case errors.As(err, &pe):
				s.stopped = true
				s.fatal = true
				msg := pe.Err.Error()
				if pe.StartLine != pe.Line {
					msg += fmt.Sprintf(" (in the row starting on line %d)", pe.StartLine)
				}
				s.malformed(pe.Line, "", fmt.Sprintf("CSV syntax error at byte %d of the line: %s; the rest of the file was not read", pe.Column, msg))
			default:
				s.stopped = true
				s.ioErr = err
			}
			return nil
		}
		blank := true
		for i, f := range rec {
			t := strings.TrimSpace(f)
			rec[i] = t
			if t != "" {
				blank = false
			}
		}
		if blank {
			continue
		}
		s.line, _ = s.cr.FieldPos(0)
		return rec
	}
	return nil
}

// header reads and maps the header row. It returns false when there is no
// usable header (the problems say why, unless reading failed).
func (s *scanner) header() bool {
	rec := s.read()
	if rec == nil {
		if s.ioErr == nil && s.ok() {
			s.problem(1, "", "empty file")
		}
		return false
	}
	line := s.line
	s.headerLine = line
	s.nfields = len(rec)
	s.names = make([]string, len(rec))
	s.mapped = make([]bool, len(rec))
	byName := make(map[string]int, len(s.cols))
	for i, c := range s.cols {
		byName[c.name] = i
	}
	seen := make(map[string]int, len(rec))
	for i, f := range rec {
		label := fmt.Sprintf("column %d", i+1)
		switch {
		case !utf8.ValidString(f):
			s.names[i] = label
			s.malformed(line, label, "column name is not valid UTF-8")
			continue
		case strings.IndexFunc(f, unicode.IsControl) >= 0:
			s.names[i] = label
			s.problem(line, label, "column name contains a control character")
			continue
		case f == "":
			s.names[i] = label
			s.problem(line, label, "column has no name")
			continue
		}
		name := strings.ToLower(f)
		s.names[i] = name
		if j, dup := seen[name]; dup {
			s.problem(line, name, fmt.Sprintf("duplicate column (also column %d)", j+1))
			continue
		}
		seen[name] = i
		ci, known := byName[name]
		if !known {
			s.names[i] = f
			s.problem(line, f, "unknown column")
			continue
		}
		s.idx[ci] = i
		s.mapped[i] = true
	}
	for ci, c := range s.cols {
		if c.required && s.idx[ci] < 0 {
			s.problem(line, c.name, "missing required column")
		}
	}
	return true
}

// next returns the next data row whose field count matches the header and
// whose mapped fields are valid UTF-8 without NUL bytes, or nil at the end.
// Rows failing those checks are reported and skipped.
func (s *scanner) next() []string {
	for {
		rec := s.read()
		if rec == nil {
			return nil
		}
		s.rows++
		if len(rec) != s.nfields {
			if !s.problem(s.line, "", fmt.Sprintf("has %d fields; the header has %d", len(rec), s.nfields)) {
				return nil
			}
			continue
		}
		good := true
		for i, f := range rec {
			if !s.mapped[i] {
				continue
			}
			var msg string
			switch {
			case !utf8.ValidString(f):
				msg = "is not valid UTF-8"
			case strings.IndexByte(f, 0) >= 0:
				msg = "contains a NUL byte"
			default:
				continue
			}
			good = false
			if !s.malformed(s.line, s.names[i], msg) {
				return nil
			}
		}
		if good {
			return rec
		}
	}
}

// readRows reads every data record of s through row, which reports its
// problems to s, and emits each good row while the file has no problem
// yet; it returns the rows emitted and the parse result (finish). An error
// from emit stops the parse and is returned as is.
func readRows[R any](s *scanner, row func([]string) (R, bool), emit func(R) error) (int, error) {
	n := 0
	for {
		rec := s.next()
		if rec == nil {
			break
		}
		r, good := row(rec)
		if s.stopped {
			break
		}
		if good && s.ok() {
			if err := emit(r); err != nil {
				return n, err
			}
			n++
		}
	}
	return s.finish(n)
}

// finish turns the collected problems into the parse result.
func (s *scanner) finish(n int) (int, error) {
	if s.ioErr != nil {
		return n, fmt.Errorf("reading CSV: %w", s.ioErr)
	}
	if s.names != nil && s.rows == 0 && !s.fatal && !s.truncated {
		s.problem(s.headerLine, "", "no data rows")
	}
	if len(s.problems) > 0 {
		return n, &ImportError{Problems: s.problems, Truncated: s.truncated, Unreadable: s.unreadable}
	}
	return n, nil
}

// field returns the value of column ci, or "" when the column is absent.
func (s *scanner) field(rec []string, ci int) string {
	if i := s.idx[ci]; i >= 0 {
		return rec[i]
	}
	return ""
}

// has reports whether column ci is in the header.
func (s *scanner) has(ci int) bool { return s.idx[ci] >= 0 }

// quote renders a value for a message: Go-quoted (so always valid UTF-8)
// and cut to 40 bytes.
func quote(v string) string {
	if len(v) > 40 {
		cut := 40
		for cut > 0 && !utf8.RuneStart(v[cut]) {
			cut--
		}
		return strconv.Quote(v[:cut]) + "…"
	}
	return strconv.Quote(v)
}

// parseInt parses a base-10 integer in [lo, hi]; ok is false otherwise.
func parseInt(v string, lo, hi int) (int, bool) {
	if v == "" || len(v) > 12 {
		return 0, false
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		return 0, false
	}
	return n, true
}

// CheckLabel applies the rules of a case label or coder name (non-empty,
// at most MaxLabelLen characters, no control characters) and says what is
// wrong, or "" when nothing is.
func CheckLabel(v string) string { return checkLabel(v) }

// checkLabel returns why a case label or coder name is invalid, or "".
func checkLabel(v string) string {
	switch {
	case v == "":
		return "is required"
	case utf8.RuneCountInString(v) > MaxLabelLen:
		return fmt.Sprintf("is longer than %d characters", MaxLabelLen)
	case strings.IndexFunc(v, unicode.IsControl) >= 0:
		return "contains a control character (such as a line break)"
	}
	return ""
}

// FNV-1a, 64 bits, over length-prefixed fields, for duplicate detection.
const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

func hashString(h uint64, s string) uint64 {
	h = hashUint(h, uint64(len(s)))
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= fnvPrime
	}
	return h
}

func hashUint(h, v uint64) uint64 {
	for i := 0; i < 8; i++ {
		h ^= v & 0xff
		h *= fnvPrime
		v >>= 8
	}
	return h
}
