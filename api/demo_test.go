package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// demoReports seeds the demonstration study twice (it must be idempotent),
// checks that it runs to its end through the API (v1 approved after the
// panel, the comparison, the synthesized v2 with its order-free cluster
// and proposed stage, edited and approved, latest = v2, the validation
// comparison of v2), and returns the two stored reports' bytes.
func demoReports(t *testing.T, f envFactory) []byte {
	ev := f.fresh(t)
	for i := 0; i < 2; i++ {
		if _, err := ev.svc.SeedDemo(context.Background()); err != nil {
			t.Fatalf("seed %d: %v", i+1, err)
		}
	}
	var cs struct {
		Items []struct {
			ID     int64 `json:"id"`
			Inputs struct {
				Version int `json:"version"`
			} `json:"inputs"`
		} `json:"items"`
	}
	ev.do(http.MethodGet, "/api/v1/comparisons", ev.admin, nil).json(t, &cs)
	if len(cs.Items) != 2 || cs.Items[0].Inputs.Version != 1 || cs.Items[1].Inputs.Version != 2 {
		t.Fatalf("demo comparisons: %+v, want one of v1 and one of v2", cs.Items)
	}
	const model = "/api/v1/models/renegotiating-tasks-goals"
	var latest synthVersion
	ev.do(http.MethodGet, model+"/versions/latest", ev.admin, nil).json(t, &latest)
	if latest.Number != 2 || latest.Kind != "rational_empirical" || latest.Status != "approved" || latest.Parent == nil || *latest.Parent != 1 ||
		latest.Provenance.Comparison == nil || *latest.Provenance.Comparison != cs.Items[0].ID {
		t.Fatalf("latest = %+v", latest)
	}
	// The finding: the repair strategies in one any-order cluster, RS05
	// proposed as a stage (and added by the PI to that cluster).
	var ops []string
	for _, c := range latest.ChangeLog {
		ops = append(ops, c.Op+" "+c.Target)
	}
	for _, want := range []string{"make_unordered any-order-1", "move_to_cluster validate", "move_to_cluster rationale", "move_to_cluster renegotiate", "propose_stage RS05"} {
		if !slices.Contains(ops, want) {
			t.Errorf("v2's change log lacks %q: %v", want, ops)
		}
	}
	var inCluster []string
	for _, s := range latest.Stages {
		if s.Cluster == "any-order-1" {
			inCluster = append(inCluster, s.Key)
		}
	}
	if strings.Join(inCluster, ",") != "validate,rationale,renegotiate,acknowledge" {
		t.Errorf("any-order cluster = %v", inCluster)
	}
	var l struct {
		Versions []lineageEntry `json:"versions"`
	}
	ev.do(http.MethodGet, model+"/lineage", ev.admin, nil).json(t, &l)
	if len(l.Versions) != 2 || l.Versions[1].ChangeLogSize != len(latest.ChangeLog) || l.Versions[0].Status != "approved" {
		t.Errorf("lineage = %+v", l.Versions)
	}
	var reports []byte
	for _, c := range cs.Items {
		var full struct {
			Report json.RawMessage `json:"report"`
		}
		ev.do(http.MethodGet, "/api/v1/comparisons/"+strconv.FormatInt(c.ID, 10), ev.admin, nil).json(t, &full)
		reports = append(append(reports, full.Report...), '\n')
		if c.Inputs.Version != 2 {
			continue
		}
		// The validation of v2 against v1 on the same sessions: the looser
		// model fits better and is less precise, and the report says both.
		var rep struct {
			Summary struct {
				Fitness, Precision *float64
			} `json:"summary"`
			Baseline *struct {
				Version int `json:"version"`
				Summary struct {
					Sessions int `json:"sessions"`
				} `json:"summary"`
				Delta struct {
					Sessions           int
					Fitness, Precision *float64
				} `json:"delta"`
			} `json:"baseline"`
		}
		if err := json.Unmarshal(full.Report, &rep); err != nil {
			t.Fatal(err)
		}
		if b := rep.Baseline; b == nil || b.Version != 1 || b.Summary.Sessions != 12 || b.Delta.Sessions != 0 ||
			b.Delta.Fitness == nil || *b.Delta.Fitness <= 0 || b.Delta.Precision == nil || *b.Delta.Precision >= 0 {
			t.Errorf("validation baseline = %+v", rep.Baseline)
		}
	}
	for _, path := range []string{"/api/v1/rounds/1/results", "/api/v1/rounds/2/results", "/api/v1/rounds/2/results?format=csv",
		"/api/v1/datasets/1/reliability?coders=consensus,coder2", "/api/v1/datasets/1/sessions", "/api/v1/comparisons/1?format=csv",
		"/api/v1/comparisons/1?format=index.svg", model + "/versions/2/diff?from=1"} {
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
	return reports
}

func TestDemoStudy(t *testing.T) {
	t.Parallel()
	rep := demoReports(t, sqliteFactory)
	if os.Getenv("STAGEWISE_TEST_DATABASE_URL") == "" {
		return
	}
	// The same demo on PostgreSQL gives the same reports, byte for byte:
	// nothing in the analysis depends on the database.
	pg := demoReports(t, postgresFactory)
	if string(pg) != string(rep) {
		t.Fatalf("the demo comparisons differ between SQLite and PostgreSQL")
	}
}
