package api

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stagewise/stagewise/models/store"
	"github.com/stagewise/stagewise/workflow"
	"github.com/stagewise/stagewise/workflow/comparisons"
)

var updateGolden = flag.Bool("update-golden", false, "rewrite testdata/comparison-report.golden.json (a deliberate change of the report format)")

const goldenReport = "testdata/comparison-report.golden.json"

// TestReportGolden pins the stored and served comparison report (see
// report_wire.go): a fixed comparison is stored and served as the golden
// bytes, and those bytes are exactly what comparisonWire's types describe.
func TestReportGolden(t *testing.T) {
	t.Parallel()
	if comparisons.ComparisonEngine != reportFormat {
		t.Fatalf("the engine version is %s but the wire types describe %s: a new report format needs report_wire.go, reportFormat and the golden file updated together",
			comparisons.ComparisonEngine, reportFormat)
	}
	ctx := context.Background()
	st, err := store.Open(ctx, store.Config{SQLitePath: filepath.Join(t.TempDir(), "golden.db")})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	svc := workflow.New(st, log)
	const admin = "golden-admin-token-0123456789"
	if _, err := svc.Users.EnsureAdmin(ctx, admin); err != nil {
		t.Fatal(err)
	}
	e, err := New(Deps{Log: log, Service: svc, Health: st, EngineVersion: "test"})
	if err != nil {
		t.Fatal(err)
	}
	call := func(method, path, contentType, body string, want int) []byte {
		t.Helper()
		req := httptest.NewRequest(method, path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+admin)
		if body != "" {
			req.Header.Set("Content-Type", contentType)
		}
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, req)
		if rec.Code != want {
			t.Fatalf("%s %s: %d %s", method, path, rec.Code, rec.Body)
		}
		return rec.Body.Bytes()
	}
	const js = "application/json"
	call(http.MethodPost, "/api/v1/models", js, `{"slug":"golden","title":"Rupture repair","marker":"withdrawal","resolution":"re-engagement"}`, 201)
	call(http.MethodPost, "/api/v1/models/golden/versions", js, `{"stages":[
		{"key":"S1","name":"Marker","actor":"patient","role":"marker","codes":["W1","C1"]},
		{"key":"S2","name":"Explore","actor":"therapist","role":"process","codes":["RS04"]},
		{"key":"S3","name":"Validate","actor":"therapist","role":"process","cluster":"k","codes":["RS09"]},
		{"key":"S4","name":"Rationale","actor":"therapist","role":"process","cluster":"k","optional":true,"codes":["RS03"]},
		{"key":"S5","name":"Re-engagement","actor":"dyad","role":"resolution","codes":["RS02"]}],
		"transitions":[{"from":"S1","to":"S2"},{"from":"S2","to":"S3"},{"from":"S3","to":"S4"},{"from":"S4","to":"S5"},{"from":"S2","to":"S5","kind":"alternative"}],
		"clusters":[{"key":"k","name":"Repair strategies"}]}`, 201)
	var ds struct {
		ID int64 `json:"id"`
	}
	if err := json.Unmarshal(call(http.MethodPost, "/api/v1/datasets", js, `{"name":"Golden","codebook":"3rs-2015"}`, 201), &ds); err != nil {
		t.Fatal(err)
	}
	// Fits, a model move, a log move with an unmapped code, a loop, and a
	// session of another coder that is left out.
	events := "case,session,coder,segment,code\n" +
		"A,1,consensus,1,W1\nA,1,consensus,2,RS04\nA,1,consensus,3,RS09\nA,1,consensus,4,RS02\n" +
		"A,2,consensus,1,W1\nA,2,consensus,2,RS02\n" +
		"B,1,consensus,1,RS04\nB,1,consensus,2,W1\nB,1,consensus,3,RS04\nB,1,consensus,4,RS02\nB,1,consensus,5,RS07\n" +
		"B,2,consensus,1,C1\nB,2,consensus,2,RS04\nB,2,consensus,3,RS03\nB,2,consensus,4,RS09\nB,2,consensus,5,RS02\n" +
		"B,3,second,1,W1\n"
	call(http.MethodPost, fmt.Sprintf("/api/v1/datasets/%d/events", ds.ID), "text/csv", events, 200)
	created := call(http.MethodPost, "/api/v1/comparisons", js, fmt.Sprintf(`{"model":"golden","version":1,"dataset":%d,"sessions":"all"}`, ds.ID), 201)
	var head struct {
		ID int64 `json:"id"`
	}
	if err := json.Unmarshal(created, &head); err != nil {
		t.Fatal(err)
	}
	served := call(http.MethodGet, fmt.Sprintf("/api/v1/comparisons/%d", head.ID), "", "", 200)
	if !bytes.Equal(created, served) {
		t.Error("POST and GET serve different bytes")
	}
	var raw struct {
		Inputs json.RawMessage `json:"inputs"`
		Report json.RawMessage `json:"report"`
	}
	if err := json.Unmarshal(served, &raw); err != nil {
		t.Fatal(err)
	}
	// The stored parts, as stored (the id and time differ per run).
	got := []byte(`{"inputs":` + string(raw.Inputs) + `,"report":` + string(raw.Report) + "}\n")
	if *updateGolden {
		if err := os.WriteFile(goldenReport, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(goldenReport)
	if err != nil {
		t.Fatalf("%v (create it with -update-golden)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("the stored comparison report changed: a change of the report format must be deliberate (report_wire.go, reportFormat, then -update-golden)\n got: %.400s\nwant: %.400s", got, want)
	}
	// The golden bytes are exactly what the wire types describe: nothing
	// unknown, nothing missing, the same order.
	var wire struct {
		Inputs comparisonInputsWire `json:"inputs"`
		Report reportWire           `json:"report"`
	}
	dec := json.NewDecoder(bytes.NewReader(want))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&wire); err != nil {
		t.Fatalf("the golden report has a field the wire types lack: %v", err)
	}
	var again bytes.Buffer
	enc := json.NewEncoder(&again)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(wire); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(again.Bytes(), want) {
		t.Errorf("the wire types re-encode the golden report differently (a field missing, renamed or out of order)\n got: %.400s\nwant: %.400s", again.Bytes(), want)
	}
}
