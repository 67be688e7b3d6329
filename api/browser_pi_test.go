package api_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserPIJourney: a PI signs in by token, creates a model, drafts
// version 1 in the form editor (an error shown next to its field, then
// fixed), submits it, creates and opens a round from the round form,
// closes it after a confirmation that states the response rate, decides
// the panel's proposal in words, drafts the revision and approves it.
func TestBrowserPIJourney(t *testing.T) {
	t.Parallel()
	ev := newEnv(t)
	b := newBrowser(t, ev)
	pi, _ := ev.user("pi", "Pia Lead")
	// The PI creates the panelist: a PI lists only the users they created
	// and their teams' members, and invites from that list.
	panelist, _ := ev.userBy(pi, "panelist", "Dana Rater")
	// Two respond, as many as the round's smallest group shown (min_group),
	// so that their ratings and proposals are shown after close.
	panelist2, _ := ev.userBy(pi, "panelist", "Eli Rater")

	b.signIn(pi)
	b.waitText("New model")
	b.checkA11y("Models")
	b.fill("textbox", "Slug", "withdrawal-repair")
	b.fill("textbox", "Title", "Withdrawal repair")
	b.fill("textbox", "Task marker", "The patient withdraws")
	b.fill("textbox", "Resolution", "The dyad re-engages")
	b.fill("textbox", "Context", "CBT for personality disorder")
	b.click("button", "Create model")
	b.click("button", "New draft")
	b.waitText("Preview")
	b.fill("combobox", "Stage 1 codes", "W1")
	b.fill("combobox", "Stage 2 codes", "RS02")
	b.click("button", "Add stage")
	b.fill("textbox", "Stage 3 key", "validate me")
	b.fill("textbox", "Stage 3 name", "Validate the defensive posture")
	b.fill("combobox", "Stage 3 codes", "RS09")
	b.click("button", "Add transition")
	b.fill("combobox", "Transition 2 from", "marker")
	b.fill("combobox", "Transition 2 to", "validate me")
	b.waitText("Validate the")
	if n := b.eval(`String(document.querySelectorAll("svg.preview g.node").length)`); n != "3" {
		t.Fatalf("the live preview shows %s stages, want 3", n)
	}
	b.checkA11y("the model editor")
	b.screenshot("pi-editor")
	b.click("button", "Save draft")
	// The bad key is named next to its field, and nothing was saved.
	b.do("error beside the field", waitVisible(chromedp.CSS(`[aria-invalid="true"] ~ .field-error, .field [aria-invalid="true"]`)))
	if got := b.eval(`(() => { const el = document.querySelector('[aria-invalid="true"]'); return el.getAttribute("aria-label") + " | " + document.getElementById(el.getAttribute("aria-describedby")).textContent; })()`); !strings.HasPrefix(got, "Stage 3 key | ") {
		t.Fatalf("error placed at %q", got)
	}
	if r := ev.do(http.MethodGet, "/api/v1/models/withdrawal-repair/versions", pi, nil); strings.Contains(string(r.body), `"number"`) {
		t.Fatalf("a rejected draft was saved: %s", r.body)
	}
	b.fill("textbox", "Stage 3 key", "S3")
	if got := b.eval(`document.querySelector('select[aria-label="Transition 2 to"]').value`); got != "S3" {
		t.Fatalf("renaming the key left the transition pointing at %q", got)
	}
	b.click("button", "Save draft")
	b.waitText("withdrawal-repair · version 1")
	b.waitText("Validate the defensive posture")
	b.do("diagram drawn", waitVisible(chromedp.CSS("figure svg.preview")))
	b.screenshot("version")
	b.click("button", "Submit for review")
	b.waitText("in review")

	b.click("link", "Rounds")
	b.waitText("New round")
	b.fill("combobox", "Consensus rule", "median_iqr")
	b.waitText("Median at least")
	b.fill("textbox", "Smallest group shown", "2")
	b.checkA11y("the round form")
	b.click("button", "Create round")
	b.click("button", "Open round")
	b.waitText("Close round")
	round := strings.TrimPrefix(b.eval(`location.hash`), "#/rounds/")
	// The form offered min_group (the served OpenAPI lists it) and sent it.
	var created struct {
		MinGroup int `json:"min_group"`
	}
	ev.do(http.MethodGet, "/api/v1/rounds/"+round, pi, nil).json(t, &created)
	if created.MinGroup != 2 {
		t.Fatalf("the round form did not send min_group: %d, want 2", created.MinGroup)
	}

	// The panelist answers and proposes a rename by the API.
	r := ev.do(http.MethodPut, "/api/v1/rounds/"+round+"/review", panelist, map[string]any{
		"stages":      []map[string]any{{"key": "marker", "relevance": 8, "clarity": 8}, {"key": "resolution", "relevance": 9, "clarity": 7}, {"key": "S3", "relevance": 6, "clarity": 5}},
		"transitions": []map[string]any{{"from": "marker", "to": "resolution", "agreement": 7}, {"from": "marker", "to": "S3", "agreement": 8}},
		"proposals":   []map[string]any{{"kind": "rename_stage", "target": "S3", "payload": map[string]any{"name": "Validate"}, "rationale": "Shorter"}},
	})
	if r.status != 200 {
		t.Fatalf("review: %d %s", r.status, r.body)
	}
	r = ev.do(http.MethodPut, "/api/v1/rounds/"+round+"/review", panelist2, map[string]any{
		"stages":      []map[string]any{{"key": "marker", "relevance": 9, "clarity": 8}, {"key": "resolution", "relevance": 8, "clarity": 8}, {"key": "S3", "relevance": 7, "clarity": 6}},
		"transitions": []map[string]any{{"from": "marker", "to": "resolution", "agreement": 8}, {"from": "marker", "to": "S3", "agreement": 7}},
	})
	if r.status != 200 {
		t.Fatalf("review 2: %d %s", r.status, r.body)
	}
	b.do("reload", chromedp.Reload())
	b.click("button", "Close round")
	b.waitText("Results")
	if !b.sawDialog("2 of 2 panelists have responded (100 %)") {
		t.Fatalf("the close confirmation did not state the response rate: %v", b.dialogs)
	}
	b.waitText("Agreement per item")
	b.waitText("Rename stage “Validate the defensive posture” (S3) to “Validate”")
	b.checkA11y("the results")
	b.screenshot("pi-results")
	b.click("button", "Accept: Rename stage “Validate the defensive posture” (S3) to “Validate”")
	b.waitText("accepted")
	b.click("button", "Draft the revision")
	b.waitText("Stage renamed")
	b.waitText("version 2")
	b.click("button", "Submit for review")
	b.waitText("in review")
	b.click("button", "Approve")
	b.waitText("approved by")
	b.click("link", "withdrawal-repair")
	b.waitText("Lineage")
	b.checkA11y("the model page with its lineage")
	b.screenshot("model-lineage")
	r = ev.do(http.MethodGet, "/api/v1/models/withdrawal-repair/versions/latest", pi, nil)
	var latest struct {
		Number int `json:"number"`
		Stages []struct {
			Key, Name string
		} `json:"stages"`
	}
	r.json(t, &latest)
	if latest.Number != 2 || !strings.Contains(fmt.Sprint(latest.Stages), "Validate}") {
		t.Fatalf("latest approved: %s", r.body)
	}
}
