package api_test

import (
	"io/fs"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/stagewise/stagewise/frontend"
)

// TestUIServed: the embedded web UI is served without a token, with the
// right content types, strong ETags answered with 304, no-cache (so a new
// release is picked up at once), a single-page-app fallback and a 404 for
// a missing asset.
func TestUIServed(t *testing.T) {
	t.Parallel()
	ev := newEnv(t)
	get := func(path string, hdr ...string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodGet, path, nil)
		for i := 0; i+1 < len(hdr); i += 2 {
			req.Header.Set(hdr[i], hdr[i+1])
		}
		rec := httptest.NewRecorder()
		ev.e.ServeHTTP(rec, req)
		return rec
	}
	for _, c := range []struct{ path, ctype, contains string }{
		{"/", "text/html", `<script type="module" src="/ui/app.js">`},
		{"/ui/", "text/html", `<script type="module" src="/ui/app.js">`},
		{"/ui/claim/abc", "text/html", `<script type="module" src="/ui/app.js">`},
		{"/ui/app.js", "text/javascript", "export async function route()"},
		{"/ui/js/core.js", "text/javascript", "export async function api("},
		{"/ui/app.css", "text/css", "--accent"},
	} {
		rec := get(c.path)
		if !strings.Contains(rec.Header().Get("Content-Security-Policy"), "script-src 'self'") || rec.Header().Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s: security headers missing: %v", c.path, rec.Header())
		}
		if rec.Code != 200 || !strings.Contains(rec.Header().Get("Content-Type"), c.ctype) || !strings.Contains(rec.Body.String(), c.contains) {
			t.Errorf("%s: %d %q, body has %q: %v", c.path, rec.Code, rec.Header().Get("Content-Type"), c.contains, strings.Contains(rec.Body.String(), c.contains))
		}
		etag := rec.Header().Get("ETag")
		if !strings.HasPrefix(etag, `"`) || rec.Header().Get("Cache-Control") != "no-cache" {
			t.Errorf("%s: ETag %q, Cache-Control %q", c.path, etag, rec.Header().Get("Cache-Control"))
		}
		if again := get(c.path, "If-None-Match", etag); again.Code != http.StatusNotModified || again.Body.Len() != 0 {
			t.Errorf("%s with If-None-Match: %d", c.path, again.Code)
		}
		if other := get(c.path, "If-None-Match", `"stale"`); other.Code != 200 {
			t.Errorf("%s with a stale ETag: %d", c.path, other.Code)
		}
	}
	if rec := get("/ui/js/nope.js"); rec.Code != http.StatusNotFound {
		t.Errorf("missing asset: %d", rec.Code)
	}
	if rec := get("/ui/../go.mod"); rec.Code == 200 && strings.Contains(rec.Body.String(), "module ") {
		t.Errorf("path traversal served a file outside the UI")
	}
}

// TestUIKeepsNoCredential: no module of the UI stores or sends a bearer
// token; the only browser storage used is the panelist's review draft.
func TestUIKeepsNoCredential(t *testing.T) {
	t.Parallel()
	storage := regexp.MustCompile(`(localStorage|sessionStorage)\.setItem\(([^,]+),`)
	err := fs.WalkDir(frontend.Assets(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".js") {
			return err
		}
		b, err := fs.ReadFile(frontend.Assets(), p)
		if err != nil {
			return err
		}
		src := string(b)
		if strings.Contains(src, `"Bearer " +`) || strings.Contains(src, "Bearer ${") || strings.Contains(src, `headers.Authorization`) {
			t.Errorf("%s sends a bearer token", p)
		}
		if strings.Contains(src, "document.cookie") {
			t.Errorf("%s reads cookies", p)
		}
		for _, m := range storage.FindAllStringSubmatch(src, -1) {
			if strings.TrimSpace(m[2]) != "draftKey" {
				t.Errorf("%s stores %s in browser storage", p, m[2])
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
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
