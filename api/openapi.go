package api

// The OpenAPI document served at /api/v1/openapi.json is generated from the
// route table (routes.go and the *Routes functions) by reflecting over the
// request and response types each route names, so it cannot drift from the
// code. It must describe exactly what the server does; follow this
// convention when you add a route or a wire type (TestOpenAPIConvention
// checks it):
//
// Routes
//   - summary: one line; desc (optional): more text. The operation's
//     description is desc, or the summary, followed by who may call it and
//     what each error status means. operationId is derived from method and
//     path (getModelsSlugVersionsN); opID overrides it.
//   - tag: one of the names in apiTags below (add yours there, with a
//     description).
//   - req: the JSON request body (a struct value); optionalBody: true when
//     the handler uses bindOptional, so the body may be left out entirely.
//     reqCSV: the body may also be text/csv.
//   - resp: the success body; status its code; raw: other media types the
//     route can answer with when asked by ?format=.
//   - errs: the error statuses the handler returns besides those added for
//     every route (401, 429 for auth routes; 400, 413, 415, 422 for routes with a
//     body; 500). 304 in errs documents If-None-Match (and 304 without a
//     body); 412 documents If-Match. etag: true documents the ETag header of
//     the success response.
//   - Path parameters {id}, {pid} and {…_id} are integers (int64, ≥ 1);
//     {n} is a version number (integer ≥ 1), or also the word "latest" on
//     routes with latest: true. Other path parameters are strings.
//   - query: the route's query type (query.go); each field is a parameter
//     named by its query tag, with its doc, its default and the rules of its
//     validate tag, as for request bodies.
//
// Types
//   - Every named struct is a component schema. Its name is the Go type's
//     name without a Request, Response, DTO or Wire suffix, capitalised;
//     when the struct is (part of) a request body the suffix Input is added
//     (stageDTO: Stage in responses, StageInput in requests; versionRequest:
//     VersionInput). list[T] is "<T>List". A method `openAPIName() string`
//     overrides the name. Two types with the same name are an error.
//   - Responses: a field is required (always present) unless its json tag
//     has omitempty; a pointer without omitempty is nullable. Response
//     objects are open (additionalProperties is not false): clients must
//     ignore fields they do not know, so adding a field is not a break.
//   - Requests: the rules of a request field are its validate tag
//     (validate.go), which the server checks after decoding; the document
//     states the same tag, so the two cannot drift
//     (TestValidateTagsMatchDocument): required (and notblank) puts the
//     field in the object's required list (a required string also gets
//     minLength 1); oneof is the enum; min/max (gte/lte, and gt/lt as
//     exclusive bounds) are minLength/maxLength for a string,
//     minItems/maxItems for a slice, minimum/maximum for a number; email
//     and datetime (RFC 3339 only) are formats; slug is a pattern; rules
//     after dive apply to the items. A rule the reflector cannot state
//     (parseRules) fails the build of the document: teach it first. A
//     field is optional unless required; a pointer is nullable (null means
//     "left out") unless required. Request objects are closed
//     (additionalProperties: false), because the server rejects unknown
//     fields.
//   - Other field tags: doc:"…" (description), default:"…" (the default,
//     as the server applies it: default:"50", default:"true",
//     default:"[]"; it is written into the description as "Default: …",
//     not as the default keyword, because openapi-typescript types a
//     property with a default as required), enum:"a,b,c" (response fields
//     only; a request field says oneof in its validate tag), schema:"name"
//     (use customSchema's name). time.Time is date-time by itself. The
//     tags required, format, min and max are retired (an error): say it in
//     the validate tag.
//   - An enum whose value list is a key of namedEnums is a named component
//     (VersionStatus, Actor, …), so generated clients share one type; add a
//     list there when two fields share it.
//   - int is an integer, int64 an integer of format int64, float64 a number
//     of format double; map[string]T an object of T; any and
//     json.RawMessage any JSON value.
//   - A type with a method `openAPISchema(g *schemaGen, in bool)
//     *openapi3.Schema` describes itself (unions: oneOf per proposal kind,
//     per selection rule).

import (
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/getkin/kin-openapi/openapi3"
)

var pathParamRe = regexp.MustCompile(`\{([a-z_]+)\}`)

// apiTags are the groups of operations, in the order a reader meets them.
var apiTags = []struct{ name, desc string }{
	{"operations", "Liveness, readiness, metrics and this document; no token needed."},
	{"users", "People and scripts, their roles and tokens."},
	{"web UI session", "Browser sign-in: a server-side session in an HttpOnly cookie, with a CSRF token for state changes."},
	{"models and versions", "Stage-process models and their versions: draft, review, approval, diff and export. API clients pull `latest` with an ETag."},
	{"expert-panel rounds", "Delphi-style rounds on a version in review: panelists rate stages and transitions and propose changes; results are anonymous group statistics."},
	{"datasets of coded cases", "Coded therapy sessions: session reports (WAI-12), coded events, session selection and coder reliability."},
	{"statistics", "Reliability statistics of a raw ratings matrix."},
	{"comparisons", "Empirical comparison of a model version with coded sessions, and synthesis of the next version from it."},
	{"audit", "The SHA-256-chained log of every state change."},
}

// errorMeaning is the generic meaning of each error status, appended to
// every operation's description.
var errorMeaning = map[int]string{
	304: "the If-None-Match ETag is current (no body)",
	400: "malformed JSON or CSV",
	401: "no or unknown bearer token",
	403: "the caller's role or team may not do this",
	404: "unknown object, or one the caller may not know exists",
	409: "illegal state change",
	412: "If-Match does not match the current ETag",
	413: "the body is over the size limit",
	415: "unsupported Content-Type",
	422: "well-formed but invalid input; errors names every bad field",
	429: "too many failed authentications from this address",
	500: "internal error (details are logged, never sent)",
	503: "not ready",
}

// buildOpenAPI generates the OpenAPI 3 document from the route table.
func buildOpenAPI(routes []route, version string) ([]byte, error) {
	doc, err := openAPIDoc(routes, version)
	if err != nil {
		return nil, err
	}
	return json.MarshalIndent(doc, "", "  ")
}

func openAPIDoc(routes []route, version string) (*openapi3.T, error) {
	if version == "" {
		version = "dev"
	}
	doc := &openapi3.T{
		OpenAPI: "3.0.3",
		Info: &openapi3.Info{Title: "Stagewise API", Version: version,
			Description: "Versioned stage-process models, expert-panel rounds, coded cases, empirical comparisons and synthesis for task-analysis research. " +
				"Errors are RFC 9457 problem details. Responses may gain fields in later versions: clients ignore fields they do not know.",
			// The project has chosen no licence yet; say so rather than guess.
			// (Choosing one: set Name and URL here, and drop the
			// info-license-strict entry of api/client/.redocly.lint-ignore.yaml.)
			License: &openapi3.License{Name: "All rights reserved (no open-source licence has been chosen yet)"},
			Contact: &openapi3.Contact{Name: "Stagewise maintainers"},
		},
		Servers:    openapi3.Servers{{URL: "/", Description: "the server this document was fetched from"}},
		Paths:      openapi3.NewPaths(),
		Components: &openapi3.Components{Schemas: openapi3.Schemas{}, SecuritySchemes: openapi3.SecuritySchemes{}, Headers: openapi3.Headers{}},
	}
	for _, t := range apiTags {
		doc.Tags = append(doc.Tags, &openapi3.Tag{Name: t.name, Description: t.desc})
	}
	doc.Components.SecuritySchemes["bearer"] = &openapi3.SecuritySchemeRef{Value: openapi3.NewSecurityScheme().WithType("http").WithScheme("bearer").
		WithBearerFormat("opaque token").WithDescription("Authorization: Bearer <token>; a token is shown once, when created.")}
	doc.Components.Headers["ETag"] = &openapi3.HeaderRef{Value: &openapi3.Header{Parameter: openapi3.Parameter{
		Description: "A strong validator of this representation; send it back in If-None-Match (GET) or If-Match (PUT).",
		Schema:      openapi3.NewStringSchema().NewRef()}}}
	g := &schemaGen{doc: doc, names: map[string]reflect.Type{}, done: map[genKey]string{}}
	problemRef := g.ref(reflect.TypeOf(Problem{}), false)
	if g.err != nil {
		return nil, g.err
	}
	for _, r := range routes {
		op, err := g.operation(r, problemRef)
		if err != nil {
			return nil, fmt.Errorf("%s %s: %w", r.method, r.path, err)
		}
		doc.AddOperation(r.path, r.method, op)
	}
	addStatic(doc)
	if g.err != nil {
		return nil, g.err
	}
	return doc, nil
}

func (g *schemaGen) operation(r route, problemRef *openapi3.SchemaRef) (*openapi3.Operation, error) {
	op := openapi3.NewOperation()
	op.Summary = r.summary
	op.Tags = []string{r.tag}
	op.OperationID = r.opID
	if op.OperationID == "" {
		op.OperationID = operationID(r)
	}
	desc := r.desc
	if desc == "" {
		desc = r.summary + "."
	}
	if r.auth {
		op.Security = &openapi3.SecurityRequirements{{"bearer": []string{}}}
	} else {
		op.Security = &openapi3.SecurityRequirements{}
		desc += " No token needed."
	}
	for _, m := range pathParamRe.FindAllStringSubmatch(r.path, -1) {
		op.AddParameter(pathParameter(m[1], r.latest))
	}
	if r.query != nil {
		g.queryParameters(op, reflect.TypeOf(r.query))
	}
	codes := slices.Clone(r.errs)
	if slices.Contains(codes, http.StatusNotModified) {
		op.AddParameter(&openapi3.Parameter{In: "header", Name: "If-None-Match", Schema: openapi3.NewStringSchema().NewRef(),
			Description: "The ETag of the representation the client has; if it is current the answer is 304 without a body."})
	}
	if slices.Contains(codes, http.StatusPreconditionFailed) {
		op.AddParameter(&openapi3.Parameter{In: "header", Name: "If-Match", Schema: openapi3.NewStringSchema().NewRef(),
			Description: "The ETag the client read; if the object has changed since, the answer is 412 and nothing changes."})
	}
	if r.req != nil {
		s := g.ref(reflect.TypeOf(r.req), true)
		body := openapi3.NewRequestBody().WithJSONSchemaRef(s)
		body.Required = !r.optionalBody
		if r.optionalBody {
			body.Description = "May be left out entirely: every field has a default."
		}
		op.RequestBody = &openapi3.RequestBodyRef{Value: body}
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
		okResp.WithJSONSchemaRef(g.ref(reflect.TypeOf(r.resp), false))
	}
	for _, mt := range r.raw {
		if okResp.Content == nil {
			okResp.Content = openapi3.Content{}
		}
		okResp.Content[mt] = openapi3.NewMediaType().WithSchema(openapi3.NewStringSchema())
	}
	if r.etag {
		okResp.Headers = openapi3.Headers{"ETag": &openapi3.HeaderRef{Ref: "#/components/headers/ETag"}}
	}
	op.AddResponse(r.status, okResp)
	if r.auth {
		codes = append(codes, http.StatusUnauthorized, http.StatusTooManyRequests)
	}
	if r.req != nil || r.reqCSV {
		codes = append(codes, 400, 413, 415, 422)
	}
	codes = append(codes, 500)
	slices.Sort(codes)
	codes = slices.Compact(codes)
	var meanings []string
	for _, code := range codes {
		meaning := errorMeaning[code]
		if meaning == "" {
			return nil, fmt.Errorf("status %d has no meaning in errorMeaning", code)
		}
		meanings = append(meanings, fmt.Sprintf("%d: %s", code, meaning))
		if code == http.StatusNotModified {
			nm := openapi3.NewResponse().WithDescription("Not Modified: the If-None-Match ETag is current")
			nm.Headers = openapi3.Headers{"ETag": &openapi3.HeaderRef{Ref: "#/components/headers/ETag"}}
			op.AddResponse(code, nm)
			continue
		}
		resp := openapi3.NewResponse().WithDescription(http.StatusText(code) + ": " + meaning)
		resp.Content = openapi3.NewContentWithSchemaRef(problemRef, []string{"application/problem+json"})
		if code == http.StatusServiceUnavailable && r.resp != nil {
			resp.Content = openapi3.NewContentWithJSONSchemaRef(g.ref(reflect.TypeOf(r.resp), false))
		}
		op.AddResponse(code, resp)
	}
	op.Description = desc + "\n\nErrors: " + strings.Join(meanings, "; ") + "."
	return op, g.err
}

// pathParameter types a path parameter by its name (see the convention).
func pathParameter(name string, latest bool) *openapi3.Parameter {
	p := openapi3.NewPathParameter(name)
	switch {
	case name == "id" || name == "pid" || strings.HasSuffix(name, "_id"):
		s := openapi3.NewInt64Schema()
		s.Min = ptr(1.0)
		p.Schema, p.Description = s.NewRef(), "a numeric id"
	case name == "n" && latest:
		p.Schema = openapi3.NewStringSchema().WithPattern(`^(latest|[1-9][0-9]*)$`).NewRef()
		p.Description = "a version number, or latest: the newest approved version"
	case name == "n":
		s := openapi3.NewIntegerSchema()
		s.Min = ptr(1.0)
		p.Schema, p.Description = s.NewRef(), "a version number"
	case name == "slug":
		p.Schema, p.Description = openapi3.NewStringSchema().NewRef(), "the model's slug"
	default:
		p.Schema = openapi3.NewStringSchema().NewRef()
	}
	return p
}

func ptr[T any](v T) *T { return &v }

// addStatic documents the endpoints outside the route table.
func addStatic(doc *openapi3.T) {
	problem := openapi3.NewContentWithSchemaRef(&openapi3.SchemaRef{Ref: "#/components/schemas/Problem"}, []string{"application/problem+json"})
	op := openapi3.NewOperation()
	op.Summary, op.Tags, op.OperationID = "This document", []string{"operations"}, "getOpenAPI"
	op.Description = "The OpenAPI 3.0 description of this API, generated from the server's route table. No token needed."
	op.Security = &openapi3.SecurityRequirements{}
	op.AddResponse(200, openapi3.NewResponse().WithDescription("OK").WithJSONSchema(openapi3.NewObjectSchema()))
	op.AddResponse(500, openapi3.NewResponse().WithDescription("Internal Server Error").WithContent(problem))
	doc.AddOperation("/api/v1/openapi.json", http.MethodGet, op)
	m := openapi3.NewOperation()
	m.Summary, m.Tags, m.OperationID = "Prometheus metrics", []string{"operations"}, "getMetrics"
	m.Description = "Request counts and latencies in the Prometheus text format. No token needed."
	m.Security = &openapi3.SecurityRequirements{}
	resp := openapi3.NewResponse().WithDescription("OK")
	resp.Content = openapi3.NewContentWithSchema(openapi3.NewStringSchema(), []string{"text/plain"})
	m.AddResponse(200, resp)
	m.AddResponse(500, openapi3.NewResponse().WithDescription("Internal Server Error").WithContent(problem))
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

// ---- schemas from Go types ----

type genKey struct {
	t  reflect.Type
	in bool
}

// schemaGen turns Go types into component schemas (see the convention).
type schemaGen struct {
	doc   *openapi3.T
	names map[string]reflect.Type
	done  map[genKey]string
	err   error
}

// openAPISchemer is a type that describes itself (unions).
type openAPISchemer interface {
	openAPISchema(g *schemaGen, in bool) *openapi3.Schema
}

type openAPINamer interface{ openAPIName() string }

var (
	timeType     = reflect.TypeOf(time.Time{})
	schemerType  = reflect.TypeOf((*openAPISchemer)(nil)).Elem()
	namerType    = reflect.TypeOf((*openAPINamer)(nil)).Elem()
	genericListT = regexp.MustCompile(`^list\[.*\.([A-Za-z0-9_]+)\]$`)
)

// namedEnums names the enums that several fields share (the enum tag's
// value, exactly, to the component name).
var namedEnums = map[string]string{
	"admin,pi,panelist,coder,client":               "UserRole",
	"draft,in_review,approved,rejected,retired":    "VersionStatus",
	"rational,rational_empirical":                  "VersionKind",
	"patient,therapist,dyad":                       "Actor",
	"marker,process,resolution":                    "StageRole",
	"hypothesized,alternative,loop":                "TransitionKind",
	"draft,open,closed":                            "RoundStatus",
	"in,out,none":                                  "ConsensusOutcome",
	"patient,therapist":                            "Rater",
	"all,responders":                               "Reinvite",
	"stage,transition":                             "ItemType",
	"undecided,accepted,rejected,deferred":         "Decision",
	"percent_agree,median_iqr,grade,cvi,rand_ucla": "ConsensusRule",
	"rise_after_rupture,v_shape":                   "SelectionRule",
	"session,case":                                 "SupportUnit",
}

// enumRef is the named component of a shared enum.
func (g *schemaGen) enumRef(name, values string) *openapi3.SchemaRef {
	s := openapi3.NewStringSchema()
	for _, v := range strings.Split(values, ",") {
		s.Enum = append(s.Enum, v)
	}
	if _, ok := g.doc.Components.Schemas[name]; ok {
		return &openapi3.SchemaRef{Ref: "#/components/schemas/" + name, Value: s}
	}
	return g.named(name, reflect.TypeOf(struct{ enum string }{values}), s)
}

// customSchema is the schema of a field whose Go type says too little; a
// field names one with schema:"name".
func (g *schemaGen) customSchema(name string, in bool) (*openapi3.SchemaRef, bool) {
	switch name {
	case "codebook":
		arr := &openapi3.Schema{Type: &openapi3.Types{openapi3.TypeArray}, Items: g.ref(reflect.TypeOf(codeDTO{}), in)}
		return &openapi3.SchemaRef{Value: &openapi3.Schema{OneOf: openapi3.SchemaRefs{
			openapi3.NewStringSchema().WithEnum("3rs-2015").NewRef(), arr.NewRef(),
		}}}, true
	}
	return nil, false
}

func (g *schemaGen) fail(format string, args ...any) {
	if g.err == nil {
		g.err = fmt.Errorf(format, args...)
	}
}

// schemaName is the component name of a named struct type.
func schemaName(t reflect.Type, in bool) string {
	if t.Implements(namerType) {
		n := reflect.Zero(t).Interface().(openAPINamer).openAPIName()
		if in && !strings.HasSuffix(n, "Input") {
			n += "Input"
		}
		return n
	}
	name := t.Name()
	if genericListT.MatchString(name) {
		if f, ok := t.FieldByName("Items"); ok {
			return schemaName(f.Type.Elem(), in) + "List"
		}
	}
	suffix := ""
	for _, s := range []string{"Response", "Request", "DTO", "Wire"} {
		name = strings.TrimSuffix(name, s)
	}
	r := []rune(name)
	r[0] = unicode.ToUpper(r[0])
	name = string(r)
	if in && !strings.HasSuffix(name, "Input") {
		name += "Input"
	}
	return name + suffix
}

// named stores s as a component and returns a reference to it.
func (g *schemaGen) named(name string, t reflect.Type, s *openapi3.Schema) *openapi3.SchemaRef {
	if other, ok := g.names[name]; ok && other != t {
		g.fail("schema name %s is used by both %v and %v", name, other, t)
	}
	g.names[name] = t
	g.doc.Components.Schemas[name] = s.NewRef()
	return &openapi3.SchemaRef{Ref: "#/components/schemas/" + name, Value: s}
}

// ref is the schema of t; named structs are components.
func (g *schemaGen) ref(t reflect.Type, in bool) *openapi3.SchemaRef {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case t == timeType:
		return openapi3.NewDateTimeSchema().NewRef()
	case t == rawMessageType || t.Kind() == reflect.Interface:
		return (&openapi3.Schema{}).NewRef()
	}
	key := genKey{t, in}
	if name, ok := g.done[key]; ok {
		return &openapi3.SchemaRef{Ref: "#/components/schemas/" + name, Value: g.doc.Components.Schemas[name].Value}
	}
	if t.Implements(schemerType) {
		name := schemaName(t, in)
		g.done[key] = name
		g.doc.Components.Schemas[name] = &openapi3.SchemaRef{Value: &openapi3.Schema{}}
		return g.named(name, t, reflect.Zero(t).Interface().(openAPISchemer).openAPISchema(g, in))
	}
	switch t.Kind() {
	case reflect.Struct:
		name := schemaName(t, in)
		g.done[key] = name
		g.doc.Components.Schemas[name] = &openapi3.SchemaRef{Value: &openapi3.Schema{}} // recursion
		return g.named(name, t, g.object(t, in))
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 && t.Kind() == reflect.Slice {
			return openapi3.NewBytesSchema().NewRef()
		}
		return &openapi3.SchemaRef{Value: &openapi3.Schema{Type: &openapi3.Types{openapi3.TypeArray}, Items: g.elem(t.Elem(), in)}}
	case reflect.Map:
		s := openapi3.NewObjectSchema()
		if t.Elem().Kind() == reflect.Interface {
			s.AdditionalProperties = openapi3.AdditionalProperties{Has: ptr(true)}
		} else {
			s.AdditionalProperties = openapi3.AdditionalProperties{Schema: g.elem(t.Elem(), in)}
		}
		return s.NewRef()
	case reflect.String:
		return openapi3.NewStringSchema().NewRef()
	case reflect.Bool:
		return openapi3.NewBoolSchema().NewRef()
	case reflect.Int64, reflect.Uint64:
		return openapi3.NewInt64Schema().NewRef()
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32:
		return openapi3.NewIntegerSchema().NewRef()
	case reflect.Float32, reflect.Float64:
		return openapi3.NewFloat64Schema().NewRef()
	}
	g.fail("no schema for %v", t)
	return (&openapi3.Schema{}).NewRef()
}

// elem is the schema of an array item or map value: a pointer is nullable.
func (g *schemaGen) elem(t reflect.Type, in bool) *openapi3.SchemaRef {
	ref := g.ref(t, in)
	if t.Kind() != reflect.Pointer {
		return ref
	}
	if ref.Ref != "" {
		return (&openapi3.Schema{Type: &openapi3.Types{openapi3.TypeObject}, AllOf: openapi3.SchemaRefs{ref}, Nullable: true}).NewRef()
	}
	cp := *ref.Value
	cp.Nullable = true
	return cp.NewRef()
}

// object is the schema of a struct's fields.
func (g *schemaGen) object(t reflect.Type, in bool) *openapi3.Schema {
	s := openapi3.NewObjectSchema()
	if in {
		s.AdditionalProperties = openapi3.AdditionalProperties{Has: ptr(false)}
	}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" || !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		omitempty := strings.Contains(opts, "omitempty")
		fs := g.field(f, in)
		s.Properties[name] = fs
		if in && g.rulesOf(f).required || !in && !omitempty {
			s.Required = append(s.Required, name)
		}
	}
	if t.Implements(reflect.TypeOf((*interface{ openAPIDescription() string })(nil)).Elem()) {
		s.Description = reflect.Zero(t).Interface().(interface{ openAPIDescription() string }).openAPIDescription()
	}
	return s
}

// field is one struct field's schema with the field's tags applied.
func (g *schemaGen) field(f reflect.StructField, in bool) *openapi3.SchemaRef {
	for _, retired := range []string{"required", "format", "min", "max"} {
		if _, ok := f.Tag.Lookup(retired); ok {
			g.fail("field %s: the %s tag is retired; say it in the validate tag", f.Name, retired)
		}
	}
	var ref *openapi3.SchemaRef
	if c := f.Tag.Get("schema"); c != "" {
		var ok bool
		if ref, ok = g.customSchema(c, in); !ok {
			g.fail("field %s: no custom schema %q", f.Name, c)
			return (&openapi3.Schema{}).NewRef()
		}
	} else {
		ref = g.ref(f.Type, in)
	}
	rules := g.rulesOf(f)
	_, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
	nullable := f.Type.Kind() == reflect.Pointer && (in && !rules.required || !in && !strings.Contains(opts, "omitempty"))
	doc, def, enum := f.Tag.Get("doc"), f.Tag.Get("default"), f.Tag.Get("enum")
	if len(rules.oneof) > 0 {
		if enum != "" {
			g.fail("field %s: both enum and oneof; keep oneof", f.Name)
		}
		enum = strings.Join(rules.oneof, ",")
	}
	if name, ok := namedEnums[enum]; ok && ref.Value.Type.Is(openapi3.TypeString) {
		ref, enum = g.enumRef(name, enum), ""
	}
	// Requests carry the validate rules; responses only their enums.
	constrain := in && rules.statesMore()
	if !nullable && doc == "" && def == "" && enum == "" && !constrain {
		return ref
	}
	var s *openapi3.Schema
	if ref.Ref != "" {
		// A reference cannot carry siblings in OpenAPI 3.0: wrap it (every
		// named schema is an object).
		s = &openapi3.Schema{Type: ref.Value.Type, AllOf: openapi3.SchemaRefs{ref}}
	} else {
		cp := *ref.Value
		s = &cp
	}
	s.Description = doc
	s.Nullable = nullable
	target := s
	if s.Type.Is(openapi3.TypeArray) && s.Items != nil && enum != "" {
		items := *s.Items.Value
		target = &items
		s.Items = target.NewRef()
	}
	if enum != "" {
		target.Enum = nil
		for _, v := range strings.Split(enum, ",") {
			target.Enum = append(target.Enum, v)
		}
	}
	if def != "" {
		s.Description = withDefault(s.Description, def)
	}
	if constrain {
		g.constrain(s, rules, f.Type, f.Name)
	}
	return s.NewRef()
}

// rules are the parts of a validate tag (validate.go) that the document
// states: required and oneof as such, the bounds as minLength/maxLength,
// minItems/maxItems or minimum/maximum by the value's kind, email and
// datetime as formats, slug as a pattern; elem holds the rules after dive.
type rules struct {
	required         bool
	oneof            []string
	min, max         *float64
	exclMin, exclMax bool
	format, pattern  string
	elem             *rules
}

// statesMore says whether r needs more than the required list and the
// enum: bounds, a format, a pattern, item rules, or the minLength of a
// required free string.
func (r *rules) statesMore() bool {
	return r.min != nil || r.max != nil || r.format != "" || r.pattern != "" ||
		r.required && len(r.oneof) == 0 || r.elem != nil && r.elem.constrains()
}

func (r *rules) constrains() bool {
	return r.required || len(r.oneof) > 0 || r.min != nil || r.max != nil || r.format != "" || r.pattern != "" ||
		r.elem != nil && r.elem.constrains()
}

// rulesOf parses f's validate tag; a rule the document cannot state is an
// error, so a tag never checks more than the document says.
func (g *schemaGen) rulesOf(f reflect.StructField) *rules {
	r, err := parseRules(f.Tag.Get("validate"))
	if err != nil {
		g.fail("field %s: %v", f.Name, err)
		return &rules{}
	}
	return r
}

func parseRules(tag string) (*rules, error) {
	r := &rules{}
	if tag == "" {
		return r, nil
	}
	parts := strings.Split(tag, ",")
	for i, part := range parts {
		name, param, _ := strings.Cut(part, "=")
		num := func() (*float64, error) {
			v, err := strconv.ParseFloat(param, 64)
			if err != nil {
				return nil, fmt.Errorf("validate %s: %q is not a number", name, param)
			}
			return &v, nil
		}
		var err error
		switch name {
		case "omitempty", "omitnil":
		case "required", "notblank":
			r.required = true
		case "oneof":
			r.oneof = strings.Fields(param)
		case "min", "gte":
			r.min, err = num()
		case "max", "lte":
			r.max, err = num()
		case "gt":
			r.min, err = num()
			r.exclMin = true
		case "lt":
			r.max, err = num()
			r.exclMax = true
		case "email":
			r.format = "email"
		case "datetime":
			if param != rfc3339 {
				return nil, fmt.Errorf("validate datetime: only the RFC 3339 layout %s is documented", rfc3339)
			}
			r.format = "date-time"
		case "slug":
			r.pattern = slugPattern
		case "cursor":
			r.pattern = cursorPattern
		case "dive":
			elem, err := parseRules(strings.Join(parts[i+1:], ","))
			if err != nil {
				return nil, err
			}
			r.elem = elem
			return r, nil
		default:
			return nil, fmt.Errorf("validate rule %q: teach the OpenAPI reflector (parseRules) to state it first", name)
		}
		if err != nil {
			return nil, err
		}
	}
	return r, nil
}

// constrain states r on s, the schema of a value of Go type t.
func (g *schemaGen) constrain(s *openapi3.Schema, r *rules, t reflect.Type, field string) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		if r.min != nil {
			s.MinLength = uint64(*r.min)
		}
		if r.required && len(r.oneof) == 0 && s.MinLength == 0 {
			s.MinLength = 1 // required is not empty
		}
		if r.max != nil {
			s.MaxLength = ptr(uint64(*r.max))
		}
	case reflect.Slice, reflect.Array:
		if r.min != nil {
			s.MinItems = uint64(*r.min)
		}
		if r.max != nil {
			s.MaxItems = ptr(uint64(*r.max))
		}
	case reflect.Map:
		if r.min != nil {
			s.MinProps = uint64(*r.min)
		}
		if r.max != nil {
			s.MaxProps = ptr(uint64(*r.max))
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Float32, reflect.Float64:
		s.Min, s.Max = r.min, r.max
		if r.exclMin {
			s.ExclusiveMin = openapi3.ExclusiveBound{Bool: ptr(true)}
		}
		if r.exclMax {
			s.ExclusiveMax = openapi3.ExclusiveBound{Bool: ptr(true)}
		}
	default:
		if r.min != nil || r.max != nil {
			g.fail("field %s: bounds on a %v", field, t)
		}
	}
	if r.format != "" {
		s.Format = r.format
	}
	if r.pattern != "" {
		s.Pattern = r.pattern
	}
	if r.elem == nil || !r.elem.constrains() {
		return
	}
	switch t.Kind() {
	case reflect.Slice, reflect.Array:
		s.Items = g.constrainElem(s.Items, r.elem, t.Elem(), field)
	case reflect.Map:
		s.AdditionalProperties.Schema = g.constrainElem(s.AdditionalProperties.Schema, r.elem, t.Elem(), field)
	default:
		g.fail("field %s: dive on a %v", field, t)
	}
}

func (g *schemaGen) constrainElem(ref *openapi3.SchemaRef, r *rules, t reflect.Type, field string) *openapi3.SchemaRef {
	if ref == nil || ref.Ref != "" {
		g.fail("field %s: element rules on a named schema; put them on its fields", field)
		return ref
	}
	cp := *ref.Value
	if r.required {
		cp.Nullable = false
	}
	if len(r.oneof) > 0 {
		cp.Enum = toAny(r.oneof)
	}
	g.constrain(&cp, r, t, field)
	return cp.NewRef()
}

// queryParameters documents each field of a query type (query.go) as a
// parameter: its name from the query tag, its description and default from
// doc and default, and the rules of its validate tag on its schema.
func (g *schemaGen) queryParameters(op *openapi3.Operation, t reflect.Type) {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if f.Anonymous {
			g.queryParameters(op, f.Type)
			continue
		}
		name := f.Tag.Get("query")
		if name == "" {
			g.fail("query field %s: no query tag", f.Name)
			continue
		}
		var s *openapi3.Schema
		ft := f.Type
		if ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		switch ft.Kind() {
		case reflect.String:
			s = openapi3.NewStringSchema()
		case reflect.Int, reflect.Int64:
			s = openapi3.NewIntegerSchema()
		default:
			g.fail("query field %s: a %v; parseQuery reads strings and integers", f.Name, ft)
			continue
		}
		rules := g.rulesOf(f)
		if len(rules.oneof) > 0 {
			s.Enum = toAny(rules.oneof)
		}
		g.constrain(s, rules, f.Type, f.Name)
		desc := f.Tag.Get("doc")
		if def := f.Tag.Get("default"); def != "" {
			desc = withDefault(desc, def)
		}
		p := openapi3.NewQueryParameter(name).WithSchema(s).WithDescription(desc)
		p.Required = rules.required
		// The server reads an empty parameter (?limit=) as an absent one.
		p.AllowEmptyValue = !p.Required
		op.AddParameter(p)
	}
}

// withDefault states a default in a description.
func withDefault(desc, def string) string {
	if def == "" || def == `""` {
		def = `"" (empty)`
	}
	if desc != "" {
		desc += ". "
	}
	return desc + "Default: " + def + "."
}

// variant builds one alternative of a union: an object whose discriminator
// property is fixed to value, plus the given properties.
func variant(disc, value string, discRequired bool, in bool, props openapi3.Schemas, required ...string) *openapi3.Schema {
	s := openapi3.NewObjectSchema()
	if in {
		s.AdditionalProperties = openapi3.AdditionalProperties{Has: ptr(false)}
	}
	s.Properties[disc] = openapi3.NewStringSchema().WithEnum(value).NewRef()
	for k, v := range props {
		s.Properties[k] = v
	}
	if discRequired {
		s.Required = append(s.Required, disc)
	}
	s.Required = append(s.Required, required...)
	return s
}
