package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/stagewise/stagewise/models"
)

// duplicateKeysByTokens is the first duplicateKeys, a walk over
// encoding/json's tokens, kept as the reference the byte scanner is fuzzed
// against (FuzzDuplicateKeys).
func duplicateKeysByTokens(body []byte) []models.FieldError {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	type step struct {
		key   string
		index int // -1 for an object member
	}
	var stack []step
	var errs []models.FieldError
	pathOf := func() string {
		var b strings.Builder
		for _, st := range stack {
			if st.index >= 0 {
				fmt.Fprintf(&b, "[%d]", st.index)
				continue
			}
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			b.WriteString(st.key)
		}
		return b.String()
	}
	var walk func() error
	walk = func() error {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		d, ok := tok.(json.Delim)
		if !ok {
			return nil
		}
		switch d {
		case '{':
			var seen map[string]bool
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return err
				}
				k, _ := kt.(string)
				if seen == nil {
					seen = map[string]bool{}
				}
				stack = append(stack, step{key: k, index: -1})
				if seen[k] && len(errs) < 100 {
					errs = append(errs, models.FieldError{Field: pathOf(), Message: "duplicate key: each key may appear once in an object"})
				}
				seen[k] = true
				err = walk()
				stack = stack[:len(stack)-1]
				if err != nil {
					return err
				}
			}
		case '[':
			for i := 0; dec.More(); i++ {
				stack = append(stack, step{index: i})
				err := walk()
				stack = stack[:len(stack)-1]
				if err != nil {
					return err
				}
			}
		}
		_, err = dec.Token() // the closing delimiter
		return err
	}
	_ = walk() // the body was decoded before, so it is valid JSON
	return errs
}

// FuzzDuplicateKeys: on every valid JSON body the byte scanner names the
// same duplicates, by the same paths in the same order, as the token walk
// it replaced.
func FuzzDuplicateKeys(f *testing.F) {
	for _, s := range []string{
		`{"role":"panelist","role":"admin"}`,
		`{"a":[{"k":1},{"k":1,"k":2}],"b":{"c":{"c":1,"c":2}}}`,
		`[{"x":1,"x":1},[{"y":[1,{"z":0,"z":1}]}]]`,
		`{"a":1,"\u0061":2,"b\"c":3,"b\"c":4,"\\":5,"\\":6}`,
		`{"s":"{\"k\":1,\"k\":2}","s2":"[,]","k":{},"k":[]}`,
		`{"":1,"":2,"x":{"":{"":3,"":4}}}`,
		`{"stages":[{"key":"a"},{"key":"b"},{"key":"c","key":"d"}]}`,
		` [ 1 , 2 , { "a" : true , "a" : null } ] `,
		`{"\ud83d\ude00":1,"😀":2}`,
	} {
		f.Add([]byte(s))
	}
	var wide strings.Builder // past the scanner's switch from a slice to a map
	wide.WriteString("{")
	for i := 0; i < 40; i++ {
		fmt.Fprintf(&wide, `"k%d":{"a":1,"a":2},`, i%25)
	}
	wide.WriteString(`"k3":0}`)
	f.Add([]byte(wide.String()))
	f.Fuzz(func(t *testing.T, body []byte) {
		if !json.Valid(body) {
			return
		}
		got, want := duplicateKeys(body), duplicateKeysByTokens(body)
		if len(got) == 0 && len(want) == 0 {
			return
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%q:\n scanner %v\n tokens  %v", body, got, want)
		}
	})
}

// TestDuplicateKeysPaths: the paths of a few duplicates, by hand.
func TestDuplicateKeysPaths(t *testing.T) {
	for body, want := range map[string]string{
		`{"role":"a","role":"b"}`:                                    "role",
		`{"stages":[{"key":"a"},{"key":"b"},{"key":"c","key":"d"}]}`: "stages[2].key",
		`[{"x":1},{"x":1,"x":2}]`:                                    "[1].x",
		`{"a":{"b":[[{"c":1,"\u0063":2}]]}}`:                         "a.b[0][0].c",
		`{"k":1,"s":"\"k\":2","k":3}`:                                "k",
	} {
		var paths []string
		for _, fe := range duplicateKeys([]byte(body)) {
			paths = append(paths, fe.Field)
		}
		if strings.Join(paths, ",") != want {
			t.Errorf("%s: %v, want %s", body, paths, want)
		}
	}
	if d := duplicateKeys([]byte(`{"a":1,"b":{"a":2},"c":[{"a":3}]}`)); len(d) != 0 {
		t.Errorf("equal keys in different objects are not duplicates: %v", d)
	}
	var many bytes.Buffer
	many.WriteString("{")
	for i := 0; i < 300; i++ {
		fmt.Fprintf(&many, `"k":%d,`, i)
	}
	many.WriteString(`"end":0}`)
	if d := duplicateKeys(many.Bytes()); len(d) != 100 {
		t.Errorf("%d duplicates named, want at most 100", len(d))
	}
	// A huge object (the scanner keeps its keys in a map): every key once,
	// then one repeated.
	var huge bytes.Buffer
	huge.WriteString("{")
	for i := 0; i < 100000; i++ {
		fmt.Fprintf(&huge, `"k%d":%d,`, i, i)
	}
	huge.WriteString(`"k99999":0}`)
	if d := duplicateKeys(huge.Bytes()); len(d) != 1 || d[0].Field != "k99999" {
		t.Errorf("huge object: %v, want k99999 named once", d)
	}
}

// BenchmarkDuplicateKeys: a full review's body (39 rated items) through
// the byte scanner and through the token walk it replaced.
func BenchmarkDuplicateKeys(b *testing.B) {
	var body bytes.Buffer
	body.WriteString(`{"stages":[`)
	for i := 0; i < 24; i++ {
		if i > 0 {
			body.WriteByte(',')
		}
		fmt.Fprintf(&body, `{"key":"S%d","relevance":%d,"clarity":%d,"comment":"fine, though \"S%d\" could say more"}`, i, i%9+1, (i+3)%9+1, i)
	}
	body.WriteString(`],"transitions":[`)
	for i := 0; i < 15; i++ {
		if i > 0 {
			body.WriteByte(',')
		}
		fmt.Fprintf(&body, `{"from":"S%d","to":"S%d","relevance":%d}`, i, i+1, i%9+1)
	}
	body.WriteString(`],"general_comment":"ok"}`)
	for _, impl := range []struct {
		name string
		f    func([]byte) []models.FieldError
	}{{"scanner", duplicateKeys}, {"tokens", duplicateKeysByTokens}} {
		b.Run(impl.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(body.Len()))
			for b.Loop() {
				if d := impl.f(body.Bytes()); len(d) != 0 {
					b.Fatal(d)
				}
			}
		})
	}
}
