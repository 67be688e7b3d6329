package conformance

import (
	"bytes"
	"encoding/json"
	"math"
	"slices"
	"strconv"
	"unicode/utf8"
)

// AppendJSON appends the report as JSON, byte for byte what encoding/json
// writes with HTML escaping off and no trailing newline, only faster: the
// per-session rows (100,000 in a large comparison) are written by hand,
// and the stage lists and deviations they share with the other sessions of
// their variant are encoded once per variant.
func (r *Report) AppendJSON(b []byte) ([]byte, error) {
	var err error
	field := func(name string, v any, first bool) {
		if err != nil {
			return
		}
		if !first {
			b = append(b, ',')
		}
		b = append(b, '"')
		b = append(b, name...)
		b = append(b, `":`...)
		b, err = appendStd(b, v)
	}
	b = append(b, '{')
	field("params", r.Params, true)
	field("summary", r.Summary, false)
	field("stages", r.Stages, false)
	field("transitions", r.Transitions, false)
	if err != nil {
		return nil, err
	}
	b = append(b, `,"sequences":`...)
	if r.Sequences == nil {
		b = append(b, "null"...)
	} else {
		// Reserve room for what follows too (the variants, ten thousand
		// rows in a large report, and the small tables), so that the tens
		// of megabytes are never copied to a bigger buffer.
		b = appendSequences(b, r.Sequences, variantsSize(r.Variants)+1<<16)
	}
	field("unmapped_codes", r.UnmappedCodes, false)
	field("left_out", r.LeftOut, false)
	field("lag_table", r.LagTable, false)
	field("discovery", r.Discovery, false)
	if err != nil {
		return nil, err
	}
	b = append(b, `,"variants":`...)
	b = appendVariants(b, r.Variants)
	field("validation", r.Validation, false)
	if r.Baseline != nil {
		field("baseline", r.Baseline, false)
	}
	field("model", r.Model, false)
	if err != nil {
		return nil, err
	}
	return append(b, '}'), nil
}

// appendStd is encoding/json without HTML escaping or the newline.
func appendStd(b []byte, v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return append(b, bytes.TrimSuffix(buf.Bytes(), []byte("\n"))...), nil
}

func appendSequences(b []byte, rows []SequenceRow, reserve int) []byte {
	// The encoded tail ("stages" … "deviations") per variant: rows of one
	// variant share their Stages and Deviations slices (see Report), so the
	// slices' addresses and lengths identify the variant.
	type variantKey struct {
		stages *string
		n      int
		devs   *Deviation
		m      int
	}
	keyOf := func(row *SequenceRow) variantKey {
		k := variantKey{n: len(row.Stages), m: len(row.Deviations)}
		if len(row.Stages) > 0 {
			k.stages = &row.Stages[0]
		}
		if len(row.Deviations) > 0 {
			k.devs = &row.Deviations[0]
		}
		return k
	}
	// First pass: encode each variant's tail once and size the output, so
	// that the second pass writes tens of megabytes into one allocation
	// instead of regrowing (and copying, and page-faulting) it repeatedly.
	shared := map[variantKey][]byte{}
	size := 2 + reserve
	for i := range rows {
		row := &rows[i]
		k := keyOf(row)
		tail, ok := shared[k]
		if !ok || k.stages == nil {
			tail = appendTail(nil, row)
			if k.stages != nil {
				shared[k] = tail
			}
		}
		size += len(tail) + len(row.Case) + 40
	}
	b = slices.Grow(b, size)
	b = append(b, '[')
	for i := range rows {
		row := &rows[i]
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"case":`...)
		b = appendString(b, row.Case)
		b = append(b, `,"session":`...)
		b = strconv.AppendInt(b, int64(row.Session), 10)
		b = append(b, `,"stages":`...)
		if k := keyOf(row); k.stages != nil {
			b = append(b, shared[k]...)
		} else {
			b = appendTail(b, row)
		}
		b = append(b, '}')
	}
	return append(b, ']')
}

func appendTail(b []byte, row *SequenceRow) []byte {
	if row.Stages == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for j, s := range row.Stages {
			if j > 0 {
				b = append(b, ',')
			}
			b = appendString(b, s)
		}
		b = append(b, ']')
	}
	b = append(b, `,"cost":`...)
	b = strconv.AppendInt(b, int64(row.Cost), 10)
	b = append(b, `,"fitness":`...)
	b = appendFloat(b, row.Fitness)
	b = append(b, `,"conforms":`...)
	b = strconv.AppendBool(b, row.Conforms)
	b = append(b, `,"kendall_tau":`...)
	if row.KendallTau == nil {
		b = append(b, "null"...)
	} else {
		b = appendFloat(b, *row.KendallTau)
	}
	b = append(b, `,"resolved":`...)
	b = strconv.AppendBool(b, row.Resolved)
	b = append(b, `,"deviations":`...)
	if row.Deviations == nil {
		return append(b, "null"...)
	}
	b = append(b, '[')
	for j, d := range row.Deviations {
		if j > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"type":`...)
		b = appendString(b, d.Type)
		b = append(b, `,"stage":`...)
		b = appendString(b, d.Stage)
		b = append(b, `,"position":`...)
		b = strconv.AppendInt(b, int64(d.Position), 10)
		if d.Code != "" {
			b = append(b, `,"code":`...)
			b = appendString(b, d.Code)
		}
		b = append(b, '}')
	}
	return append(b, ']')
}

// appendFloat formats like encoding/json's float64 encoder.
func appendFloat(b []byte, f float64) []byte {
	abs := math.Abs(f)
	format := byte('f')
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b
}

// appendString quotes plain strings directly and leaves anything that
// needs escaping to encoding/json.
func appendString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c == '"' || c == '\\' || c >= utf8.RuneSelf {
			out, _ := appendStd(b, s)
			return out
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// appendVariants writes the variant rows (some ten thousand in a large
// comparison) by hand, in one growth of the buffer.
func appendVariants(b []byte, rows []VariantRow) []byte {
	if rows == nil {
		return append(b, "null"...)
	}
	b = slices.Grow(b, variantsSize(rows))
	b = append(b, '[')
	for i, v := range rows {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"stages":`...)
		if v.Stages == nil {
			b = append(b, "null"...)
		} else {
			b = append(b, '[')
			for j, st := range v.Stages {
				if j > 0 {
					b = append(b, ',')
				}
				b = appendString(b, st)
			}
			b = append(b, ']')
		}
		b = append(b, `,"sessions":`...)
		b = strconv.AppendInt(b, int64(v.Sessions), 10)
		b = append(b, `,"cases":`...)
		b = strconv.AppendInt(b, int64(v.Cases), 10)
		b = append(b, '}')
	}
	return append(b, ']')
}

// variantsSize bounds the encoded size of the variant rows (their stage
// keys need no escaping in practice; appendString handles any that do).
func variantsSize(rows []VariantRow) int {
	size := 2
	for _, v := range rows {
		size += 50
		for _, st := range v.Stages {
			size += len(st) + 3
		}
	}
	return size
}
