package api_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// TestBrowserConsensusCoding: a blind coder sees only that they are blind;
// the team PI sees the team, compares two coders' disagreements side by
// side, resolves each one and writes the consensus, then unblinds after a
// confirmation.
func TestBrowserConsensusCoding(t *testing.T) {
	t.Parallel()
	ev := newEnv(t)
	b := newBrowser(t, ev)
	pi, _ := ev.user("pi", "Pat PI")
	ana, anaID := ev.user("coder", "Ana Coder")
	ben, benID := ev.user("coder", "Ben Coder")
	var d struct {
		ID int64 `json:"id"`
	}
	ev.do(http.MethodPost, "/api/v1/datasets", pi, map[string]any{"name": "Double coded", "codebook": "3rs-2015"}).json(t, &d)
	ds := fmt.Sprintf("/api/v1/datasets/%d", d.ID)
	if r := ev.do(http.MethodPut, ds+"/members", pi, map[string]any{"members": []map[string]any{
		{"user": anaID, "role": "coder", "coder": "ana"}, {"user": benID, "role": "coder", "coder": "ben"}}}); r.status != 200 {
		t.Fatalf("members: %d %s", r.status, r.body)
	}
	for _, c := range []struct{ token, name, codes string }{{ana, "ana", "W1 RS04 RS02"}, {ben, "ben", "W1 RS09 RS02"}} {
		csv := "case,session,coder,segment,code\n"
		for i, code := range strings.Fields(c.codes) {
			csv += fmt.Sprintf("A,1,%s,%d,%s\n", c.name, i+1, code)
		}
		if r := ev.do(http.MethodPost, ds+"/events", c.token, csv, "Content-Type", "text/csv"); r.status != 200 {
			t.Fatalf("%s imports: %d %s", c.name, r.status, r.body)
		}
	}

	b.signIn(ana)
	b.click("link", "Double coded")
	b.waitText("Blind double coding: you see only your own events (coder “ana”)")
	b.checkA11y("a blind coder's dataset page")
	b.signOut()

	b.signIn(pi)
	b.click("link", "Datasets")
	b.click("link", "Double coded")
	b.waitText("Team")
	b.waitText("Consensus coding")
	b.fill("combobox", "First coder", "ana")
	b.fill("combobox", "Second coder", "ben")
	b.click("button", "Show disagreements")
	b.waitText("case A, session 1, segment 2")
	b.waitText("1 to resolve")
	b.checkA11y("the consensus-coding screen")
	b.click("any", "ben: RS09")
	b.click("button", "Write consensus")
	b.waitText("Consensus written for 1 sessions")
	b.screenshot("consensus-coding")
	r := ev.do(http.MethodGet, ds+"/events?coder=consensus", pi, nil)
	if !strings.Contains(string(r.body), `"RS09"`) || strings.Contains(string(r.body), `"RS04"`) {
		t.Fatalf("consensus events: %s", r.body)
	}
	b.click("button", "Unblind")
	b.waitText("unblinded")
	if !b.sawDialog("Unblind this dataset?") {
		t.Fatal("unblinding asked nothing")
	}
}
