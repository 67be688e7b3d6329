package api

import (
	"context"
	"flag"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
)

var writeOpenAPI = flag.String("write-openapi", "", "write the served OpenAPI document to this file (go generate ./api/client/ writes client/openapi.json)")

// servedDoc is the document as the server builds it.
func servedDoc(t *testing.T) *openapi3.T {
	t.Helper()
	b, err := buildOpenAPI((&server{}).routes(), "dev")
	if err != nil {
		t.Fatal(err)
	}
	if *writeOpenAPI != "" {
		if err := os.WriteFile(*writeOpenAPI, append(b, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	doc, err := openapi3.NewLoader().LoadFromData(b)
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("the document is not valid OpenAPI 3.0: %v", err)
	}
	return doc
}

// TestOpenAPIConvention checks the convention at the top of openapi.go on
// every route, old and new: a summary, a description, a unique
// operationId, a described tag, named schemas for every JSON body, typed
// path ids, open response objects, and the ETag and precondition headers.
func TestOpenAPIConvention(t *testing.T) {
	t.Parallel()
	doc := servedDoc(t)
	tags := map[string]bool{}
	for _, tg := range doc.Tags {
		if tg.Description == "" {
			t.Errorf("tag %q has no description", tg.Name)
		}
		tags[tg.Name] = true
	}
	if doc.Info.License == nil || len(doc.Servers) == 0 {
		t.Error("the document needs a licence and servers")
	}
	ids := map[string]string{}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			where := method + " " + path
			if op.Summary == "" || op.Description == "" {
				t.Errorf("%s: needs a summary and a description", where)
			}
			if op.OperationID == "" {
				t.Errorf("%s: no operationId", where)
			} else if other, ok := ids[op.OperationID]; ok {
				t.Errorf("%s: operationId %s is also %s's", where, op.OperationID, other)
			}
			ids[op.OperationID] = where
			if len(op.Tags) != 1 || !tags[op.Tags[0]] {
				t.Errorf("%s: tags %v: name one tag of apiTags", where, op.Tags)
			}
			for _, p := range op.Parameters {
				pv := p.Value
				if pv.In == "path" && (pv.Name == "id" || pv.Name == "pid" || strings.HasSuffix(pv.Name, "_id")) && !pv.Schema.Value.Type.Is("integer") {
					t.Errorf("%s: path parameter %s must be an integer", where, pv.Name)
				}
			}
			if op.RequestBody != nil {
				if mt := op.RequestBody.Value.Content.Get("application/json"); mt != nil && mt.Schema.Ref == "" {
					t.Errorf("%s: the JSON request body has no named schema", where)
				}
			}
			for code, r := range op.Responses.Map() {
				for ct, mt := range r.Value.Content {
					if strings.Contains(ct, "json") && mt.Schema.Ref == "" && path != "/api/v1/openapi.json" {
						t.Errorf("%s → %s %s: no named schema", where, code, ct)
					}
				}
			}
			has := func(name string) bool {
				return slices.ContainsFunc(op.Parameters, func(p *openapi3.ParameterRef) bool { return p.Value.Name == name })
			}
			if op.Responses.Status(304) != nil && !has("If-None-Match") {
				t.Errorf("%s: 304 without If-None-Match", where)
			}
			if op.Responses.Status(412) != nil && !has("If-Match") {
				t.Errorf("%s: 412 without If-Match", where)
			}
		}
	}
	for name, s := range doc.Components.Schemas {
		if strings.HasSuffix(name, "Input") {
			continue
		}
		if ap := s.Value.AdditionalProperties.Has; ap != nil && !*ap {
			t.Errorf("response schema %s is closed: responses must stay open to added fields", name)
		}
	}
	for _, name := range []string{"Version", "VersionInput", "Round", "RoundInput", "Review", "ReviewInput", "Results", "Dataset", "Comparison", "ComparisonInput", "Report", "Problem", "ProposalInput", "SelectionInput"} {
		if doc.Components.Schemas[name] == nil {
			t.Errorf("no component schema %s", name)
		}
	}
}

// TestOpenAPIRequired pins what the validating gateway of issue #11
// tripped over: optional fields are optional, required ones required.
func TestOpenAPIRequired(t *testing.T) {
	t.Parallel()
	doc := servedDoc(t)
	req := func(schema string) []string {
		s := doc.Components.Schemas[schema]
		if s == nil {
			t.Fatalf("no schema %s", schema)
		}
		r := slices.Clone(s.Value.Required)
		slices.Sort(r)
		return r
	}
	for schema, want := range map[string][]string{
		"VersionInput":     {"stages"},
		"StageInput":       {"actor", "codes", "key", "name", "role"},
		"TransitionInput":  {"from", "to"},
		"RoundInput":       nil,
		"ReviewInput":      nil,
		"ComparisonInput":  {"dataset", "model", "version"},
		"ActionInput":      nil,
		"StageRatingInput": {"key"},
	} {
		if got := req(schema); !slices.Equal(got, want) {
			t.Errorf("%s requires %v, want %v", schema, got, want)
		}
	}
	if !slices.Contains(req("Version"), "approved_at") || !slices.Contains(req("Version"), "content_hash") {
		t.Error("a version response always carries approved_at and content_hash")
	}
	get := doc.Paths.Value("/api/v1/models/{slug}/versions/{n}").Get
	if get.Responses.Status(200).Value.Headers["ETag"] == nil || get.Responses.Status(304) == nil {
		t.Error("GET version documents neither its ETag nor 304")
	}
	if ct := get.Responses.Status(304).Value.Content; len(ct) != 0 {
		t.Error("304 has no body")
	}
	if get.RequestBody != nil {
		t.Error("GET has no body")
	}
	put := doc.Paths.Value("/api/v1/models/{slug}/versions/{n}").Put
	if !put.RequestBody.Value.Required {
		t.Error("PUT version needs its body")
	}
	for _, p := range put.Parameters {
		if p.Value.Name == "n" && !p.Value.Schema.Value.Type.Is("integer") {
			t.Error("PUT version/{n} takes a number only")
		}
	}
	submit := doc.Paths.Value("/api/v1/models/{slug}/versions/{n}/submit").Post
	if submit.RequestBody.Value.Required {
		t.Error("a lifecycle action's body may be left out")
	}
}

// TestWireTypesOwned: every request and response type of the route table
// is declared in package api (converted from the workflow and analysis
// types at the boundary), so renaming a field of an analysis struct cannot
// silently change the public API.
func TestWireTypesOwned(t *testing.T) {
	t.Parallel()
	own := reflect.TypeOf(server{}).PkgPath()
	seen := map[reflect.Type]bool{}
	var walk func(rt reflect.Type, where string)
	walk = func(rt reflect.Type, where string) {
		for rt.Kind() == reflect.Pointer || rt.Kind() == reflect.Slice || rt.Kind() == reflect.Array || rt.Kind() == reflect.Map {
			rt = rt.Elem()
		}
		if rt.Kind() != reflect.Struct || rt == reflect.TypeOf(time.Time{}) || seen[rt] {
			return
		}
		seen[rt] = true
		if rt.PkgPath() != own {
			t.Errorf("%s: %v is not a wire type of package api", where, rt)
			return
		}
		for i := 0; i < rt.NumField(); i++ {
			walk(rt.Field(i).Type, where+"."+rt.Field(i).Name)
		}
	}
	for _, r := range (&server{}).routes() {
		if r.req != nil {
			walk(reflect.TypeOf(r.req), r.method+" "+r.path+" request")
		}
		if r.resp != nil {
			walk(reflect.TypeOf(r.resp), r.method+" "+r.path+" response")
		}
	}
}
