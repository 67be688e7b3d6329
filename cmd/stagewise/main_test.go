package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// envOf is a getenv over a map.
func envOf(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestExitCodes(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name   string
		args   []string
		env    map[string]string
		code   int
		stdout string
		stderr string
	}{
		{"no command", nil, nil, 0, "usage: stagewise", ""},
		{"help", []string{"--help"}, nil, 0, "commands:", ""},
		{"version", []string{"version"}, nil, 0, "dev\n", ""},
		{"unknown command", []string{"srve"}, nil, 2, "", `unknown command "srve"`},
		{"serve -h", []string{"serve", "-h"}, nil, 0, "", "-metrics-addr"},
		{"unknown flag", []string{"serve", "--port", "80"}, nil, 2, "", "flag provided but not defined: -port"},
		{"stray argument", []string{"serve", "now"}, nil, 2, "", "unexpected arguments: now"},
		{"bad log level", []string{"serve", "--log-level", "loud"}, nil, 2, "", "--log-level"},
		{"bad body limit in the environment", []string{"serve"}, map[string]string{"STAGEWISE_BODY_LIMIT": "1MB"}, 2, "", "STAGEWISE_BODY_LIMIT"},
		{"non-positive body limit", []string{"serve", "--body-limit", "0"}, nil, 2, "", "--body-limit must be positive"},
		{"metrics on the API address", []string{"serve", "--addr", "127.0.0.1:8089", "--metrics-addr", "127.0.0.1:8089"}, nil, 2, "", "--metrics-addr must differ"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := exitCode(run(t.Context(), c.args, envOf(c.env), &stdout, &stderr), &stderr)
			if code != c.code {
				t.Errorf("exit code %d, want %d (stderr %q)", code, c.code, stderr.String())
			}
			if !strings.Contains(stdout.String(), c.stdout) {
				t.Errorf("stdout %q does not contain %q", stdout.String(), c.stdout)
			}
			if !strings.Contains(stderr.String(), c.stderr) {
				t.Errorf("stderr %q does not contain %q", stderr.String(), c.stderr)
			}
		})
	}
}

func TestParseConfig(t *testing.T) {
	t.Parallel()
	c, err := parseConfig(nil, envOf(nil), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	want := config{Addr: "127.0.0.1:8080", DB: "./stagewise.db", LogLevel: "info", BodyLimit: 1 << 20,
		ReadTimeout: 60 * time.Second, WriteTimeout: 120 * time.Second, ReadConns: 8}
	if c != want {
		t.Errorf("defaults %+v, want %+v", c, want)
	}
	env := envOf(map[string]string{"STAGEWISE_ADDR": "0.0.0.0:9000", "STAGEWISE_DB": "/var/lib/sw.db", "STAGEWISE_DEMO": "1",
		"STAGEWISE_METRICS_ADDR": "127.0.0.1:9100", "STAGEWISE_LOG_LEVEL": "debug", "STAGEWISE_BODY_LIMIT": "2048",
		"STAGEWISE_DATABASE_URL": "postgres://u:p@h/db", "STAGEWISE_ADMIN_TOKEN": "an-admin-token-of-length"})
	c, err = parseConfig(nil, env, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	want = config{Addr: "0.0.0.0:9000", MetricsAddr: "127.0.0.1:9100", DB: "/var/lib/sw.db", DatabaseURL: "postgres://u:p@h/db",
		AdminToken: "an-admin-token-of-length", Demo: true, LogLevel: "debug", BodyLimit: 2048,
		ReadTimeout: 60 * time.Second, WriteTimeout: 120 * time.Second, ReadConns: 8}
	if c != want {
		t.Errorf("from the environment %+v, want %+v", c, want)
	}
	// Flags win over the environment.
	c, err = parseConfig([]string{"--addr", "127.0.0.1:7000", "--db", "x.db", "--body-limit", "4096", "--read-conns", "2"}, env, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != "127.0.0.1:7000" || c.DB != "x.db" || c.BodyLimit != 4096 || c.ReadConns != 2 || c.MetricsAddr != "127.0.0.1:9100" {
		t.Errorf("flags did not win: %+v", c)
	}
}

func TestMaskDatabaseURL(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"postgres://stagewise:s3cret@db:5432/sw?sslmode=disable": "postgres://stagewise:xxxxx@db:5432/sw?sslmode=disable",
		"postgres://db/sw?user=u&password=s3cret":                "postgres://db/sw?password=xxxxx&user=u",
		"host=db user=u password=s3cret dbname=sw":               "host=db user=u password=xxxxx dbname=sw",
		"host=db password='s3 cret' dbname=sw":                   "host=db password=xxxxx dbname=sw",
		"postgres://db/sw":                                       "postgres://db/sw",
	} {
		if got := maskDatabaseURL(in); got != want || strings.Contains(got, "s3") {
			t.Errorf("maskDatabaseURL(%q) = %q, want %q", in, got, want)
		}
	}
}

// logSink collects the JSON log lines of a running server.
type logSink struct {
	mu    sync.Mutex
	all   bytes.Buffer
	buf   bytes.Buffer
	lines []map[string]any
	added chan struct{}
}

func newLogSink() *logSink { return &logSink{added: make(chan struct{}, 1)} }

func (s *logSink) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.all.Write(p)
	s.buf.Write(p)
	for {
		line, err := s.buf.ReadBytes('\n')
		if err != nil {
			s.buf.Write(line) // an incomplete line waits for the rest
			break
		}
		var m map[string]any
		if json.Unmarshal(line, &m) == nil {
			s.lines = append(s.lines, m)
		}
	}
	select {
	case s.added <- struct{}{}:
	default:
	}
	return len(p), nil
}

// wait returns the first line whose msg is msg.
func (s *logSink) wait(t *testing.T, msg string) map[string]any {
	t.Helper()
	deadline := time.After(60 * time.Second)
	for {
		s.mu.Lock()
		for _, l := range s.lines {
			if l["msg"] == msg {
				s.mu.Unlock()
				return l
			}
		}
		s.mu.Unlock()
		select {
		case <-s.added:
		case <-deadline:
			t.Fatalf("no %q log line within 60 s", msg)
		}
	}
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestServe starts the server as `stagewise serve` would, with the
// configuration from the environment, checks that it serves, that the
// configuration was logged with its secret masked, and where /metrics is,
// then stops it by ending ctx (as SIGTERM does) and expects exit status 0.
func TestServe(t *testing.T) {
	t.Parallel()
	for _, separate := range []bool{false, true} {
		name := "metrics on the API address"
		if separate {
			name = "metrics on their own address"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			const token = "serve-test-admin-token-0123456789"
			env := map[string]string{"STAGEWISE_ADDR": "127.0.0.1:0", "STAGEWISE_DB": filepath.Join(t.TempDir(), "sw.db"), "STAGEWISE_ADMIN_TOKEN": token}
			if separate {
				env["STAGEWISE_METRICS_ADDR"] = "127.0.0.1:0"
			}
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			logs := newLogSink()
			var stdout bytes.Buffer
			done := make(chan int, 1)
			go func() { done <- exitCode(run(ctx, []string{"serve"}, envOf(env), &stdout, logs), logs) }()

			cfg := logs.wait(t, "configuration")
			if cfg["admin_token"] != "set (masked)" || cfg["addr"] != "127.0.0.1:0" {
				t.Errorf("configuration line %v", cfg)
			}
			serving := logs.wait(t, "serving")
			base := "http://" + serving["addr"].(string)
			if code, _ := get(t, base+"/readyz"); code != 200 {
				t.Errorf("/readyz: %d", code)
			}
			req, _ := http.NewRequest(http.MethodGet, base+"/api/v1/me", nil)
			req.Header.Set("Authorization", "Bearer "+token)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != 200 || resp.Header.Get("X-Request-Id") == "" {
				t.Errorf("the admin from STAGEWISE_ADMIN_TOKEN: %d, request id %q", resp.StatusCode, resp.Header.Get("X-Request-Id"))
			}
			code, body := get(t, base+"/metrics")
			if separate {
				if code != http.StatusNotFound {
					t.Errorf("/metrics on the API address with --metrics-addr set: %d", code)
				}
				maddr, _ := serving["metrics_addr"].(string)
				if _, _, err := net.SplitHostPort(maddr); err != nil {
					t.Fatalf("serving line without metrics_addr: %v", serving)
				}
				code, body = get(t, "http://"+maddr+"/metrics")
			}
			if code != 200 || !strings.Contains(body, "stagewise_http_requests_total") {
				t.Errorf("/metrics: %d %.200s", code, body)
			}

			cancel()
			select {
			case code := <-done:
				if code != 0 {
					t.Errorf("exit status %d after a graceful stop", code)
				}
			case <-time.After(30 * time.Second):
				t.Fatal("serve did not stop within 30 s")
			}
			logs.mu.Lock()
			defer logs.mu.Unlock()
			for _, l := range logs.lines {
				if b, _ := json.Marshal(l); strings.Contains(string(b), token) {
					t.Errorf("a log line shows the admin token: %s", b)
				}
			}
		})
	}
}

// TestServeFails: start-up failures exit with status 1, after logging the
// configuration (password masked).
func TestServeFails(t *testing.T) {
	t.Parallel()
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { busy.Close() }) // after the parallel subtests, unlike defer
	for _, c := range []struct {
		name, want string
		args       []string
	}{
		{"address in use", "address already in use", []string{"--addr", busy.Addr().String(), "--db", filepath.Join(t.TempDir(), "a.db")}},
		{"no database server", "postgres", []string{"--database-url", "postgres://sw:s3cret@127.0.0.1:1/sw?connect_timeout=5"}},
		{"database file in a missing folder", "sqlite", []string{"--db", filepath.Join(t.TempDir(), "missing", "x.db")}},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			logs := newLogSink()
			code := exitCode(run(t.Context(), append([]string{"serve"}, c.args...), envOf(nil), io.Discard, logs), logs)
			if code != 1 {
				t.Errorf("exit status %d, want 1", code)
			}
			logs.mu.Lock()
			defer logs.mu.Unlock()
			if !strings.Contains(logs.all.String(), c.want) {
				t.Errorf("stderr %q does not name the failure (%q)", logs.all.String(), c.want)
			}
			if strings.Contains(logs.all.String(), "s3cret") || len(logs.lines) == 0 {
				t.Errorf("configuration not logged, or the password shown: %v", logs.lines)
			}
		})
	}
}
