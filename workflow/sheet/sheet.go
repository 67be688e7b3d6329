// Package sheet writes the CSV files Stagewise exports, safe to open in a
// spreadsheet: a text cell that begins with =, +, -, @, a tab or a
// carriage return would be read as a formula (CSV injection, e.g. an
// imported "=HYPERLINK(…)" case label), so it is written with a leading
// apostrophe, which spreadsheets show as text and do not display. A cell
// that is a plain decimal number ("-1.5", "+2", "-3e-2") is a number, not
// text, and is written as it is, so numeric columns stay numeric.
//
// Every CSV export goes through Writer; CSV written to be parsed again by
// Stagewise itself (the JSON-rows import path) must not, as it would change
// the data.
package sheet

import (
	"encoding/csv"
	"io"
)

// Writer is a csv.Writer that escapes formula-like text cells.
type Writer struct {
	w   *csv.Writer
	buf []string
}

// NewWriter returns a Writer to w.
func NewWriter(w io.Writer) *Writer { return &Writer{w: csv.NewWriter(w)} }

// Write writes one record, each cell passed through Cell. The caller's
// slice is not changed.
func (w *Writer) Write(record []string) error {
	w.buf = w.buf[:0]
	for _, c := range record {
		w.buf = append(w.buf, Cell(c))
	}
	return w.w.Write(w.buf)
}

// Flush writes any buffered data to the underlying writer.
func (w *Writer) Flush() { w.w.Flush() }

// Error reports any error from a previous Write or Flush.
func (w *Writer) Error() error { return w.w.Error() }

// Cell returns s as it must appear in an exported CSV cell.
func Cell(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		if isNumber(s) {
			return s
		}
		return "'" + s
	}
	return s
}

// isNumber reports whether s is a plain decimal number: an optional sign,
// digits with at most one decimal point (at least one digit), and an
// optional exponent. Hex floats, "Inf" and "NaN", which strconv accepts,
// are not.
func isNumber(s string) bool {
	i := 0
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	digits, dot := 0, false
mantissa:
	for ; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			digits++
		case c == '.' && !dot:
			dot = true
		default:
			break mantissa
		}
	}
	if digits == 0 {
		return false
	}
	if i == len(s) {
		return true
	}
	if s[i] != 'e' && s[i] != 'E' {
		return false
	}
	i++
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	if i == len(s) {
		return false
	}
	for ; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
