package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// The browser tests drive the real web UI in Debian's chromium through the
// DevTools protocol (chromedp): people's journeys, found by the accessible
// names the UI promises (labels, button texts), plus an axe-core
// accessibility check. Without chromium they skip on a developer's machine
// and fail under CI, whose .ci/run installs chromium and axe-core (outside
// the source tree, at /opt/stagewise-axe, or where STAGEWISE_AXE points).
//
// They cost about 75 s of CPU (Chromium drawing and axe-core checking
// every screen), more than the rest of the suite together, so a plain
// `go test ./...` leaves them to CI and to STAGEWISE_BROWSER_TESTS=1: the
// inner loop stays near 30 s on a 2-core machine and CI runs every journey.

var expected4xx = regexp.MustCompile(`Failed to load resource: the server responded with a status of 4\d\d`)

func chromiumPath(t *testing.T) string {
	t.Helper()
	if os.Getenv("CI") == "" && os.Getenv("STAGEWISE_BROWSER_TESTS") == "" {
		t.Skip("the browser journeys run under CI or with STAGEWISE_BROWSER_TESTS=1")
	}
	for _, p := range []string{os.Getenv("STAGEWISE_CHROMIUM"), "chromium", "chromium-browser", "/usr/bin/chromium"} {
		if p == "" {
			continue
		}
		if path, err := exec.LookPath(p); err == nil {
			return path
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("CI needs chromium for the browser tests (.ci/run installs it)")
	}
	t.Skip("chromium is not installed")
	return ""
}

func axeSource(t *testing.T) string {
	t.Helper()
	p := os.Getenv("STAGEWISE_AXE")
	if p == "" {
		p = "/opt/stagewise-axe/node_modules/axe-core/axe.min.js"
	}
	b, err := os.ReadFile(p)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("CI needs axe-core at %s (.ci/run installs it): %v", p, err)
		}
		t.Logf("axe-core not found at %s: the accessibility checks are skipped", p)
		return ""
	}
	return string(b)
}

type browser struct {
	t    *testing.T
	ctx  context.Context
	base string
	axe  string
	// dialogs: the text of each confirm/prompt the page showed (accepted).
	mu      sync.Mutex
	dialogs []string
	console []string
	shots   string
}

// One chromium serves every browser test of a run. Each test gets a
// browser context of its own (its own cookies, storage and cache, like a
// fresh profile) with one tab in it, so tests still run side by side
// without seeing each other; starting a chromium per test cost about a
// second and a half of CPU each.
var chromium struct {
	once sync.Once
	ctx  context.Context // the browser's first tab; new tabs are made from it
	err  error
	stop func()
}

// sharedChromium starts the run's chromium on first use and returns the
// context to make tabs from. TestMain stops it after the tests.
func sharedChromium(t *testing.T) context.Context {
	t.Helper()
	exe := chromiumPath(t)
	chromium.once.Do(func() {
		dir, err := os.MkdirTemp("", "stagewise-chromium-")
		if err != nil {
			chromium.err = err
			return
		}
		opts := append(chromedp.DefaultExecAllocatorOptions[:],
			chromedp.ExecPath(exe), chromedp.NoSandbox, chromedp.DisableGPU,
			chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
			chromedp.Flag("disable-sync", true), chromedp.Flag("no-first-run", true),
			chromedp.UserDataDir(dir), chromedp.WindowSize(1280, 900))
		actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
		ctx, cancelC := chromedp.NewContext(actx)
		chromium.ctx = ctx
		chromium.stop = func() { cancelC(); cancelA(); os.RemoveAll(dir) }
		chromium.err = chromedp.Do(ctx) // start the browser
	})
	if chromium.err != nil {
		t.Fatalf("start chromium: %v", chromium.err)
	}
	return chromium.ctx
}

// stopChromium ends the run's chromium, if a test started one.
func stopChromium() {
	if chromium.stop != nil {
		chromium.stop()
	}
}

func newBrowser(t *testing.T, ev *env) *browser {
	t.Helper()
	parent := sharedChromium(t)
	srv := httptest.NewServer(ev.e)
	t.Cleanup(srv.Close)
	ctx, cancel := chromedp.NewContext(parent, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	b := &browser{t: t, ctx: ctx, base: srv.URL, axe: axeSource(t)}
	b.shots = os.Getenv("STAGEWISE_SCREENSHOTS")
	if b.shots == "" {
		b.shots = filepath.Join(os.TempDir(), "stagewise-browser-tests")
	}
	if err := chromedp.Do(ctx); err != nil { // open the tab
		t.Fatalf("open a chromium tab: %v", err)
	}
	if _, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: countFetches}); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Listen(ctx, func(ev any) {
		if d, ok := ev.(*page.EventJavascriptDialogOpening); ok {
			b.mu.Lock()
			b.dialogs = append(b.dialogs, d.Message)
			b.mu.Unlock()
			go chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: true})
		}
	}); err != nil {
		t.Fatal(err)
	}
	msgs := chromedp.Console(ctx)
	go func() {
		for m, err := range msgs {
			if err != nil {
				return
			}
			// An API's 4xx answer that the page shows (a bad CSV row, say)
			// is logged by the browser as a failed load: not a page error.
			if expected4xx.MatchString(m.String()) {
				continue
			}
			if m.IsException() || m.Type == chromedp.ConsoleType("error") {
				b.mu.Lock()
				b.console = append(b.console, m.String())
				b.mu.Unlock()
			}
		}
	}()
	t.Cleanup(func() {
		b.mu.Lock()
		defer b.mu.Unlock()
		for _, c := range b.console {
			t.Errorf("browser console: %s", c)
		}
	})
	return b
}

// fail takes a screenshot, names its path in the log and stops the test.
func (b *browser) fail(format string, args ...any) {
	b.t.Helper()
	msg := fmt.Sprintf(format, args...)
	ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
	defer cancel()
	if png, err := chromedp.Run(ctx, chromedp.FullScreenshot(90)); err == nil {
		os.MkdirAll(b.shots, 0o755)
		name := filepath.Join(b.shots, strings.NewReplacer("/", "_", " ", "_").Replace(b.t.Name())+".png")
		if os.WriteFile(name, png, 0o644) == nil {
			msg += "\nscreenshot: " + name
		}
	}
	if errs, err := chromedp.Run(ctx, chromedp.Evaluate[string](`[...document.querySelectorAll(".notice.error, .field-error")].map((e) => e.innerText).join(" | ")`)); err == nil && errs != "" {
		msg += "\nerrors shown: " + errs
	}
	if text, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById("main") ? document.getElementById("main").innerText.slice(0, 1500) : ""`)); err == nil {
		msg += "\npage text: " + text
	}
	b.t.Fatal(msg)
}

func (b *browser) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		b.fail("%s: %v", what, err)
	}
}

// Waits check their condition every waitEvery. chromedp's defaults (a
// Poll on every animation frame, a query retried every 5 ms) keep
// headless chromium drawing frames and answering queries for as long as
// a test waits, which made the browser tests CPU-bound on a busy machine.
const waitEvery = 20 * time.Millisecond

// countFetches runs in every page before its own scripts: it counts the
// page's fetches in flight, each until a moment after its answer came,
// so that the answer's handling (drawing a screen) is done too.
const countFetches = `(() => {
  let n = 0;
  const f = window.fetch;
  window.__inflight = () => n;
  window.fetch = function (...args) {
    n++;
    return f.apply(this, args).finally(() => setTimeout(() => { n--; }, 50));
  };
})()`

// settled is true when the page has no fetch in flight: a screen that
// is still loading, or a second render on its way, would move the focus
// or replace what a test is about to check.
const settled = `(window.__inflight === undefined || window.__inflight() === 0)`

// poll waits until the JavaScript expression is truthy.
func poll(expr string) chromedp.Action[chromedp.Void] {
	return chromedp.Poll[chromedp.Void](expr, chromedp.WithPollingInterval(waitEvery))
}

func waitVisible[S chromedp.Selectable](sel S) chromedp.Action[chromedp.Void] {
	return chromedp.WaitVisible(sel, chromedp.RetryInterval(waitEvery))
}

func click[S chromedp.Selectable](sel S) chromedp.Action[chromedp.Void] {
	return chromedp.Click(sel, chromedp.RetryInterval(waitEvery))
}

func focus[S chromedp.Selectable](sel S) chromedp.Action[chromedp.Void] {
	return chromedp.Focus(sel, chromedp.RetryInterval(waitEvery))
}

func sendKeys[S chromedp.Selectable](sel S, keys string) chromedp.Action[chromedp.Void] {
	return chromedp.SendKeys(sel, keys, chromedp.RetryInterval(waitEvery))
}

func uploadFiles[S chromedp.Selectable](sel S, files []string) chromedp.Action[chromedp.Void] {
	return chromedp.SetUploadFiles(sel, files, chromedp.RetryInterval(waitEvery))
}

func jsq(s string) string { q, _ := json.Marshal(s); return string(q) }

// finder is JavaScript that finds the visible element of a role with an
// accessible name: aria-label, aria-labelledby, its <label>s, or (buttons,
// links) its text.
const finder = `((role, name) => {
  const norm = (s) => (s || "").replace(/\s+/g, " ").trim();
  const acc = (el) => {
    if (el.getAttribute("aria-label")) return norm(el.getAttribute("aria-label"));
    const lb = el.getAttribute("aria-labelledby");
    if (lb) return norm(lb.split(" ").map((id) => (document.getElementById(id) || {}).textContent).join(" "));
    if (el.labels && el.labels.length) return norm([...el.labels].map((l) => l.textContent).join(" "));
    if (el.matches("button, a, summary")) return norm(el.textContent);
    return "";
  };
  const sel = { button: "button, a.btn, summary", textbox: "input:not([type]), input[type=text], input[type=password], input[type=number], input[type=datetime-local], textarea",
    combobox: "select", link: "a", checkbox: "input[type=checkbox]", file: "input[type=file]", any: "*" }[role];
  return [...document.querySelectorAll(sel)].find((el) => acc(el) === name && el.getClientRects().length > 0) || null;
})`

func byName(role, name string) chromedp.JSPath {
	return chromedp.JSPath(finder + "(" + jsq(role) + "," + jsq(name) + ")")
}

func (b *browser) open(hash string) {
	b.t.Helper()
	b.do("open "+hash, chromedp.Navigate(b.base+"/"+hash))
}

func (b *browser) click(role, name string) {
	b.t.Helper()
	b.do(fmt.Sprintf("click %s %q", role, name), click(byName(role, name)))
}

// fill sets a control's value as typing or choosing would, with its input
// and change events.
func (b *browser) fill(role, name, value string) {
	b.t.Helper()
	b.do(fmt.Sprintf("fill %s %q", role, name), waitVisible(byName(role, name)),
		chromedp.Evaluate[chromedp.Void](`(() => { const el = `+finder+`(`+jsq(role)+`,`+jsq(name)+`); el.focus(); el.value = `+jsq(value)+`;
			el.dispatchEvent(new Event("input", { bubbles: true })); el.dispatchEvent(new Event("change", { bubbles: true })); })()`))
}

func (b *browser) waitText(text string) {
	b.t.Helper()
	b.do(fmt.Sprintf("wait for %q", text), poll(settled+` && document.body.innerText.includes(`+jsq(text)+`) || undefined`))
}

func (b *browser) eval(expr string) string {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 20*time.Second)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Evaluate[string](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		b.fail("evaluate: %v", err)
	}
	return s
}

// signIn signs in through the form with the keyboard alone.
func (b *browser) signIn(token string) {
	b.t.Helper()
	b.open("#/")
	b.do("type the token", sendKeys(byName("textbox", "Token"), token+"\r"))
	b.do("signed in", waitVisible(byName("button", "Sign out")))
	b.landed()
}

// landed waits until the start page is drawn (the route from #/ to the
// role's landing page has run), so the next click finds settled links.
func (b *browser) landed() {
	b.t.Helper()
	b.do("landed", poll(`(`+settled+` && location.hash.length > 2 && document.querySelector("#main h1") && !document.body.innerText.includes("Loading…")) || undefined`))
}

func (b *browser) signOut() {
	b.t.Helper()
	b.click("button", "Sign out")
	b.do("signed out", waitVisible(byName("button", "Sign in")), poll(settled+" || undefined"))
}

// screenshot saves the page for the README when STAGEWISE_README_SHOTS
// names a folder.
func (b *browser) screenshot(name string) {
	dir := os.Getenv("STAGEWISE_README_SHOTS")
	if dir == "" {
		return
	}
	ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		b.t.Logf("screenshot %s: %v", name, err)
		return
	}
	os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644)
}

// checkA11y runs axe-core on the page at 1280 × 900 and at 390 × 844 and
// fails on any serious or critical violation.
func (b *browser) checkA11y(page string) {
	b.t.Helper()
	if b.axe == "" {
		return
	}
	for _, size := range [][2]int64{{1280, 900}, {390, 844}} {
		b.do("viewport", chromedp.EmulateViewport(size[0], size[1]))
		has := b.eval(`typeof axe === "undefined" ? "no" : "yes"`)
		if has == "no" {
			b.do("inject axe", chromedp.Evaluate[chromedp.Void](b.axe))
		}
		out := b.eval(`axe.run(document, { resultTypes: ["violations"] }).then((r) => JSON.stringify(r.violations
			.filter((v) => v.impact === "serious" || v.impact === "critical")
			.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 5).map((n) => n.target.join(" ") + " :: " + (n.failureSummary || "").split("\n").slice(0, 2).join(" ")) }))))`)
		if out != "[]" {
			var pretty []map[string]any
			json.Unmarshal([]byte(out), &pretty)
			lines := []string{}
			for _, v := range pretty {
				lines = append(lines, fmt.Sprintf("%v (%v): %v\n    %v", v["id"], v["impact"], v["help"], v["nodes"]))
			}
			b.fail("axe on %s at %d×%d:\n%s", page, size[0], size[1], strings.Join(lines, "\n"))
		}
	}
	b.do("viewport back", chromedp.EmulateViewport(1280, 900))
}

func (b *browser) sawDialog(substr string) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, d := range b.dialogs {
		if strings.Contains(d, substr) {
			return true
		}
	}
	return false
}

// invitePanelist creates a panelist through the API as an admin would
// and returns its id and the invitation code the server issued (the
// panelist has no token yet: the browser claims it).
func invitePanelist(t *testing.T, ev *env, name string) (int64, string) {
	t.Helper()
	r := ev.do(http.MethodPost, "/api/v1/users", ev.admin, map[string]any{"name": name, "email": strings.ToLower(strings.ReplaceAll(name, " ", ".")) + "@example.org", "role": "panelist"})
	if r.status != http.StatusCreated {
		t.Fatalf("create panelist: %d %s", r.status, r.body)
	}
	var u struct {
		ID         int64  `json:"id"`
		Token      string `json:"token"`
		Invitation *struct {
			Code string `json:"code"`
		} `json:"invitation"`
	}
	r.json(t, &u)
	if u.Invitation == nil || u.Invitation.Code == "" || u.Token != "" {
		t.Fatalf("a new panelist should get an invitation and no token: %s", r.body)
	}
	return u.ID, u.Invitation.Code
}

// claimInBrowser walks the invitation page at #/claim/<code> as a new
// panelist would: "Accept invitation" claims the code, signs the browser
// in through an HttpOnly session cookie and shows the personal token
// once. It returns that token after checking that it works, that the
// page forgets it on Continue, and that the code cannot be claimed again.
func claimInBrowser(t *testing.T, ev *env, b *browser, code string) string {
	t.Helper()
	b.open("#/claim/" + code)
	b.waitText("Your invitation")
	b.checkA11y("the invitation page")
	b.click("button", "Accept invitation")
	b.waitText("You are signed in")
	token := b.eval(`document.querySelector('input[aria-label="Your personal token"]').value`)
	if token == "" {
		t.Fatal("the claimed token is not shown")
	}
	if r := ev.do(http.MethodGet, "/api/v1/me", token, nil); r.status != http.StatusOK {
		t.Fatalf("the token shown after the claim does not work: %d %s", r.status, r.body)
	}
	// The browser holds a session cookie that scripts cannot read, not the token.
	if got := b.eval(`document.cookie + "|" + JSON.stringify(localStorage) + "|" + JSON.stringify(sessionStorage)`); strings.Contains(got, token) || strings.Contains(got, "stagewise_session") {
		t.Fatalf("the token or the session cookie is readable by scripts: %q", got)
	}
	if got := b.eval(`fetch("/api/v1/session").then((r) => r.json()).then((s) => String(s.signed_in))`); got != "true" {
		t.Fatalf("the claim did not sign the browser in by session cookie: signed_in %s", got)
	}
	b.checkA11y("the welcome page with the token")
	b.click("button", "Continue")
	b.do("signed in", waitVisible(byName("button", "Sign out")))
	b.landed()
	if got := b.eval(`String(document.body.innerHTML.includes(` + jsq(token) + `))`); got != "false" {
		t.Fatal("the token is still in the page after Continue")
	}
	// Shown once: the code is used up.
	if r := ev.do(http.MethodPost, "/api/v1/invitations/claim", "", map[string]any{"code": code}); r.status < 400 || r.status >= 500 {
		t.Fatalf("a second claim of the same code: %d %s", r.status, r.body)
	}
	return token
}
