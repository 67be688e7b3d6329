package api_test

import (
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"
	"testing"
)

// methodV1 is the rational model of the method test: a marker, three
// repair strategies hypothesized in one sequence, a resolution.
func methodV1() map[string]any {
	st := func(key, name, role, actor string, codes ...string) map[string]any {
		return map[string]any{"key": key, "name": name, "actor": actor, "role": role, "codes": codes}
	}
	return map[string]any{
		"notes": "rational model for the panel",
		"stages": []map[string]any{
			st("marker", "Rupture marker", "marker", "patient", "W1", "C1"),
			st("explore", "Invite exploration", "process", "therapist", "RS04"),
			st("validate", "Validate", "process", "therapist", "RS09"),
			st("rationale", "Give a rationale", "process", "therapist", "RS03"),
			st("reengage", "Re-engagement", "resolution", "dyad", "RS02"),
		},
		"transitions": []map[string]any{{"from": "marker", "to": "explore"}, {"from": "explore", "to": "validate"},
			{"from": "validate", "to": "rationale"}, {"from": "rationale", "to": "reengage"}},
	}
}

// TestMethodEndToEnd walks task analysis through the API, as a study
// does: rational v1 → an expert-panel round → approval → sessions and
// coded events → session selection → the comparison → synthesis → the
// PI's edit → approval of rational-empirical v2 → validation of v2
// against v1 on the same sessions → a client pulls latest = v2 with a new
// ETag; the audit chain verifies, and lineage and diff agree with the
// change log.
//
// The data (selectionCSV: rise_after_rupture with k = 2 selects A2, A4,
// B2 and B4), by hand:
//
//	A2  W1 RS04 RS09 RS03 RS02       marker explore validate rationale reengage
//	A4  W1 RS04 RS03 RS09 RS02       marker explore rationale validate reengage
//	B2  W1 RS04 RS09 RS03 RS02       marker explore validate rationale reengage
//	B4  W1 RS04 RS03 RS09 RS07 RS02  marker explore rationale validate reengage (RS07 indicates no stage)
//	A5  W1 RS02                      not selected, so not compared
//
// validate and rationale: both in 4 sessions, each first in 2 (0.5 ≥
// 0.25): order-free, one new any-order cluster; explore always comes
// first, never order-free. Supported at 0.5 and not in v1: explore →
// rationale, rationale → validate, validate → reengage (2 of 4 each),
// added as alternatives; the hypothesized validate → rationale (2 of 4) is
// supported but both its ends are now in the cluster, so it is demoted.
// RS07 occurs in 1 of 4 sessions (0.25): a proposed stage.
func TestMethodEndToEnd(t *testing.T) {
	t.Parallel()
	ev := newEnv(t)
	pi, _ := ev.user("pi", "Method PI")
	client, _ := ev.user("client", "Method Client")
	const slug = "method"
	model := "/api/v1/models/" + slug
	ev.model(pi, slug)
	ev.draft(pi, slug, methodV1())
	ev.mustStatus(ev.do(http.MethodPost, model+"/versions/1/submit", pi, map[string]any{"note": "for the panel"}), 200, "submit v1")

	// The expert panel: three panelists rate every stage and transition.
	var panelists []string
	var ids []int64
	for i := range 3 {
		tok, id := ev.user("panelist", fmt.Sprintf("Method Panelist %d", i+1))
		panelists, ids = append(panelists, tok), append(ids, id)
	}
	r := ev.do(http.MethodPost, model+"/versions/1/rounds", pi, map[string]any{"panelists": ids})
	ev.mustStatus(r, http.StatusCreated, "create round")
	var round struct {
		ID int64 `json:"id"`
	}
	r.json(t, &round)
	ev.mustStatus(ev.roundAction(round.ID, "open", pi), 200, "open round")
	for _, tok := range panelists {
		var stages, trans []map[string]any
		for _, k := range []string{"marker", "explore", "validate", "rationale", "reengage"} {
			stages = append(stages, map[string]any{"key": k, "relevance": 8, "clarity": 7})
		}
		for _, tr := range [][2]string{{"marker", "explore"}, {"explore", "validate"}, {"validate", "rationale"}, {"rationale", "reengage"}} {
			trans = append(trans, map[string]any{"from": tr[0], "to": tr[1], "agreement": 7})
		}
		ev.mustStatus(ev.review(round.ID, tok, map[string]any{"stages": stages, "transitions": trans}), 200, "review")
	}
	ev.mustStatus(ev.roundAction(round.ID, "close", pi), 200, "close round")
	var res struct {
		Responded int `json:"responded"`
		Items     []struct {
			Consensus string `json:"consensus"`
		} `json:"items"`
	}
	ev.do(http.MethodGet, fmt.Sprintf("/api/v1/rounds/%d/results", round.ID), pi, nil).json(t, &res)
	if res.Responded != 3 || len(res.Items) == 0 {
		t.Fatalf("round results: %+v", res)
	}
	for _, it := range res.Items {
		if it.Consensus != "in" {
			t.Fatalf("an item without consensus: %+v", res.Items)
		}
	}
	ev.mustStatus(ev.do(http.MethodPost, model+"/versions/1/approve", pi, map[string]any{"note": "panel consensus"}), 200, "approve v1")
	r = ev.do(http.MethodGet, model+"/versions/latest", client, nil)
	ev.mustStatus(r, 200, "client pulls v1")
	etag1 := r.header.Get("ETag")

	// Coded cases, the selection, the comparison.
	ds := ev.dataset(pi, map[string]any{"name": "Method data", "codebook": "3rs-2015"})
	ev.mustStatus(ev.csvPost(ds+"/sessions", pi, selectionCSV()), 200, "import sessions")
	events := "case,session,coder,segment,code\n"
	for _, s := range []struct{ c, codes string }{{"A,2", "W1 RS04 RS09 RS03 RS02"}, {"A,4", "W1 RS04 RS03 RS09 RS02"},
		{"B,2", "W1 RS04 RS09 RS03 RS02"}, {"B,4", "W1 RS04 RS03 RS09 RS07 RS02"}, {"A,5", "W1 RS02"}} {
		for i, code := range strings.Fields(s.codes) {
			events += fmt.Sprintf("%s,consensus,%d,%s\n", s.c, i+1, code)
		}
	}
	ev.mustStatus(ev.csvPost(ds+"/events", pi, events), 200, "import events")
	var sel struct {
		Selected []struct {
			Case    string `json:"case"`
			Session int    `json:"session"`
		} `json:"selected"`
	}
	r = ev.do(http.MethodPost, ds+"/selection", pi, map[string]any{"rule": "rise_after_rupture", "params": map[string]any{"k": 2}})
	ev.mustStatus(r, http.StatusCreated, "selection")
	r.json(t, &sel)
	var picked []string
	for _, s := range sel.Selected {
		picked = append(picked, fmt.Sprintf("%s%d", s.Case, s.Session))
	}
	sort.Strings(picked)
	if strings.Join(picked, ",") != "A2,A4,B2,B4" {
		t.Fatalf("selected %v, want A2, A4, B2, B4", picked)
	}
	var dsID int64
	fmt.Sscanf(strings.TrimPrefix(ds, "/api/v1/datasets/"), "%d", &dsID)
	type summary struct {
		Sessions        int      `json:"sessions"`
		Fitness         *float64 `json:"fitness"`
		Precision       *float64 `json:"precision"`
		OrderConforming int      `json:"order_conforming"`
	}
	type baseline struct {
		Version int     `json:"version"`
		Summary summary `json:"summary"`
		Delta   struct {
			Sessions        int      `json:"sessions"`
			Fitness         *float64 `json:"fitness"`
			OrderConforming int      `json:"order_conforming"`
		} `json:"delta"`
	}
	compare := func(version int, compareTo any) (int64, summary, *baseline) {
		t.Helper()
		r := ev.do(http.MethodPost, "/api/v1/comparisons", pi, map[string]any{"model": slug, "version": version, "dataset": dsID, "compare_to": compareTo})
		ev.mustStatus(r, http.StatusCreated, fmt.Sprintf("compare v%d", version))
		var c struct {
			ID     int64 `json:"id"`
			Report struct {
				Summary  summary   `json:"summary"`
				Baseline *baseline `json:"baseline"`
			} `json:"report"`
		}
		r.json(t, &c)
		return c.ID, c.Report.Summary, c.Report.Baseline
	}
	cmp1, sum1, _ := compare(1, nil)
	if sum1.Sessions != 4 || sum1.OrderConforming != 2 {
		t.Fatalf("v1 summary = %+v, want 4 sessions, 2 in model order", sum1)
	}

	// The sequence index plot of the comparison: four rows in two groups
	// of two (A2 and B2 in the model's order, A4 and B4 with rationale
	// first), blocks numbered by the legend.
	r = ev.do(http.MethodGet, fmt.Sprintf("/api/v1/comparisons/%d?format=index.svg", cmp1), pi, nil)
	ev.mustStatus(r, 200, "index plot")
	svg := string(r.body)
	if r.header.Get("Content-Type") != "image/svg+xml" || !strings.Contains(svg, "<title") || strings.Count(svg, ">2 sessions<") != 2 {
		t.Errorf("index plot: %s\n%.400s", r.header.Get("Content-Type"), svg)
	}
	for i, label := range []string{">A s2<", ">B s2<", ">A s4<", ">B s4<"} {
		if at := strings.Index(svg, label); at < 0 || (i > 0 && at < strings.Index(svg, []string{">A s2<", ">B s2<", ">A s4<", ">B s4<"}[i-1])) {
			t.Errorf("index plot rows: %s missing or out of order", label)
		}
	}

	// Synthesis.
	r = ev.do(http.MethodPost, fmt.Sprintf("/api/v1/comparisons/%d/synthesis", cmp1), pi, nil)
	ev.mustStatus(r, http.StatusCreated, "synthesis")
	var v2 synthVersion
	r.json(t, &v2)
	want := []string{"add_transition explore→rationale", "add_transition rationale→validate", "add_transition validate→reengage",
		"demote_transition validate→rationale", "make_unordered any-order-1", "move_to_cluster rationale", "move_to_cluster validate", "propose_stage RS07"}
	if got := v2.changes(); !slices.Equal(got, want) {
		t.Fatalf("change log = %v\nwant         %v", got, want)
	}
	if v2.Number != 2 || v2.Status != "draft" || v2.Parent == nil || *v2.Parent != 1 || v2.Provenance.Comparison == nil || *v2.Provenance.Comparison != cmp1 {
		t.Fatalf("v2 = %+v", v2)
	}

	// The PI's edit: the stage proposed for RS07 joins the cluster.
	r = ev.do(http.MethodGet, model+"/versions/2", pi, nil)
	var body map[string]any
	r.json(t, &body)
	stages := body["stages"].([]any)
	stages = slices.Insert(stages, len(stages)-1, any(map[string]any{"key": "own", "name": "Acknowledge own contribution", "actor": "therapist",
		"role": "process", "cluster": "any-order-1", "codes": []string{"RS07"}}))
	edit := map[string]any{"parent": 1, "kind": "rational_empirical", "notes": "added the proposed stage\n\n" + body["notes"].(string),
		"stages": stages, "transitions": body["transitions"], "clusters": body["clusters"]}
	ev.mustStatus(ev.do(http.MethodPut, model+"/versions/2", pi, edit, "If-Match", r.header.Get("ETag")), 200, "edit v2")
	ev.mustStatus(ev.do(http.MethodPost, model+"/versions/2/submit", pi, map[string]any{"note": "edited"}), 200, "submit v2")
	ev.mustStatus(ev.do(http.MethodPost, model+"/versions/2/approve", pi, map[string]any{"note": "rational-empirical model"}), 200, "approve v2")

	// Validation against v1 (compare_to): the same sessions and
	// parameters; v2 fits every session (every observed order is allowed
	// now, RS07 has a stage) where v1 had 2 of 4 in order, and the
	// baseline repeats v1's summary with the differences.
	_, sum2, base := compare(2, 1)
	if sum2.Sessions != sum1.Sessions || sum2.Fitness == nil || *sum2.Fitness != 1 || *sum1.Fitness >= 1 || sum2.Precision == nil || sum2.OrderConforming != 4 {
		t.Errorf("validation: v1 %+v, v2 %+v", sum1, sum2)
	}
	if base == nil || base.Version != 1 || base.Summary.Sessions != 4 || *base.Summary.Fitness != *sum1.Fitness || *base.Summary.Precision != *sum1.Precision ||
		base.Delta.Sessions != 0 || base.Delta.OrderConforming != 2 || base.Delta.Fitness == nil || *base.Delta.Fitness != *sum2.Fitness-*sum1.Fitness {
		t.Errorf("baseline = %+v (v1 %+v, v2 %+v)", base, sum1, sum2)
	}

	// The client pulls latest: v2, with a new ETag; the old one no longer matches.
	r = ev.do(http.MethodGet, model+"/versions/latest", client, nil, "If-None-Match", etag1)
	ev.mustStatus(r, 200, "client pulls v2")
	var latest synthVersion
	r.json(t, &latest)
	if latest.Number != 2 || latest.Status != "approved" || r.header.Get("ETag") == "" || r.header.Get("ETag") == etag1 {
		t.Fatalf("latest = v%d %s, ETag %q (was %q)", latest.Number, latest.Status, r.header.Get("ETag"), etag1)
	}
	ev.mustStatus(ev.do(http.MethodGet, model+"/versions/latest", client, nil, "If-None-Match", r.header.Get("ETag")), http.StatusNotModified, "conditional pull")

	// Lineage and diff agree with the change log.
	l := ev.lineage(t, slug, client)
	if len(l) != 2 || l[1].Number != 2 || l[1].Parent == nil || *l[1].Parent != 1 || l[1].ChangeLogSize != len(v2.ChangeLog) ||
		l[1].Provenance.Comparison == nil || *l[1].Provenance.Comparison != cmp1 || l[1].ApprovedBy == nil {
		t.Errorf("lineage = %+v", l)
	}
	var diff struct {
		Stages struct {
			Added []struct {
				Key string `json:"key"`
			} `json:"added"`
			Removed []any `json:"removed"`
			Changed []struct {
				Key    string                    `json:"key"`
				Fields map[string]map[string]any `json:"fields"`
			} `json:"changed"`
		} `json:"stages"`
		Transitions struct {
			Added, Removed []struct {
				From string `json:"from"`
				To   string `json:"to"`
				Kind string `json:"kind"`
			}
		} `json:"transitions"`
		Clusters struct {
			Added []struct {
				Key string `json:"key"`
			} `json:"added"`
		} `json:"clusters"`
	}
	ev.do(http.MethodGet, model+"/versions/2/diff?from=1", client, nil).json(t, &diff)
	var fromDiff []string
	for _, s := range diff.Stages.Changed {
		if c, ok := s.Fields["cluster"]; ok {
			fromDiff = append(fromDiff, "move_to_cluster "+s.Key+" "+fmt.Sprint(c["to"]))
		}
	}
	for _, tr := range diff.Transitions.Added {
		if tr.Kind == "alternative" && !slices.ContainsFunc(diff.Transitions.Removed, func(x struct {
			From string `json:"from"`
			To   string `json:"to"`
			Kind string `json:"kind"`
		}) bool {
			return x.From == tr.From && x.To == tr.To
		}) {
			fromDiff = append(fromDiff, "add_transition "+tr.From+"→"+tr.To)
		}
	}
	for _, tr := range diff.Transitions.Removed {
		fromDiff = append(fromDiff, "demote_transition "+tr.From+"→"+tr.To)
	}
	for _, c := range diff.Clusters.Added {
		fromDiff = append(fromDiff, "make_unordered "+c.Key)
	}
	var fromLog []string
	for _, c := range v2.ChangeLog {
		switch c.Op {
		case "move_to_cluster":
			fromLog = append(fromLog, c.Op+" "+c.Target+" "+fmt.Sprint(c.Evidence["cluster"]))
		case "propose_stage":
			// A note: not applied by the synthesis; the PI's edit added
			// its stage, which the diff shows as an added stage.
		default:
			fromLog = append(fromLog, c.Op+" "+c.Target)
		}
	}
	sort.Strings(fromDiff)
	sort.Strings(fromLog)
	if !slices.Equal(fromDiff, fromLog) {
		t.Errorf("diff and change log disagree:\ndiff %v\nlog  %v", fromDiff, fromLog)
	}
	if len(diff.Stages.Added) != 1 || diff.Stages.Added[0].Key != "own" || len(diff.Stages.Removed) != 0 {
		t.Errorf("stages added %v removed %v: want only the PI's own", diff.Stages.Added, diff.Stages.Removed)
	}

	var v struct {
		OK      bool `json:"ok"`
		Entries int  `json:"entries"`
	}
	ev.do(http.MethodGet, "/api/v1/audit/verify", ev.admin, nil).json(t, &v)
	if !v.OK || v.Entries == 0 {
		t.Errorf("audit verify = %+v", v)
	}
}
