package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

type createdUser struct {
	ID         int64  `json:"id"`
	Token      string `json:"token"`
	Invitation *struct {
		Code      string    `json:"code"`
		ExpiresAt time.Time `json:"expires_at"`
	} `json:"invitation"`
}

func (ev *env) createUser(by, name, role string) createdUser {
	ev.t.Helper()
	r := ev.do(http.MethodPost, "/api/v1/users", by, map[string]any{"name": name, "email": strings.ToLower(strings.ReplaceAll(name, " ", ".")) + "@example.org", "role": role})
	if r.status != http.StatusCreated {
		ev.t.Fatalf("create %s: %d %s", role, r.status, r.body)
	}
	var u createdUser
	r.json(ev.t, &u)
	return u
}

// TestInvitations: panelists and coders are invited, never handed a token
// by whoever creates them (the tester's report: a PI reissued a
// panelist's token and read that panelist's answers); the code is used
// once; re-inviting follows api.md "Who sees what".
func TestInvitations(t *testing.T) {
	t.Parallel()
	ev := newEnv(t)
	pi, _ := ev.user("pi", "Pat PI")
	other, _ := ev.user("pi", "Other PI")

	// Who gets what at creation.
	for _, c := range []struct {
		by, role string
		invite   bool
	}{
		{pi, "panelist", true}, {pi, "coder", true}, {pi, "client", false},
		{ev.admin, "panelist", true}, {ev.admin, "coder", true}, {ev.admin, "pi", false}, {ev.admin, "admin", false}, {ev.admin, "client", false},
	} {
		u := ev.createUser(c.by, fmt.Sprintf("New %s %d", c.role, len(c.by)), c.role)
		if c.invite != (u.Invitation != nil) || c.invite == (u.Token != "") {
			t.Fatalf("%s: token %q, invitation %+v", c.role, u.Token, u.Invitation)
		}
		if c.invite {
			ttl := time.Until(u.Invitation.ExpiresAt)
			if ttl < 14*24*time.Hour-time.Minute || ttl > 14*24*time.Hour {
				t.Fatalf("invitation expires in %v, want 14 days", ttl)
			}
		}
	}

	p := ev.createUser(pi, "Pan Elist", "panelist")
	code := p.Invitation.Code
	// The old route that handed the PI a panelist's token is gone.
	if r := ev.do(http.MethodPost, fmt.Sprintf("/api/v1/users/%d/token", p.ID), pi, nil); r.status != http.StatusNotFound && r.status != http.StatusMethodNotAllowed {
		t.Fatalf("POST /users/{id}/token: %d %s", r.status, r.body)
	}
	// Codes that cannot be claimed all get the same 404, naming no one.
	unknown := ev.do(http.MethodPost, "/api/v1/invitations/claim", "", map[string]any{"code": "inv_nope"})
	if unknown.status != 404 || strings.Contains(string(unknown.body), "Pan") {
		t.Fatalf("unknown code: %d %s", unknown.status, unknown.body)
	}
	// The PI may replace an unclaimed invitation; the old code stops.
	path := fmt.Sprintf("/api/v1/users/%d/invitation", p.ID)
	if r := ev.do(http.MethodPost, path, other, nil); r.status != 403 {
		t.Fatalf("another PI re-invites: %d", r.status)
	}
	r := ev.do(http.MethodPost, path, pi, nil)
	if r.status != 201 {
		t.Fatalf("PI re-invites: %d %s", r.status, r.body)
	}
	var again createdUser
	r.json(t, &again)
	if again.Token != "" || again.Invitation == nil || again.Invitation.Code == code {
		t.Fatalf("re-invitation: %s", r.body)
	}
	replaced := ev.do(http.MethodPost, "/api/v1/invitations/claim", "", map[string]any{"code": code})
	if replaced.status != 404 || replaced.problem(t).Detail != unknown.problem(t).Detail {
		t.Fatalf("replaced code: %d %s", replaced.status, replaced.body)
	}
	// The claim: the invitee's token, once.
	var claimed struct {
		Token string `json:"token"`
		User  struct {
			ID int64 `json:"id"`
		} `json:"user"`
	}
	ev.do(http.MethodPost, "/api/v1/invitations/claim", "", map[string]any{"code": again.Invitation.Code}).json(t, &claimed)
	if claimed.User.ID != p.ID || !strings.HasPrefix(claimed.Token, "sw_") {
		t.Fatalf("claim: %+v", claimed)
	}
	if r := ev.do(http.MethodGet, "/api/v1/me", claimed.Token, nil); r.status != 200 {
		t.Fatalf("claimed token: %d", r.status)
	}
	used := ev.do(http.MethodPost, "/api/v1/invitations/claim", "", map[string]any{"code": again.Invitation.Code})
	if used.status != 404 || used.problem(t).Detail != unknown.problem(t).Detail {
		t.Fatalf("used code: %d %s", used.status, used.body)
	}
	// After the claim only an admin may re-invite; the panelist may not
	// invite themselves.
	for _, who := range []string{pi, claimed.Token} {
		if r := ev.do(http.MethodPost, path, who, nil); r.status != 403 {
			t.Fatalf("re-invite after the claim: %d %s", r.status, r.body)
		}
	}
	var adminInv createdUser
	ev.do(http.MethodPost, path, ev.admin, nil).json(t, &adminInv)
	// Until it is claimed the panelist's token works; claiming it ends it.
	if r := ev.do(http.MethodGet, "/api/v1/me", claimed.Token, nil); r.status != 200 {
		t.Fatalf("token before the new claim: %d", r.status)
	}
	fresh := ev.claim(adminInv.Invitation.Code)
	if r := ev.do(http.MethodGet, "/api/v1/me", claimed.Token, nil); r.status != 401 {
		t.Fatalf("the earlier token works after a new claim: %d", r.status)
	}
	if r := ev.do(http.MethodGet, "/api/v1/me", fresh, nil); r.status != 200 {
		t.Fatalf("the new token: %d", r.status)
	}
	if r := ev.do(http.MethodPost, "/api/v1/users/999/invitation", ev.admin, nil); r.status != 404 {
		t.Fatalf("unknown user: %d", r.status)
	}
	// A PI re-invites only invitees (not the client they created).
	c := ev.createUser(pi, "Script Client", "client")
	if r := ev.do(http.MethodPost, fmt.Sprintf("/api/v1/users/%d/invitation", c.ID), pi, nil); r.status != 403 {
		t.Fatalf("PI invites a client: %d", r.status)
	}

	// An expired invitation is the same 404.
	late := ev.createUser(pi, "Late Comer", "coder")
	if err := ev.st.RawForTest().Exec(`UPDATE invitations SET expires_at = ? WHERE user_id = ?`, time.Now().Add(-time.Hour).UTC(), late.ID).Error; err != nil {
		t.Fatal(err)
	}
	before := ev.snapshot()
	expired := ev.do(http.MethodPost, "/api/v1/invitations/claim", "", map[string]any{"code": late.Invitation.Code})
	if expired.status != 404 || expired.problem(t).Detail != unknown.problem(t).Detail {
		t.Fatalf("expired code: %d %s", expired.status, expired.body)
	}
	if ev.snapshot() != before {
		t.Fatal("a refused claim changed something")
	}
	// Neither codes nor tokens appear in lists or the audit log.
	for _, path := range []string{"/api/v1/users?limit=200", "/api/v1/audit?limit=200"} {
		body := string(ev.do(http.MethodGet, path, ev.admin, nil).body)
		for _, secret := range []string{code, again.Invitation.Code, claimed.Token, fresh} {
			if strings.Contains(body, secret) {
				t.Fatalf("%s shows a secret", path)
			}
		}
	}
	audit := string(ev.do(http.MethodGet, "/api/v1/audit?limit=200", ev.admin, nil).body)
	for _, action := range []string{"invitation.issue", "invitation.claim"} {
		if !strings.Contains(audit, action) {
			t.Fatalf("audit lacks %s", action)
		}
	}
}

// TestOwnToken: rotating gives a new token and ends the old one at once;
// deleting ends it (204).
func TestOwnToken(t *testing.T) {
	t.Parallel()
	ev := newEnv(t)
	for _, m := range []string{http.MethodPost, http.MethodDelete} {
		if r := ev.do(m, "/api/v1/me/token", "", nil); r.status != 401 {
			t.Fatalf("%s /me/token without a token: %d", m, r.status)
		}
	}
	for _, role := range []string{"pi", "panelist", "client"} {
		tok, id := ev.user(role, "Own "+role)
		r := ev.do(http.MethodPost, "/api/v1/me/token", tok, nil)
		var rot struct {
			ID    int64  `json:"id"`
			Token string `json:"token"`
		}
		r.json(t, &rot)
		if r.status != 200 || rot.ID != id || rot.Token == "" || rot.Token == tok {
			t.Fatalf("%s rotates: %d %s", role, r.status, r.body)
		}
		if r := ev.do(http.MethodGet, "/api/v1/me", tok, nil); r.status != 401 {
			t.Fatalf("%s: the rotated token still works: %d", role, r.status)
		}
		if r := ev.do(http.MethodGet, "/api/v1/me", rot.Token, nil); r.status != 200 {
			t.Fatalf("%s: the new token: %d", role, r.status)
		}
		if r := ev.do(http.MethodDelete, "/api/v1/me/token", rot.Token, nil); r.status != 204 || len(r.body) != 0 {
			t.Fatalf("%s ends the token: %d %s", role, r.status, r.body)
		}
		if r := ev.do(http.MethodGet, "/api/v1/me", rot.Token, nil); r.status != 401 {
			t.Fatalf("%s: the ended token still works: %d", role, r.status)
		}
	}
}

// TestRotatedTokenInAnotherProcess: a process that cached a token stops
// accepting it within the cache TTL after another process rotated it.
// The second process's clock is moved past the TTL instead of sleeping.
func TestRotatedTokenInAnotherProcess(t *testing.T) {
	t.Parallel()
	cfg := sqliteFactory.shared(t)
	a := newEnvWith(t, cfg)
	b := newEnvWith(t, cfg)
	start := time.Now()
	b.svc.SetClock(func() time.Time { return start })
	tok, _ := a.user("pi", "Pat PI")
	if r := b.do(http.MethodGet, "/api/v1/me", tok, nil); r.status != 200 { // b caches it
		t.Fatalf("b: %d", r.status)
	}
	if r := a.do(http.MethodDelete, "/api/v1/me/token", tok, nil); r.status != 204 {
		t.Fatalf("end: %d", r.status)
	}
	// Within the TTL b may still accept it from its cache (it does: nothing
	// told it); once b's clock passes the TTL it must not.
	if r := b.do(http.MethodGet, "/api/v1/me", tok, nil); r.status != 200 {
		t.Fatalf("b within the TTL: %d, want its cached answer 200", r.status)
	}
	later := start.Add(b.svc.CacheTTL() + time.Millisecond)
	b.svc.SetClock(func() time.Time { return later })
	if r := b.do(http.MethodGet, "/api/v1/me", tok, nil); r.status != 401 {
		t.Fatalf("another process accepts an ended token past the cache TTL: %d", r.status)
	}
}

// TestFailedAuthLimit: more than 20 failed authentications a minute from
// one address → 429 with Retry-After, even for a valid token from that
// address; other addresses are unaffected, and X-Forwarded-For does not
// choose the address unless proxies are trusted.
func TestFailedAuthLimit(t *testing.T) {
	t.Parallel()
	ev := newEnv(t)
	good, _ := ev.user("client", "Api Client")
	send := func(addr, token string, headers ...string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodGet, "/api/v1/me", nil)
		req.RemoteAddr = addr + ":40000"
		req.Header.Set("Authorization", "Bearer "+token)
		for i := 0; i+1 < len(headers); i += 2 {
			req.Header.Set(headers[i], headers[i+1])
		}
		rec := httptest.NewRecorder()
		ev.e.ServeHTTP(rec, req)
		return rec
	}
	counts := map[int]int{}
	for i := 0; i < 100; i++ {
		// A forged X-Forwarded-For per request must not spread the failures.
		rec := send("198.51.100.7", "sw_wrong"+strconv.Itoa(i), "X-Forwarded-For", fmt.Sprintf("10.0.0.%d", i))
		counts[rec.Code]++
		if rec.Code == 429 {
			ra, err := strconv.Atoi(rec.Header().Get("Retry-After"))
			if err != nil || ra < 1 || ra > 60 {
				t.Fatalf("Retry-After %q", rec.Header().Get("Retry-After"))
			}
			if !strings.Contains(rec.Body.String(), "too-many-requests") {
				t.Fatalf("429 body: %s", rec.Body)
			}
		}
	}
	if counts[401] != 20 || counts[429] != 80 {
		t.Fatalf("100 wrong tokens: %v, want 20×401 and 80×429", counts)
	}
	if rec := send("198.51.100.7", good); rec.Code != 429 {
		t.Fatalf("a valid token from the blocked address: %d", rec.Code)
	}
	if rec := send("198.51.100.8", good); rec.Code != 200 {
		t.Fatalf("another address: %d", rec.Code)
	}
	// Requests without a token cost nothing.
	for i := 0; i < 30; i++ {
		req := httptest.NewRequest(http.MethodGet, "/api/v1/me", nil)
		req.RemoteAddr = "198.51.100.9:1"
		rec := httptest.NewRecorder()
		ev.e.ServeHTTP(rec, req)
		if rec.Code != 401 {
			t.Fatalf("no token #%d: %d", i, rec.Code)
		}
	}
	if rec := send("198.51.100.9", good); rec.Code != 200 {
		t.Fatalf("after requests without a token: %d", rec.Code)
	}
	// Failed invitation claims count too.
	for i := 0; i < 21; i++ {
		req := httptest.NewRequest(http.MethodPost, "/api/v1/invitations/claim", strings.NewReader(`{"code":"inv_guess`+strconv.Itoa(i)+`"}`))
		req.Header.Set("Content-Type", "application/json")
		req.RemoteAddr = "203.0.113.5:2"
		rec := httptest.NewRecorder()
		ev.e.ServeHTTP(rec, req)
		if want := map[bool]int{true: 404, false: 429}[i < 20]; rec.Code != want {
			t.Fatalf("claim guess #%d: %d, want %d", i, rec.Code, want)
		}
	}
}

// TestDuplicateKeys: a JSON object with a duplicate key anywhere is 400
// naming it, instead of the last one silently winning.
func TestDuplicateKeys(t *testing.T) {
	t.Parallel()
	ev := newEnv(t)
	pi, _ := ev.user("pi", "Pat PI")
	before := ev.snapshot()
	for _, c := range []struct{ path, body, field string }{
		{"/api/v1/users", `{"name":"X","email":"x@example.org","role":"panelist","role":"admin"}`, "role"},
		{"/api/v1/models", `{"slug":"a","title":"t","marker":"m","resolution":"r","context":"c","context":"d"}`, "context"},
		{"/api/v1/models", `{"slug":"b","title":"t","marker":"m","resolution":"r","nested":[{"k":1},{"k":1,"k":2}]}`, "nested[1].k"},
	} {
		r := ev.do(http.MethodPost, c.path, pi, []byte(c.body))
		if r.status != 400 {
			t.Fatalf("%s: %d %s", c.body, r.status, r.body)
		}
		p := r.problem(t)
		found := false
		for _, f := range p.Errors {
			found = found || f.Field == c.field
		}
		if !found {
			t.Fatalf("%s: errors %+v do not name %s", c.body, p.Errors, c.field)
		}
	}
	if ev.snapshot() != before {
		t.Fatal("a refused request changed something")
	}
}

// TestCSVExportsEscapeFormulas: cells imported as formulas (the tester's
// "=HYPERLINK(…)") come back in every CSV export with a leading
// apostrophe; numbers, negative ones included, stay numbers.
func TestCSVExportsEscapeFormulas(t *testing.T) {
	t.Parallel()
	ev := newEnv(t)
	pi, _ := ev.user("pi", "PI")
	ds := ev.dataset(pi, map[string]any{"name": "Trial", "codebook": "3rs-2015"})
	evil := `=HYPERLINK("http://evil.example/","open")`
	quoted := `"` + strings.ReplaceAll(evil, `"`, `""`) + `"`
	sessions := sessionsHeader + quoted + ",1,patient,1,2,3,4,5,6,7,1,2,3,4,5,1,3,\n" + "@SUM(A1),1,patient,1,2,3,4,5,6,7,1,2,3,4,5,0,,\n"
	if r := ev.csvPost(ds+"/sessions", pi, sessions); r.status != 200 && r.status != 201 {
		t.Fatalf("import sessions: %d %s", r.status, r.body)
	}
	events := "case,session,coder,segment,onset,code,salience\n" + quoted + ",1,consensus,1,10.5,W2,3\n"
	if r := ev.csvPost(ds+"/events", pi, events); r.status != 200 && r.status != 201 {
		t.Fatalf("import events: %d %s", r.status, r.body)
	}
	for _, p := range []string{ds + "/sessions?format=csv", ds + "/events?format=csv"} {
		body := string(ev.do(http.MethodGet, p, pi, nil).body)
		if strings.Contains(body, "\n"+quoted) || strings.Contains(body, "\n@SUM") {
			t.Fatalf("%s exports a raw formula:\n%s", p, body)
		}
		if !strings.Contains(body, `"'=HYPERLINK(""http://evil.example/"",""open"")"`) {
			t.Fatalf("%s: escaped formula missing:\n%s", p, body)
		}
	}
}

// TestReliabilityMatrixLimit: POST /stats/reliability takes at most 100
// raters × 10,000 units; more is 413 naming data, decided while the body
// streams (the garbage after the 101st row is never read).
func TestReliabilityMatrixLimit(t *testing.T) {
	t.Parallel()
	ev := newEnv(t)
	tok, _ := ev.user("client", "Api Client")
	row := func(n int) string {
		return "[" + strings.TrimSuffix(strings.Repeat("1,2,", n/2), ",") + "]"
	}
	matrix := func(rows, cols int) string {
		rs := make([]string, rows)
		for i := range rs {
			rs[i] = row(cols)
		}
		return strings.Join(rs, ",")
	}
	for _, c := range []struct {
		name, body string
		status     int
	}{
		// Each bound at its limit (the full 100 × 10,000 costs seconds of CPU).
		{"100 raters", `{"method":"percent_agreement","data":[` + matrix(100, 4) + `]}`, 200},
		{"10,000 units", `{"method":"percent_agreement","data":[` + matrix(2, 10000) + `]}`, 200},
		{"101 raters", `{"method":"krippendorff_alpha","data":[` + matrix(101, 4) + `]}`, 413},
		{"10,002 units", `{"data":[` + matrix(2, 10002) + `],"method":"percent_agreement"}`, 413},
		{"stops reading at the 101st rater", `{"method":"fleiss_kappa","data":[` + matrix(101, 2) + `, this is not JSON`, 413},
		{"other errors still 400", `{"method":"fleiss_kappa","data":[[1,2],[1,2]], }`, 400},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := ev.do(http.MethodPost, "/api/v1/stats/reliability", tok, []byte(c.body))
			if r.status != c.status {
				t.Fatalf("%d, want %d: %.300s", r.status, c.status, r.body)
			}
			if c.status == 413 {
				p := r.problem(t)
				if len(p.Errors) != 1 || p.Errors[0].Field != "data" {
					t.Fatalf("413 does not name data: %+v", p)
				}
			}
		})
	}
}

// TestDemoInvitations: the demo's panelists are invited, not handed
// tokens; each start gives new codes, replacing unclaimed ones, and a
// claimed code signs the panelist in to their rounds.
func TestDemoInvitations(t *testing.T) {
	t.Parallel()
	ev := newEnv(t)
	first, err := ev.svc.SeedDemo(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	second, err := ev.svc.SeedDemo(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(second.Invitations) < 5 || len(second.Invitations) != len(first.Invitations) {
		t.Fatalf("demo invitations: %d then %d", len(first.Invitations), len(second.Invitations))
	}
	for _, inv := range second.Invitations {
		if inv.User.Role != "panelist" && inv.User.Role != "coder" {
			t.Fatalf("invitation for a %s", inv.User.Role)
		}
	}
	if r := ev.do(http.MethodPost, "/api/v1/invitations/claim", "", map[string]any{"code": first.Invitations[0].Code}); r.status != 404 {
		t.Fatalf("a replaced demo code: %d", r.status)
	}
	tok := ev.claim(second.Invitations[0].Code)
	var rounds struct {
		Items []json.RawMessage `json:"items"`
	}
	ev.do(http.MethodGet, "/api/v1/rounds", tok, nil).json(t, &rounds)
	if len(rounds.Items) != 2 {
		t.Fatalf("the claimed demo panelist sees %d rounds", len(rounds.Items))
	}

	// The demo's coder is invited too, codes as coder2 on the demo dataset's
	// team, and is blind: their own events only, no reliability.
	var coderCode string
	for _, inv := range second.Invitations {
		if inv.User.Role == "coder" {
			coderCode = inv.Code
		}
	}
	if coderCode == "" {
		t.Fatal("the demo invites no coder")
	}
	coder := ev.claim(coderCode)
	var datasets struct {
		Items []struct {
			ID int64 `json:"id"`
		} `json:"items"`
	}
	ev.do(http.MethodGet, "/api/v1/datasets", coder, nil).json(t, &datasets)
	if len(datasets.Items) != 1 {
		t.Fatalf("the demo coder sees %d datasets, want the demo's", len(datasets.Items))
	}
	ds := fmt.Sprintf("/api/v1/datasets/%d", datasets.Items[0].ID)
	var events struct {
		Items []struct {
			Coder string `json:"coder"`
		} `json:"items"`
	}
	ev.do(http.MethodGet, ds+"/events?limit=200", coder, nil).json(t, &events)
	if len(events.Items) == 0 {
		t.Fatal("the demo coder sees none of their own events")
	}
	for _, e := range events.Items {
		if e.Coder != "coder2" {
			t.Fatalf("the blind demo coder sees %s's events", e.Coder)
		}
	}
	if r := ev.do(http.MethodGet, ds+"/reliability?coders=consensus,coder2", coder, nil); r.status != http.StatusForbidden {
		t.Fatalf("reliability for the blind demo coder: %d", r.status)
	}
}

// TestClaimEndsWebSessions: a claim ends the user's web sessions as well
// as their tokens, and so does ending one's token; failed sign-ins count
// against the failed-authentication limit.
func TestClaimEndsWebSessions(t *testing.T) {
	t.Parallel()
	ev := newEnv(t)
	tok, id := ev.user("panelist", "Pan Elist")
	signIn := func(token string) *http.Cookie {
		r := ev.do(http.MethodPost, "/api/v1/session", "", map[string]any{"token": token})
		if r.status != 201 {
			t.Fatalf("sign in: %d %s", r.status, r.body)
		}
		for _, c := range (&http.Response{Header: r.header}).Cookies() {
			if c.Value != "" {
				return c
			}
		}
		t.Fatal("no session cookie")
		return nil
	}
	me := func(c *http.Cookie) int {
		req := httptest.NewRequest(http.MethodGet, "/api/v1/me", nil)
		req.AddCookie(c)
		rec := httptest.NewRecorder()
		ev.e.ServeHTTP(rec, req)
		return rec.Code
	}
	ck := signIn(tok)
	if code := me(ck); code != 200 {
		t.Fatalf("session: %d", code)
	}
	var inv createdUser
	ev.do(http.MethodPost, fmt.Sprintf("/api/v1/users/%d/invitation", id), ev.admin, nil).json(t, &inv)
	fresh := ev.claim(inv.Invitation.Code)
	if code := me(ck); code != 401 {
		t.Fatalf("the session outlived the claim: %d", code)
	}
	ck = signIn(fresh)
	if r := ev.do(http.MethodDelete, "/api/v1/me/token", fresh, nil); r.status != 204 {
		t.Fatalf("end token: %d", r.status)
	}
	if code := me(ck); code != 401 {
		t.Fatalf("the session outlived the ended token: %d", code)
	}
	for i := 0; i < 21; i++ {
		req := httptest.NewRequest(http.MethodPost, "/api/v1/session", strings.NewReader(`{"token":"sw_guess`+strconv.Itoa(i)+`"}`))
		req.Header.Set("Content-Type", "application/json")
		req.RemoteAddr = "203.0.113.9:3"
		rec := httptest.NewRecorder()
		ev.e.ServeHTTP(rec, req)
		if want := map[bool]int{true: 401, false: 429}[i < 20]; rec.Code != want {
			t.Fatalf("sign-in guess #%d: %d, want %d", i, rec.Code, want)
		}
	}
}

// TestConcurrentClaims: of five simultaneous claims of one code exactly
// one gets a token; a PI's re-invitation racing the claim never leaves the
// PI a usable code for a user who has claimed.
func TestConcurrentClaims(t *testing.T) {
	t.Parallel()
	ev := newEnv(t)
	pi, _ := ev.user("pi", "Pat PI")
	for round := 0; round < 3; round++ {
		u := ev.createUser(pi, fmt.Sprintf("Racer %d", round), "panelist")
		var wg sync.WaitGroup
		// Five claims per round keep the failed claims of all rounds (at
		// most 15) under the failed-authentication limit of this address.
		statuses := make(chan int, 6)
		codes := make(chan string, 1)
		for i := 0; i < 5; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				statuses <- ev.do(http.MethodPost, "/api/v1/invitations/claim", "", map[string]any{"code": u.Invitation.Code}).status
			}()
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := ev.do(http.MethodPost, fmt.Sprintf("/api/v1/users/%d/invitation", u.ID), pi, nil)
			if r.status == 201 {
				var inv createdUser
				r.json(t, &inv)
				codes <- inv.Invitation.Code
			}
			statuses <- r.status
		}()
		wg.Wait()
		close(statuses)
		close(codes)
		counts := map[int]int{}
		for s := range statuses {
			counts[s]++
		}
		reinvited := counts[201] == 1
		// Either the claim won (then the PI's re-invitation is 403), or the
		// re-invitation won (then the old code is void: every claim 404).
		if reinvited && counts[200] != 0 || !reinvited && (counts[200] != 1 || counts[403] != 1) {
			t.Fatalf("round %d: %v", round, counts)
		}
		if reinvited {
			if r := ev.do(http.MethodPost, "/api/v1/invitations/claim", "", map[string]any{"code": <-codes}); r.status != 200 {
				t.Fatalf("the re-invitation's code: %d", r.status)
			}
		}
	}
}
