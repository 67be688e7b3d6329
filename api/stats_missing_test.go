package api_test

import (
	"math"
	"net/http"
	"testing"
)

// TestStatsReliabilityMissing: POST /stats/reliability follows R irr's
// missing-value convention by default and "pairwise" on request, and
// echoes the convention (domain.md "Inter-rater reliability"; R irr 0.84:
// agree(t(m))$value / 100 = 0.5 and kendall(t(m))$value = 0.7777778,
// both after irr's na.omit; pairwise by hand: 2/3 and 0.8).
func TestStatsReliabilityMissing(t *testing.T) {
	t.Parallel()
	ev := newEnv(t)
	coder, _ := ev.user("coder", "Cody Coder")
	pa := [][]any{{1, 2, nil}, {1, 2, 3}, {1, 3, 3}}
	kw := [][]any{{1, 2, 3, nil}, {2, 1, 3, 4}, {1, 2, 4, 3}}
	for _, tc := range []struct {
		body  map[string]any
		want  float64
		units int
		echo  string
	}{
		{map[string]any{"method": "percent_agreement", "data": pa}, 0.5, 2, "irr"},
		{map[string]any{"method": "percent_agreement", "missing": "pairwise", "data": pa}, 2.0 / 3, 3, "pairwise"},
		{map[string]any{"method": "kendall_w", "missing": "irr", "data": kw}, 7.0 / 9, 3, "irr"},
		{map[string]any{"method": "kendall_w", "missing": "pairwise", "data": kw}, 0.8, 4, "pairwise"},
	} {
		r := ev.do(http.MethodPost, "/api/v1/stats/reliability", coder, tc.body)
		var res struct {
			Value   *float64       `json:"value"`
			NUnits  int            `json:"n_units"`
			Details map[string]any `json:"details"`
		}
		r.json(t, &res)
		if r.status != 200 || res.Value == nil || math.Abs(*res.Value-tc.want) > 1e-9 || res.NUnits != tc.units || res.Details["missing"] != tc.echo {
			t.Errorf("%v: %d %s", tc.body, r.status, r.body)
		}
	}
	r := ev.do(http.MethodPost, "/api/v1/stats/reliability", coder, map[string]any{"method": "kendall_w", "missing": "listwise", "data": kw})
	if r.status != 422 || len(r.problem(t).Errors) != 1 || r.problem(t).Errors[0].Field != "missing" {
		t.Errorf("unknown convention: %d %s", r.status, r.body)
	}
}
