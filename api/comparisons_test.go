package api_test

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"math"
	"net/http"
	"strings"
	"testing"
)

// comparisonFixture makes a PI, the sample model with version 1, and a
// dataset with three sessions coded by "consensus" (and one by "second").
func comparisonFixture(t *testing.T, ev *env) (pi string, dataset int64) {
	t.Helper()
	pi, _ = ev.user("pi", "Pat PI")
	ev.model(pi, "cmp")
	ev.draft(pi, "cmp", sampleVersion())
	r := ev.do(http.MethodPost, "/api/v1/datasets", pi, map[string]any{"name": "Comparison data", "codebook": "3rs-2015"})
	if r.status != 201 {
		t.Fatalf("create dataset: %d %s", r.status, r.body)
	}
	var d struct {
		ID int64 `json:"id"`
	}
	r.json(t, &d)
	// A1: W1 RS04 RS09 RS02 → S1 S2 S3 S5 (fits).
	// A2: W1 RS02 → S1 S5 (one model move through S2).
	// B1: RS04 W1 RS04 RS02 RS07 → S2 S1 S2 S5 with RS07 unmapped (one log move).
	csv := "case,session,coder,segment,code\n" +
		"A,1,consensus,1,W1\nA,1,consensus,2,RS04\nA,1,consensus,3,RS09\nA,1,consensus,4,RS02\n" +
		"A,2,consensus,1,W1\nA,2,consensus,2,RS02\n" +
		"B,1,consensus,1,RS04\nB,1,consensus,2,W1\nB,1,consensus,3,RS04\nB,1,consensus,4,RS02\nB,1,consensus,5,RS07\n" +
		"B,2,second,1,W1\n"
	r = ev.do(http.MethodPost, fmt.Sprintf("/api/v1/datasets/%d/events", d.ID), pi, csv, "Content-Type", "text/csv")
	if r.status != 200 && r.status != 201 {
		t.Fatalf("import events: %d %s", r.status, r.body)
	}
	return pi, d.ID
}

func TestComparison(t *testing.T) {
	t.Parallel()
	ev := newEnv(t)
	pi, ds := comparisonFixture(t, ev)
	req := map[string]any{"model": "cmp", "version": 1, "dataset": ds, "sessions": "all"}
	r := ev.do(http.MethodPost, "/api/v1/comparisons", pi, req)
	if r.status != 201 {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	var c struct {
		ID     int64           `json:"id"`
		Inputs map[string]any  `json:"inputs"`
		Report json.RawMessage `json:"report"`
	}
	r.json(t, &c)
	var rep struct {
		Summary struct {
			Sessions, Cases, Resolved int
			StagesSupported           int `json:"stages_supported"`
			Fitness                   *float64
			LeftOut                   int `json:"left_out"`
		} `json:"summary"`
		Stages []struct {
			Key            string   `json:"key"`
			Sessions       int      `json:"sessions"`
			SessionSupport *float64 `json:"session_support"`
			Supported      bool     `json:"supported"`
		} `json:"stages"`
		Sequences []struct {
			Case       string   `json:"case"`
			Session    int      `json:"session"`
			Stages     []string `json:"stages"`
			Fitness    float64  `json:"fitness"`
			Deviations []struct {
				Type  string `json:"type"`
				Stage string `json:"stage"`
			} `json:"deviations"`
		} `json:"sequences"`
		UnmappedCodes []struct {
			Code  string `json:"code"`
			Count int    `json:"count"`
		} `json:"unmapped_codes"`
	}
	if err := json.Unmarshal(c.Report, &rep); err != nil {
		t.Fatal(err)
	}
	// Hand computation. The compiled model: S1 → S2 → {S3, S4 any order}
	// → S5, S2 → S5; the shortest model path S1 S2 S5 has 3 stages.
	// A1 fits (cost 0, length 4); A2 needs a model move to S2 (cost 1,
	// length 2): 1 − 1/5 = 0.8; B1 needs a log move of its first S2 and,
	// its RS07 indicating no stage, one for that event outside the model
	// (cost 2, length 4 + 1): 1 − 2/8 = 0.75. Log fitness
	// = 1 − 3/(7 + 5 + 8) = 17/20.
	if rep.Summary.Sessions != 3 || rep.Summary.Cases != 2 || rep.Summary.Resolved != 3 {
		t.Errorf("summary = %+v", rep.Summary)
	}
	if rep.Summary.Fitness == nil || math.Abs(*rep.Summary.Fitness-17.0/20) > 1e-12 {
		t.Errorf("log fitness = %v, want 17/20", rep.Summary.Fitness)
	}
	wantFit := map[string]float64{"A/1": 1, "A/2": 0.8, "B/1": 0.75}
	for _, s := range rep.Sequences {
		k := fmt.Sprintf("%s/%d", s.Case, s.Session)
		if math.Abs(s.Fitness-wantFit[k]) > 1e-12 {
			t.Errorf("%s fitness = %v, want %v", k, s.Fitness, wantFit[k])
		}
		if k == "A/2" && (len(s.Deviations) != 1 || s.Deviations[0].Type != "model_move" || s.Deviations[0].Stage != "S2") {
			t.Errorf("A/2 deviations = %+v", s.Deviations)
		}
		if k == "B/1" && (len(s.Deviations) != 2 || s.Deviations[0].Type != "log_move" || s.Deviations[0].Stage != "S2" || s.Deviations[1].Stage != "") {
			t.Errorf("B/1 deviations = %+v", s.Deviations)
		}
	}
	// Stage support in sessions: S1 3/3, S2 2/3, S3 1/3, S4 0, S5 3/3.
	wantSupport := map[string]int{"S1": 3, "S2": 2, "S3": 1, "S4": 0, "S5": 3}
	for _, s := range rep.Stages {
		if s.Sessions != wantSupport[s.Key] || s.Supported != (s.Sessions*2 >= 3) {
			t.Errorf("stage %s: %+v", s.Key, s)
		}
	}
	if rep.Summary.StagesSupported != 3 {
		t.Errorf("stages supported = %d", rep.Summary.StagesSupported)
	}
	if len(rep.UnmappedCodes) != 1 || rep.UnmappedCodes[0].Code != "RS07" || rep.UnmappedCodes[0].Count != 1 {
		t.Errorf("unmapped = %+v", rep.UnmappedCodes)
	}
	if c.Inputs["coder"] != "consensus" || c.Inputs["engine_version"] == "" || !strings.HasPrefix(fmt.Sprint(c.Inputs["data_hash"]), "xor-sha256:3:") {
		t.Errorf("inputs = %v", c.Inputs)
	}

	// The same request again: the same report, byte for byte; GET serves it unchanged.
	var again struct {
		ID     int64           `json:"id"`
		Report json.RawMessage `json:"report"`
	}
	ev.do(http.MethodPost, "/api/v1/comparisons", pi, req).json(t, &again)
	if again.ID == c.ID || string(again.Report) != string(c.Report) {
		t.Fatalf("a second identical comparison differs")
	}
	var got struct {
		Report json.RawMessage `json:"report"`
	}
	ev.do(http.MethodGet, fmt.Sprintf("/api/v1/comparisons/%d", c.ID), pi, nil).json(t, &got)
	if string(got.Report) != string(c.Report) {
		t.Fatalf("GET serves different report bytes")
	}

	csvResp := ev.do(http.MethodGet, fmt.Sprintf("/api/v1/comparisons/%d?format=csv", c.ID), pi, nil)
	lines := strings.Split(strings.TrimSpace(string(csvResp.body)), "\n")
	if csvResp.status != 200 || len(lines) != 4 || !strings.HasPrefix(lines[0], "case,session") {
		t.Fatalf("csv: %d %q", csvResp.status, csvResp.body)
	}
	svg := ev.do(http.MethodGet, fmt.Sprintf("/api/v1/comparisons/%d?format=svg", c.ID), pi, nil)
	if svg.status != 200 {
		t.Fatalf("svg: %d %s", svg.status, svg.body)
	}
	dec := xml.NewDecoder(strings.NewReader(string(svg.body)))
	for {
		if _, err := dec.Token(); err == io.EOF {
			break
		} else if err != nil {
			t.Fatalf("overlay SVG is not XML: %v", err)
		}
	}
	if !strings.Contains(string(svg.body), "stroke-dasharray") {
		t.Errorf("the observed-but-unmodelled edge S2→S1 is not dashed")
	}

	// A coder with no events in the selected sessions: left out and counted.
	r = ev.do(http.MethodPost, fmt.Sprintf("/api/v1/datasets/%d/selection", ds), pi, map[string]any{"rule": "rise_after_rupture"})
	_ = r
}

func TestComparisonErrors(t *testing.T) {
	t.Parallel()
	ev := newEnv(t)
	pi, ds := comparisonFixture(t, ev)
	client, _ := ev.user("client", "Api Client")
	panelist, _ := ev.user("panelist", "Pan Elist")
	cases := []struct {
		name   string
		token  string
		body   map[string]any
		status int
		field  string
	}{
		{"no selection stored", pi, map[string]any{"model": "cmp", "version": 1, "dataset": ds}, 422, "sessions"},
		{"unknown model", pi, map[string]any{"model": "nope", "version": 1, "dataset": ds, "sessions": "all"}, 422, "model"},
		{"unknown version", pi, map[string]any{"model": "cmp", "version": 9, "dataset": ds, "sessions": "all"}, 422, "version"},
		{"unknown dataset", pi, map[string]any{"model": "cmp", "version": 1, "dataset": 999, "sessions": "all"}, 422, "dataset"},
		{"missing fields", pi, map[string]any{}, 422, "model"},
		{"bad sessions", pi, map[string]any{"model": "cmp", "version": 1, "dataset": ds, "sessions": "some"}, 422, "sessions"},
		{"coder without events", pi, map[string]any{"model": "cmp", "version": 1, "dataset": ds, "sessions": "all", "coder": "ghost"}, 422, "coder"},
		{"bad threshold", pi, map[string]any{"model": "cmp", "version": 1, "dataset": ds, "sessions": "all", "params": map[string]any{"support_threshold": 1.5}}, 422, "params.support_threshold"},
		{"bad lag", pi, map[string]any{"model": "cmp", "version": 1, "dataset": ds, "sessions": "all", "params": map[string]any{"lag": 0}}, 422, "params.lag"},
		{"unknown param", pi, map[string]any{"model": "cmp", "version": 1, "dataset": ds, "sessions": "all", "params": map[string]any{"alpha": 1}}, 422, "params.alpha"},
		{"client", client, map[string]any{"model": "cmp", "version": 1, "dataset": ds, "sessions": "all"}, 403, ""},
		{"panelist", panelist, map[string]any{"model": "cmp", "version": 1, "dataset": ds, "sessions": "all"}, 403, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := ev.snapshot()
			r := ev.do(http.MethodPost, "/api/v1/comparisons", c.token, c.body)
			if r.status != c.status {
				t.Fatalf("status %d, want %d: %s", r.status, c.status, r.body)
			}
			if c.field != "" {
				found := false
				for _, f := range r.problem(t).Errors {
					found = found || f.Field == c.field
				}
				if !found {
					t.Errorf("no error names %s: %s", c.field, r.body)
				}
			}
			if ev.snapshot() != before {
				t.Errorf("a rejected comparison changed the database")
			}
		})
	}
	if r := ev.do(http.MethodGet, "/api/v1/comparisons/12345", pi, nil); r.status != 404 {
		t.Errorf("unknown comparison: %d", r.status)
	}
	if r := ev.do(http.MethodGet, "/api/v1/comparisons/x", pi, nil); r.status != 404 {
		t.Errorf("bad id: %d", r.status)
	}
}

// TestComparisonReportParts: report.variants, report.validation (both
// outcome definitions), the validation CSV, report.baseline with
// compare_to, and the engine version in inputs (fixture: see
// comparisonFixture).
func TestComparisonReportParts(t *testing.T) {
	t.Parallel()
	ev := newEnv(t)
	pi, ds := comparisonFixture(t, ev)
	// Version 2: S2 optional, so A/2 (S1 S5) fits.
	v2 := sampleVersion()
	v2["stages"].([]map[string]any)[1]["optional"] = true
	if n := ev.draft(pi, "cmp", v2); n != 2 {
		t.Fatalf("second version is %d", n)
	}
	// Session reports: A/1 patient rates resolution 5, A/2 patient 2, B/1
	// only the therapist (4).
	wai := strings.Repeat("4,", 12)
	sessions := "case,session,rater,wai1,wai2,wai3,wai4,wai5,wai6,wai7,wai8,wai9,wai10,wai11,wai12,rupture,intensity,resolution\n" +
		"A,1,patient," + wai + "1,3,5\nA,2,patient," + wai + "0,,2\nB,1,therapist," + wai + "1,,4\n"
	if r := ev.do(http.MethodPost, fmt.Sprintf("/api/v1/datasets/%d/sessions", ds), pi, sessions, "Content-Type", "text/csv"); r.status != 200 && r.status != 201 {
		t.Fatalf("import sessions: %d %s", r.status, r.body)
	}
	type test struct {
		Key            string      `json:"key"`
		From           string      `json:"from"`
		To             string      `json:"to"`
		ResolvedWith   int         `json:"resolved_with"`
		UnresolvedWith int         `json:"unresolved_with"`
		OddsRatio      *float64    `json:"odds_ratio"`
		CI95           *[2]float64 `json:"ci95"`
		Corrected      bool        `json:"corrected"`
		FisherP        float64     `json:"fisher_p"`
		HolmP          float64     `json:"holm_p"`
	}
	type report struct {
		Params struct {
			Outcome      string `json:"outcome"`
			OutcomeMin   int    `json:"outcome_min"`
			OutcomeRater string `json:"outcome_rater"`
		} `json:"params"`
		Summary struct {
			Fitness *float64 `json:"fitness"`
			LeftOut int      `json:"left_out"`
		} `json:"summary"`
		Variants []struct {
			Stages   []string `json:"stages"`
			Sessions int      `json:"sessions"`
			Cases    int      `json:"cases"`
		} `json:"variants"`
		Validation struct {
			Outcome     string `json:"outcome"`
			Resolved    int    `json:"resolved"`
			Unresolved  int    `json:"unresolved"`
			NoOutcome   int    `json:"no_outcome"`
			Tests       int    `json:"tests"`
			Family      string `json:"family"`
			Stages      []test `json:"stages"`
			Transitions []test `json:"transitions"`
			Fitness     struct {
				Resolved, Unresolved *float64
			} `json:"fitness"`
		} `json:"validation"`
		Baseline *struct {
			Version int `json:"version"`
			Summary struct {
				Fitness *float64 `json:"fitness"`
			} `json:"summary"`
			Stages []struct {
				Key string `json:"key"`
			} `json:"stages"`
			Delta struct {
				Fitness  *float64 `json:"fitness"`
				Sessions int      `json:"sessions"`
				Stages   []struct {
					Key            string   `json:"key"`
					SessionSupport *float64 `json:"session_support"`
				} `json:"stages"`
			} `json:"delta"`
		} `json:"baseline"`
	}
	create := func(body map[string]any) (int64, map[string]any, report) {
		t.Helper()
		r := ev.do(http.MethodPost, "/api/v1/comparisons", pi, body)
		if r.status != 201 {
			t.Fatalf("create %v: %d %s", body, r.status, r.body)
		}
		var c struct {
			ID     int64           `json:"id"`
			Inputs map[string]any  `json:"inputs"`
			Report json.RawMessage `json:"report"`
		}
		r.json(t, &c)
		var rep report
		if err := json.Unmarshal(c.Report, &rep); err != nil {
			t.Fatal(err)
		}
		return c.ID, c.Inputs, rep
	}

	// Default outcome: every session ends in S5, so all three are resolved.
	id, inputs, rep := create(map[string]any{"model": "cmp", "version": 1, "dataset": ds, "sessions": "all"})
	if inputs["engine_version"] != "stagewise-conformance/2" || rep.Params.Outcome != "resolution_stage" {
		t.Errorf("engine %v, outcome %q", inputs["engine_version"], rep.Params.Outcome)
	}
	v := rep.Validation
	// Five stages and six observed pairs (S1S2 S2S3 S3S5 S1S5 S2S1 S2S5).
	if v.Outcome != "resolution_stage" || v.Resolved != 3 || v.Unresolved != 0 || v.Tests != 11 || len(v.Stages) != 5 || len(v.Transitions) != 6 || v.Family == "" {
		t.Errorf("validation: %+v", v)
	}
	// Three variants of one session each, in model stage order.
	if len(rep.Variants) != 3 || strings.Join(rep.Variants[0].Stages, " ") != "S1 S2 S3 S5" || strings.Join(rep.Variants[2].Stages, " ") != "S2 S1 S2 S5" {
		t.Errorf("variants: %+v", rep.Variants)
	}
	csvResp := ev.do(http.MethodGet, fmt.Sprintf("/api/v1/comparisons/%d?format=validation.csv", id), pi, nil)
	lines := strings.Split(strings.TrimSpace(string(csvResp.body)), "\n")
	if csvResp.status != 200 || !strings.HasPrefix(csvResp.header.Get("Content-Type"), "text/csv") || len(lines) != 12 ||
		lines[0] != "test,key,from,to,resolved_with,resolved,unresolved_with,unresolved,odds_ratio,ci95_lower,ci95_upper,corrected,fisher_p,holm_p,outcome" ||
		lines[1] != "stage,S1,,,3,3,0,0,,,,false,1,1,resolution_stage" {
		t.Errorf("validation.csv: %d %q", csvResp.status, lines)
	}
	if r := ev.do(http.MethodGet, fmt.Sprintf("/api/v1/comparisons/%d?format=xlsx", id), pi, nil); r.status != 422 {
		t.Errorf("unknown format: %d", r.status)
	}

	// Reported outcome (patient, default minimum 4): A/1 resolved (5), A/2
	// unresolved (2), B/1 has no patient rating: left out, counted.
	// S3 (only in A/1): [[1, 0], [0, 1]]: corrected OR (1.5·1.5)/(0.5·0.5)
	// = 9, Fisher p = 1 (R: fisher.test(matrix(c(1,0,0,1),2))$p.value).
	_, _, rep = create(map[string]any{"model": "cmp", "version": 1, "dataset": ds, "sessions": "all", "params": map[string]any{"outcome": "reported"}})
	v = rep.Validation
	if rep.Params.OutcomeMin != 4 || rep.Params.OutcomeRater != "patient" || v.Outcome != "reported" || v.Resolved != 1 || v.Unresolved != 1 || v.NoOutcome != 1 {
		t.Errorf("reported: params %+v validation %+v", rep.Params, v)
	}
	if s3 := v.Stages[2]; s3.Key != "S3" || s3.ResolvedWith != 1 || s3.UnresolvedWith != 0 || !s3.Corrected || s3.OddsRatio == nil || math.Abs(*s3.OddsRatio-9) > 1e-12 || s3.FisherP != 1 || s3.CI95 == nil {
		t.Errorf("S3 test: %+v", s3)
	}
	_, _, rep = create(map[string]any{"model": "cmp", "version": 1, "dataset": ds, "sessions": "all", "params": map[string]any{"outcome": "reported", "outcome_rater": "therapist", "outcome_min": 5}})
	if v := rep.Validation; v.Resolved != 0 || v.Unresolved != 1 || v.NoOutcome != 2 || rep.Params.OutcomeMin != 5 {
		t.Errorf("therapist ≥ 5: %+v", v)
	}

	// compare_to: version 2 against version 1 on the same sessions. Log
	// fitness v1 17/20 (TestComparison); v2 (shortest path S1 S5 = 2): A/1
	// cost 0 of 2+4, A/2 0 of 2+2, B/1 2 of 2+4+1: 1 − 2/17 = 15/17. Delta
	// = 15/17 − 17/20 = 11/340.
	_, inputs, rep = create(map[string]any{"model": "cmp", "version": 2, "dataset": ds, "sessions": "all", "compare_to": 1})
	b := rep.Baseline
	if b == nil || b.Version != 1 || inputs["compare_to"] != float64(1) || inputs["baseline_content_hash"] == "" {
		t.Fatalf("baseline %+v inputs %v", b, inputs)
	}
	if math.Abs(*rep.Summary.Fitness-15.0/17) > 1e-12 || math.Abs(*b.Summary.Fitness-17.0/20) > 1e-12 || math.Abs(*b.Delta.Fitness-11.0/340) > 1e-12 {
		t.Errorf("fitness %v baseline %v delta %v", *rep.Summary.Fitness, *b.Summary.Fitness, *b.Delta.Fitness)
	}
	if len(b.Stages) != 5 || len(b.Delta.Stages) != 5 || b.Delta.Sessions != 0 || *b.Delta.Stages[0].SessionSupport != 0 {
		t.Errorf("baseline stages %+v delta %+v", b.Stages, b.Delta)
	}
	_, _, rep = create(map[string]any{"model": "cmp", "version": 2, "dataset": ds, "sessions": "all"})
	if rep.Baseline != nil {
		t.Errorf("a baseline without compare_to")
	}
	for _, c := range []struct {
		name  string
		body  map[string]any
		field string
	}{
		{"compare_to itself", map[string]any{"model": "cmp", "version": 1, "dataset": ds, "sessions": "all", "compare_to": 1}, "compare_to"},
		{"compare_to unknown", map[string]any{"model": "cmp", "version": 1, "dataset": ds, "sessions": "all", "compare_to": 7}, "compare_to"},
		{"bad outcome", map[string]any{"model": "cmp", "version": 1, "dataset": ds, "sessions": "all", "params": map[string]any{"outcome": "felt"}}, "params.outcome"},
		{"outcome_min alone", map[string]any{"model": "cmp", "version": 1, "dataset": ds, "sessions": "all", "params": map[string]any{"outcome_min": 3}}, "params.outcome_min"},
		{"outcome_min out of scale", map[string]any{"model": "cmp", "version": 1, "dataset": ds, "sessions": "all", "params": map[string]any{"outcome": "reported", "outcome_min": 0}}, "params.outcome_min"},
	} {
		before := ev.snapshot()
		r := ev.do(http.MethodPost, "/api/v1/comparisons", pi, c.body)
		if r.status != 422 {
			t.Errorf("%s: %d %s", c.name, r.status, r.body)
			continue
		}
		found := false
		for _, f := range r.problem(t).Errors {
			found = found || f.Field == c.field
		}
		if !found || ev.snapshot() != before {
			t.Errorf("%s: no error names %s, or the database changed: %s", c.name, c.field, r.body)
		}
	}
}

// TestComparisonLeftOut: a session without the chosen coder's events is
// left out and counted for every sessions choice (api.md). Fixture: A/1,
// A/2, B/1 coded by consensus, B/2 by "second" only. The demo (84
// sessions, 4 coded by coder2, 12 selected of which 4 coded by coder2)
// gives 80 with "all" and 8 with "selected".
func TestComparisonLeftOut(t *testing.T) {
	t.Parallel()
	ev := newEnv(t)
	pi, ds := comparisonFixture(t, ev)
	leftOut := func(token string, body map[string]any) int {
		t.Helper()
		r := ev.do(http.MethodPost, "/api/v1/comparisons", token, body)
		if r.status != 201 {
			t.Fatalf("create %v: %d %s", body, r.status, r.body)
		}
		var c struct {
			Report struct {
				Summary struct {
					LeftOut int `json:"left_out"`
				} `json:"summary"`
				LeftOut []struct {
					Case    string `json:"case"`
					Session int    `json:"session"`
				} `json:"left_out"`
			} `json:"report"`
		}
		r.json(t, &c)
		if len(c.Report.LeftOut) != c.Report.Summary.LeftOut {
			t.Errorf("left_out list %v vs count %d", c.Report.LeftOut, c.Report.Summary.LeftOut)
		}
		return c.Report.Summary.LeftOut
	}
	if n := leftOut(pi, map[string]any{"model": "cmp", "version": 1, "dataset": ds, "sessions": "all"}); n != 1 {
		t.Errorf("all, consensus: left_out %d, want 1 (B/2)", n)
	}
	if n := leftOut(pi, map[string]any{"model": "cmp", "version": 1, "dataset": ds, "sessions": "all", "coder": "second"}); n != 3 {
		t.Errorf("all, second: left_out %d, want 3", n)
	}

	if _, err := ev.svc.SeedDemo(context.Background()); err != nil {
		t.Fatal(err)
	}
	var dsl struct {
		Items []struct {
			ID   int64  `json:"id"`
			Name string `json:"name"`
		} `json:"items"`
	}
	ev.do(http.MethodGet, "/api/v1/datasets", ev.admin, nil).json(t, &dsl)
	var demo int64
	for _, d := range dsl.Items {
		if strings.HasPrefix(d.Name, "Demo") {
			demo = d.ID
		}
	}
	body := map[string]any{"model": "renegotiating-tasks-goals", "version": 1, "dataset": demo, "coder": "coder2", "sessions": "all"}
	if n := leftOut(ev.admin, body); n != 80 {
		t.Errorf("demo, all, coder2: left_out %d, want 80", n)
	}
	body["sessions"] = "selected"
	if n := leftOut(ev.admin, body); n != 8 {
		t.Errorf("demo, selected, coder2: left_out %d, want 8", n)
	}
}
