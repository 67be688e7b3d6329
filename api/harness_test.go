package api_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	"github.com/labstack/echo/v4"

	"github.com/stagewise/stagewise/api"
	"github.com/stagewise/stagewise/models/store"
	"github.com/stagewise/stagewise/workflow"
	"github.com/stagewise/stagewise/workflow/diagram"
)

const adminToken = "test-admin-token-0123456789"

// env is one fully wired server on a fresh database.
type env struct {
	t      *testing.T
	e      *echo.Echo
	st     *store.Store
	svc    *workflow.Service
	router routers.Router
	admin  string
}

var sharedRenderer = &diagram.Renderer{}

func init() {
	for _, mt := range []string{"image/svg+xml", "text/vnd.graphviz", "text/vnd.mermaid", "text/csv"} {
		openapi3filter.RegisterBodyDecoder(mt, func(r io.Reader, _ http.Header, _ *openapi3.SchemaRef, _ openapi3filter.EncodingFn) (any, error) {
			b, err := io.ReadAll(r)
			return string(b), err
		})
	}
}

// with returns ev for the subtest t: the same server and database, with
// failures reported on t. Parallel subtests that each make their own
// objects (a version, a round) share one env this way.
func (ev *env) with(t *testing.T) *env {
	c := *ev
	c.t = t
	return &c
}

// newEnv wires a server on a fresh database: a SQLite file in t.TempDir(),
// or, for the tests TestOnPostgres runs, a fresh PostgreSQL database. The
// choice is made per test from its name, so tests that call t.Parallel()
// (as every test here should) may run side by side on either database.
func newEnv(t *testing.T) *env {
	t.Helper()
	return factoryFor(t).fresh(t)
}

// factoryFor picks the database of a test: the subtests of TestOnPostgres
// run on PostgreSQL, everything else on SQLite.
func factoryFor(t *testing.T) envFactory {
	if strings.HasPrefix(t.Name(), "TestOnPostgres/") {
		return postgresFactory
	}
	return sqliteFactory
}

func newSQLiteEnv(t *testing.T) *env {
	t.Helper()
	return newEnvAt(t, filepath.Join(t.TempDir(), "test.db"))
}

// newEnvAt wires a server on the database file at path; two envs on one
// path are two stagewise processes sharing a database.
func newEnvAt(t *testing.T, path string) *env {
	t.Helper()
	return newEnvWith(t, store.Config{SQLitePath: path})
}

// newEnvWith wires a server on the database cfg names.
func newEnvWith(t *testing.T, cfg store.Config) *env {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	svc := workflow.New(st, log)
	if _, err := svc.Users.EnsureAdmin(ctx, adminToken); err != nil {
		t.Fatal(err)
	}
	e, err := api.New(api.Deps{Log: log, Service: svc, Health: st, Renderer: sharedRenderer, EngineVersion: "test"})
	if err != nil {
		t.Fatal(err)
	}
	ev := &env{t: t, e: e, st: st, svc: svc, admin: adminToken}
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/v1/openapi.json", nil))
	ev.router = openAPIRouter(t, rec.Body.Bytes())
	return ev
}

// routers holds one OpenAPI router per served document: every env of a
// run serves the same document, and loading and validating it is the
// slowest part of wiring an env.
var routersByDoc sync.Map // string(document) → routers.Router

func openAPIRouter(t *testing.T, raw []byte) routers.Router {
	t.Helper()
	if r, ok := routersByDoc.Load(string(raw)); ok {
		return r.(routers.Router)
	}
	doc, err := openapi3.NewLoader().LoadFromData(raw)
	if err != nil {
		t.Fatalf("openapi document does not load: %v", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("openapi document is invalid: %v", err)
	}
	doc.Servers = nil
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	routersByDoc.Store(string(raw), router)
	return router
}

type resp struct {
	status int
	header http.Header
	body   []byte
}

func (r resp) json(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("response is not JSON (%d): %v\n%s", r.status, err, r.body)
	}
}

func (r resp) problem(t *testing.T) api.Problem {
	t.Helper()
	var p api.Problem
	r.json(t, &p)
	return p
}

// do sends a request through the real router and validates the response
// against the served OpenAPI document.
func (ev *env) do(method, path, token string, body any, headers ...string) resp {
	ev.t.Helper()
	var rdr io.Reader
	var raw []byte
	switch b := body.(type) {
	case nil:
	case string:
		raw = []byte(b)
	case []byte:
		raw = b
	default:
		var err error
		raw, err = json.Marshal(b)
		if err != nil {
			ev.t.Fatal(err)
		}
	}
	if raw != nil {
		rdr = bytes.NewReader(raw)
	}
	req := httptest.NewRequest(method, path, rdr)
	if raw != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	check := req.Clone(context.Background())
	if raw != nil {
		check.Body = io.NopCloser(bytes.NewReader(raw))
	}
	rec := httptest.NewRecorder()
	ev.e.ServeHTTP(rec, req)
	r := resp{status: rec.Code, header: rec.Header(), body: rec.Body.Bytes()}
	ev.validate(check, raw, r)
	return r
}

// validated holds the exchanges (a request and its response, byte for
// byte) that passed validation against a document. Validation is a
// function of the exchange alone, so an identical exchange (the same
// listing fetched again to see that nothing changed, as snapshot does
// before and after every rejected request) passes without being
// validated again.
var validated sync.Map // exchangeKey → struct{}

type exchangeKey struct {
	router routers.Router
	sum    [sha256.Size]byte
}

// keyOf hashes everything validation reads: the request's method, URL,
// headers and body, and the response's status, headers and body. The
// response's X-Request-Id, new on every request, is left out: the
// document does not describe it, so validation never reads it.
func keyOf(router routers.Router, req *http.Request, reqBody []byte, r resp) exchangeKey {
	h := sha256.New()
	field := func(b []byte) {
		var n [8]byte
		binary.LittleEndian.PutUint64(n[:], uint64(len(b)))
		h.Write(n[:])
		h.Write(b)
	}
	headers := func(hd http.Header, skip string) {
		names := make([]string, 0, len(hd))
		for k := range hd {
			if !strings.EqualFold(k, skip) {
				names = append(names, k)
			}
		}
		sort.Strings(names)
		field([]byte(strconv.Itoa(len(names))))
		for _, k := range names {
			field([]byte(k))
			field([]byte(strconv.Itoa(len(hd[k]))))
			for _, v := range hd[k] {
				field([]byte(v))
			}
		}
	}
	field([]byte(req.Method))
	field([]byte(req.URL.String()))
	headers(req.Header, "")
	field(reqBody)
	field([]byte(strconv.Itoa(r.status)))
	headers(r.header, "X-Request-Id")
	field(r.body)
	k := exchangeKey{router: router}
	h.Sum(k.sum[:0])
	return k
}

func (ev *env) validate(req *http.Request, reqBody []byte, r resp) {
	ev.t.Helper()
	if r.status == http.StatusNotModified {
		return
	}
	key := keyOf(ev.router, req, reqBody, r)
	if _, ok := validated.Load(key); ok {
		return
	}
	route, params, err := ev.router.FindRoute(req)
	if err != nil {
		if r.status == http.StatusNotFound || r.status == http.StatusMethodNotAllowed {
			return // an unknown path is not in the document, by design
		}
		ev.t.Errorf("%s %s: not in the OpenAPI document: %v", req.Method, req.URL.Path, err)
		return
	}
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, MultiError: true}}
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: r.status, Header: r.header,
		Options: &openapi3filter.Options{IncludeResponseStatus: true}}
	out.SetBodyBytes(r.body)
	// Every request the server accepts must pass the document too, so a
	// validating gateway in front of the server never rejects a request the
	// server would take. Requests the server rejects may break the document
	// (they are the bad-input tests), but need not.
	ok := true
	if err := openapi3filter.ValidateRequest(context.Background(), in); err != nil && r.status < 400 {
		ev.t.Errorf("%s %s → %d: the server accepted a request the OpenAPI document rejects: %v", req.Method, req.URL.Path, r.status, err)
		ok = false
	}
	if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
		ev.t.Errorf("%s %s → %d does not match the OpenAPI document: %v\nbody: %.600s", req.Method, req.URL.Path, r.status, err, r.body)
		ok = false
	}
	if ok {
		validated.Store(key, struct{}{})
	}
}

// user creates a user of role through the admin and returns its token and
// id. A panelist or coder gets an invitation, not a token: the helper
// claims it, as the invitee would, and returns the claimed token.
func (ev *env) user(role, name string) (string, int64) {
	ev.t.Helper()
	return ev.userBy(ev.admin, role, name)
}

// userBy creates a user of role through creator (an admin or a PI, who
// then lists the user: a PI sees only the users they created and their
// teams' members) and returns its token and id.
func (ev *env) userBy(creator, role, name string) (string, int64) {
	ev.t.Helper()
	r := ev.do(http.MethodPost, "/api/v1/users", creator, map[string]any{"name": name, "email": strings.ToLower(strings.ReplaceAll(name, " ", ".")) + "@example.org", "role": role})
	if r.status != http.StatusCreated {
		ev.t.Fatalf("create user: %d %s", r.status, r.body)
	}
	var u struct {
		ID         int64  `json:"id"`
		Token      string `json:"token"`
		Invitation *struct {
			Code string `json:"code"`
		} `json:"invitation"`
	}
	r.json(ev.t, &u)
	if u.Invitation != nil {
		if u.Token != "" {
			ev.t.Fatalf("created %s with both a token and an invitation", role)
		}
		return ev.claim(u.Invitation.Code), u.ID
	}
	return u.Token, u.ID
}

// claim exchanges an invitation code for its token.
func (ev *env) claim(code string) string {
	ev.t.Helper()
	r := ev.do(http.MethodPost, "/api/v1/invitations/claim", "", map[string]any{"code": code})
	if r.status != http.StatusOK {
		ev.t.Fatalf("claim invitation: %d %s", r.status, r.body)
	}
	var c struct {
		Token string `json:"token"`
	}
	r.json(ev.t, &c)
	return c.Token
}

func sampleVersion() map[string]any {
	return map[string]any{
		"notes": "first draft",
		"stages": []map[string]any{
			{"key": "S1", "name": "Rupture marker", "actor": "patient", "role": "marker", "codes": []string{"W1", "C1"}},
			{"key": "S2", "name": "Invite exploration", "actor": "therapist", "role": "process", "codes": []string{"RS04"}},
			{"key": "S3", "name": "Validate", "actor": "therapist", "role": "process", "cluster": "k", "codes": []string{"RS09"}},
			{"key": "S4", "name": "Rationale", "actor": "therapist", "role": "process", "cluster": "k", "optional": true, "codes": []string{"RS03"}},
			{"key": "S5", "name": "Re-engagement", "actor": "dyad", "role": "resolution", "codes": []string{"RS02"}},
		},
		"transitions": []map[string]any{
			{"from": "S1", "to": "S2"}, {"from": "S2", "to": "S3"}, {"from": "S3", "to": "S4"}, {"from": "S4", "to": "S5"},
			{"from": "S2", "to": "S5", "kind": "alternative"},
		},
		"clusters": []map[string]any{{"key": "k", "name": "Repair strategies"}},
	}
}

// model creates a model owned by the PI token with one draft version.
func (ev *env) model(pi, slug string) {
	ev.t.Helper()
	r := ev.do(http.MethodPost, "/api/v1/models", pi, map[string]any{"slug": slug, "title": "Rupture repair", "marker": "withdrawal", "resolution": "re-engagement", "context": "CBT"})
	if r.status != http.StatusCreated {
		ev.t.Fatalf("create model: %d %s", r.status, r.body)
	}
}

func (ev *env) draft(pi, slug string, body map[string]any) int {
	ev.t.Helper()
	r := ev.do(http.MethodPost, "/api/v1/models/"+slug+"/versions", pi, body)
	if r.status != http.StatusCreated {
		ev.t.Fatalf("create version: %d %s", r.status, r.body)
	}
	var v struct {
		Number int `json:"number"`
	}
	r.json(ev.t, &v)
	return v.Number
}

// snapshot counts what a rejected request must not change.
func (ev *env) snapshot() string {
	ev.t.Helper()
	var b strings.Builder
	r := ev.do(http.MethodGet, "/api/v1/audit?limit=200", ev.admin, nil)
	b.Write(r.body)
	r = ev.do(http.MethodGet, "/api/v1/models?limit=200", ev.admin, nil)
	b.Write(r.body)
	return b.String()
}
