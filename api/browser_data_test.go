package api_test

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserDataJourney: a PI creates a dataset, imports events (a bad
// row first: its error is drawn inside the form that sent it; then the
// good file, whose success message stays), runs a comparison from the
// pickers, reads its charts, overlay (legend, support cut-off), index
// plot and validation table, drafts a synthesis with its parameters,
// approves the rational-empirical version and compares it with its parent.
func TestBrowserDataJourney(t *testing.T) {
	t.Parallel()
	ev := newEnv(t)
	b := newBrowser(t, ev)
	pi, _ := ev.user("pi", "Pat PI")
	ev.model(pi, "cmp")
	ev.draft(pi, "cmp", sampleVersion())
	for _, a := range []string{"submit", "approve"} {
		if r := ev.do(http.MethodPost, "/api/v1/models/cmp/versions/1/"+a, pi, map[string]any{"note": ""}); r.status != 200 {
			t.Fatalf("%s: %d %s", a, r.status, r.body)
		}
	}
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad-events.csv")
	good := filepath.Join(dir, "events.csv")
	header := "case,session,coder,segment,code\n"
	rows := "A,1,consensus,1,W1\nA,1,consensus,2,RS04\nA,1,consensus,3,RS09\nA,1,consensus,4,RS02\n" +
		"A,2,consensus,1,W1\nA,2,consensus,2,RS02\n" +
		"B,1,consensus,1,RS04\nB,1,consensus,2,W1\nB,1,consensus,3,RS04\nB,1,consensus,4,RS02\nB,1,consensus,5,RS07\n"
	os.WriteFile(bad, []byte(header+rows+"B,2,consensus,1,RS99\n"), 0o644)
	os.WriteFile(good, []byte(header+rows), 0o644)

	b.signIn(pi)
	b.click("link", "Datasets")
	b.fill("textbox", "Name", "Trial CBT arm")
	b.click("button", "Create dataset")
	b.waitText("Import events")
	b.do("choose the bad file", uploadFiles(byName("file", "Events CSV file"), []string{bad}))
	b.click("button", "Import events")
	b.do("the error", waitVisible(chromedp.CSS(`form .notice.error`)))
	where := b.eval(`(() => { const n = document.querySelector(".notice.error"); const f = n.closest("form"); const r = n.getBoundingClientRect();
		return (f ? f.querySelector("h3").textContent : "outside any form") + " | " + n.innerText.replace(/\s+/g, " ") + " | visible " + (r.top >= 0 && r.bottom <= innerHeight); })()`)
	if !strings.HasPrefix(where, "Import events | ") || !strings.Contains(where, "line[13].code") || !strings.HasSuffix(where, "visible true") {
		t.Fatalf("the import error: %s", where)
	}
	b.checkA11y("the dataset page with an import error")
	b.do("choose the good file", uploadFiles(byName("file", "Events CSV file"), []string{good}))
	b.click("button", "Import events")
	b.waitText("Imported 11 rows")
	// The message stays: once the page has handled every answer (the
	// dataset drawn again after the import), it is still there.
	b.do("the import settled", poll(settled+" || undefined"))
	if b.eval(`String(document.body.innerText.includes("Imported 11 rows"))`) != "true" {
		b.fail("the import message did not stay")
	}
	b.screenshot("dataset")

	b.click("link", "Comparisons")
	b.waitText("New comparison")
	b.fill("combobox", "Model", "cmp")
	b.do("versions loaded", poll(`document.querySelectorAll("option").length > 3 || undefined`))
	b.fill("combobox", "Sessions", "all")
	b.fill("combobox", "Coder", "consensus")
	b.checkA11y("the comparison form")
	b.click("button", "Run comparison")
	b.waitText("Model with observed support")
	b.waitText("observed, not in the model")
	before := b.eval(`String(document.querySelectorAll("svg.preview path.edge.unmodelled").length)`)
	b.fill("any", "Hide observed transitions below support", "1")
	after := b.eval(`String(document.querySelectorAll("svg.preview path.edge.unmodelled").length)`)
	if before == "0" || after != "0" {
		t.Fatalf("support cut-off: %s unmodelled edges before, %s after raising it to 100 %%", before, after)
	}
	var rep struct {
		Report struct {
			Validation any `json:"validation"`
		} `json:"report"`
	}
	id := strings.TrimPrefix(b.eval(`location.hash`), "#/comparisons/")
	ev.do(http.MethodGet, "/api/v1/comparisons/"+id, pi, nil).json(t, &rep)
	if rep.Report.Validation == nil {
		t.Fatal("the report has no validation")
	}
	b.waitText("Validation: what separates resolved from unresolved sessions")
	b.waitText("Sequence index plot")
	b.do("index plot drawn", poll(`[...document.querySelectorAll("figure img")].some((i) => i.alt.startsWith("Sequence index plot") && i.naturalWidth > 0) || undefined`))
	b.checkA11y("the comparison report")
	b.screenshot("comparison")

	b.fill("textbox", "Sessions both stages must share", "2")
	b.fill("textbox", "Notes for the draft", "From the trial comparison")
	b.click("button", "Draft synthesis")
	b.waitText("Change log")
	b.waitText("cmp · version 2")
	b.waitText("rational-empirical")
	b.checkA11y("the change log")
	b.click("button", "Submit for review")
	b.waitText("in review")
	b.click("button", "Approve")
	b.waitText("approved by")
	var latest struct {
		Number int    `json:"number"`
		Kind   string `json:"kind"`
		Notes  string `json:"notes"`
	}
	ev.do(http.MethodGet, "/api/v1/models/cmp/versions/latest", pi, nil).json(t, &latest)
	if latest.Number != 2 || latest.Kind != "rational_empirical" || !strings.HasPrefix(latest.Notes, "From the trial comparison") || !strings.Contains(latest.Notes, "min_cooccur=2") {
		t.Fatalf("latest approved: %+v", latest)
	}

	// The revised version against its parent (compare_to).
	b.click("link", "Comparisons")
	b.waitText("Compare to version")
	b.fill("combobox", "Model", "cmp")
	b.do("versions loaded", poll(`[...document.querySelectorAll("option")].some((o) => o.textContent.startsWith("v2")) || undefined`))
	b.fill("combobox", "Version", "2")
	b.fill("combobox", "Compare to version", "1")
	b.fill("combobox", "Sessions", "all")
	b.click("button", "Run comparison")
	b.waitText("Against version 1")
	b.checkA11y("a comparison with its baseline")
}
