package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/stagewise/stagewise/models"
)

// serverOwned are fields clients may read but never write.
var serverOwned = map[string]bool{
	"id": true, "status": true, "number": true, "content_hash": true, "created_at": true, "updated_at": true,
	"approved_at": true, "approved_by": true, "provenance": true, "change_log": true, "token": true, "owner": true,
	"status_note": true, "seq": true, "hash": true, "prev_hash": true,
}

// readBody reads the whole request body, honouring the body limit.
func readBody(c echo.Context) ([]byte, error) {
	b, err := io.ReadAll(c.Request().Body)
	if err != nil {
		return nil, readFailure(err)
	}
	return b, nil
}

// readFailure maps a failed body read to 413 (over the limit) or 400.
func readFailure(err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) || errors.Is(err, echo.ErrStatusRequestEntityTooLarge) {
		return echo.ErrStatusRequestEntityTooLarge
	}
	return models.Errf(models.ErrMalformed, "could not read the request body")
}

// bindStrict decodes a JSON body into dst, strictly: the body must be one
// JSON value with nothing after it, valid UTF-8, without NUL characters;
// unknown fields, server-owned fields and wrong types are named by path.
// Then dst's validate tags are checked (validate.go). Syntax errors are
// ErrMalformed (400); the rest a ValidationError (422) naming every field.
func bindStrict(c echo.Context, dst any) error {
	if err := jsonContentType(c); err != nil {
		return err
	}
	body, err := readBody(c)
	if err != nil {
		return err
	}
	return decodeStrict(body, dst)
}

// jsonContentType refuses a body declared as anything but JSON.
func jsonContentType(c echo.Context) error {
	ct := c.Request().Header.Get(echo.HeaderContentType)
	if ct != "" && !strings.HasPrefix(strings.ToLower(ct), "application/json") && !strings.Contains(strings.ToLower(ct), "+json") {
		return echo.NewHTTPError(http.StatusUnsupportedMediaType, "send JSON with Content-Type: application/json")
	}
	return nil
}

// bindOptional is bindStrict for bodies that may be left out entirely (a
// lifecycle action's note, parameters that all have defaults).
func bindOptional(c echo.Context, dst any) error {
	if c.Request().ContentLength == 0 {
		return validateInput(dst)
	}
	return bindStrict(c, dst)
}

func decodeStrict(body []byte, dst any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return models.Errf(models.ErrMalformed, "the request body is empty; send a JSON object")
	}
	if !utf8.Valid(body) {
		return models.Errf(models.ErrMalformed, "the request body is not valid UTF-8")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var generic any
	if err := dec.Decode(&generic); err != nil {
		return models.Errf(models.ErrMalformed, "invalid JSON: %s", jsonErrorText(err, body))
	}
	if _, err := dec.Token(); err != io.EOF {
		return models.Errf(models.ErrMalformed, "invalid JSON: unexpected data after the JSON value at offset %d", dec.InputOffset())
	}
	// encoding/json keeps the last of two equal keys; a body that says
	// {"role":"panelist","role":"admin"} must not mean whichever one a
	// parser happens to keep, so duplicates are refused, by path.
	if dups := duplicateKeys(body); len(dups) > 0 {
		return &models.ValidationError{Fields: dups, Malformed: true}
	}
	var errs []models.FieldError
	checkShape(generic, reflect.TypeOf(dst).Elem(), "", &errs)
	if len(errs) > 0 {
		return &models.ValidationError{Fields: errs}
	}
	if err := json.Unmarshal(body, dst); err != nil {
		// checkShape accepted it, so this is unexpected; still the client's input.
		return models.InvalidField("", "%s", err.Error())
	}
	return withMoreProblems(validateInput(dst), dst)
}

// completer is a request type whose other rules can still run on a body
// that broke a tag. Their findings join the same 422, so that one answer
// names every problem: an editor's blank stage name and its dangling
// transition together, not in two rounds.
type completer interface {
	moreProblems() []models.FieldError
}

// withMoreProblems adds what dst's other rules find to a tag failure, for
// fields the tags did not already name.
func withMoreProblems(err error, dst any) error {
	var ve *models.ValidationError
	c, ok := dst.(completer)
	if err == nil || !ok || !errors.As(err, &ve) || ve.Malformed {
		return err
	}
	named := make(map[string]bool, len(ve.Fields))
	for _, f := range ve.Fields {
		named[f.Field] = true
	}
	for _, f := range c.moreProblems() {
		if !named[f.Field] {
			named[f.Field] = true
			ve.Fields = append(ve.Fields, f)
		}
	}
	return ve
}

func jsonErrorText(err error, body []byte) string {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		line := 1 + bytes.Count(body[:min(int(se.Offset), len(body))], []byte("\n"))
		return fmt.Sprintf("%s (line %d, offset %d)", se.Error(), line, se.Offset)
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return "the JSON value ends early"
	}
	return err.Error()
}

func joinPath(base, name string) string {
	if base == "" {
		return name
	}
	return base + "." + name
}

func jsonName(f reflect.StructField) (string, bool) {
	tag := f.Tag.Get("json")
	if tag == "-" || !f.IsExported() {
		return "", false
	}
	name, _, _ := strings.Cut(tag, ",")
	if name == "" {
		name = f.Name
	}
	return name, true
}

func kindName(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64, reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Struct, reflect.Map:
		return "an object"
	}
	return "a value"
}

var rawMessageType = reflect.TypeOf(json.RawMessage{})

// checkShape walks a decoded JSON value against the Go type it will be
// decoded into and records every mismatch with its path.
func checkShape(v any, t reflect.Type, path string, errs *[]models.FieldError) {
	if len(*errs) >= 100 {
		return
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if v == nil { // null leaves the field at its zero value
		return
	}
	if t == rawMessageType || t.Kind() == reflect.Interface {
		checkStrings(v, path, errs)
		return
	}
	bad := func() {
		p := path
		if p == "" {
			p = "body"
		}
		*errs = append(*errs, models.FieldError{Field: p, Message: "must be " + kindName(t)})
	}
	switch t.Kind() {
	case reflect.Struct:
		obj, ok := v.(map[string]any)
		if !ok {
			bad()
			return
		}
		fields := map[string]reflect.StructField{}
		for i := 0; i < t.NumField(); i++ {
			if name, ok := jsonName(t.Field(i)); ok {
				fields[name] = t.Field(i)
			}
		}
		keys := make([]string, 0, len(obj))
		for k := range obj {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			f, ok := fields[k]
			if !ok {
				msg := "unknown field"
				if serverOwned[k] {
					msg = "is set by the server and cannot be written"
				}
				*errs = append(*errs, models.FieldError{Field: joinPath(path, k), Message: msg})
				continue
			}
			checkShape(obj[k], f.Type, joinPath(path, k), errs)
		}
	case reflect.Map:
		obj, ok := v.(map[string]any)
		if !ok {
			bad()
			return
		}
		for k, x := range obj {
			checkShape(x, t.Elem(), joinPath(path, k), errs)
		}
	case reflect.Slice, reflect.Array:
		arr, ok := v.([]any)
		if !ok {
			bad()
			return
		}
		for i, x := range arr {
			checkShape(x, t.Elem(), fmt.Sprintf("%s[%d]", path, i), errs)
		}
	case reflect.String:
		s, ok := v.(string)
		if !ok {
			bad()
			return
		}
		if strings.IndexByte(s, 0) >= 0 {
			*errs = append(*errs, models.FieldError{Field: path, Message: "must not contain NUL characters"})
		}
	case reflect.Bool:
		if _, ok := v.(bool); !ok {
			bad()
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, ok := v.(json.Number)
		if !ok {
			bad()
			return
		}
		i, err := strconv.ParseInt(string(n), 10, 64)
		if err != nil || reflect.Zero(t).OverflowInt(i) {
			*errs = append(*errs, models.FieldError{Field: path, Message: "must be an integer in range"})
		}
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		n, ok := v.(json.Number)
		if !ok {
			bad()
			return
		}
		i, err := strconv.ParseUint(string(n), 10, 64)
		if err != nil || reflect.Zero(t).OverflowUint(i) {
			*errs = append(*errs, models.FieldError{Field: path, Message: "must be a non-negative integer in range"})
		}
	case reflect.Float32, reflect.Float64:
		n, ok := v.(json.Number)
		if !ok {
			bad()
			return
		}
		f, err := n.Float64()
		if err != nil || math.IsInf(f, 0) || (t.Kind() == reflect.Float32 && math.Abs(f) > math.MaxFloat32) {
			*errs = append(*errs, models.FieldError{Field: path, Message: "must be a finite number"})
		}
	}
}

// checkStrings rejects NUL characters anywhere inside free-form JSON.
func checkStrings(v any, path string, errs *[]models.FieldError) {
	switch x := v.(type) {
	case string:
		if strings.IndexByte(x, 0) >= 0 {
			*errs = append(*errs, models.FieldError{Field: path, Message: "must not contain NUL characters"})
		}
	case []any:
		for i, y := range x {
			checkStrings(y, fmt.Sprintf("%s[%d]", path, i), errs)
		}
	case map[string]any:
		for k, y := range x {
			checkStrings(y, joinPath(path, k), errs)
		}
	}
}

// duplicateKeys names every object key that appears twice in the same
// object of body (which must be valid JSON: decodeStrict has parsed it),
// by path: "stages[2].key". It scans the bytes once, keeping each open
// object's keys in a slice (in a map past a few, so a huge object is not
// quadratic), and formats a path only for a duplicate; a
// key with an escape (or bytes that are not UTF-8) is compared as
// encoding/json decodes it ("a" and "\u0061" are one key).
// It was a walk over encoding/json's tokens, a tenth of the CPU of a
// review; FuzzDuplicateKeys holds the two to the same answers.
func duplicateKeys(body []byte) []models.FieldError {
	type frame struct {
		obj     bool
		wantKey bool                // an object's next string is a key
		key     []byte              // an object's current member
		index   int                 // an array's current element
		keys    int                 // where this object's keys start in seen
		set     map[string]struct{} // its keys, once it has more than setAfter
	}
	const setAfter = 16 // a slice is faster for the few keys of most objects
	var stack []frame
	var seen [][]byte // the keys of every open object, innermost last (slices of body)
	var errs []models.FieldError
	pathOf := func() string {
		var b strings.Builder
		for _, f := range stack {
			if !f.obj {
				b.WriteByte('[')
				b.WriteString(strconv.Itoa(f.index))
				b.WriteByte(']')
				continue
			}
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			b.Write(f.key)
		}
		return b.String()
	}
	for i := 0; i < len(body); i++ {
		switch c := body[i]; c {
		case '{', '[':
			stack = append(stack, frame{obj: c == '{', wantKey: c == '{', keys: len(seen)})
		case '}', ']':
			if len(stack) == 0 {
				return errs // not valid JSON after all; decodeStrict has said so
			}
			seen = seen[:stack[len(stack)-1].keys]
			stack = stack[:len(stack)-1]
		case ',':
			if len(stack) > 0 {
				if f := &stack[len(stack)-1]; f.obj {
					f.wantKey = true
				} else {
					f.index++
				}
			}
		case '"':
			j, escaped := i+1, false
			for ; j < len(body) && body[j] != '"'; j++ {
				if body[j] == '\\' {
					escaped = true
					j++
				}
			}
			if j >= len(body) {
				return errs
			}
			if len(stack) > 0 && stack[len(stack)-1].wantKey {
				f := &stack[len(stack)-1]
				f.wantKey = false
				k := body[i+1 : j]
				if escaped || !utf8.Valid(k) { // as encoding/json reads it
					var d string
					if err := json.Unmarshal(body[i:j+1], &d); err != nil {
						return errs
					}
					k = []byte(d)
				}
				f.key = k
				var dup bool
				if f.set != nil {
					if _, dup = f.set[string(k)]; !dup {
						f.set[string(k)] = struct{}{}
					}
				} else if dup = slices.ContainsFunc(seen[f.keys:], func(s []byte) bool { return bytes.Equal(s, k) }); !dup {
					seen = append(seen, k)
					if len(seen)-f.keys > setAfter { // a large object: no quadratic scan
						f.set = make(map[string]struct{}, 2*setAfter)
						for _, s := range seen[f.keys:] {
							f.set[string(s)] = struct{}{}
						}
					}
				}
				if dup && len(errs) < 100 {
					errs = append(errs, models.FieldError{Field: pathOf(), Message: "duplicate key: each key may appear once in an object"})
				}
			}
			i = j
		}
	}
	return errs
}
