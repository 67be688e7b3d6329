package api_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stagewise/stagewise/workflow"
)

// discardWriter is a ResponseWriter that keeps nothing, so the benchmark
// measures the server's work alone.
type discardWriter struct{ h http.Header }

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (w *discardWriter) WriteHeader(int)             {}

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
