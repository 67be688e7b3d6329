package api_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestUIServed: the embedded web UI is served without a token, with the
// right content types, and its script is the one the page loads.
func TestUIServed(t *testing.T) {
	t.Parallel()
	ev := newEnv(t)
	for _, c := range []struct{ path, ctype, contains string }{
		{"/", "text/html", `<script src="/ui/app.js">`},
		{"/ui/app.js", "javascript", "function route()"},
		{"/ui/app.css", "text/css", "--accent"},
	} {
		rec := httptest.NewRecorder()
		ev.e.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, c.path, nil))
		if !strings.Contains(rec.Header().Get("Content-Security-Policy"), "script-src 'self'") || rec.Header().Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s: security headers missing: %v", c.path, rec.Header())
		}
		if rec.Code != 200 || !strings.Contains(rec.Header().Get("Content-Type"), c.ctype) || !strings.Contains(rec.Body.String(), c.contains) {
			t.Errorf("%s: %d %q, body has %q: %v", c.path, rec.Code, rec.Header().Get("Content-Type"), c.contains, strings.Contains(rec.Body.String(), c.contains))
		}
	}
}

// TestAPISandboxed: API answers, SVG diagrams among them, run nothing even
// when opened directly in a browser.
func TestAPISandboxed(t *testing.T) {
	t.Parallel()
	ev := newEnv(t)
	r := ev.do(http.MethodGet, "/healthz", "", nil)
	if csp := r.header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") || !strings.Contains(csp, "sandbox") {
		t.Fatalf("CSP = %q", csp)
	}
}
