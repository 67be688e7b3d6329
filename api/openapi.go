package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"regexp"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3gen"
)

var pathParamRe = regexp.MustCompile(`\{([a-z_]+)\}`)

// buildOpenAPI generates the OpenAPI 3 document from the route table and
// the request/response types: responses are closed objects
// (additionalProperties: false) so the API tests, which validate every
// response against this document, catch any field the code adds without
// documenting it.
func buildOpenAPI(routes []route, version string) ([]byte, error) {
	if version == "" {
		version = "dev"
	}
	doc := &openapi3.T{
		OpenAPI: "3.0.3",
		Info: &openapi3.Info{Title: "Stagewise API", Version: version,
			Description: "Versioned stage-process models, expert-panel rounds, coded cases, empirical comparisons and synthesis for task-analysis research."},
		Paths:      openapi3.NewPaths(),
		Components: &openapi3.Components{Schemas: openapi3.Schemas{}, SecuritySchemes: openapi3.SecuritySchemes{}},
	}
	doc.Components.SecuritySchemes["bearer"] = &openapi3.SecuritySchemeRef{Value: openapi3.NewJWTSecurityScheme().WithBearerFormat("opaque token")}
	gen := openapi3gen.NewGenerator(openapi3gen.SchemaCustomizer(customizeSchema))
	schemaOf := func(v any) (*openapi3.SchemaRef, error) {
		ref, err := gen.NewSchemaRefForValue(v, doc.Components.Schemas)
		if err != nil {
			return nil, fmt.Errorf("schema for %T: %w", v, err)
		}
		return ref, nil
	}
	problem, err := schemaOf(Problem{})
	if err != nil {
		return nil, err
	}
	doc.Components.Schemas["Problem"] = problem
	problemRef := &openapi3.SchemaRef{Ref: "#/components/schemas/Problem", Value: problem.Value}
	for _, r := range routes {
		op := openapi3.NewOperation()
		op.Summary = r.summary
		op.Tags = []string{r.tag}
		op.OperationID = operationID(r)
		if r.auth {
			op.Security = &openapi3.SecurityRequirements{{"bearer": []string{}}}
		} else {
			op.Security = &openapi3.SecurityRequirements{}
		}
		for _, m := range pathParamRe.FindAllStringSubmatch(r.path, -1) {
			op.AddParameter(openapi3.NewPathParameter(m[1]).WithSchema(openapi3.NewStringSchema()))
		}
		for _, q := range r.query {
			s := openapi3.NewStringSchema()
			if q.typ == "integer" {
				s = openapi3.NewIntegerSchema()
			}
			for _, e := range q.enum {
				s.Enum = append(s.Enum, e)
			}
			p := openapi3.NewQueryParameter(q.name).WithSchema(s).WithDescription(q.desc)
			op.AddParameter(p)
		}
		if r.req != nil {
			s, err := schemaOf(r.req)
			if err != nil {
				return nil, err
			}
			op.RequestBody = &openapi3.RequestBodyRef{Value: openapi3.NewRequestBody().WithJSONSchemaRef(s)}
		}
		if r.reqCSV {
			if op.RequestBody == nil {
				op.RequestBody = &openapi3.RequestBodyRef{Value: openapi3.NewRequestBody().WithContent(openapi3.Content{})}
			}
			op.RequestBody.Value.Required = true
			op.RequestBody.Value.Content["text/csv"] = openapi3.NewMediaType().WithSchema(openapi3.NewStringSchema())
		}
		okResp := openapi3.NewResponse().WithDescription(http.StatusText(r.status))
		if r.resp != nil {
			s, err := schemaOf(r.resp)
			if err != nil {
				return nil, err
			}
			okResp.WithJSONSchemaRef(s)
		}
		for _, mt := range r.raw {
			okResp.Content[mt] = openapi3.NewMediaType().WithSchema(openapi3.NewStringSchema())
		}
		op.AddResponse(r.status, okResp)
		codes := append([]int{}, r.errs...)
		if r.auth {
			codes = append(codes, 401, 429)
		}
		if r.req != nil || r.reqCSV {
			codes = append(codes, 400, 413, 415, 422)
		}
		codes = append(codes, 500)
		seen := map[int]bool{}
		for _, code := range codes {
			if seen[code] {
				continue
			}
			seen[code] = true
			if code == 304 {
				op.AddResponse(code, openapi3.NewResponse().WithDescription("Not Modified: the If-None-Match ETag is current"))
				continue
			}
			resp := openapi3.NewResponse().WithDescription(http.StatusText(code))
			resp.Content = openapi3.NewContentWithSchemaRef(problemRef, []string{"application/problem+json"})
			if code == 503 && r.resp != nil {
				s, _ := schemaOf(r.resp)
				resp.Content = openapi3.NewContentWithJSONSchemaRef(s)
			}
			op.AddResponse(code, resp)
		}
		doc.AddOperation(r.path, r.method, op)
	}
	addStatic(doc)
	return json.MarshalIndent(doc, "", "  ")
}

// addStatic documents the endpoints outside the route table.
func addStatic(doc *openapi3.T) {
	op := openapi3.NewOperation()
	op.Summary, op.Tags, op.OperationID = "This document", []string{"operations"}, "getOpenAPI"
	op.Security = &openapi3.SecurityRequirements{}
	op.AddResponse(200, openapi3.NewResponse().WithDescription("OK").WithJSONSchema(openapi3.NewObjectSchema()))
	doc.AddOperation("/api/v1/openapi.json", http.MethodGet, op)
	m := openapi3.NewOperation()
	m.Summary, m.Tags, m.OperationID = "Prometheus metrics", []string{"operations"}, "getMetrics"
	m.Security = &openapi3.SecurityRequirements{}
	resp := openapi3.NewResponse().WithDescription("OK")
	resp.Content = openapi3.NewContentWithSchema(openapi3.NewStringSchema(), []string{"text/plain"})
	m.AddResponse(200, resp)
	doc.AddOperation("/metrics", http.MethodGet, m)
}

func operationID(r route) string {
	var b strings.Builder
	b.WriteString(strings.ToLower(r.method))
	for _, part := range strings.Split(r.path, "/") {
		part = strings.Trim(part, "{}")
		if part == "" || part == "api" || part == "v1" {
			continue
		}
		for _, w := range strings.FieldsFunc(part, func(r rune) bool { return r == '_' || r == '.' || r == '-' }) {
			b.WriteString(strings.ToUpper(w[:1]) + w[1:])
		}
	}
	return b.String()
}

// customizeSchema closes objects, marks fields without omitempty as
// required and adds enums from `enum:"a,b"` tags.
func customizeSchema(name string, t reflect.Type, tag reflect.StructTag, s *openapi3.Schema) error {
	if e := tag.Get("enum"); e != "" {
		for _, v := range strings.Split(e, ",") {
			s.Enum = append(s.Enum, v)
		}
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() == reflect.Struct && t.String() != "time.Time" {
		no := false
		s.AdditionalProperties = openapi3.AdditionalProperties{Has: &no}
		s.Required = nil
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			jt := f.Tag.Get("json")
			n, opts, _ := strings.Cut(jt, ",")
			if n == "" || n == "-" || strings.Contains(opts, "omitempty") {
				continue
			}
			if f.Type.Kind() == reflect.Pointer {
				continue
			}
			s.Required = append(s.Required, n)
		}
	}
	return nil
}
