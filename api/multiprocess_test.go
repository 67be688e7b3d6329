package api_test

import (
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"
)

// TestTwoProcessesShareOneDatabase runs two fully wired servers on one
// database file, as two stagewise processes would: concurrent drafts get
// distinct numbers, the audit chain stays intact, and a change made by one
// process is seen by the other within the cache TTL.
func TestTwoProcessesShareOneDatabase(t *testing.T) {
	t.Parallel()
	testTwoProcesses(t, sqliteFactory)
}

func testTwoProcesses(t *testing.T, f envFactory) {
	cfg := f.shared(t)
	a := newEnvWith(t, cfg)
	b := newEnvWith(t, cfg)
	pi, _ := a.user("pi", "Pat PI")
	client, _ := a.user("client", "Api Client")
	a.model(pi, "shared")
	var wg sync.WaitGroup
	errs := make(chan string, 40)
	for i := 0; i < 20; i++ {
		for _, ev := range []*env{a, b} {
			wg.Add(1)
			go func(ev *env) {
				defer wg.Done()
				r := ev.do(http.MethodPost, "/api/v1/models/shared/versions", pi, sampleVersion())
				if r.status != http.StatusCreated {
					errs <- fmt.Sprintf("%d %s", r.status, r.body)
				}
			}(ev)
		}
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Fatalf("concurrent draft failed: %s", e)
	}
	var l struct {
		Items []struct {
			Number int `json:"number"`
		} `json:"items"`
	}
	b.do(http.MethodGet, "/api/v1/models/shared/versions?limit=200", pi, nil).json(t, &l)
	if len(l.Items) != 40 {
		t.Fatalf("%d versions, want 40", len(l.Items))
	}
	for i, v := range l.Items {
		if v.Number != i+1 {
			t.Fatalf("version numbers not 1..40: %v", l.Items)
		}
	}
	var v struct {
		OK      bool  `json:"ok"`
		Entries int64 `json:"entries"`
	}
	a.do(http.MethodGet, "/api/v1/audit/verify", a.admin, nil).json(t, &v)
	if !v.OK || v.Entries != 2+1+1+40 {
		t.Fatalf("verify = %+v", v)
	}

	// Approve version 1 through b; a serves it within the TTL.
	b.do(http.MethodPost, "/api/v1/models/shared/versions/1/submit", pi, nil)
	b.do(http.MethodPost, "/api/v1/models/shared/versions/1/approve", pi, nil)
	if r := a.do(http.MethodGet, "/api/v1/models/shared/versions/latest", client, nil); r.status != 200 {
		t.Fatalf("a does not see b's approval: %d", r.status)
	}
	// Retire it through b: a may serve its cached copy for at most the TTL.
	b.do(http.MethodPost, "/api/v1/models/shared/versions/1/retire", pi, nil)
	if r := b.do(http.MethodGet, "/api/v1/models/shared/versions/latest", client, nil); r.status != 404 {
		t.Fatalf("b still serves a retired latest: %d", r.status)
	}
	// Within the TTL a may still serve it; once a's clock passes the TTL it
	// must not.
	later := time.Now().Add(a.svc.CacheTTL() + time.Millisecond)
	a.svc.SetClock(func() time.Time { return later })
	if r := a.do(http.MethodGet, "/api/v1/models/shared/versions/latest", client, nil); r.status != 404 {
		t.Fatalf("a served a retired version past the cache TTL: %d", r.status)
	}
}
