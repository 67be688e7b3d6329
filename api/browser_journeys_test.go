package api_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// openRound drafts, submits and opens a panel round on a new model for
// the given panelists, and returns the round id.
func openRound(t *testing.T, ev *env, pi, slug string, panelists []int64) int64 {
	t.Helper()
	ev.model(pi, slug)
	n := ev.draft(pi, slug, sampleVersion())
	if r := ev.do(http.MethodPost, fmt.Sprintf("/api/v1/models/%s/versions/%d/submit", slug, n), pi, map[string]any{"note": ""}); r.status != 200 {
		t.Fatalf("submit: %d %s", r.status, r.body)
	}
	r := ev.do(http.MethodPost, fmt.Sprintf("/api/v1/models/%s/versions/%d/rounds", slug, n), pi, map[string]any{
		"panelists": panelists, "scale": map[string]int{"min": 1, "max": 9}, "consensus": map[string]any{"rule": "percent_agree"}})
	if r.status != http.StatusCreated {
		t.Fatalf("round: %d %s", r.status, r.body)
	}
	var round struct {
		ID int64 `json:"id"`
	}
	r.json(t, &round)
	if r := ev.do(http.MethodPost, fmt.Sprintf("/api/v1/rounds/%d/open", round.ID), pi, nil); r.status != 200 {
		t.Fatalf("open: %d %s", r.status, r.body)
	}
	return round.ID
}

// apiReview submits a full review with every item rated x.
func apiReview(t *testing.T, ev *env, token string, round int64, x int) {
	t.Helper()
	v := sampleVersion()
	var stages, transitions []map[string]any
	for _, s := range v["stages"].([]map[string]any) {
		stages = append(stages, map[string]any{"key": s["key"], "relevance": x, "clarity": x})
	}
	for _, tr := range v["transitions"].([]map[string]any) {
		transitions = append(transitions, map[string]any{"from": tr["from"], "to": tr["to"], "agreement": x})
	}
	r := ev.do(http.MethodPut, fmt.Sprintf("/api/v1/rounds/%d/review", round), token, map[string]any{"stages": stages, "transitions": transitions, "proposals": []any{}})
	if r.status != 200 {
		t.Fatalf("review: %d %s", r.status, r.body)
	}
}

// TestBrowserPanelistJourney: a panelist is invited (or signs in), lands on
// My rounds, reads each stage's definition, rates every item by its
// labelled control, proposes a stage, finds the draft kept after a reload,
// submits, and after the PI closes the round sees the group's histograms
// with their own answer marked.
func TestBrowserPanelistJourney(t *testing.T) {
	t.Parallel()
	ev := newEnv(t)
	b := newBrowser(t, ev)
	pi, _ := ev.user("pi", "Pia Lead")
	// Dana is invited and has no token until she accepts in the browser.
	id1, code1 := invitePanelist(t, ev, "Dana Rater")
	p2, id2 := ev.user("panelist", "Eli Rater")
	p3, id3 := ev.user("panelist", "Fay Rater")
	round := openRound(t, ev, pi, "repair", []int64{id1, id2, id3})
	apiReview(t, ev, p2, round, 7)
	apiReview(t, ev, p3, round, 9)

	claimInBrowser(t, ev, b, code1)
	b.do("lands on My rounds", waitVisible(chromedp.CSS("h1")))
	b.waitText("My rounds")
	if nav := b.eval(`document.getElementById("nav").innerText`); strings.Contains(nav, "Datasets") || strings.Contains(nav, "Comparisons") {
		t.Errorf("a panelist's navigation offers %q", nav)
	}
	b.checkA11y("My rounds")
	b.screenshot("panelist-my-rounds")
	b.click("link", "repair · round 1")
	b.waitText("Your review")
	b.waitText("Observed as:")
	b.waitText("not relevant at all")
	b.checkA11y("the review page")

	v := sampleVersion()
	names := map[string]string{}
	for _, s := range v["stages"].([]map[string]any) {
		names[s["key"].(string)] = s["name"].(string)
		b.fill("combobox", s["name"].(string)+" relevance", "8")
		b.fill("combobox", s["name"].(string)+" clarity", "7")
	}
	for _, tr := range v["transitions"].([]map[string]any) {
		b.fill("combobox", names[tr["from"].(string)]+" → "+names[tr["to"].(string)]+" agreement", "8")
	}
	b.fill("textbox", "Comment on Validate", "Central to repair")
	// By keyboard alone: Enter on "Propose a change" opens the panel and
	// puts the focus on its first field.
	b.do("open the proposal panel by keyboard", focus(byName("button", "Propose a change")), chromedp.KeyEvent("\r"))
	if got := b.eval(`(() => { const el = document.activeElement; return el.labels && el.labels.length ? el.labels[0].textContent : el.tagName; })()`); got != "Kind of change" {
		t.Fatalf("after Enter on Propose a change the focus is on %q", got)
	}
	b.fill("combobox", "Kind of change", "add_stage")
	b.fill("textbox", "New stage key", "S6")
	b.fill("textbox", "New stage name", "Meta-communication")
	b.fill("combobox", "New stage actor", "therapist")
	b.fill("textbox", "New stage codes", "RS06")
	b.fill("textbox", "Why (rationale)", "Therapists talk about the rupture itself")
	b.click("button", "Add to my review")
	b.waitText("Add a stage “Meta-communication”")
	b.eval(`(() => { document.querySelector("form.review h3").scrollIntoView(); return ""; })()`)
	b.screenshot("panelist-review")

	// A reload keeps the draft.
	b.do("reload", chromedp.Reload())
	b.waitText("Restored your unsent draft.")
	b.waitText("Add a stage “Meta-communication”")
	if got := b.eval(`document.querySelector("select.rating").value`); got != "8" {
		t.Fatalf("draft lost the first rating: %q", got)
	}
	b.click("button", "Submit review")
	b.waitText("Your review is submitted")

	// The stored review, read through the browser's own session.
	r := resp{status: http.StatusOK, body: []byte(b.eval(fmt.Sprintf(`fetch("/api/v1/rounds/%d/review").then((r) => r.text())`, round)))}
	var rv struct {
		Stages []struct {
			Key       string `json:"key"`
			Relevance *int   `json:"relevance"`
			Comment   string `json:"comment"`
		} `json:"stages"`
		Transitions []struct {
			Agreement *int `json:"agreement"`
		} `json:"transitions"`
		Proposals []struct {
			Kind    string         `json:"kind"`
			Payload map[string]any `json:"payload"`
		} `json:"proposals"`
	}
	r.json(t, &rv)
	if len(rv.Stages) != 5 || len(rv.Transitions) != 5 || len(rv.Proposals) != 1 || rv.Proposals[0].Kind != "add_stage" || rv.Proposals[0].Payload["name"] != "Meta-communication" {
		t.Fatalf("stored review: %s", r.body)
	}
	for _, s := range rv.Stages {
		if s.Relevance == nil || *s.Relevance != 8 {
			t.Fatalf("stage %s relevance not stored: %s", s.Key, r.body)
		}
	}

	if r := ev.do(http.MethodPost, fmt.Sprintf("/api/v1/rounds/%d/close", round), pi, nil); r.status != 200 {
		t.Fatalf("close: %d %s", r.status, r.body)
	}
	b.do("reload", chromedp.Reload())
	b.waitText("The panel's answers and yours")
	b.waitText("Your earlier answer: 8")
	if n := b.eval(`String(document.querySelectorAll("svg.hist").length)`); n != "15" {
		t.Fatalf("histograms: %s, want one per item (15)", n)
	}
	if own := b.eval(`String(document.querySelectorAll("svg.hist .ownbox").length)`); own != "15" {
		t.Fatalf("own answers marked: %s of 15", own)
	}
	b.checkA11y("the feedback view")
	b.screenshot("panelist-feedback")
}
