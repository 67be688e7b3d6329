package api_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"
)

// signIn posts a token to /api/v1/session and returns the cookie pair
// ("stagewise_session=…") and the CSRF token.
func (ev *env) signIn(token string) (cookie, csrf string) {
	ev.t.Helper()
	r := ev.do(http.MethodPost, "/api/v1/session", "", map[string]any{"token": token})
	if r.status != http.StatusCreated {
		ev.t.Fatalf("sign in: %d %s", r.status, r.body)
	}
	var s struct {
		CSRF string `json:"csrf_token"`
	}
	r.json(ev.t, &s)
	set := r.header.Get("Set-Cookie")
	cookie, _, _ = strings.Cut(set, ";")
	return cookie, s.CSRF
}

// TestSessionSignIn: a token opens a session held in an HttpOnly,
// SameSite=Strict cookie (Secure under TLS); the cookie authenticates
// reads, state changes need the CSRF token too, and sign-out ends it.
func TestSessionSignIn(t *testing.T) {
	t.Parallel()
	ev := newEnv(t)
	pi, _ := ev.user("pi", "Pat Lead")

	if r := ev.do(http.MethodPost, "/api/v1/session", "", map[string]any{"token": "sw_not-a-token"}); r.status != http.StatusUnauthorized {
		t.Fatalf("bad token: %d %s", r.status, r.body)
	}
	if r := ev.do(http.MethodPost, "/api/v1/session", "", map[string]any{"token": ""}); r.status != http.StatusUnprocessableEntity || !strings.Contains(string(r.body), `"token"`) {
		t.Fatalf("empty token: %d %s", r.status, r.body)
	}
	if r := ev.do(http.MethodPost, "/api/v1/session", "", map[string]any{"token": pi, "role": "admin"}); r.status != http.StatusUnprocessableEntity {
		t.Fatalf("unknown field: %d %s", r.status, r.body)
	}

	r := ev.do(http.MethodPost, "/api/v1/session", "", map[string]any{"token": pi})
	if r.status != http.StatusCreated {
		t.Fatalf("sign in: %d %s", r.status, r.body)
	}
	set := r.header.Get("Set-Cookie")
	for _, want := range []string{"stagewise_session=", "HttpOnly", "SameSite=Strict", "Path=/"} {
		if !strings.Contains(set, want) {
			t.Errorf("Set-Cookie %q lacks %q", set, want)
		}
	}
	if strings.Contains(set, "Secure") {
		t.Errorf("plain HTTP cookie marked Secure: %q", set)
	}
	if strings.Contains(set, pi) || strings.Contains(string(r.body), pi) {
		t.Errorf("the bearer token leaks into the session answer")
	}
	var s struct {
		User struct {
			Role string `json:"role"`
		} `json:"user"`
		CSRF string `json:"csrf_token"`
	}
	r.json(t, &s)
	if s.User.Role != "pi" || len(s.CSRF) < 20 {
		t.Fatalf("session answer: %s", r.body)
	}
	cookie, _, _ := strings.Cut(set, ";")
	sid := strings.TrimPrefix(cookie, "stagewise_session=")
	var stored int64
	ev.st.RawForTest().Raw(`SELECT COUNT(*) FROM web_sessions WHERE id_hash = ?`, sid).Scan(&stored)
	if stored != 0 {
		t.Errorf("the session id is stored in clear")
	}

	if r := ev.do(http.MethodPost, "/api/v1/session", "", map[string]any{"token": pi}, "X-Forwarded-Proto", "https"); !strings.Contains(r.header.Get("Set-Cookie"), "Secure") {
		t.Errorf("TLS cookie not Secure: %q", r.header.Get("Set-Cookie"))
	}

	if r := ev.do(http.MethodGet, "/api/v1/me", "", nil, "Cookie", cookie); r.status != 200 || !strings.Contains(string(r.body), "Pat Lead") {
		t.Fatalf("me by cookie: %d %s", r.status, r.body)
	}
	if r := ev.do(http.MethodGet, "/api/v1/session", "", nil, "Cookie", cookie); r.status != 200 || !strings.Contains(string(r.body), s.CSRF) {
		t.Fatalf("GET session: %d %s", r.status, r.body)
	}

	model := map[string]any{"slug": "by-cookie", "title": "T", "marker": "m", "resolution": "r", "context": "c"}
	before := ev.snapshot()
	for _, csrf := range []string{"", "0123456789abcdef0123456789abcdef"} {
		if r := ev.do(http.MethodPost, "/api/v1/models", "", model, "Cookie", cookie, "X-CSRF-Token", csrf); r.status != http.StatusForbidden {
			t.Fatalf("state change without the CSRF token %q: %d %s", csrf, r.status, r.body)
		}
	}
	if ev.snapshot() != before {
		t.Fatal("a request refused for CSRF changed something")
	}
	if r := ev.do(http.MethodPost, "/api/v1/models", "", model, "Cookie", cookie, "X-CSRF-Token", s.CSRF); r.status != http.StatusCreated {
		t.Fatalf("state change with the CSRF token: %d %s", r.status, r.body)
	}

	if r := ev.do(http.MethodDelete, "/api/v1/session", "", nil, "Cookie", cookie); r.status != http.StatusForbidden {
		t.Fatalf("sign-out without CSRF: %d", r.status)
	}
	if r := ev.do(http.MethodDelete, "/api/v1/session", "", nil, "Cookie", cookie, "X-CSRF-Token", s.CSRF); r.status != http.StatusNoContent || !strings.Contains(r.header.Get("Set-Cookie"), "Max-Age=0") {
		t.Fatalf("sign-out: %d %q", r.status, r.header.Get("Set-Cookie"))
	}
	if r := ev.do(http.MethodGet, "/api/v1/me", "", nil, "Cookie", cookie); r.status != http.StatusUnauthorized {
		t.Fatalf("me after sign-out: %d", r.status)
	}
	if r := ev.do(http.MethodGet, "/api/v1/session", "", nil, "Cookie", cookie); r.status != 200 || strings.TrimSpace(string(r.body)) != `{"signed_in":false}` {
		t.Fatalf("session after sign-out: %d %s", r.status, r.body)
	}
	// The bearer token itself still works: signing out ends the session only.
	if r := ev.do(http.MethodGet, "/api/v1/me", pi, nil); r.status != 200 {
		t.Fatalf("token after sign-out: %d", r.status)
	}
}

// TestSessionIdleExpiry: a session unused for longer than the idle limit
// has ended; one in use is kept alive.
func TestSessionIdleExpiry(t *testing.T) {
	t.Parallel()
	ev := newEnv(t)
	pi, _ := ev.user("pi", "Idle Pi")
	cookie, _ := ev.signIn(pi)
	ev.st.RawForTest().Exec(`UPDATE web_sessions SET last_seen = ?`, time.Now().UTC().Add(-20*time.Minute))
	if r := ev.do(http.MethodGet, "/api/v1/me", "", nil, "Cookie", cookie); r.status != 200 {
		t.Fatalf("20 minutes idle: %d", r.status)
	}
	var seen time.Time
	ev.st.RawForTest().Raw(`SELECT last_seen FROM web_sessions`).Scan(&seen)
	if time.Since(seen) > time.Minute {
		t.Fatalf("use did not renew the session: last seen %v", seen)
	}
	ev.st.RawForTest().Exec(`UPDATE web_sessions SET last_seen = ?`, time.Now().UTC().Add(-31*time.Minute))
	if r := ev.do(http.MethodGet, "/api/v1/me", "", nil, "Cookie", cookie); r.status != http.StatusUnauthorized {
		t.Fatalf("31 minutes idle: %d", r.status)
	}
	var n int64
	ev.st.RawForTest().Raw(`SELECT COUNT(*) FROM web_sessions`).Scan(&n)
	if n != 0 {
		t.Fatalf("an expired session was kept: %d", n)
	}
}

// TestSessionsEndForUser: the store method that claiming an invitation
// calls ends every session of that user, and only theirs.
func TestSessionsEndForUser(t *testing.T) {
	t.Parallel()
	ev := newEnv(t)
	a, aid := ev.user("pi", "Ana One")
	b, _ := ev.user("pi", "Ben Two")
	ca1, _ := ev.signIn(a)
	ca2, _ := ev.signIn(a)
	cb, _ := ev.signIn(b)
	if err := ev.st.InTx(t.Context(), func(ctx context.Context) error { return ev.st.DeleteUserSessions(ctx, aid) }); err != nil {
		t.Fatal(err)
	}
	for _, c := range []string{ca1, ca2} {
		if r := ev.do(http.MethodGet, "/api/v1/me", "", nil, "Cookie", c); r.status != http.StatusUnauthorized {
			t.Fatalf("A's session lives on: %d", r.status)
		}
	}
	if r := ev.do(http.MethodGet, "/api/v1/me", "", nil, "Cookie", cb); r.status != 200 {
		t.Fatalf("B's session ended too: %d", r.status)
	}
}
