package api_test

import (
	"bytes"
	"net/http"
	"slices"
	"testing"
)

// TestVersionProblemsInOneAnswer: a version body that breaks a tag (a
// blank stage name) and a content rule (a transition to no stage) gets one
// 422 naming both, so the editor shows every problem at once; nothing is
// stored.
func TestVersionProblemsInOneAnswer(t *testing.T) {
	t.Parallel()
	ev := newEnv(t)
	pi, _ := ev.user("pi", "Pat PI")
	ev.model(pi, "one-answer")
	body := sampleVersion()
	body["stages"].([]map[string]any)[1]["name"] = "  "
	body["transitions"].([]map[string]any)[0]["to"] = "S9"
	r := ev.do(http.MethodPost, "/api/v1/models/one-answer/versions", pi, body)
	if r.status != http.StatusUnprocessableEntity {
		t.Fatalf("status %d, want 422: %s", r.status, r.body)
	}
	var p struct {
		Errors []struct {
			Field string `json:"field"`
		} `json:"errors"`
	}
	r.json(t, &p)
	var fields []string
	for _, e := range p.Errors {
		fields = append(fields, e.Field)
	}
	for _, want := range []string{"stages[1].name", "transitions[0].to"} {
		if !slices.Contains(fields, want) {
			t.Errorf("the answer names %v, not %s", fields, want)
		}
	}
	if n := len(fields); n != 2 {
		t.Errorf("the answer names %d fields %v, want exactly the two problems", n, fields)
	}
	if r := ev.do(http.MethodGet, "/api/v1/models/one-answer/versions", pi, nil); r.status != http.StatusOK || bytes.Contains(r.body, []byte(`"number"`)) {
		t.Errorf("a version was stored: %d %s", r.status, r.body)
	}
}
