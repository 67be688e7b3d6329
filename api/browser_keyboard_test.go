package api_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// The keyboard tests hold the issue's acceptance "Every screen works by
// keyboard alone": on every main screen the Tab key alone reaches every
// interactive control, each shows a visible focus indicator, Shift+Tab
// goes back, and the screen's main actions work with Enter, Space, the
// arrow keys and typing. No mouse event and no script .click() is used;
// scripts only observe (which element has the focus, how it is drawn).

// kbdDescribe names an element for failure messages.
const kbdDescribe = `((el) => { const n = (s) => (s || "").replace(/\s+/g, " ").trim().slice(0, 60);
  return el.tagName.toLowerCase() + (el.type ? "[" + el.type + "]" : "") + " " + JSON.stringify(n(el.getAttribute("aria-label") || (el.labels && el.labels[0] && el.labels[0].textContent) || el.textContent || el.getAttribute("href"))); })`

// tab presses Tab (Shift+Tab when back) and returns the focused element:
// its walk number (given on first focus), whether its focus is visibly
// drawn, and its description.
func (b *browser) tab(back bool) (id, visible, desc string) {
	b.t.Helper()
	var opts []chromedp.KeyOption
	if back {
		opts = append(opts, chromedp.KeyModifiers(chromedp.ModifierShift))
	}
	b.do("Tab", chromedp.KeyEvent(kb.Tab, opts...))
	out := b.eval(`(() => { const el = document.activeElement;
  if (!el || el === document.body || el === document.documentElement) return "body|1|body";
  if (!el.dataset.kbd) { window.__kbdN = (window.__kbdN || 0) + 1; el.dataset.kbd = String(window.__kbdN); }
  const cs = getComputedStyle(el);
  const drawn = (cs.outlineStyle !== "none" && parseFloat(cs.outlineWidth) > 0) || (cs.boxShadow && cs.boxShadow !== "none");
  const r = el.getBoundingClientRect();
  const inView = r.bottom > 0 && r.top < innerHeight && r.right > 0 && r.left < innerWidth;
  return el.dataset.kbd + "|" + (drawn && inView && el.matches(":focus-visible") ? "1" : "0") + "|" + ` + kbdDescribe + `(el); })()`)
	parts := strings.SplitN(out, "|", 3)
	return parts[0], parts[1], parts[2]
}

// keyboardWalk tabs through the whole screen until the focus comes round
// to where it started, and fails on a control Tab never reaches, a focus
// that is not visible, a pointer-only element, or Shift+Tab not going
// back.
func (b *browser) keyboardWalk(screen string) {
	b.t.Helper()
	b.do(screen+": settled", poll(settled+" || undefined"))
	b.eval(`(() => { document.querySelectorAll("[data-kbd]").forEach((el) => delete el.dataset.kbd); window.__kbdN = 0; return ""; })()`)
	var order []string
	first := ""
	for i := 0; ; i++ {
		if i > 600 {
			b.fail("%s: Tab did not come round after 600 presses", screen)
		}
		id, visible, desc := b.tab(false)
		if id == "body" {
			continue
		}
		if id == first {
			break
		}
		if first == "" {
			first = id
		}
		if visible != "1" {
			b.fail("%s: the focus on %s is not visible", screen, desc)
		}
		order = append(order, id)
	}
	if len(order) < 2 {
		b.fail("%s: Tab reached %d controls", screen, len(order))
	}
	// Shift+Tab from the second control goes back to the first.
	b.tab(false)
	if id, _, desc := b.tab(true); id != order[0] {
		b.fail("%s: Shift+Tab from the second control went to %s, not the first", screen, desc)
	}
	missed := b.eval(`(() => { const d = ` + kbdDescribe + `;
  const shown = (el) => el.getClientRects().length > 0 && getComputedStyle(el).visibility !== "hidden" && !el.closest("[inert], [hidden]") &&
    !(el.closest("details:not([open])") && el.closest("details:not([open])").querySelector("summary") !== el);
  const controls = [...document.querySelectorAll("a[href], button, input, select, textarea, summary, [tabindex], [contenteditable=true]")]
    .filter((el) => shown(el) && !el.disabled && el.tabIndex >= 0 && el.type !== "hidden");
  const reachedGroups = new Set(controls.filter((el) => el.type === "radio" && el.dataset.kbd).map((el) => el.name));
  const missed = controls.filter((el) => !el.dataset.kbd && !(el.type === "radio" && reachedGroups.has(el.name))).map(d);
  // Something drawn as clickable that the keyboard cannot reach.
  const pointerOnly = [...document.querySelectorAll("body *")].filter((el) => shown(el) && el.tabIndex < 0 &&
    getComputedStyle(el).cursor === "pointer" && !el.closest("a[href], button, label, summary, select, input, textarea, [tabindex]")).map(d);
  return JSON.stringify({ missed, pointerOnly }); })()`)
	if missed != `{"missed":[],"pointerOnly":[]}` {
		b.fail("%s: controls the keyboard does not reach: %s", screen, missed)
	}
	b.t.Logf("%s: Tab reaches all %d controls", screen, len(order))
}

// tabTo presses Tab until the element the JavaScript predicate (over el)
// accepts has the focus.
func (b *browser) tabTo(what, pred string) {
	b.t.Helper()
	for i := 0; i < 400; i++ {
		b.do("Tab", chromedp.KeyEvent(kb.Tab))
		if b.eval(`String(((el) => !!el && !!(`+pred+`))(document.activeElement))`) == "true" {
			return
		}
	}
	b.fail("Tab never reached %s", what)
}

// tabToName tabs to the control of role with the accessible name.
func (b *browser) tabToName(role, name string) {
	b.t.Helper()
	b.tabTo(fmt.Sprintf("%s %q", role, name), finder+`(`+jsq(role)+`,`+jsq(name)+`) === el`)
}

func (b *browser) key(what, keys string) {
	b.t.Helper()
	b.do(what, chromedp.KeyEvent(keys))
}

// TestBrowserKeyboard walks sign-in, models, a model, the version editor,
// a version, a round being run, its results, datasets, a dataset,
// comparisons and a comparison report as a PI, then a panelist's rounds
// and review, by keyboard alone. The three walks (the PI's models and
// versions, the PI's rounds, datasets and comparisons, the panelist's
// rounds) run side by side, each in its own browser context on the same
// study: none of them changes what another one walks.
func TestBrowserKeyboard(t *testing.T) {
	t.Parallel()
	chromiumPath(t) // skip (or fail under CI) before building the fixtures
	ev := newEnv(t)
	pi, _ := comparisonFixture(t, ev)
	p1, id1 := ev.user("panelist", "Dana Rater")
	p2, id2 := ev.user("panelist", "Eli Rater")
	p3, id3 := ev.user("panelist", "Fay Rater")
	closed := openRound(t, ev, pi, "closed-one", []int64{id1, id2, id3})
	apiReview(t, ev, p1, closed, 7)
	apiReview(t, ev, p2, closed, 8)
	apiReview(t, ev, p3, closed, 8)
	if r := ev.do(http.MethodPost, fmt.Sprintf("/api/v1/rounds/%d/close", closed), pi, nil); r.status != 200 {
		t.Fatalf("close: %d %s", r.status, r.body)
	}
	running := openRound(t, ev, pi, "running-one", []int64{id3})
	t.Run("pi models and versions", func(t *testing.T) {
		t.Parallel()
		keyboardModels(t, newBrowser(t, ev), pi)
	})
	t.Run("pi rounds datasets comparisons", func(t *testing.T) {
		t.Parallel()
		keyboardRoundsAndData(t, newBrowser(t, ev), pi, closed, running)
	})
	t.Run("panelist", func(t *testing.T) {
		t.Parallel()
		keyboardPanelist(t, newBrowser(t, ev), p3, running)
	})
}

// keyboardModels: sign-in by keyboard, models, a model, the version
// editor (adding a stage, opening the JSON), a version.
func keyboardModels(t *testing.T, b *browser, pi string) {
	// Sign-in: type the token, Enter on the button.
	b.open("#/")
	b.waitText("Paste the token")
	b.keyboardWalk("sign-in")
	b.tabToName("textbox", "Token")
	b.key("type the token", pi)
	b.tabToName("button", "Sign in")
	b.key("Enter on Sign in", kb.Enter)
	b.do("signed in", waitVisible(byName("button", "Sign out")))
	b.landed()

	// Models, then a model by Enter on its card.
	b.waitText("New model")
	b.keyboardWalk("models")
	b.tabTo("the model cmp", `el.matches('a[href="#/models/cmp"]')`)
	b.key("Enter on the model", kb.Enter)
	b.waitText("New draft")
	b.keyboardWalk("a model")

	// The version editor: Space on "Add stage" adds one and focuses it.
	b.tabToName("button", "New draft")
	b.key("Enter on New draft", kb.Enter)
	b.waitText("Preview")
	b.keyboardWalk("the version editor")
	before := b.eval(`String(document.querySelectorAll("form fieldset").length)`)
	b.tabToName("button", "Add stage")
	b.key("Space on Add stage", " ")
	if after := b.eval(`String(document.querySelectorAll("form fieldset").length)`); after == before {
		t.Fatalf("Space on Add stage: %s fieldsets before and after", after)
	}
	if got := b.eval(`document.activeElement.getAttribute("aria-label") || ""`); !strings.HasSuffix(got, " key") {
		t.Fatalf("after Add stage the focus is on %q, want the new stage's key", got)
	}
	b.keyboardWalk("the version editor with a new stage")
	b.tabToName("button", "Advanced: the version as JSON")
	b.key("Enter on the summary", kb.Enter)
	if b.eval(`String(document.querySelector("details.advanced").open)`) != "true" {
		t.Fatal("Enter on the summary did not open the JSON panel")
	}
	b.keyboardWalk("the version editor with its JSON open")

	// A version, reached by the breadcrumbs and the versions table.
	b.tabTo("the breadcrumb to cmp", `el.matches('nav.crumbs a[href="#/models/cmp"]')`)
	b.key("Enter on the breadcrumb", kb.Enter)
	b.waitText("New draft")
	b.tabTo("version 1", `el.matches('a[href="#/models/cmp/versions/1"]')`)
	b.key("Enter on v1", kb.Enter)
	b.waitText("cmp · version 1")
	b.keyboardWalk("a version")
}

// keyboardRoundsAndData: a round being run, a closed round's results,
// datasets, a dataset, comparisons and a comparison report, then sign-out,
// by keyboard.
func keyboardRoundsAndData(t *testing.T, b *browser, pi string, closed, running int64) {
	b.signIn(pi)

	// A round being run, and a closed round's results.
	b.tabToName("link", "Panel rounds")
	b.key("Enter on Panel rounds", kb.Enter)
	b.waitText("Panel rounds on your models.") // the models page, where this walk starts, names running-one too
	b.waitText("running-one")
	b.keyboardWalk("panel rounds")
	b.tabTo("the running round", fmt.Sprintf(`el.matches('a[href="#/rounds/%d"]')`, running))
	b.key("Enter on the running round", kb.Enter)
	b.waitText("Close round")
	b.keyboardWalk("a round being run")
	b.tabToName("link", "Panel rounds")
	b.key("Enter on Panel rounds", kb.Enter)
	b.waitText("closed-one")
	b.tabTo("the closed round", fmt.Sprintf(`el.matches('a[href="#/rounds/%d"]')`, closed))
	b.key("Enter on the closed round", kb.Enter)
	b.waitText("Agreement per item")
	b.keyboardWalk("a round's results")

	// Datasets and a dataset.
	b.tabToName("link", "Datasets")
	b.key("Enter on Datasets", kb.Enter)
	b.waitText("Comparison data")
	b.keyboardWalk("datasets")
	b.tabToName("link", "Comparison data")
	b.key("Enter on the dataset", kb.Enter)
	b.waitText("Import events")
	b.keyboardWalk("a dataset")

	// Comparisons: choose the model by typing on its list, run by Enter.
	b.tabToName("link", "Comparisons")
	b.key("Enter on Comparisons", kb.Enter)
	b.waitText("New comparison")
	b.keyboardWalk("comparisons")
	b.tabToName("combobox", "Model")
	b.key("type to choose cmp", "cmp")
	if got := b.eval(`document.activeElement.value`); got != "cmp" {
		t.Fatalf("typing on the model list chose %q", got)
	}
	b.do("versions loaded", poll(`[...document.querySelectorAll("option")].some((o) => o.textContent.startsWith("v1")) || undefined`))
	b.tabToName("combobox", "Sessions")
	b.key("arrow down to all sessions", kb.ArrowDown)
	if got := b.eval(`document.activeElement.value`); got != "all" {
		t.Fatalf("ArrowDown on Sessions chose %q", got)
	}
	b.tabToName("button", "Run comparison")
	b.key("Enter on Run comparison", kb.Enter)
	b.waitText("Model with observed support")
	b.keyboardWalk("a comparison report")
	// The server's overlay SVG, with its legend, is offered as a download.
	b.tabToName("button", "Overlay SVG")
	got := b.eval(`(async () => { const id = location.hash.split("/").pop();
  const r = await fetch("/api/v1/comparisons/" + id + "?format=svg"); const t = await r.text();
  return r.headers.get("Content-Type") + " " + t.includes(">Legend<"); })()`)
	if got != "image/svg+xml true" {
		t.Fatalf("the overlay SVG behind the button: %s", got)
	}

	// Sign out by keyboard.
	b.tabToName("button", "Sign out")
	b.key("Enter on Sign out", kb.Enter)
	b.do("signed out", waitVisible(byName("button", "Sign in")), poll(settled+" || undefined"))
}

// keyboardPanelist: a panelist signs in by typing the token and Enter,
// walks My rounds and the review, rates by typing and opens the proposal
// panel by Space.
func keyboardPanelist(t *testing.T, b *browser, p3 string, running int64) {
	b.open("#/")
	b.waitText("Paste the token")
	b.tabToName("textbox", "Token")
	b.key("type the token", p3+kb.Enter)
	b.do("signed in", waitVisible(byName("button", "Sign out")))
	b.landed()
	b.waitText("My rounds")
	b.keyboardWalk("my rounds")
	b.tabTo("the round to review", fmt.Sprintf(`el.matches('a[href="#/rounds/%d"]')`, running))
	b.key("Enter on the round", kb.Enter)
	b.waitText("Your review")
	b.keyboardWalk("the review")
	b.tabTo("the first rating", `el.matches("select.rating")`)
	b.key("type a rating", "8")
	if got := b.eval(`document.activeElement.value`); got != "8" {
		t.Fatalf("typing 8 on a rating chose %q", got)
	}
	b.tabToName("button", "Propose a change")
	b.key("Space on Propose a change", " ")
	if got := b.eval(`(() => { const el = document.activeElement; return el.labels && el.labels.length ? el.labels[0].textContent : el.tagName; })()`); got != "Kind of change" {
		t.Fatalf("after Space on Propose a change the focus is on %q", got)
	}
	b.keyboardWalk("the review with the proposal panel open")
}
