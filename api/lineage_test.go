package api_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"
)

type lineageEntry struct {
	Number     int    `json:"number"`
	Kind       string `json:"kind"`
	Status     string `json:"status"`
	Parent     *int   `json:"parent"`
	Provenance struct {
		Rounds     []int64 `json:"rounds"`
		Comparison *int64  `json:"comparison"`
	} `json:"provenance"`
	ChangeLogSize int     `json:"change_log_size"`
	ApprovedAt    *string `json:"approved_at"`
	ApprovedBy    *string `json:"approved_by"`
}

func (ev *env) lineage(t *testing.T, slug, token string) []lineageEntry {
	t.Helper()
	r := ev.do(http.MethodGet, "/api/v1/models/"+slug+"/lineage", token, nil)
	if r.status != http.StatusOK {
		t.Fatalf("lineage: %d %s", r.status, r.body)
	}
	var l struct {
		Versions []lineageEntry `json:"versions"`
	}
	r.json(t, &l)
	return l.Versions
}

// TestLineage: v1 (rational, approved), v2 (synthesized from a comparison
// of v1, still a draft), v3 (drafted on v2, approved). The PI sees all
// three; a client sees v1 and v3, v3's parent given as the number 2 of a
// version it cannot open. Each caller's lineage lists exactly the versions
// of its versions list.
func TestLineage(t *testing.T) {
	t.Parallel()
	ev := newEnv(t)
	pi, cmpID := orderFreeStudy(t, ev)
	client, _ := ev.user("client", "Cli Ent")
	act := func(n int, action string) {
		t.Helper()
		if r := ev.do(http.MethodPost, fmt.Sprintf("/api/v1/models/order/versions/%d/%s", n, action), pi, map[string]any{"note": action}); r.status != 200 {
			t.Fatalf("%s v%d: %d %s", action, n, r.status, r.body)
		}
	}
	act(1, "submit")
	act(1, "approve")
	r := ev.do(http.MethodPost, fmt.Sprintf("/api/v1/comparisons/%d/synthesis", cmpID), pi, nil)
	if r.status != http.StatusCreated {
		t.Fatalf("synthesis: %d %s", r.status, r.body)
	}
	var v2 synthVersion
	r.json(t, &v2)
	var body map[string]any
	ev.do(http.MethodGet, "/api/v1/models/order/versions/2", pi, nil).json(t, &body)
	draft := map[string]any{"parent": 2, "kind": "rational_empirical", "notes": "edited", "stages": body["stages"], "transitions": body["transitions"], "clusters": body["clusters"]}
	if n := ev.draft(pi, "order", draft); n != 3 {
		t.Fatalf("v3 is number %d", n)
	}
	act(3, "submit")
	act(3, "approve")

	two, one := 2, 1
	got := ev.lineage(t, "order", pi)
	if len(got) != 3 {
		t.Fatalf("PI lineage = %+v", got)
	}
	type brief struct {
		Number        int
		Kind, Status  string
		Parent        *int
		Comparison    *int64
		ChangeLogSize int
		Approved      bool
	}
	short := func(es []lineageEntry) []brief {
		var out []brief
		for _, e := range es {
			out = append(out, brief{e.Number, e.Kind, e.Status, e.Parent, e.Provenance.Comparison, e.ChangeLogSize, e.ApprovedAt != nil && e.ApprovedBy != nil})
		}
		return out
	}
	want := []brief{
		{1, "rational", "approved", nil, nil, 0, true},
		{2, "rational_empirical", "draft", &one, &cmpID, len(v2.ChangeLog), false},
		{3, "rational_empirical", "approved", &two, nil, 0, true},
	}
	if diff := cmp.Diff(want, short(got)); diff != "" {
		t.Errorf("PI lineage (-want +got):\n%s", diff)
	}
	if len(v2.ChangeLog) == 0 {
		t.Errorf("the synthesized version has an empty change log")
	}
	if diff := cmp.Diff([]brief{want[0], want[2]}, short(ev.lineage(t, "order", client))); diff != "" {
		t.Errorf("client lineage (-want +got):\n%s", diff)
	}
	if r := ev.do(http.MethodGet, "/api/v1/models/order/versions/2", client, nil); r.status != http.StatusNotFound {
		t.Errorf("client opens v2: %d", r.status)
	}
	// The same set as the versions list, for each caller.
	for _, tok := range []string{pi, client, ev.admin} {
		var l struct {
			Items []struct {
				Number int `json:"number"`
			} `json:"items"`
		}
		ev.do(http.MethodGet, "/api/v1/models/order/versions?limit=200", tok, nil).json(t, &l)
		var a, b []int
		for _, x := range l.Items {
			a = append(a, x.Number)
		}
		for _, x := range ev.lineage(t, "order", tok) {
			b = append(b, x.Number)
		}
		if !cmp.Equal(a, b) {
			t.Errorf("versions list %v, lineage %v", a, b)
		}
	}
	if r := ev.do(http.MethodGet, "/api/v1/models/nope/lineage", pi, nil); r.status != http.StatusNotFound {
		t.Errorf("unknown model: %d", r.status)
	}
	if r := ev.do(http.MethodGet, "/api/v1/models/order/lineage", "", nil); r.status != http.StatusUnauthorized {
		t.Errorf("no token: %d", r.status)
	}
}
