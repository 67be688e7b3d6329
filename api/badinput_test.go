package api_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// TestBadInputCatalogue sends every kind of bad input the contract names
// and checks the status, the field path in the problem, and that nothing
// in the database changed.
func TestBadInputCatalogue(t *testing.T) {
	t.Parallel()
	testBadInputCatalogue(t, sqliteFactory)
}

func testBadInputCatalogue(t *testing.T, f envFactory) {
	ev := f.fresh(t)
	pi, _ := ev.user("pi", "Pat PI")
	client, _ := ev.user("client", "Api Client")
	ev.model(pi, "bad")
	n := ev.draft(pi, "bad", sampleVersion())
	_ = n
	good, _ := json.Marshal(sampleVersion())
	with := func(edit func(v map[string]any)) string {
		v := sampleVersion()
		edit(v)
		b, _ := json.Marshal(v)
		return string(b)
	}
	stage := func(v map[string]any, i int) map[string]any { return v["stages"].([]map[string]any)[i] }
	const versions = "/api/v1/models/bad/versions"
	// The endpoints of model and dataset teams, consensus coding,
	// invitations and web sessions answer bad bodies the same way.
	var ds struct {
		ID int64 `json:"id"`
	}
	ev.do(http.MethodPost, "/api/v1/datasets", pi, map[string]any{"name": "bad input", "codebook": "3rs-2015"}).json(t, &ds)
	dsPath := fmt.Sprintf("/api/v1/datasets/%d", ds.ID)
	cases := []struct {
		name, method, path, token, body string
		status                          int
		field                           string // "" when no field is named
	}{
		{"malformed JSON", "POST", versions, pi, `{"stages": [`, 400, ""},
		{"not JSON at all", "POST", versions, pi, `stages=1`, 400, ""},
		{"trailing data", "POST", versions, pi, string(good) + `{"x":1}`, 400, ""},
		{"trailing garbage", "POST", versions, pi, string(good) + `]`, 400, ""},
		{"empty body", "POST", versions, pi, ``, 400, ""},
		{"invalid UTF-8", "POST", versions, pi, `{"notes": "` + "\xff\xfe" + `"}`, 400, ""},
		{"NUL character", "POST", versions, pi, with(func(v map[string]any) { v["notes"] = "a\x00b" }), 422, "notes"},
		{"unknown field", "POST", versions, pi, with(func(v map[string]any) { v["colour"] = "red" }), 422, "colour"},
		{"unknown nested field", "POST", versions, pi, with(func(v map[string]any) { stage(v, 2)["weight"] = 3 }), 422, "stages[2].weight"},
		{"wrong type", "POST", versions, pi, with(func(v map[string]any) { stage(v, 1)["optional"] = "yes" }), 422, "stages[1].optional"},
		{"wrong type for a list", "POST", versions, pi, with(func(v map[string]any) { v["stages"] = "S1,S2" }), 422, "stages"},
		{"number too large", "POST", versions, pi, with(func(v map[string]any) { v["parent"] = 1e40 }), 422, "parent"},
		{"missing stages", "POST", versions, pi, `{"notes": "nothing"}`, 422, "stages"},
		{"missing stage name", "POST", versions, pi, with(func(v map[string]any) { delete(stage(v, 0), "name") }), 422, "stages[0].name"},
		{"duplicate stage key", "POST", versions, pi, with(func(v map[string]any) { stage(v, 2)["key"] = "S2" }), 422, "stages[2].key"},
		{"dangling transition", "POST", versions, pi, with(func(v map[string]any) {
			v["transitions"] = append(v["transitions"].([]map[string]any), map[string]any{"from": "S2", "to": "S9"})
		}), 422, "transitions[5].to"},
		{"self-loop not of kind loop", "POST", versions, pi, with(func(v map[string]any) {
			v["transitions"] = append(v["transitions"].([]map[string]any), map[string]any{"from": "S2", "to": "S2"})
		}), 422, "transitions[5].to"},
		{"no resolution stage", "POST", versions, pi, with(func(v map[string]any) { stage(v, 4)["role"] = "process" }), 422, "stages"},
		{"unknown cluster", "POST", versions, pi, with(func(v map[string]any) { stage(v, 3)["cluster"] = "nope" }), 422, "stages[3].cluster"},
		{"empty codes", "POST", versions, pi, with(func(v map[string]any) { stage(v, 1)["codes"] = []string{} }), 422, "stages[1].codes"},
		{"code shared by two stages", "POST", versions, pi, with(func(v map[string]any) { stage(v, 1)["codes"] = []string{"W1"} }), 422, "stages[1].codes[0]"},
		{"bad actor", "POST", versions, pi, with(func(v map[string]any) { stage(v, 1)["actor"] = "robot" }), 422, "stages[1].actor"},
		{"missing parent version", "POST", versions, pi, with(func(v map[string]any) { v["parent"] = 7 }), 422, "parent"},
		{"client sets status", "POST", versions, pi, with(func(v map[string]any) { v["status"] = "approved" }), 422, "status"},
		{"client sets content_hash", "POST", versions, pi, with(func(v map[string]any) { v["content_hash"] = "sha256:00" }), 422, "content_hash"},
		{"client sets number", "PUT", versions + "/1", pi, with(func(v map[string]any) { v["number"] = 9 }), 422, "number"},
		{"client sets approved_by", "PUT", versions + "/1", pi, with(func(v map[string]any) { v["approved_by"] = "me" }), 422, "approved_by"},
		{"oversize body", "POST", versions, pi, `{"notes": "` + strings.Repeat("x", 2<<20) + `"}`, 413, ""},
		{"wrong content type", "POST", versions, pi, "<xml/>", 415, ""},
		{"no token", "POST", versions, "", string(good), 401, ""},
		// The model has no approved version: to a client it does not exist.
		{"client cannot draft", "POST", versions, client, string(good), 404, ""},
		{"unknown model", "POST", "/api/v1/models/none/versions", pi, string(good), 404, ""},
		{"bad slug", "POST", "/api/v1/models", pi, `{"slug": "Not A Slug", "title": "t", "marker": "m", "resolution": "r"}`, 422, "slug"},
		{"duplicate slug", "POST", "/api/v1/models", pi, `{"slug": "bad", "title": "t", "marker": "m", "resolution": "r"}`, 409, ""},
		{"bad email", "POST", "/api/v1/users", pi, `{"name": "X", "email": "not-an-email", "role": "coder"}`, 422, "email"},
		{"PI creates an admin", "POST", "/api/v1/users", pi, `{"name": "X", "email": "x@example.org", "role": "admin"}`, 403, ""},
		{"team: malformed JSON", "PUT", "/api/v1/models/bad/team", pi, `{"pis": [`, 400, ""},
		{"team: wrong type", "PUT", "/api/v1/models/bad/team", pi, `{"pis": "all"}`, 422, "pis"},
		{"team: unknown field", "PUT", "/api/v1/models/bad/team", pi, `{"pis": [], "owner": 1}`, 422, "owner"},
		{"team: no such PI", "PUT", "/api/v1/models/bad/team", pi, `{"pis": [999]}`, 422, "pis[0]"},
		{"team: duplicate key", "PUT", "/api/v1/models/bad/team", pi, `{"pis": [], "pis": [999]}`, 400, ""},
		{"members: malformed JSON", "PUT", dsPath + "/members", pi, `{"members": [{`, 400, ""},
		{"members: bad role", "PUT", dsPath + "/members", pi, `{"members": [{"user": 1, "role": "boss"}]}`, 422, "members[0].role"},
		{"members: unknown field", "PUT", dsPath + "/members", pi, `{"members": [], "blind": false}`, 422, "blind"},
		{"consensus: malformed JSON", "POST", dsPath + "/consensus", pi, `{"coders": [`, 400, ""},
		{"consensus: wrong type", "POST", dsPath + "/consensus", pi, `{"coders": "a,b", "resolutions": []}`, 422, "coders"},
		{"claim: malformed JSON", "POST", "/api/v1/invitations/claim", "", `{"code": `, 400, ""},
		{"claim: wrong type", "POST", "/api/v1/invitations/claim", "", `{"code": 7}`, 422, "code"},
		{"claim: unknown field", "POST", "/api/v1/invitations/claim", "", `{"code": "x", "role": "admin"}`, 422, "role"},
		{"sign-in: malformed JSON", "POST", "/api/v1/session", "", `{"token": `, 400, ""},
		{"sign-in: wrong type", "POST", "/api/v1/session", "", `{"token": ["x"]}`, 422, "token"},
		{"bad limit", "GET", "/api/v1/models?limit=500", pi, "", 422, "limit"},
		{"bad cursor", "GET", "/api/v1/models?cursor=zzz", pi, "", 422, "cursor"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := ev.snapshot()
			var body any
			if c.body != "" {
				body = c.body
			}
			headers := []string{}
			if c.name == "wrong content type" {
				headers = append(headers, "Content-Type", "application/xml")
			}
			r := ev.do(c.method, c.path, c.token, body, headers...)
			if r.status != c.status {
				t.Fatalf("status %d, want %d: %s", r.status, c.status, r.body)
			}
			if ct := r.header.Get("Content-Type"); ct != "application/problem+json" {
				t.Errorf("content type %q", ct)
			}
			p := r.problem(t)
			if p.Status != c.status || p.Type == "" || p.Title == "" || p.RequestID == "" {
				t.Errorf("problem = %+v", p)
			}
			if c.field != "" {
				found := false
				for _, f := range p.Errors {
					found = found || f.Field == c.field
				}
				if !found {
					t.Errorf("no error names %q: %+v", c.field, p.Errors)
				}
			}
			if after := ev.snapshot(); after != before {
				t.Errorf("the database changed")
			}
		})
	}
	// One request naming several bad fields names them all.
	r := ev.do(http.MethodPost, versions, pi, with(func(v map[string]any) {
		stage(v, 0)["key"] = ""
		stage(v, 1)["role"] = "boss"
		stage(v, 2)["actor"] = "nobody"
	}))
	fields := map[string]bool{}
	for _, f := range r.problem(t).Errors {
		fields[f.Field] = true
	}
	for _, f := range []string{"stages[0].key", "stages[1].role", "stages[2].actor"} {
		if !fields[f] {
			t.Errorf("multi-error response lacks %s: %v", f, fields)
		}
	}
}

// TestAuditChain checks that every state change is in the chained log, that
// verify is ok, and that tampering with a row is found at its sequence number.
func TestAuditChain(t *testing.T) {
	t.Parallel()
	testAuditChain(t, sqliteFactory)
}

func testAuditChain(t *testing.T, f envFactory) {
	ev := f.fresh(t)
	pi, _ := ev.user("pi", "Pat PI")
	coder, _ := ev.user("coder", "Cody Coder")
	ev.model(pi, "audit")
	n := ev.draft(pi, "audit", sampleVersion())
	ev.do(http.MethodPost, "/api/v1/models/audit/versions/1/submit", pi, nil)
	ev.do(http.MethodPost, "/api/v1/models/audit/versions/1/approve", pi, nil)
	_ = n
	var l struct {
		Items []struct {
			Seq    int64  `json:"seq"`
			Action string `json:"action"`
		} `json:"items"`
	}
	// The admin reads every entry (a PI only those of their teams: see
	// TestAuditVisibility).
	ev.do(http.MethodGet, "/api/v1/audit", ev.admin, nil).json(t, &l)
	var actions []string
	for i, e := range l.Items {
		if e.Seq != int64(i+1) {
			t.Fatalf("seq %d at %d", e.Seq, i)
		}
		actions = append(actions, e.Action)
	}
	// The coder is invited and claims the invitation (the harness does, as the coder would).
	want := "user.create user.create user.create invitation.issue invitation.claim model.create version.create version.submit version.approve"
	if got := strings.Join(actions, " "); got != want {
		t.Fatalf("actions = %s\nwant      %s", got, want)
	}
	if r := ev.do(http.MethodGet, "/api/v1/audit", coder, nil); r.status != 403 {
		t.Fatalf("coder reads audit: %d", r.status)
	}
	var v struct {
		OK          bool   `json:"ok"`
		Entries     int64  `json:"entries"`
		FirstBadSeq *int64 `json:"first_bad_seq"`
	}
	ev.do(http.MethodGet, "/api/v1/audit/verify", ev.admin, nil).json(t, &v)
	if !v.OK || v.Entries != 9 || v.FirstBadSeq != nil {
		t.Fatalf("verify = %+v", v)
	}
	// The log refuses updates and deletes.
	db := ev.st.RawForTest()
	if err := db.Exec(`UPDATE audit_log SET actor = 'mallory' WHERE seq = 5`).Error; err == nil {
		t.Fatalf("audit_log accepted an UPDATE")
	}
	if err := db.Exec(`DELETE FROM audit_log WHERE seq = 5`).Error; err == nil {
		t.Fatalf("audit_log accepted a DELETE")
	}
	// Someone with file access drops the trigger and edits a row.
	drop := `DROP TRIGGER audit_log_no_update`
	if f.name == "postgres" {
		drop += ` ON audit_log`
	}
	if err := db.Exec(drop).Error; err != nil {
		t.Fatal(err)
	}
	if err := db.Exec(`UPDATE audit_log SET actor = 'mallory' WHERE seq = 5`).Error; err != nil {
		t.Fatal(err)
	}
	ev.do(http.MethodGet, "/api/v1/audit/verify", ev.admin, nil).json(t, &v)
	if v.OK || v.FirstBadSeq == nil || *v.FirstBadSeq != 5 {
		t.Fatalf("after tampering verify = %+v", v)
	}
}

func TestOperations(t *testing.T) {
	t.Parallel()
	ev := newEnv(t)
	if r := ev.do(http.MethodGet, "/healthz", "", nil); r.status != 200 {
		t.Fatalf("healthz %d", r.status)
	}
	if r := ev.do(http.MethodGet, "/readyz", "", nil); r.status != 200 || !strings.Contains(string(r.body), `"migrations":"current"`) {
		t.Fatalf("readyz %d %s", r.status, r.body)
	}
	ev.do(http.MethodGet, "/api/v1/models", ev.admin, nil)
	r := ev.do(http.MethodGet, "/metrics", "", nil)
	if r.status != 200 || !strings.Contains(string(r.body), `stagewise_http_requests_total{method="GET",route="/api/v1/models",status="200"} 1`) {
		t.Fatalf("metrics lack the request counter:\n%.2000s", r.body)
	}
	if !strings.Contains(string(r.body), "stagewise_http_request_duration_seconds_bucket") {
		t.Fatalf("metrics lack the latency histogram")
	}
	if r := ev.do(http.MethodGet, "/api/v1/nothing", ev.admin, nil); r.status != 404 || r.header.Get("Content-Type") != "application/problem+json" {
		t.Fatalf("unknown route: %d %s", r.status, r.header.Get("Content-Type"))
	}
	var me struct {
		Role string `json:"role"`
	}
	ev.do(http.MethodGet, "/api/v1/me", ev.admin, nil).json(t, &me)
	if me.Role != "admin" {
		t.Fatalf("me = %+v", me)
	}
}

func TestUsers(t *testing.T) {
	t.Parallel()
	ev := newEnv(t)
	pi, _ := ev.user("pi", "Pat PI")
	r := ev.do(http.MethodPost, "/api/v1/users", pi, map[string]any{"name": "Pan Elist", "email": "pan@example.org", "role": "panelist"})
	if r.status != 201 {
		t.Fatalf("PI creates panelist: %d %s", r.status, r.body)
	}
	var u struct {
		ID         int64  `json:"id"`
		Token      string `json:"token"`
		Invitation struct {
			Code string `json:"code"`
		} `json:"invitation"`
	}
	r.json(t, &u)
	// A panelist is invited: the PI never sees the panelist's token.
	if u.Token != "" || !strings.HasPrefix(u.Invitation.Code, "inv_") {
		t.Fatalf("created panelist: %s", r.body)
	}
	u.Token = ev.claim(u.Invitation.Code)
	if !strings.HasPrefix(u.Token, "sw_") || len(u.Token) < 40 {
		t.Fatalf("token %q", u.Token)
	}
	// The token works, and is never shown again.
	me := ev.do(http.MethodGet, "/api/v1/me", u.Token, nil)
	if me.status != 200 || strings.Contains(string(me.body), u.Token) {
		t.Fatalf("me: %d %s", me.status, me.body)
	}
	list := ev.do(http.MethodGet, "/api/v1/users", pi, nil)
	if strings.Contains(string(list.body), u.Token) || strings.Contains(string(list.body), "token") {
		t.Fatalf("user list leaks tokens: %s", list.body)
	}
	if r := ev.do(http.MethodPost, "/api/v1/users", pi, map[string]any{"name": "Again", "email": "pan@example.org", "role": "coder"}); r.status != 409 {
		t.Fatalf("duplicate email: %d", r.status)
	}
	if r := ev.do(http.MethodPost, "/api/v1/users", u.Token, map[string]any{"name": "X", "email": "x@example.org", "role": "coder"}); r.status != 403 {
		t.Fatalf("panelist creates users: %d", r.status)
	}
	// Pagination: a full page has a cursor that reaches the rest.
	for i := 0; i < 4; i++ {
		ev.user("coder", "Coder "+string(rune('A'+i)))
	}
	var page struct {
		Items []struct {
			ID int64 `json:"id"`
		} `json:"items"`
		NextCursor string `json:"next_cursor"`
	}
	ev.do(http.MethodGet, "/api/v1/users?limit=3", ev.admin, nil).json(t, &page)
	seen := len(page.Items)
	for page.NextCursor != "" {
		cur := page.NextCursor
		page.NextCursor = ""
		page.Items = nil
		ev.do(http.MethodGet, "/api/v1/users?limit=3&cursor="+cur, ev.admin, nil).json(t, &page)
		seen += len(page.Items)
	}
	if seen != 7 { // admin, PI, panelist, 4 coders
		t.Fatalf("pages saw %d users, want 7", seen)
	}
	// A last page that is exactly full carries no cursor (api.md).
	page.NextCursor = ""
	r = ev.do(http.MethodGet, "/api/v1/users?limit=7", ev.admin, nil)
	r.json(t, &page)
	if len(page.Items) != 7 || page.NextCursor != "" || strings.Contains(string(r.body), "next_cursor") {
		t.Fatalf("exactly full last page: %d items, cursor %q", len(page.Items), page.NextCursor)
	}
}
