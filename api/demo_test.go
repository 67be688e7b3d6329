package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"testing"
)

// demoReport seeds the demonstration study twice (it must be idempotent),
// walks its panel rounds, dataset and comparison through the API, and
// returns the stored comparison's report bytes.
func demoReport(t *testing.T, f envFactory) []byte {
	ev := f.fresh(t)
	for i := 0; i < 2; i++ {
		if _, err := ev.svc.SeedDemo(context.Background()); err != nil {
			t.Fatalf("seed %d: %v", i+1, err)
		}
	}
	var cs struct {
		Items []struct {
			ID int64 `json:"id"`
		} `json:"items"`
	}
	ev.do(http.MethodGet, "/api/v1/comparisons", ev.admin, nil).json(t, &cs)
	if len(cs.Items) != 1 {
		t.Fatalf("demo comparisons: %d, want 1", len(cs.Items))
	}
	var c struct {
		Report json.RawMessage `json:"report"`
	}
	ev.do(http.MethodGet, "/api/v1/comparisons/1", ev.admin, nil).json(t, &c)
	for _, path := range []string{"/api/v1/rounds/1/results", "/api/v1/rounds/2/results", "/api/v1/rounds/2/results?format=csv",
		"/api/v1/datasets/1/reliability?coders=consensus,coder2", "/api/v1/datasets/1/sessions", "/api/v1/comparisons/1?format=csv",
		"/api/v1/models/renegotiating-tasks-goals/versions/latest"} {
		if r := ev.do(http.MethodGet, path, ev.admin, nil); r.status != 200 {
			t.Errorf("GET %s: %d %s", path, r.status, r.body)
		}
	}
	var v struct {
		OK bool `json:"ok"`
	}
	ev.do(http.MethodGet, "/api/v1/audit/verify", ev.admin, nil).json(t, &v)
	if !v.OK {
		t.Errorf("audit chain broken after seeding")
	}
	return c.Report
}

func TestDemoStudy(t *testing.T) {
	t.Parallel()
	rep := demoReport(t, sqliteFactory)
	if os.Getenv("STAGEWISE_TEST_DATABASE_URL") == "" {
		return
	}
	// The same demo on PostgreSQL gives the same report, byte for byte:
	// nothing in the analysis depends on the database.
	pg := demoReport(t, postgresFactory)
	if string(pg) != string(rep) {
		t.Fatalf("the demo comparison differs between SQLite and PostgreSQL")
	}
}
