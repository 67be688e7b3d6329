package api_test

import (
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
)

// readmeBlock returns the first fenced code block of language lang after
// the README heading.
func readmeBlock(t *testing.T, heading, lang string) string {
	t.Helper()
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	i := strings.Index(s, "\n"+heading+"\n")
	if i < 0 {
		t.Fatalf("README has no %q", heading)
	}
	s = s[i:]
	j := strings.Index(s, "```"+lang+"\n")
	if j < 0 {
		t.Fatalf("README: no %s block after %q", lang, heading)
	}
	s = s[j+len("```"+lang+"\n"):]
	return s[:strings.Index(s, "```")]
}

var (
	curlData = regexp.MustCompile(`(?s)-d '([^']*)'`)
	curlPath = regexp.MustCompile(`"?\$SW(/[^\s"]+)"?`)
)

// TestReadmeWalkthrough replays every curl command of the README's walk
// through the API, bodies and paths as written, through the harness, which
// validates each request and response against the OpenAPI document: a
// validating gateway in front of the server would let all of it through.
func TestReadmeWalkthrough(t *testing.T) {
	t.Parallel()
	ev := newEnv(t)
	block := readmeBlock(t, "## A walk through the API", "sh")
	// Join each curl command with its continuation lines and multi-line body.
	var cmds []string
	var cur strings.Builder
	for _, line := range strings.Split(block, "\n") {
		if cur.Len() == 0 && !strings.Contains(line, "curl ") {
			continue
		}
		cur.WriteString(line + "\n")
		text := cur.String()
		if strings.Count(text, "'")%2 == 0 && !strings.HasSuffix(strings.TrimSpace(line), `\`) {
			cmds = append(cmds, text)
			cur.Reset()
		}
	}
	if len(cmds) < 8 {
		t.Fatalf("found %d curl commands in the walk-through", len(cmds))
	}
	tokens := map[string]string{"$ADMIN": ev.admin}
	var etag string
	for _, cmd := range cmds {
		pm := curlPath.FindStringSubmatch(cmd)
		if pm == nil {
			continue // readyz
		}
		path := "/api/v1" + pm[1]
		token := ""
		for _, who := range []string{"$ADMIN", "$AUTH", "$CLIENT"} {
			if strings.Contains(cmd, who) {
				token = tokens[who]
			}
		}
		method, body, headers := http.MethodGet, any(nil), []string{}
		if dm := curlData.FindStringSubmatch(cmd); dm != nil {
			method, body = http.MethodPost, dm[1]
		}
		if strings.Contains(cmd, "If-None-Match: $ETAG") {
			headers = append(headers, "If-None-Match", etag)
		}
		r := ev.do(method, path, token, body, headers...)
		switch {
		case strings.Contains(cmd, "If-None-Match"):
			if r.status != http.StatusNotModified {
				t.Errorf("%s %s with If-None-Match: %d", method, path, r.status)
			}
		case r.status >= 300:
			t.Errorf("%s %s: %d %s", method, path, r.status, r.body)
		}
		switch {
		case strings.HasPrefix(cmd, "PI=$("):
			var u struct{ Token string }
			r.json(t, &u)
			tokens["$AUTH"] = u.Token
		case strings.HasPrefix(cmd, "CLIENT=$("):
			var u struct{ Token string }
			r.json(t, &u)
			tokens["$CLIENT"] = u.Token
		case strings.HasPrefix(cmd, "ETAG=$("):
			etag = r.header.Get("ETag")
		}
	}
	if etag == "" {
		t.Error("the walk-through never read an ETag")
	}
}

// missingTool skips a test whose tool is not installed on a developer's
// machine, and fails it under CI, whose .ci/run must install the tool.
func missingTool(t *testing.T, tool string) {
	t.Helper()
	if os.Getenv("CI") != "" {
		t.Fatalf("CI needs %s for this test (.ci/run installs it)", tool)
	}
	t.Skipf("%s is not installed", tool)
}

// TestReadmePython runs the README's Python client against a live server
// (skipped where there is no python3, failed under CI).
func TestReadmePython(t *testing.T) {
	t.Parallel()
	py, err := exec.LookPath("python3")
	if err != nil {
		missingTool(t, "python3")
	}
	ev := newEnv(t)
	pi, _ := ev.user("pi", "Ana PI")
	client, _ := ev.user("client", "Analysis Script")
	ev.model(pi, "withdrawal-repair")
	n := ev.draft(pi, "withdrawal-repair", sampleVersion())
	for _, action := range []string{"submit", "approve"} {
		if r := ev.do(http.MethodPost, "/api/v1/models/withdrawal-repair/versions/1/"+action, pi, nil); r.status != 200 {
			t.Fatalf("%s: %d %s", action, r.status, r.body)
		}
	}
	srv := httptest.NewServer(ev.e)
	defer srv.Close()
	script := filepath.Join(t.TempDir(), "pull.py")
	if err := os.WriteFile(script, []byte(readmeBlock(t, "## API clients", "python")), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(py, script)
	cmd.Env = append(os.Environ(), "STAGEWISE_URL="+srv.URL, "STAGEWISE_TOKEN="+client)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("python: %v\n%s", err, out)
	}
	if want := "1 ['S1', 'S2', 'S3', 'S4', 'S5']"; strings.TrimSpace(string(out)) != want || n != 1 {
		t.Errorf("python printed %q, want %q", out, want)
	}
}

// TestReadmeR runs the README's R client (httr2) against a live server and
// checks that the second pull is answered 304 from the cached copy
// (skipped where R or httr2 is missing, failed under CI).
func TestReadmeR(t *testing.T) {
	t.Parallel()
	rscript, err := exec.LookPath("Rscript")
	if err != nil {
		missingTool(t, "Rscript (r-base-core)")
	}
	if exec.Command(rscript, "-e", "library(httr2)").Run() != nil {
		missingTool(t, "R's httr2 (r-cran-httr2)")
	}
	ev := newEnv(t)
	pi, _ := ev.user("pi", "Ana PI")
	client, _ := ev.user("client", "Analysis Script")
	ev.model(pi, "withdrawal-repair")
	ev.draft(pi, "withdrawal-repair", sampleVersion())
	for _, action := range []string{"submit", "approve"} {
		if r := ev.do(http.MethodPost, "/api/v1/models/withdrawal-repair/versions/1/"+action, pi, nil); r.status != 200 {
			t.Fatalf("%s: %d %s", action, r.status, r.body)
		}
	}
	var pulls, notModified atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		ev.e.ServeHTTP(rec, r)
		if strings.HasSuffix(r.URL.Path, "/versions/latest") {
			pulls.Add(1)
			if rec.Code == http.StatusNotModified {
				notModified.Add(1)
			}
		}
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		w.Write(rec.Body.Bytes())
	}))
	defer srv.Close()
	script := filepath.Join(t.TempDir(), "pull.R")
	code := readmeBlock(t, "## API clients", "r") + "\ncat(v$version$number, v$etag != \"\", \"\\n\")\n"
	if err := os.WriteFile(script, []byte(code), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(rscript, script)
	cmd.Env = append(os.Environ(), "STAGEWISE_URL="+srv.URL, "STAGEWISE_TOKEN="+client)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("R: %v\n%s", err, out)
	}
	if strings.TrimSpace(string(out)) != "1 TRUE" || pulls.Load() != 2 || notModified.Load() != 1 {
		t.Errorf("R printed %q after %d pulls (%d answered 304)", out, pulls.Load(), notModified.Load())
	}
}
