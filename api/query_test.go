package api_test

import (
	"fmt"
	"net/http"
	"slices"
	"testing"
)

// TestQueryValidated: query parameters are checked by their query type's
// tags (query.go) before the handler runs: a bad value is 422 naming the
// parameter (every bad one in one answer), a request without a token is
// 401 whatever its query, an empty parameter counts as absent and an
// unknown one is ignored. Nothing changes on a rejected request.
func TestQueryValidated(t *testing.T) {
	t.Parallel()
	ev := newEnv(t)
	pi, _ := ev.user("pi", "Pat PI")
	ev.model(pi, "qv")
	ev.draft(pi, "qv", sampleVersion())
	ev.draft(pi, "qv", sampleVersion())
	var ds struct {
		ID int64 `json:"id"`
	}
	ev.do(http.MethodPost, "/api/v1/datasets", pi, map[string]any{"name": "q", "codebook": "3rs-2015"}).json(t, &ds)
	dsPath := fmt.Sprintf("/api/v1/datasets/%d", ds.ID)

	bad := []struct {
		path   string
		fields []string
	}{
		{"/api/v1/models?limit=0", []string{"limit"}},
		{"/api/v1/models?limit=201", []string{"limit"}},
		{"/api/v1/models?limit=ten", []string{"limit"}},
		{"/api/v1/models?limit=99999999999999999999", []string{"limit"}},
		{"/api/v1/models?cursor=no%20such", []string{"cursor"}},
		{"/api/v1/models?cursor=Zm9v", []string{"cursor"}},    // base64 of "foo": not a cursor of ours
		{"/api/v1/models?cursor=YzE6LTE", []string{"cursor"}}, // "c1:-1"
		{"/api/v1/models?limit=0&cursor=x!", []string{"cursor", "limit"}},
		{"/api/v1/users?limit=-1", []string{"limit"}},
		{"/api/v1/models/qv/versions?limit=1.5", []string{"limit"}},
		{"/api/v1/audit?after=-1", []string{"after"}},
		{"/api/v1/audit?after=x&limit=300", []string{"after", "limit"}},
		{"/api/v1/models/qv/versions/2/diff", []string{"from"}},
		{"/api/v1/models/qv/versions/2/diff?from=0", []string{"from"}},
		{"/api/v1/models/qv/versions/2/diff?from=one", []string{"from"}},
		{"/api/v1/models/qv/versions/1/export?format=pdf", []string{"format"}},
		{"/api/v1/comparisons/1?format=xlsx", []string{"format"}},
		{"/api/v1/comparisons?limit=0", []string{"limit"}},
		{"/api/v1/rounds/1/results?format=xml", []string{"format"}},
		{dsPath + "/sessions?format=xml", []string{"format"}},
		{dsPath + "/events?format=xml&limit=0", []string{"format", "limit"}},
		{dsPath + "/disagreements", []string{"coders"}},
		{dsPath + "/reliability?coders=", []string{"coders"}},
	}
	for _, c := range bad {
		t.Run(c.path, func(t *testing.T) {
			before := ev.snapshot()
			r := ev.do(http.MethodGet, c.path, pi, nil)
			if r.status != http.StatusUnprocessableEntity {
				t.Fatalf("status %d, want 422: %s", r.status, r.body)
			}
			got := fieldsOf(t, r)
			slices.Sort(got)
			if !slices.Equal(got, c.fields) {
				t.Errorf("fields %v, want %v: %s", got, c.fields, r.body)
			}
			if r := ev.do(http.MethodGet, c.path, "", nil); r.status != http.StatusUnauthorized {
				t.Errorf("without a token: %d, want 401", r.status)
			}
			if after := ev.snapshot(); after != before {
				t.Errorf("a rejected request changed something")
			}
		})
	}

	for _, path := range []string{
		"/api/v1/models?limit=1",
		"/api/v1/models?limit=200",
		"/api/v1/models?limit=&cursor=", // empty: absent
		"/api/v1/models?unknown=1",      // not ours: ignored
		"/api/v1/audit?after=0&limit=1",
		"/api/v1/models/qv/versions/2/diff?from=1",
		"/api/v1/models/qv/versions/1/export?format=mermaid",
		"/api/v1/models/qv/versions/1/export?format=",
		dsPath + "/sessions?format=csv",
		dsPath + "/events?format=json&coder=nobody&limit=5",
	} {
		if r := ev.do(http.MethodGet, path, pi, nil); r.status != http.StatusOK {
			t.Errorf("%s: %d, want 200: %s", path, r.status, r.body)
		}
	}

	// A cursor the server issued pages on.
	for i := 0; i < 2; i++ {
		ev.model(pi, fmt.Sprintf("qv%d", i))
	}
	var page struct {
		Items      []any  `json:"items"`
		NextCursor string `json:"next_cursor"`
	}
	ev.do(http.MethodGet, "/api/v1/models?limit=2", pi, nil).json(t, &page)
	if len(page.Items) != 2 || page.NextCursor == "" {
		t.Fatalf("first page: %d items, cursor %q", len(page.Items), page.NextCursor)
	}
	next := page.NextCursor
	page.Items, page.NextCursor = nil, ""
	ev.do(http.MethodGet, "/api/v1/models?limit=2&cursor="+next, pi, nil).json(t, &page)
	if len(page.Items) != 1 || page.NextCursor != "" {
		t.Errorf("second page: %d items, cursor %q; want the third model and no cursor", len(page.Items), page.NextCursor)
	}
}
