package api

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/labstack/echo/v4"

	"github.com/stagewise/stagewise/models"
)

// TestValidateTagsMatchDocument makes drift between the server's checks
// and the served document impossible to miss: for every request body type
// of the route table, and every struct reachable from it, each field's
// validate tag (read here by its own small parser, not the reflector's) is
// compared with the document's schema of that field, both ways: a
// required field is in the object's required list and nothing else is;
// oneof is the enum and an enum is a oneof; min/max are minLength/maxLength,
// minItems/maxItems or minimum/maximum by kind, and no other bound is
// stated; rules after dive are compared with the items.
func TestValidateTagsMatchDocument(t *testing.T) {
	t.Parallel()
	routes := (&server{}).routes()
	doc, err := openAPIDoc(routes, "test")
	if err != nil {
		t.Fatal(err)
	}
	seen := map[reflect.Type]bool{}
	checked := 0
	var walk func(rt reflect.Type, where string)
	walk = func(rt reflect.Type, where string) {
		for rt.Kind() == reflect.Pointer || rt.Kind() == reflect.Slice || rt.Kind() == reflect.Map {
			rt = rt.Elem()
		}
		if rt.Kind() != reflect.Struct || rt == timeType || seen[rt] {
			return
		}
		seen[rt] = true
		name := schemaName(rt, true)
		comp, ok := doc.Components.Schemas[name]
		if !ok {
			t.Errorf("%s: %v has no component %s", where, rt, name)
			return
		}
		if rt.Implements(schemerType) {
			checkUnion(t, doc, rt, comp.Value, where)
			return
		}
		obj := comp.Value
		for i := 0; i < rt.NumField(); i++ {
			f := rt.Field(i)
			jn, ok := jsonName(f)
			if !ok {
				continue
			}
			at := where + "." + jn
			prop := obj.Properties[jn]
			if prop == nil {
				t.Errorf("%s: not in the document", at)
				continue
			}
			field, elem := splitTag(f.Tag.Get("validate"))
			req := slices.Contains(field, "required") || slices.Contains(field, "notblank")
			if got := slices.Contains(obj.Required, jn); got != req {
				t.Errorf("%s: required in the document %v, by the validate tag %v", at, got, req)
			}
			compareRules(t, at, f.Type, field, prop)
			if elem != nil {
				items := prop.Value.Items
				if items == nil && prop.Value.AdditionalProperties.Schema != nil {
					items = prop.Value.AdditionalProperties.Schema
				}
				et := f.Type
				for et.Kind() == reflect.Pointer {
					et = et.Elem()
				}
				if items == nil {
					t.Errorf("%s: dive, but the document has no items", at)
				} else if et.Elem().Kind() != reflect.Struct {
					compareRules(t, at+"[]", et.Elem(), elem, items)
				}
			}
			checked++
			walk(f.Type, at)
		}
	}
	for _, r := range routes {
		if r.req != nil {
			walk(reflect.TypeOf(r.req), r.method+" "+r.path)
		}
	}
	if checked < 50 {
		t.Errorf("only %d request fields checked; is the route table empty?", checked)
	}

	// Query parameters (query.go): each field of a route's query type is a
	// parameter with its rules, and the document has no other.
	queries := 0
	for _, r := range routes {
		op := doc.Paths.Value(r.path).GetOperation(r.method)
		var inDoc []string
		for _, p := range op.Parameters {
			if p.Value.In == openapi3.ParameterInQuery {
				inDoc = append(inDoc, p.Value.Name)
			}
		}
		var fields []string
		if r.query != nil {
			var each func(rt reflect.Type)
			each = func(rt reflect.Type) {
				for i := 0; i < rt.NumField(); i++ {
					f := rt.Field(i)
					if f.Anonymous {
						each(f.Type)
						continue
					}
					name := f.Tag.Get("query")
					fields = append(fields, name)
					at := r.method + " " + r.path + "?" + name
					p := op.Parameters.GetByInAndName(openapi3.ParameterInQuery, name)
					if p == nil {
						t.Errorf("%s: not in the document", at)
						continue
					}
					rules, _ := splitTag(f.Tag.Get("validate"))
					if req := slices.Contains(rules, "required"); p.Required != req {
						t.Errorf("%s: required in the document %v, by the validate tag %v", at, p.Required, req)
					}
					compareRules(t, at, f.Type, rules, p.Schema)
					queries++
				}
			}
			each(reflect.TypeOf(r.query))
		}
		slices.Sort(inDoc)
		slices.Sort(fields)
		if !slices.Equal(inDoc, fields) {
			t.Errorf("%s %s: query parameters %v in the document, %v in the query type", r.method, r.path, inDoc, fields)
		}
	}
	if queries < 30 {
		t.Errorf("only %d query parameters checked", queries)
	}
}

// splitTag splits a validate tag into the rules of the field and those
// after dive (nil without dive).
func splitTag(tag string) (field, elem []string) {
	if tag == "" {
		return nil, nil
	}
	parts := strings.Split(tag, ",")
	if i := slices.Index(parts, "dive"); i >= 0 {
		return parts[:i], append([]string{}, parts[i+1:]...)
	}
	return parts, nil
}

// compareRules compares one value's rules with its schema.
func compareRules(t *testing.T, at string, ft reflect.Type, rules []string, ref *openapi3.SchemaRef) {
	t.Helper()
	for ft.Kind() == reflect.Pointer {
		ft = ft.Elem()
	}
	s := ref.Value
	var oneof []string
	var lo, hi *float64
	exclLo, exclHi := false, false
	for _, r := range rules {
		name, param, _ := strings.Cut(r, "=")
		num := func() *float64 {
			v, err := strconv.ParseFloat(param, 64)
			if err != nil {
				t.Errorf("%s: %s=%q", at, name, param)
			}
			return &v
		}
		switch name {
		case "oneof":
			oneof = strings.Fields(param)
		case "min", "gte":
			lo = num()
		case "max", "lte":
			hi = num()
		case "gt":
			lo, exclLo = num(), true
		case "lt":
			hi, exclHi = num(), true
		case "email":
			if s.Format != "email" {
				t.Errorf("%s: email, but the format is %q", at, s.Format)
			}
		case "datetime":
			if s.Format != "date-time" {
				t.Errorf("%s: datetime, but the format is %q", at, s.Format)
			}
		case "slug":
			if s.Pattern != slugPattern {
				t.Errorf("%s: slug, but the pattern is %q", at, s.Pattern)
			}
		case "cursor":
			if s.Pattern != cursorPattern {
				t.Errorf("%s: cursor, but the pattern is %q", at, s.Pattern)
			}
		}
	}
	hasRule := func(name string) bool {
		return slices.ContainsFunc(rules, func(r string) bool { n, _, _ := strings.Cut(r, "="); return n == name })
	}
	if s.Format == "email" && !hasRule("email") || s.Format == "date-time" && !hasRule("datetime") && ft != timeType {
		t.Errorf("%s: the document states format %s, the tag does not", at, s.Format)
	}
	if s.Pattern != "" && !hasRule("slug") && !hasRule("cursor") {
		t.Errorf("%s: the document states pattern %s, the tag does not", at, s.Pattern)
	}
	if got := enumOf(ref); fmt.Sprint(got) != fmt.Sprint(oneof) && (len(got) > 0 || len(oneof) > 0) {
		t.Errorf("%s: enum %v in the document, oneof %v in the tag", at, got, oneof)
	}
	bound := func(what string, want *float64, got *float64) {
		switch {
		case want == nil && got != nil:
			t.Errorf("%s: the document states %s %v, the tag no bound", at, what, *got)
		case want != nil && got == nil:
			t.Errorf("%s: the tag bounds %s by %v, the document does not", at, what, *want)
		case want != nil && *want != *got:
			t.Errorf("%s: %s %v in the document, %v in the tag", at, what, *got, *want)
		}
	}
	u := func(v uint64) *float64 {
		if v == 0 {
			return nil
		}
		f := float64(v)
		return &f
	}
	up := func(v *uint64) *float64 {
		if v == nil {
			return nil
		}
		return u(*v)
	}
	switch ft.Kind() {
	case reflect.String:
		minLen := lo
		req := slices.Contains(rules, "required") || slices.Contains(rules, "notblank")
		if minLen == nil && req && len(oneof) == 0 {
			one := 1.0
			minLen = &one // a required string is not empty
		}
		bound("minLength", minLen, u(s.MinLength))
		bound("maxLength", hi, up(s.MaxLength))
	case reflect.Slice, reflect.Array:
		bound("minItems", lo, u(s.MinItems))
		bound("maxItems", hi, up(s.MaxItems))
	case reflect.Map:
		bound("minProperties", lo, u(s.MinProps))
		bound("maxProperties", hi, up(s.MaxProps))
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Float32, reflect.Float64:
		bound("minimum", lo, s.Min)
		bound("maximum", hi, s.Max)
		if s.ExclusiveMin.IsTrue() != exclLo || s.ExclusiveMax.IsTrue() != exclHi {
			t.Errorf("%s: exclusive bounds %v/%v in the document, %v/%v in the tag", at, s.ExclusiveMin.IsTrue(), s.ExclusiveMax.IsTrue(), exclLo, exclHi)
		}
	}
}

// enumOf is the enum of a property, through a wrapping allOf or a named
// enum component.
func enumOf(ref *openapi3.SchemaRef) []string {
	s := ref.Value
	var out []string
	for _, v := range s.Enum {
		out = append(out, fmt.Sprint(v))
	}
	if len(out) == 0 && len(s.AllOf) == 1 {
		return enumOf(s.AllOf[0])
	}
	return out
}

// checkUnion compares a union's discriminator field's oneof (a proposal's
// kind, a selection's rule) with the alternatives the document lists.
func checkUnion(t *testing.T, doc *openapi3.T, rt reflect.Type, u *openapi3.Schema, where string) {
	t.Helper()
	alts := append(slices.Clone(u.OneOf), u.AnyOf...)
	var disc string
	var oneof []string
	for i := 0; i < rt.NumField(); i++ {
		f := rt.Field(i)
		field, _ := splitTag(f.Tag.Get("validate"))
		for _, r := range field {
			if v, ok := strings.CutPrefix(r, "oneof="); ok {
				disc, _ = jsonName(f)
				oneof = strings.Fields(v)
			}
		}
	}
	if disc == "" {
		t.Errorf("%s: union %v has no field with a oneof rule to tell its alternatives apart", where, rt)
		return
	}
	var got []string
	for _, a := range alts {
		v := a.Value
		if v == nil {
			v = doc.Components.Schemas[strings.TrimPrefix(a.Ref, "#/components/schemas/")].Value
		}
		p := v.Properties[disc]
		if p == nil {
			t.Errorf("%s: an alternative of %v has no %s", where, rt, disc)
			continue
		}
		got = append(got, enumOf(p)...)
	}
	slices.Sort(got)
	want := slices.Sorted(slices.Values(oneof))
	if !slices.Equal(got, want) {
		t.Errorf("%s: the alternatives of %v fix %s to %v, its oneof says %v", where, rt, disc, got, want)
	}
}

// TestViolationMessages pins the wording of each tag kind's message.
func TestViolationMessages(t *testing.T) {
	t.Parallel()
	type input struct {
		Name  string            `json:"name" validate:"notblank,max=5"`
		Email string            `json:"email" validate:"required,email"`
		Slug  string            `json:"slug" validate:"slug"`
		Role  string            `json:"role" validate:"oneof=a b c"`
		Items []string          `json:"items" validate:"min=1,dive,required,max=2"`
		N     *int              `json:"n" validate:"required"`
		K     int               `json:"k" validate:"min=1"`
		F     float64           `json:"f" validate:"gt=0,lte=1"`
		At    string            `json:"at" validate:"omitempty,datetime=2006-01-02T15:04:05Z07:00"`
		Tags  map[string]string `json:"tags" validate:"dive,max=3"`
		Inner struct {
			Key string `json:"key" validate:"required"`
		} `json:"inner"`
	}
	in := input{Name: "abcdef", Email: "x", Slug: "A B", Role: "d", Items: []string{}, K: 0, F: 0, At: "soon", Tags: map[string]string{"t": "long"}}
	var rv *ruleViolation
	if err := validateInput(&in); !errors.As(err, &rv) {
		t.Fatalf("want a rule violation, got %v", err)
	}
	got := map[string]string{}
	for _, f := range rv.Fields {
		got[f.Field] = f.Message
	}
	want := map[string]string{
		"name":      "must be at most 5 characters",
		"email":     "must be a plain email address such as ana@example.org",
		"slug":      "must be lower-case letters, digits and single hyphens, such as renegotiating-tasks-goals",
		"role":      "must be one of a, b, c",
		"items":     "must have at least 1 item",
		"n":         "is required",
		"k":         "must be at least 1",
		"f":         "must be greater than 0",
		"at":        "must be an RFC 3339 time such as 2030-01-31T17:00:00Z",
		"tags[t]":   "must be at most 3 characters",
		"inner.key": "is required",
	}
	for f, m := range want {
		if got[f] != m {
			t.Errorf("%s: %q, want %q", f, got[f], m)
		}
	}
	if len(got) != len(want) {
		t.Errorf("fields %v, want %d", got, len(want))
	}
	in = input{Name: " ", Email: "a@b.org", Slug: "ok", Role: "a", Items: []string{""}, N: new(int), K: 1, F: 1, Inner: struct {
		Key string `json:"key" validate:"required"`
	}{"k"}}
	err := validateInput(&in)
	if !errors.As(err, &rv) || len(rv.Fields) != 2 || rv.Fields[0].Field != "name" || rv.Fields[0].Message != "is required" ||
		rv.Fields[1].Field != "items[0]" || rv.Fields[1].Message != "is required" {
		t.Errorf("blank name, empty item: %v", err)
	}
}

// FuzzValidatedBodies decodes arbitrary bodies into every request type of
// the route table through decodeStrict, the validator included: it never
// panics, every failure is malformed (400) or a ValidationError (422), and
// every violation names a field and says what is wrong in words (a tag
// the messages do not know would read "fails the … rule").
func FuzzValidatedBodies(f *testing.F) {
	f.Add([]byte(`{"name":"Ana","email":"ana@example.org","role":"boss"}`))
	f.Add([]byte(`{"slug":"Not A Slug","title":" ","marker":"m","resolution":"r"}`))
	f.Add([]byte(`{"stages":[{"key":"","codes":[""]}],"transitions":[{"kind":"x"}]}`))
	f.Add([]byte(`{"scale":{"min":0},"items":[],"closes_at":"soon","min_group":1}`))
	f.Add([]byte(`{"model":"m","version":-1,"dataset":0,"params":{"lag":9,"support_threshold":0,"outcome_rater":""}}`))
	f.Add([]byte(`{"method":"kappa","data":[[1,null],[2]]}`))
	var types []reflect.Type
	seen := map[reflect.Type]bool{}
	for _, r := range (&server{}).routes() {
		if r.req != nil && !seen[reflect.TypeOf(r.req)] {
			seen[reflect.TypeOf(r.req)] = true
			types = append(types, reflect.TypeOf(r.req))
		}
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, rt := range types {
			dst := reflect.New(rt).Interface()
			err := decodeStrict(body, dst)
			if err == nil {
				continue
			}
			var ve *models.ValidationError
			if errors.Is(err, models.ErrMalformed) {
				continue
			}
			if !errors.As(err, &ve) {
				t.Fatalf("%v: unclassified error %T: %v", rt, err, err)
			}
			for _, fe := range ve.Fields {
				if fe.Message == "" || strings.HasPrefix(fe.Message, "fails the") {
					t.Fatalf("%v: %q: a violation without words: %q", rt, fe.Field, fe.Message)
				}
			}
		}
	})
}

// FuzzQuery binds arbitrary query strings into every query type of the
// route table (query.go): it never panics, and every failure is a
// ValidationError whose fields are parameters of that type, each with a
// message in words.
func FuzzQuery(f *testing.F) {
	f.Add("limit=0&cursor=%%")
	f.Add("limit=99999999999999999999999&after=-1")
	f.Add("format=validation.csv&from=1&coders=a,b")
	f.Add("cursor=YzE6LTE&limit=&format=&coder=%00")
	f.Add("limit=1&limit=x;from=1e3")
	var types []reflect.Type
	seen := map[reflect.Type]bool{}
	for _, r := range (&server{}).routes() {
		if r.query != nil && !seen[reflect.TypeOf(r.query)] {
			seen[reflect.TypeOf(r.query)] = true
			types = append(types, reflect.TypeOf(r.query))
		}
	}
	e := echo.New()
	f.Fuzz(func(t *testing.T, raw string) {
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		req.URL.RawQuery = raw
		for _, qt := range types {
			names := map[string]bool{}
			var each func(rt reflect.Type)
			each = func(rt reflect.Type) {
				for i := 0; i < rt.NumField(); i++ {
					if fl := rt.Field(i); fl.Anonymous {
						each(fl.Type)
					} else {
						names[fl.Tag.Get("query")] = true
					}
				}
			}
			each(qt)
			q, err := bindQuery(e.NewContext(req, httptest.NewRecorder()), qt)
			if err == nil {
				if reflect.TypeOf(q) != reflect.PointerTo(qt) {
					t.Fatalf("%v: bound a %T", qt, q)
				}
				continue
			}
			var ve *models.ValidationError
			if !errors.As(err, &ve) || len(ve.Fields) == 0 {
				t.Fatalf("%v: %q: unclassified error %T: %v", qt, raw, err, err)
			}
			for _, fe := range ve.Fields {
				if !names[fe.Field] {
					t.Fatalf("%v: %q: names %q, not a parameter of the type", qt, raw, fe.Field)
				}
				if fe.Message == "" || strings.HasPrefix(fe.Message, "fails the") {
					t.Fatalf("%v: %q: a violation without words: %q", qt, fe.Field, fe.Message)
				}
			}
		}
	})
}
