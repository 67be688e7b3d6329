package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stagewise/stagewise/api"
	"github.com/stagewise/stagewise/models/store"
	"github.com/stagewise/stagewise/workflow"
)

// syncBuffer is a log sink safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) lines(t *testing.T) []map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(s.b.String()), "\n") {
		if l == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("log line is not JSON: %q", l)
		}
		out = append(out, m)
	}
	s.b.Reset()
	return out
}

// TestRequestLogging: every line a request logs, the workflow's included,
// carries the request's id (the X-Request-Id header, also in problem
// answers); a failed request is logged once, with its error; a caller's
// plain X-Request-Id is kept and an unsafe one replaced.
func TestRequestLogging(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st, err := store.Open(ctx, store.Config{SQLitePath: filepath.Join(t.TempDir(), "log.db")})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	var sink syncBuffer
	// The caller's handler is plain JSON: the server adds the request id.
	log := slog.New(slog.NewJSONHandler(&sink, &slog.HandlerOptions{Level: slog.LevelDebug}))
	svc := workflow.New(st, log)
	if _, err := svc.Users.EnsureAdmin(ctx, adminToken); err != nil {
		t.Fatal(err)
	}
	e, err := api.New(api.Deps{Log: log, Service: svc, Health: st, Renderer: sharedRenderer, EngineVersion: "test"})
	if err != nil {
		t.Fatal(err)
	}
	send := func(method, path, body string, hdr ...string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(method, path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+adminToken)
		req.Header.Set("Content-Type", "application/json")
		for i := 0; i+1 < len(hdr); i += 2 {
			req.Header.Set(hdr[i], hdr[i+1])
		}
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, req)
		return rec
	}
	sink.lines(t) // start-up

	// A change: the workflow's line and the request's line share the id.
	rec := send(http.MethodPost, "/api/v1/users", `{"name":"Log PI","email":"log@example.org","role":"pi"}`)
	id := rec.Header().Get("X-Request-Id")
	if rec.Code != http.StatusCreated || id == "" {
		t.Fatalf("create user: %d, request id %q", rec.Code, id)
	}
	lines := sink.lines(t)
	var msgs []string
	for _, l := range lines {
		msgs = append(msgs, l["msg"].(string))
		if l["request_id"] != id {
			t.Errorf("line %v does not carry request id %s", l, id)
		}
	}
	if strings.Join(msgs, ",") != "change,request" {
		t.Errorf("lines %v, want the workflow's change and the request", msgs)
	}

	// A caller's plain id is kept; one with a quote or a newline is not.
	if got := send(http.MethodGet, "/api/v1/me", "", "X-Request-Id", "proxy-42").Header().Get("X-Request-Id"); got != "proxy-42" {
		t.Errorf("caller's id replaced by %q", got)
	}
	if got := send(http.MethodGet, "/api/v1/me", "", "X-Request-Id", "a\"b").Header().Get("X-Request-Id"); got == "a\"b" || got == "" {
		t.Errorf("unsafe caller id kept: %q", got)
	}
	sink.lines(t)

	// A server error: a problem without internals, one error line with the
	// error and the same id as the answer.
	st.Close()
	rec = send(http.MethodGet, "/api/v1/models", "")
	if rec.Code != http.StatusInternalServerError {
		t.Fatalf("with the database closed: %d %s", rec.Code, rec.Body)
	}
	var p api.Problem
	if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil || p.RequestID == "" || p.RequestID != rec.Header().Get("X-Request-Id") {
		t.Fatalf("problem %s: request id must match the header", rec.Body)
	}
	if strings.Contains(rec.Body.String(), "closed") {
		t.Errorf("the problem leaks internals: %s", rec.Body)
	}
	lines = sink.lines(t)
	if len(lines) != 1 {
		t.Fatalf("a failed request logged %d lines, want 1: %v", len(lines), lines)
	}
	l := lines[0]
	if l["level"] != "ERROR" || l["request_id"] != p.RequestID || l["status"] != float64(500) || !strings.Contains(l["error"].(string), "closed") {
		t.Errorf("error line %v", l)
	}
}
