package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"testing"
)

// FuzzStrictJSON checks the two scanners of request bodies written for
// abuse resistance against encoding/json as the oracle:
//   - duplicateKeys names a duplicate exactly when a decode into
//     map[string]any drops members (total members in the token stream minus
//     members kept), and never panics; the counts need not match, because a
//     replaced value may hold members of its own;
//   - scanMatrix never panics, and answers 413 only for a top-level "data"
//     array that really has more rows or columns than allowed.
func FuzzStrictJSON(f *testing.F) {
	f.Add([]byte(`{"role":"panelist","role":"admin"}`))
	f.Add([]byte(`{"a":[{"k":1},{"k":1,"k":2}],"b":{"c":{"c":1,"c":2}}}`))
	f.Add([]byte(`{"method":"icc","data":[[1,2,null],[2,3,4],[1,1,1]]}`))
	f.Add([]byte(`{"data":[[1,2,3,4],[1]],"data":[]}`))
	f.Add([]byte(`[{"x":1,"x":1}]`))
	f.Fuzz(func(t *testing.T, body []byte) {
		var generic any
		if json.Unmarshal(body, &generic) != nil {
			return
		}
		dups := duplicateKeys(body)
		if total, kept := memberCount(t, body), keptCount(generic); (len(dups) == 0) != (total == kept) || len(dups) > total-kept {
			t.Fatalf("%s: %d duplicates named (%v), but a decode drops %d of %d members", body, len(dups), dups, total-kept, total)
		}
		err := scanMatrix(bytes.NewReader(body), 3, 3)
		var tl *tooLargeError
		if errors.As(err, &tl) {
			obj, _ := generic.(map[string]any)
			data, _ := obj["data"].([]any)
			big := false
			// The scan reads the first "data" member; with duplicate keys the
			// decode keeps the last, so only check bodies without them.
			if len(dups) == 0 {
				big = len(data) > 3
				for _, r := range data {
					if row, ok := r.([]any); ok && len(row) > 3 {
						big = true
					}
				}
				if !big {
					t.Fatalf("%s: 413 for a matrix within 3 × 3", body)
				}
			}
		}
	})
}

// memberCount counts the object members in the token stream of body.
func memberCount(t *testing.T, body []byte) int {
	const (
		objKey = iota // in an object, before a key or '}'
		objVal        // in an object, before a member's value
		arr
	)
	dec := json.NewDecoder(bytes.NewReader(body))
	var stack []int
	valueDone := func() {
		if len(stack) > 0 && stack[len(stack)-1] == objVal {
			stack[len(stack)-1] = objKey
		}
	}
	n := 0
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return n
		}
		if err != nil {
			t.Fatalf("token stream of valid JSON: %v", err)
		}
		if len(stack) > 0 && stack[len(stack)-1] == objKey {
			if tok == json.Delim('}') {
				stack = stack[:len(stack)-1]
				valueDone()
			} else {
				n++
				stack[len(stack)-1] = objVal
			}
			continue
		}
		switch tok {
		case json.Delim('{'):
			stack = append(stack, objKey)
		case json.Delim('['):
			stack = append(stack, arr)
		case json.Delim(']'):
			stack = stack[:len(stack)-1]
			valueDone()
		default:
			valueDone()
		}
	}
}

func keptCount(v any) int {
	switch x := v.(type) {
	case map[string]any:
		n := len(x)
		for _, y := range x {
			n += keptCount(y)
		}
		return n
	case []any:
		n := 0
		for _, y := range x {
			n += keptCount(y)
		}
		return n
	}
	return 0
}
