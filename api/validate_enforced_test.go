package api_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
)

// TestValidateTagsEnforced sends, per request type, a body that breaks one
// validate tag of each kind (required, notblank, min, max, gt, oneof,
// email, slug, datetime, and the rules after dive) and checks that the
// answer is 422 naming the field by its path, and that nothing changed (the
// audit log, which records every change, is the same before and after).
// The rows cover the types the validator runs on and those whose tags the
// workflow applies (validate.go, workflowChecked): a dataset, a team's
// members, the rows of an import.
func TestValidateTagsEnforced(t *testing.T) {
	t.Parallel()
	for _, f := range []envFactory{sqliteFactory, postgresFactory} {
		t.Run(f.name, func(t *testing.T) {
			t.Parallel()
			testValidateTagsEnforced(t, f) // PostgreSQL only with STAGEWISE_TEST_DATABASE_URL
		})
	}
}

func testValidateTagsEnforced(t *testing.T, f envFactory) {
	ev := f.fresh(t)
	pi, _ := ev.user("pi", "Pat PI")
	ev.model(pi, "vt")
	ev.draft(pi, "vt", sampleVersion())
	var ds struct {
		ID int64 `json:"id"`
	}
	ev.do(http.MethodPost, "/api/v1/datasets", pi, map[string]any{"name": "tags", "codebook": "3rs-2015"}).json(t, &ds)
	dsPath := fmt.Sprintf("/api/v1/datasets/%d", ds.ID)
	long := func(n int) string { return strings.Repeat("x", n) }
	version := func(edit func(v map[string]any)) map[string]any {
		v := sampleVersion()
		edit(v)
		return v
	}
	stage0 := func(v map[string]any) map[string]any { return v["stages"].([]map[string]any)[0] }
	user := func(edit func(u map[string]any)) map[string]any {
		u := map[string]any{"name": "Ana", "email": "ana@example.org", "role": "coder"}
		edit(u)
		return u
	}
	model := func(edit func(m map[string]any)) map[string]any {
		m := map[string]any{"slug": "fresh", "title": "t", "marker": "m", "resolution": "r"}
		edit(m)
		return m
	}
	comparison := func(edit func(c map[string]any)) map[string]any {
		c := map[string]any{"model": "vt", "version": 1, "dataset": ds.ID, "sessions": "all", "params": map[string]any{}}
		edit(c)
		return c
	}
	params := func(k string, v any) func(c map[string]any) {
		return func(c map[string]any) { c["params"] = map[string]any{k: v} }
	}
	round := func(edit func(r map[string]any)) map[string]any {
		r := map[string]any{"panelists": []int{}}
		edit(r)
		return r
	}
	const rounds = "/api/v1/models/vt/versions/1/rounds"
	const round1 = "/api/v1/rounds/1"
	cases := []struct {
		name, method, path string
		body               any
		field              string
	}{
		// users: notblank, max, required, email, oneof
		{"user name blank", "POST", "/api/v1/users", user(func(u map[string]any) { u["name"] = "  " }), "name"},
		{"user name too long", "POST", "/api/v1/users", user(func(u map[string]any) { u["name"] = long(201) }), "name"},
		{"user email missing", "POST", "/api/v1/users", user(func(u map[string]any) { delete(u, "email") }), "email"},
		{"user email malformed", "POST", "/api/v1/users", user(func(u map[string]any) { u["email"] = "ana at example" }), "email"},
		{"user role unknown", "POST", "/api/v1/users", user(func(u map[string]any) { u["role"] = "boss" }), "role"},
		// models: slug, max, notblank
		{"model slug", "POST", "/api/v1/models", model(func(m map[string]any) { m["slug"] = "Not A Slug" }), "slug"},
		{"model slug too long", "POST", "/api/v1/models", model(func(m map[string]any) { m["slug"] = long(81) }), "slug"},
		{"model title blank", "POST", "/api/v1/models", model(func(m map[string]any) { m["title"] = " " }), "title"},
		{"model context too long", "POST", "/api/v1/models", model(func(m map[string]any) { m["context"] = long(5001) }), "context"},
		// model team: required, dive min
		{"team pis missing", "PUT", "/api/v1/models/vt/team", map[string]any{}, "pis"},
		{"team pi id 0", "PUT", "/api/v1/models/vt/team", map[string]any{"pis": []int{0}}, "pis[0]"},
		{"team of 201 PIs", "PUT", "/api/v1/models/vt/team", map[string]any{"pis": make([]int, 201)}, "pis"},
		// versions: required, min items, oneof, notblank, max, dive into codes
		{"version stages missing", "POST", "/api/v1/models/vt/versions", map[string]any{"notes": "n"}, "stages"},
		{"version stages empty", "POST", "/api/v1/models/vt/versions", version(func(v map[string]any) { v["stages"] = []any{} }), "stages"},
		{"version kind", "POST", "/api/v1/models/vt/versions", version(func(v map[string]any) { v["kind"] = "empirical" }), "kind"},
		{"stage actor", "POST", "/api/v1/models/vt/versions", version(func(v map[string]any) { stage0(v)["actor"] = "robot" }), "stages[0].actor"},
		{"stage name blank", "PUT", "/api/v1/models/vt/versions/1", version(func(v map[string]any) { stage0(v)["name"] = " " }), "stages[0].name"},
		{"stage key too long", "POST", "/api/v1/models/vt/versions", version(func(v map[string]any) { stage0(v)["key"] = long(65) }), "stages[0].key"},
		{"stage codes empty", "POST", "/api/v1/models/vt/versions", version(func(v map[string]any) { stage0(v)["codes"] = []string{} }), "stages[0].codes"},
		{"stage code empty", "POST", "/api/v1/models/vt/versions", version(func(v map[string]any) { stage0(v)["codes"] = []string{""} }), "stages[0].codes[0]"},
		{"transition kind", "POST", "/api/v1/models/vt/versions", version(func(v map[string]any) {
			v["transitions"].([]map[string]any)[0]["kind"] = "maybe"
		}), "transitions[0].kind"},
		{"transition note too long", "POST", "/api/v1/models/vt/versions", version(func(v map[string]any) {
			v["transitions"].([]map[string]any)[0]["note"] = long(2001)
		}), "transitions[0].note"},
		// comparisons: required, min, gt, max, oneof, nested params
		{"comparison version 0", "POST", "/api/v1/comparisons", comparison(func(c map[string]any) { c["version"] = 0 }), "version"},
		{"comparison version negative", "POST", "/api/v1/comparisons", comparison(func(c map[string]any) { c["version"] = -1 }), "version"},
		{"comparison model missing", "POST", "/api/v1/comparisons", comparison(func(c map[string]any) { delete(c, "model") }), "model"},
		{"comparison sessions", "POST", "/api/v1/comparisons", comparison(func(c map[string]any) { c["sessions"] = "some" }), "sessions"},
		{"comparison compare_to 0", "POST", "/api/v1/comparisons", comparison(func(c map[string]any) { c["compare_to"] = 0 }), "compare_to"},
		{"comparison threshold 0", "POST", "/api/v1/comparisons", comparison(params("support_threshold", 0)), "params.support_threshold"},
		{"comparison threshold above 1", "POST", "/api/v1/comparisons", comparison(params("support_threshold", 1.5)), "params.support_threshold"},
		{"comparison lag 6", "POST", "/api/v1/comparisons", comparison(params("lag", 6)), "params.lag"},
		{"comparison unit", "POST", "/api/v1/comparisons", comparison(params("unit", "dyad")), "params.unit"},
		{"comparison outcome_rater empty", "POST", "/api/v1/comparisons", comparison(params("outcome_rater", "")), "params.outcome_rater"},
		{"synthesis share", "POST", "/api/v1/comparisons/1/synthesis", map[string]any{"params": map[string]any{"min_reversal_share": 0.6}}, "params.min_reversal_share"},
		{"synthesis cooccur", "POST", "/api/v1/comparisons/1/synthesis", map[string]any{"params": map[string]any{"min_cooccur": 0}}, "params.min_cooccur"},
		// rounds: required in a nested object, oneof, min items, datetime, min
		{"round scale without max", "POST", rounds, round(func(r map[string]any) { r["scale"] = map[string]any{"min": 0} }), "scale.max"},
		{"round rule", "POST", rounds, round(func(r map[string]any) { r["consensus"] = map[string]any{"rule": "majority"} }), "consensus.rule"},
		{"round items empty", "POST", rounds, round(func(r map[string]any) { r["items"] = []any{} }), "items"},
		{"round item type", "POST", rounds, round(func(r map[string]any) { r["items"] = []any{map[string]any{"type": "cluster"}} }), "items[0].type"},
		{"round closes_at", "POST", rounds, round(func(r map[string]any) { r["closes_at"] = "next Friday" }), "closes_at"},
		{"round min_group", "POST", rounds, round(func(r map[string]any) { r["min_group"] = 1 }), "min_group"},
		{"round reinvite", "POST", rounds, round(func(r map[string]any) { r["reinvite"] = "some" }), "reinvite"},
		{"review stage key", "PUT", round1 + "/review", map[string]any{"stages": []any{map[string]any{"key": "", "relevance": 5}}}, "stages[0].key"},
		{"review proposal kind", "PUT", round1 + "/review", map[string]any{"proposals": []any{map[string]any{"kind": "rewrite"}}}, "proposals[0].kind"},
		{"decision", "POST", round1 + "/proposals/1/decision", map[string]any{"decision": "maybe"}, "decision"},
		{"decision note too long", "POST", round1 + "/proposals/1/decision", map[string]any{"decision": "accepted", "note": long(5001)}, "note"},
		{"revise no rounds", "POST", "/api/v1/models/vt/versions/1/revise", map[string]any{"rounds": []int{}}, "rounds"},
		// sign-in: notblank
		{"sign-in token blank", "POST", "/api/v1/session", map[string]any{"token": " "}, "token"},
		// datasets (the workflow applies these tags: workflowChecked)
		{"dataset name blank", "POST", "/api/v1/datasets", map[string]any{"name": " ", "codebook": "3rs-2015"}, "name"},
		{"dataset name too long", "POST", "/api/v1/datasets", map[string]any{"name": long(201), "codebook": "3rs-2015"}, "name"},
		{"dataset codebook missing", "POST", "/api/v1/datasets", map[string]any{"name": "x"}, "codebook"},
		{"dataset reverse_keyed 13", "POST", "/api/v1/datasets", map[string]any{"name": "x", "codebook": "3rs-2015", "reverse_keyed": []int{13}}, "reverse_keyed[0]"},
		{"dataset reverse_keyed 0", "POST", "/api/v1/datasets", map[string]any{"name": "x", "codebook": "3rs-2015", "reverse_keyed": []int{0}}, "reverse_keyed[0]"},
		{"members missing", "PUT", dsPath + "/members", map[string]any{}, "members"},
		{"member role", "PUT", dsPath + "/members", map[string]any{"members": []any{map[string]any{"user": 1, "role": "boss"}}}, "members[0].role"},
		{"member user 0", "PUT", dsPath + "/members", map[string]any{"members": []any{map[string]any{"user": 0, "role": "pi"}}}, "members[0].user"},
		{"cases empty", "PUT", dsPath + "/cases", map[string]any{"rows": []any{}}, "rows"},
		{"case label too long", "PUT", dsPath + "/cases", map[string]any{"rows": []any{map[string]any{"label": long(101)}}}, "rows[0].label"},
		{"case treatment too long", "PUT", dsPath + "/cases", map[string]any{"rows": []any{map[string]any{"label": "P1", "treatment": long(2001)}}}, "rows[0].treatment"},
		{"session rows missing", "POST", dsPath + "/sessions", map[string]any{}, "rows"},
		{"session row without wai3", "POST", dsPath + "/sessions", map[string]any{"rows": []any{map[string]any{"case": "P1", "session": 1, "rater": "patient",
			"wai1": 4, "wai2": 4, "wai4": 4, "wai5": 4, "wai6": 4, "wai7": 4, "wai8": 4, "wai9": 4, "wai10": 4, "wai11": 4, "wai12": 4, "rupture": false}}}, "rows[0].wai3"},
		{"session row rater", "POST", dsPath + "/sessions", map[string]any{"rows": []any{map[string]any{"case": "P1", "session": 1, "rater": "observer",
			"wai1": 4, "wai2": 4, "wai3": 4, "wai4": 4, "wai5": 4, "wai6": 4, "wai7": 4, "wai8": 4, "wai9": 4, "wai10": 4, "wai11": 4, "wai12": 4, "rupture": false}}}, "rows[0].rater"},
		{"event rows missing", "POST", dsPath + "/events", map[string]any{}, "rows"},
		{"event row without case", "POST", dsPath + "/events", map[string]any{"rows": []any{map[string]any{"session": 1, "coder": "c", "segment": 1, "code": "W1"}}}, "rows[0].case"},
		{"selection rule", "POST", dsPath + "/selection", map[string]any{"rule": "best"}, "rule"},
		{"consensus coders missing", "POST", dsPath + "/consensus", map[string]any{"resolutions": []any{}}, "coders"},
		{"stats method", "POST", "/api/v1/stats/reliability", map[string]any{"method": "kappa", "data": [][]int{{1, 2}, {1, 2}}}, "method"},
		{"stats missing", "POST", "/api/v1/stats/reliability", map[string]any{"method": "cohen_kappa", "missing": "drop", "data": [][]int{{1, 2}, {1, 2}}}, "missing"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := ev.snapshot()
			b, err := json.Marshal(c.body)
			if err != nil {
				t.Fatal(err)
			}
			r := ev.do(c.method, c.path, pi, string(b))
			if r.status != http.StatusUnprocessableEntity {
				t.Fatalf("status %d, want 422: %s", r.status, r.body)
			}
			if got := fieldsOf(t, r); !slices.Contains(got, c.field) {
				t.Errorf("fields %v, want %s named: %s", got, c.field, r.body)
			}
			if after := ev.snapshot(); after != before {
				t.Errorf("a rejected request changed something")
			}
		})
	}
}
