package api_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stagewise/stagewise/api"
	"github.com/stagewise/stagewise/models/store"
	"github.com/stagewise/stagewise/workflow"
)

// benchEnv is the fully wired server on a fresh SQLite file, without the
// OpenAPI response validation of newEnv; every benchmark starts from it.
func benchEnv(b *testing.B) *env {
	b.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, store.Config{SQLitePath: filepath.Join(b.TempDir(), "bench.db")})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	if err := st.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	svc := workflow.New(st, log)
	if _, err := svc.Users.EnsureAdmin(ctx, adminToken); err != nil {
		b.Fatal(err)
	}
	e, err := api.New(api.Deps{Log: log, Service: svc, Health: st, Renderer: sharedRenderer, EngineVersion: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	return &env{e: e, st: st, svc: svc, admin: adminToken}
}

// eventsCSV writes n events: sessions of 100 events each (25 segments of
// four codes), two coders alternating per session, onsets in seconds.
func eventsCSV(n int) []byte {
	codes := []string{"W1", "W2", "C1", "C3", "RS01", "RS02", "RS03", "RS04", "RS09", "RS10"}
	var b bytes.Buffer
	b.Grow(n * 24)
	b.WriteString("case,session,coder,segment,onset,code,salience\n")
	rng := rand.New(rand.NewPCG(7, 7))
	for i := 0; i < n; i++ {
		sess := i / 100
		seg := (i%100)/4 + 1
		fmt.Fprintf(&b, "C%03d,%d,coder%d,%d,%d.5,%s,%d\n", sess/100, sess%100+1, sess%2+1, seg, seg*30+i%4, codes[(i%4+seg+rng.IntN(3))%len(codes)], 1+rng.IntN(5))
	}
	return b.Bytes()
}

// BenchmarkImportEvents imports 1,000,000 coded events (about 20 MB of
// CSV) over the in-process router into a fresh SQLite file per iteration.
// Peak RSS: /usr/bin/time -v go test -run '^$' -bench ImportEvents -benchtime 1x ./api/
func BenchmarkImportEvents(b *testing.B) {
	body := eventsCSV(1_000_000)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		ev := benchEnv(b)
		ds := benchDataset(b, ev)
		b.StartTimer()
		req := httptest.NewRequest(http.MethodPost, ds+"/events", bytes.NewReader(body))
		req.Header.Set("Content-Type", "text/csv")
		req.Header.Set("Authorization", "Bearer "+ev.admin)
		rec := httptest.NewRecorder()
		ev.e.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"imported":1000000`) {
			b.Fatalf("%d %.500s", rec.Code, rec.Body.String())
		}
		b.StopTimer()
		ev.st.Close()
		b.StartTimer()
	}
}

func benchDataset(b *testing.B, ev *env) string {
	req := httptest.NewRequest(http.MethodPost, "/api/v1/datasets", strings.NewReader(`{"name": "bench", "codebook": "3rs-2015"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+ev.admin)
	rec := httptest.NewRecorder()
	ev.e.ServeHTTP(rec, req)
	if rec.Code != http.StatusCreated {
		b.Fatalf("%d %s", rec.Code, rec.Body.String())
	}
	return "/api/v1/datasets/1"
}

// doubleCodedCSV writes sessions double-coded by A and B: 10 segments of
// one or two codes each, with B disagreeing now and then.
func doubleCodedCSV(sessions int) []byte {
	codes := []string{"W1", "W2", "C1", "C3", "RS01", "RS02", "RS03", "RS04", "RS09", "RS10"}
	var b bytes.Buffer
	b.WriteString("case,session,coder,segment,code\n")
	rng := rand.New(rand.NewPCG(3, 4))
	for s := 0; s < sessions; s++ {
		for seg := 1; seg <= 10; seg++ {
			c := codes[rng.IntN(len(codes))]
			fmt.Fprintf(&b, "K%03d,%d,A,%d,%s\n", s/100, s%100+1, seg, c)
			if rng.IntN(5) == 0 {
				c = codes[rng.IntN(len(codes))]
			}
			fmt.Fprintf(&b, "K%03d,%d,B,%d,%s\n", s/100, s%100+1, seg, c)
			if rng.IntN(4) == 0 {
				fmt.Fprintf(&b, "K%03d,%d,A,%d,RS05\n", s/100, s%100+1, seg)
			}
		}
	}
	return b.Bytes()
}

// BenchmarkReliability measures GET /reliability over 10,000 double-coded
// sessions (about 225,000 events).
func BenchmarkReliability(b *testing.B) {
	ev := benchEnv(b)
	defer ev.st.Close()
	ds := benchDataset(b, ev)
	req := httptest.NewRequest(http.MethodPost, ds+"/events", bytes.NewReader(doubleCodedCSV(10_000)))
	req.Header.Set("Content-Type", "text/csv")
	req.Header.Set("Authorization", "Bearer "+ev.admin)
	rec := httptest.NewRecorder()
	ev.e.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		b.Fatalf("%d %.500s", rec.Code, rec.Body.String())
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		req := httptest.NewRequest(http.MethodGet, ds+"/reliability?coders=A,B", nil)
		req.Header.Set("Authorization", "Bearer "+ev.admin)
		rec := httptest.NewRecorder()
		ev.e.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"sessions":10000`) {
			b.Fatalf("%d %.500s", rec.Code, rec.Body.String())
		}
	}
}
