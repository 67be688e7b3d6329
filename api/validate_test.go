package api

import (
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
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
		}
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
