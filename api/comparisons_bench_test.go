package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime/pprof"
	"strings"
	"testing"
	"time"

	"github.com/stagewise/stagewise/models"
)

// benchComparisonModel is 12 stages with one three-stage cluster and one
// loop, each indicated by one code K01..K12; K13 indicates nothing.
func benchComparisonModel() map[string]any {
	var stages []map[string]any
	for i := 1; i <= 12; i++ {
		role := "process"
		switch i {
		case 1:
			role = "marker"
		case 12:
			role = "resolution"
		}
		s := map[string]any{"key": fmt.Sprintf("S%02d", i), "name": fmt.Sprintf("Stage %d", i), "actor": "dyad", "role": role, "codes": []string{fmt.Sprintf("K%02d", i)}}
		if i >= 5 && i <= 7 {
			s["cluster"] = "c"
		}
		if i == 9 {
			s["optional"] = true
		}
		stages = append(stages, s)
	}
	var trans []map[string]any
	for i := 1; i < 12; i++ {
		if i == 5 || i == 6 {
			continue // inside the cluster
		}
		trans = append(trans, map[string]any{"from": fmt.Sprintf("S%02d", i), "to": fmt.Sprintf("S%02d", i+1)})
	}
	trans = append(trans, map[string]any{"from": "S10", "to": "S08", "kind": "loop"})
	return map[string]any{"stages": stages, "transitions": trans, "clusters": []map[string]any{{"key": "c", "name": "Cluster"}}}
}

// benchEventsCSV writes n sessions of 1-8 events that mostly walk the
// model with noise, as "case,session,coder,segment,code".
func benchEventsCSV(n int) string {
	rng := rand.New(rand.NewPCG(5, 100000))
	var b strings.Builder
	b.WriteString("case,session,coder,segment,code\n")
	for s := 0; s < n; s++ {
		k := 8 // "up to 8", most sessions have 8 (about 790,000 events in all)
		if rng.IntN(20) == 0 {
			k = 1 + rng.IntN(8)
		}
		st := 1
		for e := 1; e <= k; e++ {
			code := st
			switch r := rng.IntN(10); {
			case r == 0:
				code = 1 + rng.IntN(13)
			case r == 1 && st < 12:
				code = st + 1
			}
			fmt.Fprintf(&b, "C%05d,%d,consensus,%d,K%02d\n", s/3, s%3+1, e, code)
			st = min(st+1+rng.IntN(2), 12)
		}
	}
	return b.String()
}

// benchDo sends one request through the router without OpenAPI validation.
func benchDo(b *testing.B, ev *env, method, path, token, ctype, body string) *httptest.ResponseRecorder {
	b.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", ctype)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	rec := httptest.NewRecorder()
	ev.e.ServeHTTP(rec, req)
	return rec
}

// BenchmarkComparisonEndToEnd: 100,000 sessions of up to 8 coded events
// (about 790,000 events) already imported into SQLite, against a 12-stage
// model with a three-stage cluster and a loop; one op of "http" is POST
// /api/v1/comparisons through the fully wired router, loading the events
// from the database included; "load" is the store's streaming of the same
// events alone, to show where the time goes.
func BenchmarkComparisonEndToEnd(b *testing.B) {
	ev := benchEnv(b)
	pi := benchDo(b, ev, http.MethodPost, "/api/v1/users", ev.admin, "application/json", `{"name":"PI","email":"pi@example.org","role":"pi"}`)
	var u struct {
		Token string `json:"token"`
	}
	json.Unmarshal(pi.Body.Bytes(), &u)
	tok := u.Token
	benchDo(b, ev, http.MethodPost, "/api/v1/models", tok, "application/json", `{"slug":"bench","title":"t","marker":"m","resolution":"r"}`)
	mb, _ := json.Marshal(benchComparisonModel())
	if r := benchDo(b, ev, http.MethodPost, "/api/v1/models/bench/versions", tok, "application/json", string(mb)); r.Code != 201 {
		b.Fatalf("version: %d %s", r.Code, r.Body)
	}
	var codebook []map[string]string
	for i := 1; i <= 13; i++ {
		codebook = append(codebook, map[string]string{"code": fmt.Sprintf("K%02d", i), "family": "k", "label": ""})
	}
	cb, _ := json.Marshal(map[string]any{"name": "bench", "codebook": codebook})
	r := benchDo(b, ev, http.MethodPost, "/api/v1/datasets", tok, "application/json", string(cb))
	var d struct {
		ID int64 `json:"id"`
	}
	json.Unmarshal(r.Body.Bytes(), &d)
	csv := benchEventsCSV(100000)
	start := time.Now()
	if r := benchDo(b, ev, http.MethodPost, fmt.Sprintf("/api/v1/datasets/%d/events", d.ID), tok, "text/csv", csv); r.Code != 200 && r.Code != 201 {
		b.Fatalf("import: %d %.500s", r.Code, r.Body)
	}
	b.Logf("imported %d events (%d bytes) in %v", strings.Count(csv, "\n")-1, len(csv), time.Since(start))
	body := fmt.Sprintf(`{"model":"bench","version":1,"dataset":%d,"sessions":"all"}`, d.ID)
	b.Run("http", func(b *testing.B) {
		if f := os.Getenv("STAGEWISE_BENCH_CPUPROFILE"); f != "" {
			out, err := os.Create(f)
			if err != nil {
				b.Fatal(err)
			}
			pprof.StartCPUProfile(out)
			defer pprof.StopCPUProfile()
		}
		for i := 0; i < b.N; i++ {
			r := benchDo(b, ev, http.MethodPost, "/api/v1/comparisons", tok, "application/json", body)
			if r.Code != 201 {
				b.Fatalf("comparison: %d %.500s", r.Code, r.Body)
			}
			b.ReportMetric(float64(r.Body.Len())/1e6, "MB-report")
		}
	})
	b.Run("load", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			n := 0
			if _, err := ev.st.EachSessionCodes(context.Background(), d.ID, "consensus", nil, func(sc models.SessionCodes) error {
				n += len(sc.Codes)
				return nil
			}); err != nil {
				b.Fatal(err)
			}
			if i == 0 {
				b.ReportMetric(float64(n), "events")
			}
		}
	})
}
