package client_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/stagewise/stagewise/api"
	"github.com/stagewise/stagewise/api/client"
	"github.com/stagewise/stagewise/models/store"
	"github.com/stagewise/stagewise/workflow"
	"github.com/stagewise/stagewise/workflow/diagram"
)

const adminToken = "client-test-admin-token-0123456789"

// serve starts the real server on a fresh SQLite file over TCP.
func serve(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, store.Config{SQLitePath: filepath.Join(t.TempDir(), "client.db")})
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
	e, err := api.New(api.Deps{Log: log, Service: svc, Health: st, Renderer: &diagram.Renderer{}, EngineVersion: "test"})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	return srv.URL
}

// validating is an HTTP client that checks every request the generated
// client sends, and every answer, against the served OpenAPI document.
type validating struct {
	t      *testing.T
	router routers.Router
}

var (
	routerMu sync.Mutex
	routerOf = map[string]routers.Router{}
)

func documentRouter(t *testing.T, base string) routers.Router {
	t.Helper()
	routerMu.Lock()
	defer routerMu.Unlock()
	if r, ok := routerOf[base]; ok {
		return r
	}
	resp, err := http.Get(base + "/api/v1/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	doc, err := openapi3.NewLoader().LoadFromData(b)
	if err != nil {
		t.Fatal(err)
	}
	doc.Servers = openapi3.Servers{{URL: base}}
	r, err := gorillamux.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	routerOf[base] = r
	return r
}

func (v validating) Do(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil {
		body, _ = io.ReadAll(req.Body)
		req.Body = io.NopCloser(bytes.NewReader(body))
	}
	check := req.Clone(req.Context())
	check.Body = io.NopCloser(bytes.NewReader(body))
	route, params, err := v.router.FindRoute(check)
	if err != nil {
		v.t.Errorf("%s %s: not in the document: %v", req.Method, req.URL.Path, err)
		return http.DefaultClient.Do(req)
	}
	in := &openapi3filter.RequestValidationInput{Request: check, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, MultiError: true}}
	if err := openapi3filter.ValidateRequest(req.Context(), in); err != nil {
		v.t.Errorf("%s %s: the generated client sent a request the document rejects: %v", req.Method, req.URL.Path, err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	rb, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(rb))
	if resp.StatusCode != http.StatusNotModified {
		out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: resp.StatusCode, Header: resp.Header,
			Options: &openapi3filter.Options{IncludeResponseStatus: true}}
		out.SetBodyBytes(rb)
		if err := openapi3filter.ValidateResponse(req.Context(), out); err != nil {
			v.t.Errorf("%s %s → %d: the answer does not match the document: %v", req.Method, req.URL.Path, resp.StatusCode, err)
		}
	}
	return resp, nil
}

func connect(t *testing.T, base, token string) *client.ClientWithResponses {
	t.Helper()
	c, err := client.NewClientWithResponses(base, client.WithHTTPClient(validating{t: t, router: documentRouter(t, base)}),
		client.WithRequestEditorFn(func(_ context.Context, r *http.Request) error {
			r.Header.Set("Authorization", "Bearer "+token)
			return nil
		}))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// user creates a user through the admin and returns a client acting as it.
// A panelist or coder may get an invitation instead of a token; then the
// invitation is claimed, as the invitee would.
func user(t *testing.T, base string, admin *client.ClientWithResponses, role client.UserRole, name string) (*client.ClientWithResponses, int64) {
	t.Helper()
	r, err := admin.PostUsersWithResponse(context.Background(), client.UserCreateInput{
		Name: name, Email: openapi_types.Email(strings.ToLower(strings.ReplaceAll(name, " ", ".")) + "@example.org"), Role: role})
	if err != nil || r.JSON201 == nil {
		t.Fatalf("create %s: %v %d %s", role, err, r.StatusCode(), r.Body)
	}
	token := ""
	if r.JSON201.Token != nil {
		token = *r.JSON201.Token
	} else {
		var inv struct {
			Invitation struct {
				Code string `json:"code"`
			} `json:"invitation"`
		}
		if err := json.Unmarshal(r.Body, &inv); err != nil || inv.Invitation.Code == "" {
			t.Fatalf("no token and no invitation: %s", r.Body)
		}
		body, _ := json.Marshal(map[string]string{"code": inv.Invitation.Code})
		resp, err := http.Post(base+"/api/v1/invitations/claim", "application/json", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var claimed struct {
			Token string `json:"token"`
		}
		if err := json.NewDecoder(resp.Body).Decode(&claimed); err != nil || claimed.Token == "" {
			t.Fatalf("claim: %d %v", resp.StatusCode, err)
		}
		token = claimed.Token
	}
	return connect(t, base, token), r.JSON201.Id
}

func ptr[T any](v T) *T { return &v }

// TestClientScenario drives the server through the generated client only:
// create and approve a version (after a panel round with a review), pull
// latest with its ETag and get 304, run a comparison.
func TestClientScenario(t *testing.T) {
	ctx := context.Background()
	base := serve(t)
	admin := connect(t, base, adminToken)
	pi, _ := user(t, base, admin, client.UserRolePi, "Pat PI")
	panelist, panelistID := user(t, base, admin, client.UserRolePanelist, "Pan Elist")

	m, err := pi.PostModelsWithResponse(ctx, client.ModelCreateInput{Slug: "repair", Title: "Rupture repair", Marker: "withdrawal", Resolution: "re-engagement"})
	if err != nil || m.JSON201 == nil {
		t.Fatalf("create model: %v %s", err, m.Body)
	}

	// A draft with only its required fields.
	draft := client.VersionInput{Stages: []client.StageInput{
		{Key: "S1", Name: "Rupture marker", Actor: client.ActorPatient, Role: client.Marker, Codes: []string{"W1"}},
		{Key: "S2", Name: "Invite exploration", Actor: client.ActorTherapist, Role: client.Process, Codes: []string{"RS04"}},
		{Key: "S3", Name: "Re-engagement", Actor: client.ActorDyad, Role: client.Resolution, Codes: []string{"RS02"}},
	}, Transitions: &[]client.TransitionInput{{From: "S1", To: "S2"}, {From: "S2", To: "S3"}}}
	v, err := pi.PostModelsSlugVersionsWithResponse(ctx, "repair", draft)
	if err != nil || v.JSON201 == nil {
		t.Fatalf("create version: %v %d %s", err, v.StatusCode(), v.Body)
	}
	if v.JSON201.Status != client.VersionStatusDraft || v.JSON201.Kind != client.Rational || v.HTTPResponse.Header.Get("ETag") == "" {
		t.Errorf("draft: %+v, ETag %q", v.JSON201, v.HTTPResponse.Header.Get("ETag"))
	}
	n := v.JSON201.Number
	if s, err := pi.PostModelsSlugVersionsNSubmitWithResponse(ctx, "repair", n, client.ActionInput{}); err != nil || s.JSON200 == nil {
		t.Fatalf("submit: %v %s", err, s.Body)
	}

	// A round with only panelists and scale; a review with only ratings.
	rd, err := pi.PostModelsSlugVersionsNRoundsWithResponse(ctx, "repair", n, client.RoundInput{
		Panelists: &[]int64{panelistID}, Scale: &client.ScaleInput{Min: 1, Max: 9}})
	if err != nil || rd.JSON201 == nil {
		t.Fatalf("create round: %v %s", err, rd.Body)
	}
	round := rd.JSON201.Id
	if o, err := pi.PostRoundsIdOpenWithResponse(ctx, round, client.ActionInput{}); err != nil || o.JSON200 == nil || o.JSON200.Status != client.RoundStatusOpen {
		t.Fatalf("open: %v %s", err, o.Body)
	}
	review, err := panelist.PutRoundsIdReviewWithResponse(ctx, round, client.ReviewInput{
		Stages:      &[]client.StageRatingInput{{Key: "S1", Relevance: ptr(8), Clarity: ptr(7)}, {Key: "S2", Relevance: ptr(9)}},
		Transitions: &[]client.TransitionRatingInput{{From: "S1", To: "S2", Agreement: ptr(8)}},
	})
	if err != nil || review.JSON200 == nil {
		t.Fatalf("review: %v %d %s", err, review.StatusCode(), review.Body)
	}
	if review.JSON200.Revision != 1 || len(review.JSON200.Stages) != 2 {
		t.Errorf("review: %+v", review.JSON200)
	}
	if c, err := pi.PostRoundsIdCloseWithResponse(ctx, round, client.ActionInput{}); err != nil || c.JSON200 == nil {
		t.Fatalf("close: %v %s", err, c.Body)
	}
	ap, err := pi.PostModelsSlugVersionsNApproveWithResponse(ctx, "repair", n, client.ActionInput{Note: ptr("panel agreed")})
	if err != nil || ap.JSON200 == nil || ap.JSON200.Status != client.VersionStatusApproved {
		t.Fatalf("approve: %v %s", err, ap.Body)
	}

	// An API client pulls latest with its ETag: 200, then 304.
	reader, _ := user(t, base, admin, client.UserRoleClient, "Analysis Script")
	latest, err := reader.GetModelsSlugVersionsNWithResponse(ctx, "repair", "latest", nil)
	if err != nil || latest.JSON200 == nil {
		t.Fatalf("latest: %v %s", err, latest.Body)
	}
	etag := latest.HTTPResponse.Header.Get("ETag")
	if latest.JSON200.Number != n || etag == "" || latest.JSON200.ApprovedAt == nil {
		t.Errorf("latest: number %d, ETag %q, approved_at %v", latest.JSON200.Number, etag, latest.JSON200.ApprovedAt)
	}
	again, err := reader.GetModelsSlugVersionsNWithResponse(ctx, "repair", "latest", &client.GetModelsSlugVersionsNParams{IfNoneMatch: &etag})
	if err != nil || again.StatusCode() != http.StatusNotModified || len(again.Body) != 0 || again.JSON200 != nil {
		t.Errorf("If-None-Match: %v %d %q", err, again.StatusCode(), again.Body)
	}
	if again.HTTPResponse.Header.Get("ETag") != etag {
		t.Errorf("304 carries the ETag %q, want %q", again.HTTPResponse.Header.Get("ETag"), etag)
	}

	// A comparison of the approved version with coded sessions.
	var codebook client.DatasetCreateInput_Codebook
	if err := codebook.FromDatasetCreateInputCodebook0("3rs-2015"); err != nil {
		t.Fatal(err)
	}
	ds, err := pi.PostDatasetsWithResponse(ctx, client.DatasetCreateInput{Name: "Trial", Codebook: codebook})
	if err != nil || ds.JSON201 == nil {
		t.Fatalf("dataset: %v %s", err, ds.Body)
	}
	ev := func(cs string, session, segment int, code string) client.EventRowInput {
		return client.EventRowInput{Case: cs, Session: session, Coder: "consensus", Segment: segment, Code: code}
	}
	imp, err := pi.PostDatasetsIdEventsWithResponse(ctx, ds.JSON201.Id, client.EventRowsInput{Rows: []client.EventRowInput{
		ev("A", 1, 1, "W1"), ev("A", 1, 2, "RS04"), ev("A", 1, 3, "RS02"), ev("B", 1, 1, "W1"), ev("B", 1, 2, "RS02"),
	}})
	if err != nil || imp.JSON200 == nil || imp.JSON200.Imported != 5 {
		t.Fatalf("import: %v %s", err, imp.Body)
	}
	cmp, err := pi.PostComparisonsWithResponse(ctx, client.ComparisonInput{Model: "repair", Version: n, Dataset: ds.JSON201.Id,
		Sessions: ptr(client.ComparisonInputSessionsAll)})
	if err != nil || cmp.JSON201 == nil {
		t.Fatalf("comparison: %v %d %s", err, cmp.StatusCode(), cmp.Body)
	}
	sum := cmp.JSON201.Report.Summary
	if sum.Sessions != 2 || sum.Cases != 2 || sum.Fitness == nil {
		t.Errorf("summary: %+v", sum)
	}
	got, err := pi.GetComparisonsIdWithResponse(ctx, cmp.JSON201.Id, nil)
	if err != nil || got.JSON200 == nil || got.JSON200.Report.Summary.Sessions != 2 {
		t.Fatalf("get comparison: %v %s", err, got.Body)
	}
}

// TestDocumentCurrent checks that openapi.json, from which client.gen.go
// is generated, still describes the server: every operation the client
// calls exists with the same operationId. Operations added since are
// reported (the client lacks them until go generate ./api/client/).
func TestDocumentCurrent(t *testing.T) {
	base := serve(t)
	resp, err := http.Get(base + "/api/v1/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	served, err := openapi3.NewLoader().LoadFromData(b)
	if err != nil {
		t.Fatal(err)
	}
	file, err := os.ReadFile("openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	committed, err := openapi3.NewLoader().LoadFromData(file)
	if err != nil {
		t.Fatal(err)
	}
	ops := func(d *openapi3.T) map[string]string {
		out := map[string]string{}
		for path, item := range d.Paths.Map() {
			for method, op := range item.Operations() {
				out[method+" "+path] = op.OperationID
			}
		}
		return out
	}
	now, then := ops(served), ops(committed)
	for k, id := range then {
		if now[k] != id {
			t.Errorf("%s (%s) is in openapi.json but not served so: run go generate ./api/client/", k, id)
		}
	}
	for k := range now {
		if _, ok := then[k]; !ok {
			t.Logf("%s is served but not in openapi.json yet: run go generate ./api/client/", k)
		}
	}
}
