package api_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// panel is a model with version n in review and invited-to-be panelists.
type panel struct {
	pi     string
	slug   string
	n      int
	tokens []string
	ids    []int64
	names  []string
}

func (ev *env) panel(slug string, size int) panel {
	ev.t.Helper()
	pi, _ := ev.user("pi", "PI of "+slug)
	ev.model(pi, slug)
	n := ev.draft(pi, slug, sampleVersion())
	if r := ev.do(http.MethodPost, fmt.Sprintf("/api/v1/models/%s/versions/%d/submit", slug, n), pi, nil); r.status != 200 {
		ev.t.Fatalf("submit: %d %s", r.status, r.body)
	}
	p := panel{pi: pi, slug: slug, n: n}
	for i := 0; i < size; i++ {
		name := fmt.Sprintf("Panelist %s %d", slug, i)
		tok, id := ev.user("panelist", name)
		p.tokens, p.ids, p.names = append(p.tokens, tok), append(p.ids, id), append(p.names, name)
	}
	return p
}

func (ev *env) mustStatus(r resp, want int, what string) {
	ev.t.Helper()
	if r.status != want {
		ev.t.Fatalf("%s: got %d, want %d: %s", what, r.status, want, r.body)
	}
}

// round creates a round on p's version with body (panelists default to
// all of p's) and returns its id.
func (ev *env) round(p panel, body map[string]any) int64 {
	ev.t.Helper()
	if body == nil {
		body = map[string]any{}
	}
	if _, ok := body["panelists"]; !ok {
		body["panelists"] = p.ids
	}
	r := ev.do(http.MethodPost, fmt.Sprintf("/api/v1/models/%s/versions/%d/rounds", p.slug, p.n), p.pi, body)
	ev.mustStatus(r, http.StatusCreated, "create round")
	var out struct {
		ID int64 `json:"id"`
	}
	r.json(ev.t, &out)
	return out.ID
}

func (ev *env) roundAction(id int64, action, token string) resp {
	ev.t.Helper()
	return ev.do(http.MethodPost, fmt.Sprintf("/api/v1/rounds/%d/%s", id, action), token, nil)
}

func (ev *env) review(id int64, token string, body any) resp {
	ev.t.Helper()
	return ev.do(http.MethodPut, fmt.Sprintf("/api/v1/rounds/%d/review", id), token, body)
}

// stageReview rates every stage of sampleVersion with relevance rel[key]
// (0 leaves it missing) and clarity 8, and every transition 7.
func stageReview(rel map[string]int) map[string]any {
	var stages []map[string]any
	for _, k := range []string{"S1", "S2", "S3", "S4", "S5"} {
		st := map[string]any{"key": k, "clarity": 8, "comment": "fine"}
		if v := rel[k]; v != 0 {
			st["relevance"] = v
		}
		stages = append(stages, st)
	}
	var trans []map[string]any
	for _, t := range [][2]string{{"S1", "S2"}, {"S2", "S3"}, {"S3", "S4"}, {"S4", "S5"}, {"S2", "S5"}} {
		trans = append(trans, map[string]any{"from": t[0], "to": t[1], "agreement": 7})
	}
	return map[string]any{"stages": stages, "transitions": trans}
}

type resultItem struct {
	Target struct {
		Type string `json:"type"`
		Key  string `json:"key"`
		From string `json:"from"`
		To   string `json:"to"`
	} `json:"target"`
	Measure      string   `json:"measure"`
	N            int      `json:"n"`
	Median       *float64 `json:"median"`
	Q1           *float64 `json:"q1"`
	Q3           *float64 `json:"q3"`
	IQR          *float64 `json:"iqr"`
	Mean         *float64 `json:"mean"`
	SD           *float64 `json:"sd"`
	PercentAgree *float64 `json:"percent_agree"`
	ICVI         *float64 `json:"i_cvi"`
	KappaStar    *float64 `json:"kappa_star"`
	Consensus    string   `json:"consensus"`
	Distribution []struct {
		Value int `json:"value"`
		N     int `json:"n"`
	} `json:"distribution"`
	Stability *float64 `json:"stability"`
	Change    *struct {
		PreviousMedian *float64 `json:"previous_median"`
		MedianDelta    *float64 `json:"median_delta"`
	} `json:"change"`
	Own *int `json:"own"`
}

type target struct {
	Type string `json:"type"`
	Key  string `json:"key"`
	From string `json:"from"`
	To   string `json:"to"`
}

type results struct {
	Round        int64   `json:"round"`
	Invited      int     `json:"invited"`
	Responded    int     `json:"responded"`
	ResponseRate float64 `json:"response_rate"`
	Rule         map[string]any
	Items        []resultItem `json:"items"`
	SCVIAve      *float64     `json:"s_cvi_ave"`
	SCVIUA       *float64     `json:"s_cvi_ua"`
	KendallW     *float64     `json:"kendall_w"`
	Previous     *int64       `json:"previous_round"`
	Reached      []target     `json:"reached_consensus"`
	Dropped      []struct {
		Target target `json:"target"`
		Reason string `json:"reason"`
	} `json:"dropped"`
	Carried []target        `json:"carried_over"`
	Own     json.RawMessage `json:"own"`
}

func (r results) item(key, measure string) resultItem {
	for _, it := range r.Items {
		if (it.Target.Key == key || it.Target.From+"->"+it.Target.To == key) && it.Measure == measure {
			return it
		}
	}
	return resultItem{Measure: "missing"}
}

func near(a *float64, b float64) bool { return a != nil && math.Abs(*a-b) < 1e-6 }

// TestRoundResultsHandComputed checks the statistics of a small round
// against values computed by hand: relevance 7, 8, 5, 6, 9 on 1-9 gives
// 3/5 = 0.6 rating ≥ 7 (no consensus at 80 %), median 7, and by R's
// quantile(type = 7) q1 = 6, q3 = 8; mean 7, SD √2.5. On the 4-point
// scale, 4, 4, 3, 2, 4 gives I-CVI 0.8 and κ* = (0.8 − 5/32)/(1 − 5/32)
// = 0.762963 (Polit, Beck & Owen 2007).
func TestRoundResultsHandComputed(t *testing.T) {
	t.Parallel()
	ev := newEnv(t)
	p := ev.panel("hand", 5)
	id := ev.round(p, nil)
	ev.mustStatus(ev.roundAction(id, "open", p.pi), 200, "open")
	s3 := []int{7, 8, 5, 6, 9}
	for i, tok := range p.tokens {
		rel := map[string]int{"S1": 9, "S3": s3[i], "S4": 3 + i}
		if i == 4 {
			rel["S2"] = 0 // a missing rating is missing, not zero
		} else {
			rel["S2"] = 8
		}
		rel["S5"] = 8
		ev.mustStatus(ev.review(id, tok, stageReview(rel)), 200, "review")
	}
	ev.mustStatus(ev.roundAction(id, "close", p.pi), 200, "close")
	var res results
	r := ev.do(http.MethodGet, fmt.Sprintf("/api/v1/rounds/%d/results", id), p.pi, nil)
	ev.mustStatus(r, 200, "results")
	r.json(t, &res)
	it := res.item("S3", "relevance")
	if it.N != 5 || !near(it.PercentAgree, 0.6) || !near(it.Median, 7) || !near(it.Q1, 6) || !near(it.Q3, 8) || !near(it.IQR, 2) ||
		!near(it.Mean, 7) || !near(it.SD, math.Sqrt(2.5)) || it.Consensus != "none" {
		t.Errorf("S3 relevance = %+v", it)
	}
	if it.ICVI != nil || it.KappaStar != nil {
		t.Errorf("I-CVI on a 1-9 scale: %v %v", it.ICVI, it.KappaStar)
	}
	if got := it.Distribution; len(got) != 9 || got[4].Value != 5 || got[4].N != 1 || got[0].N != 0 {
		t.Errorf("distribution %+v", got)
	}
	if it := res.item("S1", "relevance"); it.Consensus != "in" || !near(it.PercentAgree, 1) || it.SD == nil || *it.SD != 0 {
		t.Errorf("S1 relevance = %+v", it)
	}
	if it := res.item("S2", "relevance"); it.N != 4 || !near(it.Median, 8) {
		t.Errorf("S2 with one missing rating = %+v", it)
	}
	if it := res.item("S4", "relevance"); it.Consensus != "none" || !near(it.Median, 5) {
		t.Errorf("S4 = %+v", it)
	}
	if it := res.item("S1->S2", "agreement"); it.N != 5 || it.Consensus != "in" {
		t.Errorf("S1->S2 = %+v", it)
	}
	if res.Invited != 5 || res.Responded != 5 || res.ResponseRate != 1 || res.KendallW == nil || res.SCVIAve != nil {
		t.Errorf("header: invited %d responded %d rate %v W %v S-CVI %v", res.Invited, res.Responded, res.ResponseRate, res.KendallW, res.SCVIAve)
	}
	if res.Rule["rule"] != "percent_agree" || res.Rule["agree_min"] != 7.0 || res.Rule["threshold"] != 0.8 {
		t.Errorf("rule echo %v", res.Rule)
	}
	if res.Previous != nil || res.Reached != nil {
		t.Errorf("round 1 compares with nothing: %v %v", res.Previous, res.Reached)
	}

	// CSV: one row per item and measure, the same numbers.
	r = ev.do(http.MethodGet, fmt.Sprintf("/api/v1/rounds/%d/results?format=csv", id), p.pi, nil)
	ev.mustStatus(r, 200, "csv")
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
		t.Fatalf("content type %q", ct)
	}
	rows, err := csv.NewReader(strings.NewReader(string(r.body))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1+5*2+5 {
		t.Fatalf("%d CSV rows", len(rows))
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	for _, row := range rows[1:] {
		if row[col["key"]] == "S3" && row[col["measure"]] == "relevance" {
			if row[col["median"]] != "7" || row[col["q1"]] != "6" || row[col["q3"]] != "8" || row[col["percent_agree"]] != "0.6" || row[col["n_5"]] != "1" || row[col["consensus"]] != "none" {
				t.Errorf("CSV row %v", row)
			}
		}
	}

	// The 4-point relevance scale gives I-CVI, κ* and S-CVI.
	id4 := ev.round(p, map[string]any{"scale": map[string]any{"min": 1, "max": 4}, "consensus": map[string]any{"rule": "cvi"}})
	ev.mustStatus(ev.roundAction(id4, "open", p.pi), 200, "open")
	four := []int{4, 4, 3, 2, 4}
	for i, tok := range p.tokens {
		body := map[string]any{"stages": []map[string]any{{"key": "S1", "relevance": four[i]}, {"key": "S2", "relevance": 4}}}
		ev.mustStatus(ev.review(id4, tok, body), 200, "review 1-4")
	}
	ev.mustStatus(ev.roundAction(id4, "close", p.pi), 200, "close")
	res = results{}
	ev.do(http.MethodGet, fmt.Sprintf("/api/v1/rounds/%d/results", id4), p.pi, nil).json(t, &res)
	it = res.item("S1", "relevance")
	if !near(it.ICVI, 0.8) || !near(it.KappaStar, 0.762963) || it.Consensus != "in" {
		t.Errorf("S1 on 1-4: I-CVI %v κ* %v %s", it.ICVI, it.KappaStar, it.Consensus)
	}
	// S-CVI over the rated stages' I-CVIs (0.8 and 1): Ave 0.9, UA 0.5.
	if !near(res.SCVIAve, 0.9) || !near(res.SCVIUA, 0.5) {
		t.Errorf("S-CVI/Ave %v, S-CVI/UA %v", res.SCVIAve, res.SCVIUA)
	}
	if res.Rule["threshold"] != 0.78 {
		t.Errorf("cvi default threshold: %v", res.Rule)
	}
}

// TestRoundLifecycleTable walks every round state × action × role through
// the real router.
func TestRoundLifecycleTable(t *testing.T) {
	t.Parallel()
	ev := newEnv(t)
	p := ev.panel("rlc", 3)
	otherPI, _ := ev.user("pi", "Other PI")
	teamPI, teamID := ev.user("pi", "Co-investigator")
	ev.mustStatus(ev.do(http.MethodPut, "/api/v1/models/rlc/team", p.pi, map[string]any{"pis": []int64{teamID}}), 200, "team")
	coder, _ := ev.user("coder", "Some Coder")
	client, _ := ev.user("client", "Some Client")
	tokens := map[string]string{"admin": ev.admin, "owner": p.pi, "team_pi": teamPI, "other_pi": otherPI, "invited": p.tokens[0],
		"uninvited": p.tokens[1], "coder": coder, "client": client}
	roles := []string{"admin", "owner", "team_pi", "other_pi", "invited", "uninvited", "coder", "client"}
	for _, state := range []string{"draft", "open", "closed"} {
		for _, action := range []string{"open", "close", "review", "results", "decision"} {
			for _, role := range roles {
				t.Run(state+"/"+action+"/"+role, func(t *testing.T) {
					// Each case acts on a round of its own.
					t.Parallel()
					ev := ev.with(t)
					// Two panelists respond, as many as min_group, so the
					// proposals are shown after close.
					id := ev.round(p, map[string]any{"panelists": []int64{p.ids[0], p.ids[2]}, "min_group": 2})
					pid := int64(999999)
					if state != "draft" {
						ev.mustStatus(ev.roundAction(id, "open", p.pi), 200, "setup open")
						body := stageReview(map[string]int{"S1": 9})
						body["proposals"] = []map[string]any{{"kind": "rename_stage", "target": "S2", "payload": map[string]any{"name": "Explore"}, "rationale": "shorter"}}
						var rv struct {
							Proposals []struct {
								ID int64 `json:"id"`
							} `json:"proposals"`
						}
						r := ev.review(id, p.tokens[0], body)
						ev.mustStatus(r, 200, "setup review")
						r.json(t, &rv)
						pid = rv.Proposals[0].ID
						ev.mustStatus(ev.review(id, p.tokens[2], stageReview(map[string]int{"S1": 8})), 200, "setup review 2")
					}
					if state == "closed" {
						ev.mustStatus(ev.roundAction(id, "close", p.pi), 200, "setup close")
					}
					manager := role == "admin" || role == "owner" || role == "team_pi"
					want := http.StatusForbidden
					switch {
					case !manager && role != "invited":
						// Only the model team and the invited panelists know the round.
						want = http.StatusNotFound
					case action == "open" && manager:
						want = pick(state == "draft", 200, 409)
					case action == "close" && manager:
						want = pick(state == "open", 200, 409)
					case action == "review" && role == "invited":
						want = pick(state == "open", 200, 409)
					case action == "results":
						// Team and invited panelists alike, after close only.
						want = pick(state == "closed", 200, 403)
					case action == "decision" && manager:
						want = pick(state == "closed", 200, 409)
					}
					var r resp
					tok := tokens[role]
					switch action {
					case "open", "close":
						r = ev.roundAction(id, action, tok)
					case "review":
						r = ev.review(id, tok, stageReview(map[string]int{"S1": 5}))
					case "results":
						r = ev.do(http.MethodGet, fmt.Sprintf("/api/v1/rounds/%d/results", id), tok, nil)
					case "decision":
						r = ev.do(http.MethodPost, fmt.Sprintf("/api/v1/rounds/%d/proposals/%d/decision", id, pid), tok, map[string]any{"decision": "accepted", "note": "ok"})
					}
					if r.status != want {
						t.Fatalf("got %d, want %d: %s", r.status, want, r.body)
					}
					var got struct {
						Status string `json:"status"`
					}
					ev.do(http.MethodGet, fmt.Sprintf("/api/v1/rounds/%d", id), p.pi, nil).json(t, &got)
					wantState := state
					if want == 200 && action == "open" {
						wantState = "open"
					}
					if want == 200 && action == "close" {
						wantState = "closed"
					}
					if got.Status != wantState {
						t.Errorf("state after: %s, want %s", got.Status, wantState)
					}
				})
			}
		}
	}
}

func pick(cond bool, a, b int) int {
	if cond {
		return a
	}
	return b
}

// TestRoundAnonymity: a panelist reads only their own review, sees no
// results before close and no one else's identity; results, their CSV and
// the proposal list carry pseudonyms only.
func TestRoundAnonymity(t *testing.T) {
	t.Parallel()
	ev := newEnv(t)
	// Filler users push the panelists' ids well above any count, scale
	// point or round id in the results, so a leaked id is recognizable.
	for i := 0; i < 30; i++ {
		ev.user("coder", fmt.Sprintf("Filler %d", i))
	}
	p := ev.panel("anon", 5)
	id := ev.round(p, nil)
	ev.mustStatus(ev.roundAction(id, "open", p.pi), 200, "open")
	for i, tok := range p.tokens[:4] {
		body := stageReview(map[string]int{"S1": 5 + i, "S2": 9, "S3": 7})
		body["proposals"] = []map[string]any{{"kind": "other", "payload": map[string]any{"text": "more examples"}, "rationale": "clearer"}}
		ev.mustStatus(ev.review(id, tok, body), 200, "review")
	}
	// Own review only; before close no results.
	r := ev.do(http.MethodGet, fmt.Sprintf("/api/v1/rounds/%d/review", id), p.tokens[1], nil)
	ev.mustStatus(r, 200, "own review")
	var own struct {
		Stages []struct {
			Key       string `json:"key"`
			Relevance *int   `json:"relevance"`
		} `json:"stages"`
	}
	r.json(t, &own)
	if own.Stages[0].Key != "S1" || own.Stages[0].Relevance == nil || *own.Stages[0].Relevance != 6 {
		t.Fatalf("own review %s", r.body)
	}
	ev.mustStatus(ev.do(http.MethodGet, fmt.Sprintf("/api/v1/rounds/%d/review", id), p.tokens[4], nil), 404, "no review yet")
	ev.mustStatus(ev.do(http.MethodGet, fmt.Sprintf("/api/v1/rounds/%d/review", id), p.pi, nil), 403, "PI has no review")
	ev.mustStatus(ev.do(http.MethodGet, fmt.Sprintf("/api/v1/rounds/%d/results", id), p.tokens[0], nil), 403, "results before close")
	ev.mustStatus(ev.do(http.MethodGet, fmt.Sprintf("/api/v1/rounds/%d/proposals", id), p.tokens[0], nil), 403, "proposals to a panelist")
	ev.mustStatus(ev.do(http.MethodGet, fmt.Sprintf("/api/v1/rounds/%d/results?format=csv", id), p.tokens[0], nil), 403, "csv before close")
	// Nor the PI: results or proposals watched while reviews come in would
	// tie each change to whoever had just responded.
	ev.mustStatus(ev.do(http.MethodGet, fmt.Sprintf("/api/v1/rounds/%d/results", id), p.pi, nil), 403, "PI results before close")
	ev.mustStatus(ev.do(http.MethodGet, fmt.Sprintf("/api/v1/rounds/%d/results?format=csv", id), p.pi, nil), 403, "PI csv before close")
	ev.mustStatus(ev.do(http.MethodGet, fmt.Sprintf("/api/v1/rounds/%d/proposals", id), p.pi, nil), 403, "PI proposals before close")

	// The PI sees who has not responded, by name, for reminders.
	var view struct {
		Panelists []struct {
			ID        int64  `json:"id"`
			Name      string `json:"name"`
			Responded bool   `json:"responded"`
		} `json:"panelists"`
		Responded int `json:"responded"`
	}
	ev.do(http.MethodGet, fmt.Sprintf("/api/v1/rounds/%d", id), p.pi, nil).json(t, &view)
	var missing []string
	for _, pn := range view.Panelists {
		if !pn.Responded {
			missing = append(missing, pn.Name)
		}
	}
	if view.Responded != 4 || !slices.Equal(missing, []string{p.names[4]}) {
		t.Errorf("PI reminders: responded %d, missing %v", view.Responded, missing)
	}
	// A panelist sees the round without anyone's identity.
	r = ev.do(http.MethodGet, fmt.Sprintf("/api/v1/rounds/%d", id), p.tokens[0], nil)
	ev.mustStatus(r, 200, "panelist round view")
	leaks(t, "panelist round view", r.body, p, 0)

	ev.mustStatus(ev.roundAction(id, "close", p.pi), 200, "close")
	bodies := map[string][]byte{}
	for _, who := range []struct {
		name, token string
	}{{"pi", p.pi}, {"panelist", p.tokens[2]}, {"admin", ev.admin}} {
		for _, f := range []string{"", "?format=csv"} {
			r := ev.do(http.MethodGet, fmt.Sprintf("/api/v1/rounds/%d/results%s", id, f), who.token, nil)
			ev.mustStatus(r, 200, "results "+who.name+f)
			bodies["results "+who.name+f] = r.body
		}
	}
	r = ev.do(http.MethodGet, fmt.Sprintf("/api/v1/rounds/%d/proposals", id), p.pi, nil)
	ev.mustStatus(r, 200, "proposals")
	bodies["proposals"] = r.body
	var props struct {
		Items []struct {
			Author string `json:"author"`
		} `json:"items"`
	}
	r.json(t, &props)
	authors := map[string]bool{}
	for _, pr := range props.Items {
		authors[pr.Author] = true
	}
	if len(props.Items) != 4 || len(authors) != 4 {
		t.Errorf("4 proposals by 4 pseudonymous authors: %s", r.body)
	}
	for a := range authors {
		if n, err := strconv.Atoi(strings.TrimPrefix(a, "P")); err != nil || n < 1 || n > 5 {
			t.Errorf("author %q is not a pseudonym P1..P5", a)
		}
	}
	for what, b := range bodies {
		leaks(t, what, b, p, id)
	}
	// After close the panelist sees the group with their own answer beside it.
	var res results
	json.Unmarshal(bodies["results panelist"], &res)
	if it := res.item("S1", "relevance"); it.Own == nil || *it.Own != 7 || it.N != 4 || len(res.Own) == 0 {
		t.Errorf("panelist's own answer beside the group: own %v n %d", it.Own, it.N)
	}
	res = results{}
	json.Unmarshal(bodies["results pi"], &res)
	if it := res.item("S1", "relevance"); it.Own != nil || len(res.Own) != 0 {
		t.Errorf("the PI has no own answers: %v", it.Own)
	}
	// Another panelist's review stays unreadable: there is no path to it,
	// and to a panelist not invited to the round the round does not exist.
	outsider, _ := ev.user("panelist", "Outsider Panelist")
	ev.mustStatus(ev.do(http.MethodGet, fmt.Sprintf("/api/v1/rounds/%d", id), outsider, nil), 404, "outsider round")
	ev.mustStatus(ev.do(http.MethodGet, fmt.Sprintf("/api/v1/rounds/%d/results", id), outsider, nil), 404, "outsider results")
	ev.mustStatus(ev.do(http.MethodGet, fmt.Sprintf("/api/v1/rounds/%d/review", id), outsider, nil), 404, "outsider review")
}

// leaks fails when body names a panelist by name, email or user id: as a
// substring (names, emails, "user:<id>") and, in JSON, as any number or
// string equal to an id; in CSV, as any cell equal to one.
func leaks(t *testing.T, what string, body []byte, p panel, roundID int64) {
	t.Helper()
	ids := map[string]bool{}
	for i, name := range p.names {
		email := strings.ToLower(strings.ReplaceAll(name, " ", ".")) + "@example.org"
		for _, s := range []string{name, email, fmt.Sprintf("user:%d", p.ids[i])} {
			if strings.Contains(string(body), s) {
				t.Errorf("%s leaks %q", what, s)
			}
		}
		if p.ids[i] == roundID {
			t.Fatalf("test setup: a panelist id equals the round id")
		}
		ids[strconv.FormatInt(p.ids[i], 10)] = true
	}
	var v any
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.UseNumber()
	if err := dec.Decode(&v); err == nil {
		var walk func(path string, x any)
		walk = func(path string, x any) {
			switch y := x.(type) {
			case map[string]any:
				for k, z := range y {
					walk(path+"."+k, z)
				}
			case []any:
				for i, z := range y {
					walk(fmt.Sprintf("%s[%d]", path, i), z)
				}
			case json.Number:
				if ids[y.String()] {
					t.Errorf("%s: %s = %s is a panelist's id", what, path, y)
				}
			case string:
				if ids[y] {
					t.Errorf("%s: %s = %q is a panelist's id", what, path, y)
				}
			}
		}
		walk("", v)
		return
	}
	rows, err := csv.NewReader(strings.NewReader(string(body))).ReadAll()
	if err != nil {
		t.Fatalf("%s is neither JSON nor CSV: %v", what, err)
	}
	for i, row := range rows {
		for j, cell := range row {
			if ids[cell] {
				t.Errorf("%s: row %d column %d = %q is a panelist's id", what, i, j, cell)
			}
		}
	}
}

// TestRoundConcurrentReviews: 50 panelists each submit and then replace
// their review, all at once; every one ends with exactly one review, the
// last one sent, and nothing answers 5xx.
func TestRoundConcurrentReviews(t *testing.T) {
	t.Parallel()
	ev := newEnv(t)
	p := ev.panel("conc", 50)
	id := ev.round(p, nil)
	ev.mustStatus(ev.roundAction(id, "open", p.pi), 200, "open")
	var wg sync.WaitGroup
	statuses := make([][2]int, len(p.tokens))
	for i, tok := range p.tokens {
		wg.Add(1)
		go func() {
			defer wg.Done()
			first := stageReview(map[string]int{"S1": 1 + i%9, "S3": 5})
			first["proposals"] = []map[string]any{{"kind": "other", "payload": map[string]any{"text": "first"}, "rationale": "r"}}
			statuses[i][0] = ev.review(id, tok, first).status
			last := stageReview(map[string]int{"S1": 9 - i%9, "S3": 1 + i%9})
			last["proposals"] = []map[string]any{{"kind": "other", "payload": map[string]any{"text": fmt.Sprintf("last %d", i)}, "rationale": "r"}}
			statuses[i][1] = ev.review(id, tok, last).status
		}()
	}
	wg.Wait()
	for i, st := range statuses {
		if st != [2]int{200, 200} {
			t.Errorf("panelist %d: statuses %v", i, st)
		}
	}
	for i, tok := range p.tokens {
		var rv struct {
			Stages []struct {
				Key       string `json:"key"`
				Relevance *int   `json:"relevance"`
			} `json:"stages"`
			Proposals []struct {
				Payload map[string]any `json:"payload"`
			} `json:"proposals"`
			Revision int `json:"revision"`
		}
		ev.do(http.MethodGet, fmt.Sprintf("/api/v1/rounds/%d/review", id), tok, nil).json(t, &rv)
		if rv.Revision != 2 || *rv.Stages[0].Relevance != 9-i%9 || *rv.Stages[2].Relevance != 1+i%9 ||
			len(rv.Proposals) != 1 || rv.Proposals[0].Payload["text"] != fmt.Sprintf("last %d", i) {
			t.Errorf("panelist %d holds %+v", i, rv)
		}
	}
	ev.mustStatus(ev.roundAction(id, "close", p.pi), 200, "close")
	var res results
	ev.do(http.MethodGet, fmt.Sprintf("/api/v1/rounds/%d/results", id), p.pi, nil).json(t, &res)
	if res.Responded != 50 || res.item("S1", "relevance").N != 50 {
		t.Errorf("responded %d, n %d", res.Responded, res.item("S1", "relevance").N)
	}
	var props struct {
		Items []json.RawMessage `json:"items"`
	}
	ev.do(http.MethodGet, fmt.Sprintf("/api/v1/rounds/%d/proposals?limit=200", id), p.pi, nil).json(t, &props)
	if len(props.Items) != 50 {
		t.Errorf("%d proposals, want one per panelist", len(props.Items))
	}
	var audit struct {
		OK      bool  `json:"ok"`
		Entries int64 `json:"entries"`
	}
	ev.do(http.MethodGet, "/api/v1/audit/verify", ev.admin, nil).json(t, &audit)
	if !audit.OK {
		t.Errorf("audit chain broken after concurrent reviews")
	}
}

func fields(t *testing.T, r resp) []string {
	t.Helper()
	var out []string
	for _, f := range r.problem(t).Errors {
		out = append(out, f.Field)
	}
	slices.Sort(out)
	return out
}

// TestRoundValidationCatalogue lists bad rounds and reviews with the
// field paths the 422 must name; a rejected request changes nothing.
func TestRoundValidationCatalogue(t *testing.T) {
	t.Parallel()
	ev := newEnv(t)
	p := ev.panel("val", 2)
	coder, coderID := ev.user("coder", "Not A Panelist")
	_ = coder
	createPath := fmt.Sprintf("/api/v1/models/%s/versions/%d/rounds", p.slug, p.n)
	roundCases := []struct {
		name   string
		body   map[string]any
		status int
		fields []string
	}{
		{"not a panelist", map[string]any{"panelists": []int64{p.ids[0], coderID}}, 422, []string{"panelists[1]"}},
		{"no such user", map[string]any{"panelists": []int64{p.ids[0], 987654}}, 422, []string{"panelists[1]"}},
		{"duplicate panelist", map[string]any{"panelists": []int64{p.ids[0], p.ids[0]}}, 422, []string{"panelists[1]"}},
		{"no panelists", map[string]any{"panelists": []int64{}}, 422, []string{"panelists"}},
		{"bad scale", map[string]any{"panelists": p.ids, "scale": map[string]any{"min": 5, "max": 3}}, 422, []string{"scale"}},
		{"unknown rule", map[string]any{"panelists": p.ids, "consensus": map[string]any{"rule": "majority"}}, 422, []string{"consensus.rule"}},
		{"parameter of another rule", map[string]any{"panelists": p.ids, "consensus": map[string]any{"rule": "percent_agree", "high_min": 7}}, 422, []string{"consensus.high_min"}},
		{"unknown parameter", map[string]any{"panelists": p.ids, "consensus": map[string]any{"rule": "grade", "quorum": 3}}, 422, []string{"consensus.quorum"}},
		{"bad threshold", map[string]any{"panelists": p.ids, "consensus": map[string]any{"threshold": 1.5}}, 422, []string{"consensus.threshold"}},
		{"cvi needs 1-4", map[string]any{"panelists": p.ids, "consensus": map[string]any{"rule": "cvi"}}, 422, []string{"scale"}},
		{"deadline in the past", map[string]any{"panelists": p.ids, "closes_at": "2001-01-01T00:00:00Z"}, 422, []string{"closes_at"}},
		{"deadline not RFC 3339", map[string]any{"panelists": p.ids, "closes_at": "tomorrow"}, 422, []string{"closes_at"}},
		{"unknown item", map[string]any{"panelists": p.ids, "items": []map[string]any{{"type": "stage", "key": "S9"}, {"type": "transition", "from": "S5", "to": "S1"}}}, 422, []string{"items[0]", "items[1]"}},
		{"server-owned status", map[string]any{"panelists": p.ids, "status": "open"}, 422, []string{"status"}},
		{"reinvite without carry_from", map[string]any{"panelists": p.ids, "reinvite": "responders"}, 422, []string{"reinvite"}},
		{"carry_from unknown", map[string]any{"panelists": p.ids, "carry_from": 4242}, 422, []string{"carry_from"}},
	}
	for _, c := range roundCases {
		t.Run("round/"+c.name, func(t *testing.T) {
			before := ev.snapshot()
			r := ev.do(http.MethodPost, createPath, p.pi, c.body)
			if r.status != c.status {
				t.Fatalf("got %d, want %d: %s", r.status, c.status, r.body)
			}
			if diff := cmp.Diff(c.fields, fields(t, r)); diff != "" {
				t.Errorf("fields (-want +got):\n%s", diff)
			}
			if ev.snapshot() != before {
				t.Errorf("a rejected request changed something")
			}
		})
	}
	// A round on a draft version is a conflict.
	draft := ev.draft(p.pi, p.slug, sampleVersion())
	ev.mustStatus(ev.do(http.MethodPost, fmt.Sprintf("/api/v1/models/%s/versions/%d/rounds", p.slug, draft), p.pi, map[string]any{"panelists": p.ids}), 409, "round on a draft")
	// Not yet invited to any round on it, a panelist does not know the version.
	ev.mustStatus(ev.do(http.MethodPost, createPath, p.tokens[0], map[string]any{"panelists": p.ids}), 404, "panelist creates a round")

	id := ev.round(p, map[string]any{"items": []map[string]any{{"type": "stage", "key": "S1"}, {"type": "stage", "key": "S2"},
		{"type": "transition", "from": "S1", "to": "S2"}}})
	// Invited, the panelist sees the version, but creating rounds is the team's.
	ev.mustStatus(ev.do(http.MethodPost, createPath, p.tokens[0], map[string]any{"panelists": p.ids}), 403, "invited panelist creates a round")
	ev.mustStatus(ev.roundAction(id, "open", p.pi), 200, "open")
	prop := func(kind, target string, payload map[string]any) map[string]any {
		return map[string]any{"kind": kind, "target": target, "payload": payload, "rationale": "because"}
	}
	stage := func(over map[string]any) map[string]any {
		s := map[string]any{"key": "S6", "name": "Acknowledge", "actor": "therapist", "role": "process", "codes": []string{"RS05"}}
		for k, v := range over {
			s[k] = v
		}
		return s
	}
	reviewCases := []struct {
		name   string
		body   any
		status int
		fields []string
	}{
		{"rating above the scale", map[string]any{"stages": []map[string]any{{"key": "S1", "relevance": 10}}}, 422, []string{"stages[0].relevance"}},
		{"rating below the scale", map[string]any{"transitions": []map[string]any{{"from": "S1", "to": "S2", "agreement": 0}}}, 422, []string{"transitions[0].agreement"}},
		{"fractional rating", map[string]any{"stages": []map[string]any{{"key": "S1", "clarity": 7.5}}}, 422, []string{"stages[0].clarity"}},
		{"unknown stage", map[string]any{"stages": []map[string]any{{"key": "S1", "relevance": 5}, {"key": "S9", "relevance": 5}}}, 422, []string{"stages[1].key"}},
		{"stage outside the round's items", map[string]any{"stages": []map[string]any{{"key": "S3", "relevance": 5}}}, 422, []string{"stages[0].key"}},
		{"duplicate stage", map[string]any{"stages": []map[string]any{{"key": "S1"}, {"key": "S1"}}}, 422, []string{"stages[1].key"}},
		{"unknown transition", map[string]any{"transitions": []map[string]any{{"from": "S5", "to": "S1", "agreement": 5}}}, 422, []string{"transitions[0]"}},
		{"transition outside the items", map[string]any{"transitions": []map[string]any{{"from": "S2", "to": "S3", "agreement": 5}}}, 422, []string{"transitions[0]"}},
		{"unknown field", map[string]any{"stages": []map[string]any{{"key": "S1", "importance": 5}}}, 422, []string{"stages[0].importance"}},
		{"unknown proposal kind", map[string]any{"proposals": []map[string]any{prop("delete_everything", "", nil)}}, 422, []string{"proposals[0].kind"}},
		{"proposal without rationale", map[string]any{"proposals": []map[string]any{{"kind": "other"}}}, 422, []string{"proposals[0].rationale"}},
		{"rename without name", map[string]any{"proposals": []map[string]any{prop("rename_stage", "S2", map[string]any{})}}, 422, []string{"proposals[0].payload.name"}},
		{"rename of an unknown stage", map[string]any{"proposals": []map[string]any{prop("rename_stage", "S9", map[string]any{"name": "x"})}}, 422, []string{"proposals[0].target"}},
		{"add_transition to an unknown stage", map[string]any{"proposals": []map[string]any{prop("other", "", nil), prop("add_transition", "", map[string]any{"from": "S1", "to": "S8"})}}, 422, []string{"proposals[1].payload.to"}},
		{"add_transition that exists", map[string]any{"proposals": []map[string]any{prop("add_transition", "", map[string]any{"from": "S1", "to": "S2"})}}, 422, []string{"proposals[0].payload.to"}},
		{"remove_transition that does not exist", map[string]any{"proposals": []map[string]any{prop("remove_transition", "", map[string]any{"from": "S1", "to": "S5"})}}, 422, []string{"proposals[0].payload.to"}},
		{"add_stage with a bad actor and role", map[string]any{"proposals": []map[string]any{prop("add_stage", "", stage(map[string]any{"actor": "robot", "role": "climax"}))}}, 422, []string{"proposals[0].payload.actor", "proposals[0].payload.role"}},
		{"add_stage of an existing key", map[string]any{"proposals": []map[string]any{prop("add_stage", "", stage(map[string]any{"key": "S2", "codes": []string{"RS99"}}))}}, 422, []string{"proposals[0].payload.key"}},
		{"add_stage with a used code", map[string]any{"proposals": []map[string]any{prop("add_stage", "", stage(map[string]any{"codes": []string{"RS04"}}))}}, 422, []string{"proposals[0].payload.codes[0]"}},
		{"add_stage without codes", map[string]any{"proposals": []map[string]any{prop("add_stage", "", stage(map[string]any{"codes": []string{}}))}}, 422, []string{"proposals[0].payload.codes"}},
		{"payload field of another kind", map[string]any{"proposals": []map[string]any{prop("remove_stage", "S2", map[string]any{"name": "x"})}}, 422, []string{"proposals[0].payload.name"}},
		{"move to an unknown cluster", map[string]any{"proposals": []map[string]any{prop("move_to_cluster", "S2", map[string]any{"cluster": "nope"})}}, 422, []string{"proposals[0].payload.cluster"}},
		{"merge of one stage", map[string]any{"proposals": []map[string]any{prop("merge_stages", "", map[string]any{"keys": []string{"S3"}, "into": "S34"})}}, 422, []string{"proposals[0].payload.keys"}},
		{"split into one bad stage", map[string]any{"proposals": []map[string]any{prop("split_stage", "S3", map[string]any{"into": []any{map[string]any{"key": "S3a"}}})}}, 422,
			[]string{"proposals[0].payload.into", "proposals[0].payload.into[0].actor", "proposals[0].payload.into[0].codes", "proposals[0].payload.into[0].name", "proposals[0].payload.into[0].role"}},
		{"payload not an object", map[string]any{"proposals": []map[string]any{{"kind": "other", "payload": "text", "rationale": "r"}}}, 422, []string{"proposals[0].payload"}},
		{"malformed JSON", `{"stages": [`, 400, nil},
	}
	for _, c := range reviewCases {
		t.Run("review/"+c.name, func(t *testing.T) {
			before := ev.snapshot()
			r := ev.review(id, p.tokens[0], c.body)
			if r.status != c.status {
				t.Fatalf("got %d, want %d: %s", r.status, c.status, r.body)
			}
			if c.fields != nil {
				if diff := cmp.Diff(c.fields, fields(t, r)); diff != "" {
					t.Errorf("fields (-want +got):\n%s", diff)
				}
			}
			if ev.snapshot() != before {
				t.Errorf("a rejected review changed something")
			}
		})
	}
	// A partial review is fine: missing ratings stay missing.
	r := ev.review(id, p.tokens[0], map[string]any{"stages": []map[string]any{{"key": "S1", "relevance": nil, "clarity": 3}}})
	ev.mustStatus(r, 200, "partial review")
	ev.mustStatus(ev.review(id, p.tokens[0], map[string]any{"proposals": []map[string]any{
		prop("add_stage", "", stage(map[string]any{"after": "S2", "cluster": "k"})),
		prop("split_stage", "S3", map[string]any{"into": []any{stage(map[string]any{"key": "S3a", "codes": []string{"X1"}}), stage(map[string]any{"key": "S3b", "codes": []string{"X2"}})}}),
		prop("merge_stages", "", map[string]any{"keys": []string{"S3", "S4"}, "into": "S34"}),
		prop("move_to_cluster", "S2", map[string]any{"cluster": ""}),
	}}), 200, "valid proposals of every shape")
}

// TestRoundDeadline: a review after closes_at is a conflict.
func TestRoundDeadline(t *testing.T) {
	t.Parallel()
	ev := newEnv(t)
	p := ev.panel("deadline", 1)
	closes := time.Now().Add(time.Hour)
	id := ev.round(p, map[string]any{"closes_at": closes.UTC().Format(time.RFC3339Nano)})
	ev.mustStatus(ev.roundAction(id, "open", p.pi), 200, "open")
	ev.mustStatus(ev.review(id, p.tokens[0], stageReview(map[string]int{"S1": 8})), 200, "before the deadline")
	ev.svc.SetClock(func() time.Time { return closes.Add(time.Millisecond) }) // the service's clock passes the deadline
	ev.mustStatus(ev.review(id, p.tokens[0], stageReview(map[string]int{"S1": 2})), 409, "after the deadline")
	var rv struct {
		Stages []struct {
			Relevance *int `json:"relevance"`
		} `json:"stages"`
	}
	ev.do(http.MethodGet, fmt.Sprintf("/api/v1/rounds/%d/review", id), p.tokens[0], nil).json(t, &rv)
	if *rv.Stages[0].Relevance != 8 {
		t.Errorf("the late review replaced the earlier one")
	}
}

type changeEntry struct {
	Op       string         `json:"op"`
	Target   string         `json:"target"`
	Evidence map[string]any `json:"evidence"`
}

type versionBody struct {
	Number int    `json:"number"`
	Status string `json:"status"`
	Parent *int   `json:"parent"`
	Stages []struct {
		Key     string `json:"key"`
		Name    string `json:"name"`
		Cluster string `json:"cluster"`
	} `json:"stages"`
	Transitions []struct {
		From string `json:"from"`
		To   string `json:"to"`
	} `json:"transitions"`
	Provenance struct {
		Rounds []int64 `json:"rounds"`
	} `json:"provenance"`
	ChangeLog []changeEntry `json:"change_log"`
}

// TestRoundReviseAndNextRound: the PI decides proposals, revise applies
// the accepted mechanical ones with their evidence, and round 2 on the
// revised version carries over what missed consensus and compares with
// round 1.
func TestRoundReviseAndNextRound(t *testing.T) {
	t.Parallel()
	ev := newEnv(t)
	p := ev.panel("rev", 5)
	r1 := ev.round(p, nil)
	ev.mustStatus(ev.roundAction(r1, "open", p.pi), 200, "open")
	prop := func(kind, target string, payload map[string]any, why string) map[string]any {
		return map[string]any{"kind": kind, "target": target, "payload": payload, "rationale": why}
	}
	proposals := [][]map[string]any{
		{prop("rename_stage", "S3", map[string]any{"name": "Validate the defensive posture"}, "say what is validated")},
		{prop("add_stage", "", map[string]any{"key": "S6", "name": "Acknowledge own contribution", "actor": "therapist", "role": "process", "codes": []string{"RS05"}, "after": "S4"}, "RS05 is common"),
			prop("add_transition", "", map[string]any{"from": "S6", "to": "S5"}, "S6 leads to repair"),
			prop("move_to_cluster", "S6", map[string]any{"cluster": "k"}, "it is a repair strategy")},
		{prop("remove_transition", "", map[string]any{"from": "S2", "to": "S5"}, "never observed")},
		{prop("merge_stages", "", map[string]any{"keys": []string{"S3", "S4"}, "into": "S34"}, "hard to tell apart"),
			prop("remove_stage", "S4", nil, "redundant")},
		{prop("remove_transition", "", map[string]any{"from": "S2", "to": "S5"}, "me too")},
	}
	s3 := []int{7, 8, 5, 6, 9}
	var firstProposal int64
	for i, tok := range p.tokens[:4] {
		body := stageReview(map[string]int{"S1": 9, "S2": 8, "S3": s3[i], "S4": 8, "S5": 8})
		body["proposals"] = proposals[i]
		r := ev.review(r1, tok, body)
		ev.mustStatus(r, 200, "review")
		if i == 0 {
			var own struct {
				Proposals []struct {
					ID int64 `json:"id"`
				} `json:"proposals"`
			}
			r.json(t, &own)
			firstProposal = own.Proposals[0].ID
		}
	}
	// The fifth panelist proposes the same removal again and rates only S3.
	ev.mustStatus(ev.review(r1, p.tokens[4], map[string]any{"stages": []map[string]any{{"key": "S3", "relevance": s3[4]}}, "proposals": proposals[4]}), 200, "review 5")
	// Deciding before close is a conflict; the list is shown after close.
	decide := func(pid int64, d string) resp {
		return ev.do(http.MethodPost, fmt.Sprintf("/api/v1/rounds/%d/proposals/%d/decision", r1, pid), p.pi, map[string]any{"decision": d, "note": "PI says " + d})
	}
	ev.mustStatus(decide(firstProposal, "accepted"), 409, "decision while open")
	ev.mustStatus(ev.do(http.MethodGet, fmt.Sprintf("/api/v1/rounds/%d/proposals", r1), p.pi, nil), 403, "proposals while open")
	ev.mustStatus(ev.roundAction(r1, "close", p.pi), 200, "close")
	var list struct {
		Items []struct {
			ID     int64          `json:"id"`
			Kind   string         `json:"kind"`
			Target string         `json:"target"`
			Author string         `json:"author"`
			Pay    map[string]any `json:"payload"`
		} `json:"items"`
	}
	ev.do(http.MethodGet, fmt.Sprintf("/api/v1/rounds/%d/proposals", r1), p.pi, nil).json(t, &list)
	if len(list.Items) != 8 {
		t.Fatalf("%d proposals", len(list.Items))
	}
	ev.mustStatus(ev.do(http.MethodPost, fmt.Sprintf("/api/v1/rounds/%d/proposals/%d/decision", r1, list.Items[0].ID), p.pi, map[string]any{"decision": "maybe"}), 422, "bad decision")
	var dupRemoval int64
	var removeS4 int64
	for _, it := range list.Items {
		d := "accepted"
		switch {
		case it.Kind == "remove_stage":
			d, removeS4 = "rejected", it.ID
		case it.Kind == "remove_transition" && dupRemoval == 0 && it.Pay["from"] == "S2":
			dupRemoval = -1
		case it.Kind == "remove_transition":
			dupRemoval = it.ID
		}
		ev.mustStatus(decide(it.ID, d), 200, "decide")
	}
	_ = removeS4
	revisePath := fmt.Sprintf("/api/v1/models/%s/versions/%d/revise", p.slug, p.n)
	ev.mustStatus(ev.do(http.MethodPost, revisePath, p.tokens[0], map[string]any{}), 403, "panelist revises")
	// Two accepted removals of the same transition conflict: the second is named.
	before := ev.snapshot()
	r := ev.do(http.MethodPost, revisePath, p.pi, map[string]any{"rounds": []int64{r1}})
	ev.mustStatus(r, 422, "conflicting proposals")
	if got := fields(t, r); !slices.Equal(got, []string{fmt.Sprintf("proposal:%d", dupRemoval)}) {
		t.Errorf("conflict names %v, want proposal:%d", got, dupRemoval)
	}
	if ev.snapshot() != before {
		t.Errorf("a rejected revise changed something")
	}
	ev.mustStatus(decide(dupRemoval, "deferred"), 200, "defer the duplicate")
	r = ev.do(http.MethodPost, revisePath, p.pi, map[string]any{"notes": "after round 1"})
	ev.mustStatus(r, 201, "revise")
	var v2 versionBody
	r.json(t, &v2)
	var keys, names, clusters []string
	for _, s := range v2.Stages {
		keys, names, clusters = append(keys, s.Key), append(names, s.Name), append(clusters, s.Cluster)
	}
	if v2.Status != "draft" || v2.Parent == nil || *v2.Parent != p.n || !slices.Equal(keys, []string{"S1", "S2", "S3", "S4", "S6", "S5"}) ||
		names[2] != "Validate the defensive posture" || clusters[4] != "k" || !slices.Equal(v2.Provenance.Rounds, []int64{r1}) {
		t.Errorf("revised version: %+v", v2)
	}
	var pairs []string
	for _, tr := range v2.Transitions {
		pairs = append(pairs, tr.From+"->"+tr.To)
	}
	if slices.Contains(pairs, "S2->S5") || !slices.Contains(pairs, "S6->S5") {
		t.Errorf("transitions %v", pairs)
	}
	var ops []string
	for _, e := range v2.ChangeLog {
		ops = append(ops, e.Op+" "+e.Target)
		if e.Evidence["round"] != float64(r1) || e.Evidence["proposal"] == nil || e.Evidence["rationale"] == "" || e.Evidence["decision_note"] != "PI says accepted" {
			t.Errorf("evidence of %s %s: %v", e.Op, e.Target, e.Evidence)
		}
	}
	wantOps := []string{"rename_stage S3", "add_stage S6", "add_transition S6->S5", "move_to_cluster S6", "remove_transition S2->S5", "not_applied "}
	if diff := cmp.Diff(wantOps, ops); diff != "" {
		t.Errorf("change log (-want +got):\n%s", diff)
	}

	// Round 2 on the revised version, carrying over what missed consensus
	// in round 1 and re-inviting those who responded.
	n2 := v2.Number
	ev.mustStatus(ev.do(http.MethodPost, fmt.Sprintf("/api/v1/models/%s/versions/%d/submit", p.slug, n2), p.pi, nil), 200, "submit v2")
	r = ev.do(http.MethodPost, fmt.Sprintf("/api/v1/models/%s/versions/%d/rounds", p.slug, n2), p.pi,
		map[string]any{"carry_from": r1, "skip_consensus": true, "reinvite": "responders"})
	ev.mustStatus(r, 201, "round 2")
	var round2 struct {
		ID     int64 `json:"id"`
		Number int   `json:"number"`
		Items  []target
		Panel  []struct {
			ID int64 `json:"id"`
		} `json:"panelists"`
	}
	r.json(t, &round2)
	var items []string
	for _, it := range round2.Items {
		items = append(items, it.Key+it.From+"->"+it.To)
	}
	// S1, S2, S4, S5 reached consensus (all 8-9); S3 (60 %) did not; S6 and
	// its transition are new; transitions rated 7 by all are settled.
	if round2.Number != 2 || !slices.Equal(items, []string{"S3->", "S6->", "S6->S5"}) || len(round2.Panel) != 5 {
		t.Errorf("round 2: number %d, items %v, %d panelists", round2.Number, items, len(round2.Panel))
	}
	ev.mustStatus(ev.roundAction(round2.ID, "open", p.pi), 200, "open round 2")
	s3b := []int{8, 8, 7, 9, 7}
	for i, tok := range p.tokens {
		body := map[string]any{"stages": []map[string]any{{"key": "S3", "relevance": s3b[i]}, {"key": "S6", "relevance": 8}},
			"transitions": []map[string]any{{"from": "S6", "to": "S5", "agreement": 6}}}
		ev.mustStatus(ev.review(round2.ID, tok, body), 200, "round 2 review")
	}
	ev.mustStatus(ev.roundAction(round2.ID, "close", p.pi), 200, "close round 2")
	var res results
	ev.do(http.MethodGet, fmt.Sprintf("/api/v1/rounds/%d/results", round2.ID), p.tokens[0], nil).json(t, &res)
	it := res.item("S3", "relevance")
	// Stability: ½ Σ|p − q| between {5,6,7,8,9}/5 and {7,7,8,8,9}/5 = 0.4.
	if it.Consensus != "in" || !near(it.Stability, 0.4) || it.Change == nil || !near(it.Change.PreviousMedian, 7) || !near(it.Change.MedianDelta, 1) {
		t.Errorf("S3 in round 2: %+v", it)
	}
	if s6 := res.item("S6", "relevance"); s6.Stability != nil || s6.Change != nil {
		t.Errorf("a new item has no previous round: %+v", s6)
	}
	if res.Previous == nil || *res.Previous != r1 {
		t.Errorf("previous_round %v", res.Previous)
	}
	tk := func(ts []target) []string {
		var out []string
		for _, x := range ts {
			out = append(out, x.Key+x.From+"->"+x.To)
		}
		return out
	}
	if got := tk(res.Reached); !slices.Equal(got, []string{"S3->", "S6->"}) {
		t.Errorf("reached_consensus %v", got)
	}
	if got := tk(res.Carried); !slices.Equal(got, []string{"S3->"}) {
		t.Errorf("carried_over %v", got)
	}
	dropped := map[string]string{}
	for _, d := range res.Dropped {
		dropped[d.Target.Key+d.Target.From+"->"+d.Target.To] = d.Reason
	}
	if dropped["S1->"] != "consensus" || dropped["S2->S5"] != "removed" || dropped["S1->S2"] != "consensus" || len(dropped) != 9 {
		t.Errorf("dropped %v", dropped)
	}
}

// TestMyRounds: a panelist finds the rounds they are invited to across
// models without knowing where they live; a PI sees the rounds of their
// own models; clients and coders have none.
func TestMyRounds(t *testing.T) {
	t.Parallel()
	ev := newEnv(t)
	if _, err := ev.svc.SeedDemo(context.Background()); err != nil {
		t.Fatal(err)
	}
	other, _ := ev.user("pi", "Other PI")
	coder, _ := ev.user("coder", "Cody Coder")
	type page struct {
		Items []struct {
			ID     int64  `json:"id"`
			Model  string `json:"model"`
			Status string `json:"status"`
		} `json:"items"`
	}
	var all page
	ev.do(http.MethodGet, "/api/v1/rounds", ev.admin, nil).json(t, &all)
	if len(all.Items) != 2 || all.Items[0].Model != "renegotiating-tasks-goals" {
		t.Fatalf("admin rounds = %+v", all.Items)
	}
	var mine page
	ev.do(http.MethodGet, "/api/v1/rounds", other, nil).json(t, &mine)
	if len(mine.Items) != 0 {
		t.Fatalf("another PI sees rounds of a model they do not own: %+v", mine.Items)
	}
	if r := ev.do(http.MethodGet, "/api/v1/rounds", coder, nil); r.status != http.StatusForbidden {
		t.Fatalf("coder: %d", r.status)
	}
	// A panelist invited to both demo rounds.
	u, err := ev.st.UserByEmail(context.Background(), "panelist1@demo.stagewise.invalid")
	if err != nil {
		t.Fatal(err)
	}
	tok, err := ev.svc.Users.ResetToken(context.Background(), u)
	if err != nil {
		t.Fatal(err)
	}
	var theirs page
	r := ev.do(http.MethodGet, "/api/v1/rounds", tok, nil)
	r.json(t, &theirs)
	if len(theirs.Items) != 2 {
		t.Fatalf("panelist rounds = %+v", theirs.Items)
	}
	if strings.Contains(string(r.body), "panelist2@demo") {
		t.Fatalf("a panelist's round list names other panelists: %s", r.body)
	}
}
