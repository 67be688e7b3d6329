package api_test

import (
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
