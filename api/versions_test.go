package api_test

import (
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/goccy/go-graphviz"
	"github.com/google/go-cmp/cmp"
)

// TestLifecycle walks every version state × action × role through the
// real router: only the model team (its creator and co-investigators) and
// admins move versions, only along draft → in_review → approved|rejected,
// approved → retired; nobody outside the team (other PIs included) learns
// that an unapproved version exists.
func TestLifecycle(t *testing.T) {
	t.Parallel()
	testLifecycle(t, sqliteFactory)
}

func testLifecycle(t *testing.T, f envFactory) {
	ev := f.fresh(t)
	owner, _ := ev.user("pi", "Owner PI")
	tokens := map[string]string{"admin": ev.admin, "owner": owner}
	for _, role := range []string{"pi", "panelist", "coder", "client"} {
		tokens[role], _ = ev.user(role, "Some "+role)
	}
	ev.model(owner, "lc")
	var teamID int64
	tokens["teampi"], teamID = ev.user("pi", "Co-investigator")
	if r := ev.do(http.MethodPut, "/api/v1/models/lc/team", owner, map[string]any{"pis": []int64{teamID}}); r.status != 200 {
		t.Fatalf("team: %d %s", r.status, r.body)
	}
	// path to reach each state from a fresh draft
	reach := map[string][]string{
		"draft": nil, "in_review": {"submit"}, "approved": {"submit", "approve"},
		"rejected": {"submit", "reject"}, "retired": {"submit", "approve", "retire"},
	}
	allowed := map[string]string{"submit": "draft", "approve": "in_review", "reject": "in_review", "retire": "approved", "replace": "draft"}
	next := map[string]string{"submit": "in_review", "approve": "approved", "reject": "rejected", "retire": "retired", "replace": "draft"}
	for _, state := range []string{"draft", "in_review", "approved", "rejected", "retired"} {
		for _, action := range []string{"submit", "approve", "reject", "retire", "replace"} {
			for _, role := range []string{"admin", "owner", "teampi", "pi", "panelist", "coder", "client"} {
				t.Run(fmt.Sprintf("%s/%s/%s", state, action, role), func(t *testing.T) {
					// Each case acts on a version of its own.
					t.Parallel()
					ev := ev.with(t)
					n := ev.draft(owner, "lc", sampleVersion())
					for _, a := range reach[state] {
						if r := ev.do(http.MethodPost, fmt.Sprintf("/api/v1/models/lc/versions/%d/%s", n, a), owner, map[string]any{"note": "setup"}); r.status != 200 {
							t.Fatalf("setup %s: %d %s", a, r.status, r.body)
						}
					}
					var want int
					visible := state == "approved" || state == "retired"
					team := role == "admin" || role == "owner" || role == "teampi"
					switch {
					case !team && !visible:
						want = http.StatusNotFound
					case !team:
						want = http.StatusForbidden
					case allowed[action] != state:
						want = http.StatusConflict
					default:
						want = http.StatusOK
					}
					path := fmt.Sprintf("/api/v1/models/lc/versions/%d", n)
					var r resp
					if action == "replace" {
						r = ev.do(http.MethodPut, path, tokens[role], sampleVersion())
					} else {
						r = ev.do(http.MethodPost, path+"/"+action, tokens[role], map[string]any{"note": "why"})
					}
					if r.status != want {
						t.Fatalf("got %d, want %d: %s", r.status, want, r.body)
					}
					var v struct {
						Status     string  `json:"status"`
						ApprovedBy *string `json:"approved_by"`
					}
					got := ev.do(http.MethodGet, path, owner, nil)
					got.json(t, &v)
					wantState := state
					if want == http.StatusOK {
						wantState = next[action]
					}
					if v.Status != wantState {
						t.Errorf("state after: %s, want %s", v.Status, wantState)
					}
					if want == http.StatusOK && action == "approve" && v.ApprovedBy == nil {
						t.Errorf("approved_by not set")
					}
					if want != http.StatusOK && r.header.Get("Content-Type") != "application/problem+json" {
						t.Errorf("error content type %q", r.header.Get("Content-Type"))
					}
				})
			}
		}
	}
}

func TestClientPullsLatest(t *testing.T) {
	t.Parallel()
	testClientPullsLatest(t, sqliteFactory)
}

func testClientPullsLatest(t *testing.T, f envFactory) {
	ev := f.fresh(t)
	pi, _ := ev.user("pi", "Pat PI")
	client, _ := ev.user("client", "Api Client")
	ev.model(pi, "pull")
	if r := ev.do(http.MethodGet, "/api/v1/models/pull/versions/latest", client, nil); r.status != http.StatusNotFound {
		t.Fatalf("latest with nothing approved: %d", r.status)
	}
	n := ev.draft(pi, "pull", sampleVersion())
	ev.do(http.MethodPost, fmt.Sprintf("/api/v1/models/pull/versions/%d/submit", n), pi, nil)
	ev.do(http.MethodPost, fmt.Sprintf("/api/v1/models/pull/versions/%d/approve", n), pi, map[string]any{"note": "ok"})
	draft := ev.draft(pi, "pull", sampleVersion())

	r := ev.do(http.MethodGet, "/api/v1/models/pull/versions/latest", client, nil)
	if r.status != 200 {
		t.Fatalf("latest: %d %s", r.status, r.body)
	}
	etag := r.header.Get("ETag")
	if !strings.HasPrefix(etag, `"`) || strings.HasPrefix(etag, "W/") {
		t.Fatalf("ETag %q is not strong", etag)
	}
	var v struct {
		Number      int    `json:"number"`
		Status      string `json:"status"`
		ContentHash string `json:"content_hash"`
	}
	r.json(t, &v)
	if v.Number != n || v.Status != "approved" || !strings.HasPrefix(v.ContentHash, "sha256:") {
		t.Fatalf("latest = %+v", v)
	}
	if r2 := ev.do(http.MethodGet, "/api/v1/models/pull/versions/latest", client, nil, "If-None-Match", etag); r2.status != http.StatusNotModified || len(r2.body) != 0 {
		t.Fatalf("If-None-Match: %d %q", r2.status, r2.body)
	}
	if r2 := ev.do(http.MethodGet, "/api/v1/models/pull/versions/latest", client, nil, "If-None-Match", `"other"`); r2.status != 200 {
		t.Fatalf("stale If-None-Match: %d", r2.status)
	}
	if r2 := ev.do(http.MethodGet, fmt.Sprintf("/api/v1/models/pull/versions/%d", draft), client, nil); r2.status != http.StatusNotFound {
		t.Fatalf("draft visible to client: %d", r2.status)
	}
	if r2 := ev.do(http.MethodGet, fmt.Sprintf("/api/v1/models/pull/versions/%d/export?format=svg", draft), client, nil); r2.status != http.StatusNotFound {
		t.Fatalf("draft export visible to client: %d", r2.status)
	}
	var l struct {
		Items []struct {
			Number int `json:"number"`
		} `json:"items"`
	}
	ev.do(http.MethodGet, "/api/v1/models/pull/versions", client, nil).json(t, &l)
	if len(l.Items) != 1 || l.Items[0].Number != n {
		t.Fatalf("client list = %+v", l.Items)
	}
	// A change made by this process shows at once, cache or not.
	ev.do(http.MethodPost, fmt.Sprintf("/api/v1/models/pull/versions/%d/submit", draft), pi, nil)
	ev.do(http.MethodPost, fmt.Sprintf("/api/v1/models/pull/versions/%d/approve", draft), pi, nil)
	var v2 struct {
		Number int `json:"number"`
	}
	ev.do(http.MethodGet, "/api/v1/models/pull/versions/latest", client, nil).json(t, &v2)
	if v2.Number != draft {
		t.Fatalf("latest after a new approval = %d, want %d", v2.Number, draft)
	}
	if r2 := ev.do(http.MethodGet, "/api/v1/models/pull/versions/latest", "", nil); r2.status != http.StatusUnauthorized {
		t.Fatalf("no token: %d", r2.status)
	}
	if r2 := ev.do(http.MethodGet, "/api/v1/models/pull/versions/latest", "sw_wrong", nil); r2.status != http.StatusUnauthorized {
		t.Fatalf("bad token: %d", r2.status)
	}
}

func TestIfMatch(t *testing.T) {
	t.Parallel()
	ev := newEnv(t)
	pi, _ := ev.user("pi", "Pat PI")
	ev.model(pi, "im")
	n := ev.draft(pi, "im", sampleVersion())
	path := fmt.Sprintf("/api/v1/models/im/versions/%d", n)
	etag := ev.do(http.MethodGet, path, pi, nil).header.Get("ETag")
	body := sampleVersion()
	body["notes"] = "second thoughts"
	r := ev.do(http.MethodPut, path, pi, body, "If-Match", etag)
	if r.status != 200 {
		t.Fatalf("fresh If-Match: %d %s", r.status, r.body)
	}
	if r.header.Get("ETag") == etag {
		t.Fatalf("ETag unchanged after an update")
	}
	before := ev.snapshot()
	body["notes"] = "lost update"
	if r := ev.do(http.MethodPut, path, pi, body, "If-Match", etag); r.status != http.StatusPreconditionFailed {
		t.Fatalf("stale If-Match: %d %s", r.status, r.body)
	}
	if after := ev.snapshot(); after != before {
		t.Fatalf("a 412 changed the database")
	}
}

func TestDiff(t *testing.T) {
	t.Parallel()
	ev := newEnv(t)
	pi, _ := ev.user("pi", "Pat PI")
	ev.model(pi, "diff")
	ev.draft(pi, "diff", sampleVersion())
	v2 := sampleVersion()
	stages := v2["stages"].([]map[string]any)
	stages[1]["name"] = "Invite exploration of the rupture"
	stages[1]["codes"] = []string{"RS04", "RS06"}
	v2["stages"] = append(stages[:3], map[string]any{"key": "S6", "name": "Acknowledge", "actor": "therapist", "role": "process", "codes": []string{"RS05"}}, stages[4])
	v2["transitions"] = []map[string]any{{"from": "S1", "to": "S2"}, {"from": "S2", "to": "S3"}, {"from": "S3", "to": "S6"}, {"from": "S6", "to": "S5"}, {"from": "S2", "to": "S5", "kind": "loop"}}
	v2["clusters"] = []map[string]any{{"key": "k", "name": "Strategies"}, {"key": "k2", "name": "Spare"}}
	stages[0]["cluster"] = "k2"
	ev.draft(pi, "diff", v2)
	r := ev.do(http.MethodGet, "/api/v1/models/diff/versions/2/diff?from=1", pi, nil)
	if r.status != 200 {
		t.Fatalf("diff: %d %s", r.status, r.body)
	}
	var d struct {
		From, To int
		Stages   struct {
			Added   []struct{ Key string } `json:"added"`
			Removed []struct{ Key string } `json:"removed"`
			Changed []struct {
				Key    string                    `json:"key"`
				Fields map[string]map[string]any `json:"fields"`
			} `json:"changed"`
		} `json:"stages"`
		Transitions struct {
			Added   []map[string]string `json:"added"`
			Removed []map[string]string `json:"removed"`
		} `json:"transitions"`
		Clusters struct {
			Added   []map[string]string `json:"added"`
			Removed []map[string]string `json:"removed"`
			Changed []struct {
				Key    string                    `json:"key"`
				Fields map[string]map[string]any `json:"fields"`
			} `json:"changed"`
		} `json:"clusters"`
	}
	r.json(t, &d)
	if d.From != 1 || d.To != 2 {
		t.Errorf("from/to = %d/%d", d.From, d.To)
	}
	if len(d.Stages.Added) != 1 || d.Stages.Added[0].Key != "S6" || len(d.Stages.Removed) != 1 || d.Stages.Removed[0].Key != "S4" {
		t.Errorf("stages added/removed: %+v / %+v", d.Stages.Added, d.Stages.Removed)
	}
	changed := map[string][]string{}
	for _, c := range d.Stages.Changed {
		for f := range c.Fields {
			changed[c.Key] = append(changed[c.Key], f)
		}
	}
	if len(changed) != 2 || len(changed["S2"]) != 2 || len(changed["S1"]) != 1 {
		t.Errorf("changed = %v", changed)
	}
	if got := d.Stages.Changed; len(got) > 0 {
		for _, c := range got {
			if c.Key == "S2" && c.Fields["name"]["to"] != "Invite exploration of the rupture" {
				t.Errorf("S2 name change = %v", c.Fields["name"])
			}
		}
	}
	wantAdded := []map[string]string{{"from": "S3", "to": "S6", "kind": "hypothesized"}, {"from": "S6", "to": "S5", "kind": "hypothesized"}, {"from": "S2", "to": "S5", "kind": "loop"}}
	wantRemoved := []map[string]string{{"from": "S3", "to": "S4", "kind": "hypothesized"}, {"from": "S4", "to": "S5", "kind": "hypothesized"}, {"from": "S2", "to": "S5", "kind": "alternative"}}
	if diff := cmp.Diff(wantAdded, d.Transitions.Added); diff != "" {
		t.Errorf("transitions added (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(wantRemoved, d.Transitions.Removed); diff != "" {
		t.Errorf("transitions removed (-want +got):\n%s", diff)
	}
	if len(d.Clusters.Added) != 1 || d.Clusters.Added[0]["key"] != "k2" || len(d.Clusters.Changed) != 1 || d.Clusters.Changed[0].Fields["name"]["to"] != "Strategies" {
		t.Errorf("clusters = %+v", d.Clusters)
	}
	if r := ev.do(http.MethodGet, "/api/v1/models/diff/versions/2/diff?from=9", pi, nil); r.status != 404 {
		t.Errorf("diff from a missing version: %d", r.status)
	}
	if r := ev.do(http.MethodGet, "/api/v1/models/diff/versions/2/diff", pi, nil); r.status != 422 {
		t.Errorf("diff without from: %d", r.status)
	}
}

func TestExports(t *testing.T) {
	t.Parallel()
	ev := newEnv(t)
	pi, _ := ev.user("pi", "Pat PI")
	ev.model(pi, "exp")
	n := ev.draft(pi, "exp", sampleVersion())
	base := fmt.Sprintf("/api/v1/models/exp/versions/%d/export", n)
	names := []string{"Rupture marker", "Invite exploration", "Validate", "Rationale", "Re-engagement"}

	svg := ev.do(http.MethodGet, base+"?format=svg", pi, nil)
	if svg.status != 200 || svg.header.Get("Content-Type") != "image/svg+xml" {
		t.Fatalf("svg: %d %s", svg.status, svg.header.Get("Content-Type"))
	}
	dec := xml.NewDecoder(strings.NewReader(string(svg.body)))
	var text strings.Builder
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("SVG does not parse as XML: %v", err)
		}
		if cd, ok := tok.(xml.CharData); ok {
			text.Write(cd)
		}
	}
	for _, name := range names {
		if !strings.Contains(text.String(), name) {
			t.Errorf("SVG lacks stage %q", name)
		}
	}
	if !strings.Contains(text.String(), "any order") {
		t.Errorf("SVG lacks the cluster label")
	}

	dot := ev.do(http.MethodGet, base+"?format=dot", pi, nil)
	if dot.status != 200 {
		t.Fatalf("dot: %d", dot.status)
	}
	if _, err := graphviz.ParseBytes(dot.body); err != nil {
		t.Fatalf("DOT export does not parse with Graphviz: %v", err)
	}
	mm := ev.do(http.MethodGet, base+"?format=mermaid", pi, nil)
	if mm.status != 200 || !strings.HasPrefix(string(mm.body), "flowchart LR") {
		t.Fatalf("mermaid: %d %s", mm.status, mm.body)
	}
	js := ev.do(http.MethodGet, base+"?format=json", pi, nil)
	if js.status != 200 || js.header.Get("ETag") == "" {
		t.Fatalf("json: %d", js.status)
	}
	if r := ev.do(http.MethodGet, base+"?format=pdf", pi, nil); r.status != 422 || r.problem(t).Errors[0].Field != "format" {
		t.Fatalf("bad format: %d %s", r.status, r.body)
	}
}
