package api_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/stagewise/stagewise/workflow"
)

// discardWriter is a ResponseWriter that keeps nothing, so the benchmark
// measures the server's work alone.
type discardWriter struct {
	h      http.Header
	status int
}

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (w *discardWriter) WriteHeader(s int)           { w.status = s }

// BenchmarkLatestHandler is the server side of cmd/loadbench's pull: a
// client's GET …/versions/latest through the fully wired Echo, in process
// (no sockets), for profiling the path (-cpuprofile, -benchmem).
func BenchmarkLatestHandler(b *testing.B) {
	ev := benchEnv(b)
	d, err := ev.svc.SeedDemo(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	req := httptest.NewRequest(http.MethodGet, "/api/v1/models/"+workflow.DemoSlug+"/versions/latest", nil)
	req.Header.Set("Authorization", "Bearer "+d.ClientToken)
	w := &discardWriter{h: http.Header{}}
	ev.e.ServeHTTP(w, req)
	if w.h.Get("ETag") == "" {
		b.Fatalf("no ETag: %v", w.h)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		clear(w.h)
		ev.e.ServeHTTP(w, req)
	}
}

// latestAllocBudget is what one pull of a cached latest version may
// allocate, all checks included: the request's context and the copy of
// the request that carries it, the request id and its header value, and
// the closure Echo makes for the edge middleware. Token hashing, the
// authentication cache, the failed-authentication limit, security
// headers, metrics and the cached body allocate nothing. A change that
// needs more (the team and session checks to come) raises it here, with
// the reason, after measuring cmd/loadbench.
const latestAllocBudget = 5

// TestLatestPathAllocations guards the pull path (cmd/loadbench) without
// timing anything: a cached GET …/versions/latest, plain or conditional
// (If-None-Match, answered 304), may allocate at most latestAllocBudget
// objects. A database query or a JSON encoding on that
// path allocates dozens, so this also shows the path is served from the
// caches. It checks first that the path still authenticates, limits and
// answers conditional requests.
//
// Not parallel: AllocsPerRun counts the allocations of the whole process,
// and top-level tests without t.Parallel run while no parallel test does.
func TestLatestPathAllocations(t *testing.T) {
	ev := newEnv(t)
	d, err := ev.svc.SeedDemo(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	path := "/api/v1/models/" + workflow.DemoSlug + "/versions/latest"
	serve := func(token string, headers ...string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodGet, path, nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		for i := 0; i+1 < len(headers); i += 2 {
			req.Header.Set(headers[i], headers[i+1])
		}
		rec := httptest.NewRecorder()
		ev.e.ServeHTTP(rec, req)
		return rec
	}
	ok := serve(d.ClientToken)
	etag := ok.Header().Get("ETag")
	if ok.Code != http.StatusOK || etag == "" || ok.Header().Get("X-Request-Id") == "" || ok.Header().Get("Content-Security-Policy") == "" {
		t.Fatalf("latest: %d, headers %v", ok.Code, ok.Header())
	}
	if got, want := ok.Header().Get("Content-Length"), strconv.Itoa(ok.Body.Len()); got != want {
		t.Fatalf("Content-Length %q, body %s bytes", got, want)
	}
	if r := serve(d.ClientToken, "If-None-Match", etag); r.Code != http.StatusNotModified {
		t.Fatalf("If-None-Match with the current ETag: %d, want 304", r.Code)
	}
	if r := serve(""); r.Code != http.StatusUnauthorized {
		t.Fatalf("no token: %d, want 401", r.Code)
	}
	if r := serve(d.ClientToken + "x"); r.Code != http.StatusUnauthorized {
		t.Fatalf("wrong token: %d, want 401", r.Code)
	}

	// A client pulling, and a client polling with the ETag it has.
	for _, c := range []struct {
		name   string
		inm    string
		status int
	}{{"pull", "", http.StatusOK}, {"conditional pull", `"other", ` + etag, http.StatusNotModified}} {
		req := httptest.NewRequest(http.MethodGet, path, nil)
		req.Header.Set("Authorization", "Bearer "+d.ClientToken)
		if c.inm != "" {
			req.Header.Set("If-None-Match", c.inm)
		}
		w := &discardWriter{h: http.Header{}}
		allocs := testing.AllocsPerRun(2000, func() {
			clear(w.h)
			w.status = 0
			ev.e.ServeHTTP(w, req)
		})
		if w.status != c.status || w.h.Get("ETag") != etag {
			t.Fatalf("%s: %d, ETag %q, want %d and %q", c.name, w.status, w.h.Get("ETag"), c.status, etag)
		}
		t.Logf("%s: %.1f allocations (budget %d)", c.name, allocs, latestAllocBudget)
		if allocs > latestAllocBudget && !raceEnabled { // -race instruments the path and allocates more
			t.Errorf("a cached %s allocates %.0f objects, budget %d: profile with go test ./api -run '^$' -bench LatestHandler -benchmem -memprofile",
				c.name, allocs, latestAllocBudget)
		}
	}
}
