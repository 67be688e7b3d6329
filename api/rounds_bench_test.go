package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// benchServer is the fully wired API on a SQLite file (WAL,
// synchronous=FULL: every acknowledged review is on disk) behind a real
// TCP loopback listener.
type benchServer struct {
	b      *testing.B
	srv    *httptest.Server
	client *http.Client
}

func newBenchServer(b *testing.B) *benchServer {
	b.Helper()
	ev := benchEnv(b)
	srv := httptest.NewServer(ev.e)
	b.Cleanup(func() {
		srv.Close()
		ev.svc.StopBatching()
	})
	tr := &http.Transport{MaxIdleConns: 64, MaxIdleConnsPerHost: 64, MaxConnsPerHost: 64}
	return &benchServer{b: b, srv: srv, client: &http.Client{Transport: tr}}
}

func (s *benchServer) do(method, path, token string, body []byte, out any) int {
	req, err := http.NewRequest(method, s.srv.URL+path, bytes.NewReader(body))
	if err != nil {
		s.b.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := s.client.Do(req)
	if err != nil {
		s.b.Error(err)
		return 0
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			s.b.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, b)
		}
	}
	return resp.StatusCode
}

func (s *benchServer) must(method, path, token string, body any, want int, out any) {
	raw, _ := json.Marshal(body)
	if body == nil {
		raw = nil
	}
	if got := s.do(method, path, token, raw, out); got != want {
		s.b.Fatalf("%s %s: %d, want %d", method, path, got, want)
	}
}

// benchVersion has 12 stages and 15 transitions.
func benchVersion() map[string]any {
	var stages []map[string]any
	for i := 1; i <= 12; i++ {
		role := "process"
		switch i {
		case 1:
			role = "marker"
		case 12:
			role = "resolution"
		}
		stages = append(stages, map[string]any{"key": fmt.Sprintf("S%d", i), "name": fmt.Sprintf("Stage %d", i),
			"actor": "therapist", "role": role, "codes": []string{fmt.Sprintf("X%02d", i)}})
	}
	var trans []map[string]any
	for i := 1; i < 12; i++ {
		trans = append(trans, map[string]any{"from": fmt.Sprintf("S%d", i), "to": fmt.Sprintf("S%d", i+1)})
	}
	for _, i := range []int{2, 4, 6, 8} {
		trans = append(trans, map[string]any{"from": fmt.Sprintf("S%d", i), "to": fmt.Sprintf("S%d", i+2), "kind": "alternative"})
	}
	return map[string]any{"stages": stages, "transitions": trans, "clusters": []any{}}
}

// fullReview rates every stage's relevance and clarity and every
// transition's agreement: 39 ratings.
func fullReview(seed int) []byte {
	var stages []map[string]any
	for i := 1; i <= 12; i++ {
		stages = append(stages, map[string]any{"key": fmt.Sprintf("S%d", i), "relevance": 1 + (seed+i)%9, "clarity": 1 + (seed*3+i)%9, "comment": "ok"})
	}
	var trans []map[string]any
	for i := 1; i < 12; i++ {
		trans = append(trans, map[string]any{"from": fmt.Sprintf("S%d", i), "to": fmt.Sprintf("S%d", i+1), "agreement": 1 + (seed+2*i)%9})
	}
	for _, i := range []int{2, 4, 6, 8} {
		trans = append(trans, map[string]any{"from": fmt.Sprintf("S%d", i), "to": fmt.Sprintf("S%d", i+2), "agreement": 1 + (seed+i)%9})
	}
	b, _ := json.Marshal(map[string]any{"stages": stages, "transitions": trans})
	return b
}

// benchRound sets up a model with the 12-stage version in review and an
// open round of n panelists; it returns the round id and the tokens.
func (s *benchServer) benchRound(n int) (int64, string, []string) {
	var pi struct {
		Token string `json:"token"`
	}
	s.must(http.MethodPost, "/api/v1/users", adminToken, map[string]any{"name": "Bench PI", "email": "pi@bench.invalid", "role": "pi"}, 201, &pi)
	s.must(http.MethodPost, "/api/v1/models", pi.Token, map[string]any{"slug": "bench", "title": "Bench", "marker": "m", "resolution": "r"}, 201, nil)
	s.must(http.MethodPost, "/api/v1/models/bench/versions", pi.Token, benchVersion(), 201, nil)
	s.must(http.MethodPost, "/api/v1/models/bench/versions/1/submit", pi.Token, nil, 200, nil)
	var tokens []string
	var ids []int64
	for i := 0; i < n; i++ {
		var u struct {
			ID         int64 `json:"id"`
			Invitation struct {
				Code string `json:"code"`
			} `json:"invitation"`
		}
		s.must(http.MethodPost, "/api/v1/users", pi.Token, map[string]any{"name": fmt.Sprintf("Bench panelist %d", i), "email": fmt.Sprintf("p%d@bench.invalid", i), "role": "panelist"}, 201, &u)
		// A panelist claims their own token with the invitation's code.
		var claimed struct {
			Token string `json:"token"`
		}
		s.must(http.MethodPost, "/api/v1/invitations/claim", "", map[string]any{"code": u.Invitation.Code}, 200, &claimed)
		tokens, ids = append(tokens, claimed.Token), append(ids, u.ID)
	}
	var r struct {
		ID int64 `json:"id"`
	}
	s.must(http.MethodPost, "/api/v1/models/bench/versions/1/rounds", pi.Token, map[string]any{"panelists": ids}, 201, &r)
	s.must(http.MethodPost, fmt.Sprintf("/api/v1/rounds/%d/open", r.ID), pi.Token, nil, 200, nil)
	return r.ID, pi.Token, tokens
}

// BenchmarkReviews: 200 panelists PUT full reviews (39 ratings) of a
// 12-stage, 15-transition version over 32 concurrent connections; one
// operation is one acknowledged (durable) review.
func BenchmarkReviews(b *testing.B) {
	s := newBenchServer(b)
	const panelists, conns = 200, 32
	id, _, tokens := s.benchRound(panelists)
	bodies := make([][]byte, panelists)
	for i := range bodies {
		bodies[i] = fullReview(i)
	}
	path := fmt.Sprintf("/api/v1/rounds/%d/review", id)
	var next, failed atomic.Int64
	lat := make([][]time.Duration, conns)
	var wg sync.WaitGroup
	b.ResetTimer()
	start := time.Now()
	for c := 0; c < conns; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= b.N {
					return
				}
				t0 := time.Now()
				if st := s.do(http.MethodPut, path, tokens[i%panelists], bodies[i%panelists], nil); st != http.StatusOK {
					failed.Add(1)
				}
				lat[c] = append(lat[c], time.Since(t0))
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	if failed.Load() > 0 {
		b.Fatalf("%d reviews failed", failed.Load())
	}
	all := slices.Concat(lat...)
	slices.Sort(all)
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "reviews/s")
	b.ReportMetric(float64(all[len(all)*99/100].Microseconds())/1000, "p99-ms")
	b.ReportMetric(float64(all[len(all)/2].Microseconds())/1000, "p50-ms")
}

// BenchmarkResults: the results of a closed round of 200 panelists, each
// with a full review, read over HTTP.
func BenchmarkResults(b *testing.B) {
	s := newBenchServer(b)
	const panelists = 200
	id, pi, tokens := s.benchRound(panelists)
	path := fmt.Sprintf("/api/v1/rounds/%d/review", id)
	var wg sync.WaitGroup
	for c := 0; c < 16; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := c; i < panelists; i += 16 {
				if st := s.do(http.MethodPut, path, tokens[i], fullReview(i), nil); st != 200 {
					b.Errorf("review %d: %d", i, st)
				}
			}
		}()
	}
	wg.Wait()
	s.must(http.MethodPost, fmt.Sprintf("/api/v1/rounds/%d/close", id), pi, nil, 200, nil)
	var res struct {
		Responded int `json:"responded"`
		Items     []json.RawMessage
	}
	s.must(http.MethodGet, fmt.Sprintf("/api/v1/rounds/%d/results", id), pi, nil, 200, &res)
	if res.Responded != panelists || len(res.Items) != 12*2+15 {
		b.Fatalf("results: %d responded, %d items", res.Responded, len(res.Items))
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if st := s.do(http.MethodGet, fmt.Sprintf("/api/v1/rounds/%d/results", id), pi, nil, nil); st != 200 {
			b.Fatalf("results: %d", st)
		}
	}
}
