package api_test

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// ratings1to4 is a review body with stage relevance only, on a 1-4 scale.
func ratings1to4(rel map[string]int) map[string]any {
	var stages []map[string]any
	for _, k := range []string{"S1", "S2", "S3", "S4", "S5"} {
		if v, ok := rel[k]; ok {
			stages = append(stages, map[string]any{"key": k, "relevance": v})
		}
	}
	return map[string]any{"stages": stages}
}

// statFields are the statistics an item rated by fewer than min_group
// panelists must not show.
var statFields = []string{"median", "q1", "q3", "iqr", "mean", "sd", "percent_agree", "i_cvi", "kappa_star", "stability"}

// checkSuppressed fails when a results body (JSON or CSV) shows any
// statistic, distribution or change of an item rated by fewer than
// minGroup panelists.
func checkSuppressed(t *testing.T, what string, body []byte, minGroup int) (suppressed int) {
	t.Helper()
	var res struct {
		MinGroup int              `json:"min_group"`
		Items    []map[string]any `json:"items"`
	}
	if err := json.Unmarshal(body, &res); err == nil {
		if res.MinGroup != minGroup {
			t.Errorf("%s: min_group %d, want %d", what, res.MinGroup, minGroup)
		}
		for _, it := range res.Items {
			n := int(it["n"].(float64))
			if n >= minGroup {
				if it["suppressed"] != false || it["distribution"] == nil {
					t.Errorf("%s: item with n %d is suppressed: %v", what, n, it)
				}
				continue
			}
			suppressed++
			if it["suppressed"] != true {
				t.Errorf("%s: item with n %d is not marked suppressed: %v", what, n, it)
			}
			for _, f := range statFields {
				if v, ok := it[f]; ok && v != nil {
					t.Errorf("%s: item with n %d shows %s = %v", what, n, f, v)
				}
			}
			if d, ok := it["distribution"]; ok {
				t.Errorf("%s: item with n %d shows its distribution %v", what, n, d)
			}
			if it["consensus"] != "none" {
				t.Errorf("%s: item with n %d shows consensus %v", what, n, it["consensus"])
			}
			if ch, ok := it["change"].(map[string]any); ok {
				for _, f := range []string{"median_delta", "percent_agree_delta"} {
					if ch[f] != nil {
						t.Errorf("%s: item with n %d shows %s", what, n, f)
					}
				}
			}
		}
		return suppressed
	}
	rows, err := csv.NewReader(strings.NewReader(string(body))).ReadAll()
	if err != nil {
		t.Fatalf("%s is neither JSON nor CSV: %v", what, err)
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	for _, row := range rows[1:] {
		n, _ := strconv.Atoi(row[col["n"]])
		if n >= minGroup {
			continue
		}
		suppressed++
		if row[col["suppressed"]] != "true" {
			t.Errorf("%s: CSV row with n %d is not marked suppressed: %v", what, n, row)
		}
		for h, i := range col {
			if h == "n" || h == "suppressed" || h == "consensus" || h == "round" || h == "round_number" || h == "type" || h == "key" ||
				h == "from" || h == "to" || h == "measure" {
				continue
			}
			if row[i] != "" {
				t.Errorf("%s: CSV row with n %d shows %s = %q", what, n, h, row[i])
			}
		}
	}
	return suppressed
}

// auditLeaks fails when an audit page names one of p's panelists: as the
// actor (a review is recorded as by "panelist"), by name or email, or, to
// anyone but the admin who created them, as the user an entry is about.
func auditLeaks(t *testing.T, what string, body []byte, p panel, admin bool) {
	t.Helper()
	var page struct {
		Items []struct {
			Actor    string `json:"actor"`
			Entity   string `json:"entity"`
			EntityID string `json:"entity_id"`
			Detail   string `json:"detail"`
		} `json:"items"`
	}
	if err := json.Unmarshal(body, &page); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	for i, id := range p.ids {
		sid := strconv.FormatInt(id, 10)
		email := strings.ToLower(strings.ReplaceAll(p.names[i], " ", ".")) + "@example.org"
		for _, e := range page.Items {
			if e.Actor == "user:"+sid || (!admin && e.Entity == "user" && e.EntityID == sid) ||
				strings.Contains(e.Detail, p.names[i]) || strings.Contains(e.Detail, email) {
				t.Errorf("%s names panelist %s: %+v", what, p.names[i], e)
			}
		}
	}
}

// auditPages reads every page of the audit trail visible to token, limit
// entries at a time, checking that each page but the last is full and that
// the pages follow each other.
func (ev *env) auditPages(t *testing.T, token string, limit int) (pages [][]byte, seqs []int64) {
	t.Helper()
	after := ""
	for {
		r := ev.do(http.MethodGet, fmt.Sprintf("/api/v1/audit?limit=%d%s", limit, after), token, nil)
		ev.mustStatus(r, 200, "audit page")
		var page struct {
			Items []struct {
				Seq int64 `json:"seq"`
			} `json:"items"`
			Next string `json:"next_cursor"`
		}
		r.json(t, &page)
		pages = append(pages, r.body)
		for _, e := range page.Items {
			if len(seqs) > 0 && e.Seq <= seqs[len(seqs)-1] {
				t.Fatalf("audit pages out of order: %d after %d", e.Seq, seqs[len(seqs)-1])
			}
			seqs = append(seqs, e.Seq)
		}
		if page.Next == "" {
			return pages, seqs
		}
		if len(page.Items) != limit {
			t.Errorf("a page before the last holds %d entries, not %d: the filter was applied after the page was cut", len(page.Items), limit)
		}
		after = "&after=" + page.Next
	}
}

// TestResultsAnonymity is the acceptance test of "results are anonymous by
// construction": min_group is validated and echoed; an item rated by fewer
// panelists shows only its n, in JSON and CSV, in round 1 and as the
// previous round of round 2; no aggregate (S-CVI, Kendall's W, stability,
// the change from the previous round) is computed over a suppressed item;
// and no results body, CSV or audit page visible to any role names a
// panelist.
func TestResultsAnonymity(t *testing.T) {
	t.Parallel()
	ev := newEnv(t)
	// Panelist ids well above every count and rating in the results, so
	// that the search for ids in them cannot hit a statistic.
	for i := 0; i < 40; i++ {
		ev.user("client", fmt.Sprintf("Filler %d", i))
	}
	p := ev.panel("anon", 4)
	coPI, coPIID := ev.user("pi", "Anon Co PI")
	ev.mustStatus(ev.do(http.MethodPut, "/api/v1/models/anon/team", p.pi, map[string]any{"pis": []int64{coPIID}}), 200, "team")
	otherPI, _ := ev.user("pi", "Anon Other PI")
	create := fmt.Sprintf("/api/v1/models/anon/versions/%d/rounds", p.n)

	// min_group: at least 2; 3 by default, echoed.
	for _, bad := range []any{1, 0, -3} {
		before := ev.snapshot()
		r := ev.do(http.MethodPost, create, p.pi, map[string]any{"panelists": p.ids, "min_group": bad})
		ev.mustStatus(r, 422, fmt.Sprintf("min_group %v", bad))
		if got := fields(t, r); !slices.Equal(got, []string{"min_group"}) {
			t.Errorf("min_group %v: fields %v", bad, got)
		}
		if ev.snapshot() != before {
			t.Errorf("a rejected round changed something")
		}
	}
	scale := map[string]any{"min": 1, "max": 4}
	r1 := ev.round(p, map[string]any{"scale": scale, "consensus": map[string]any{"rule": "cvi"}})
	var view struct {
		MinGroup int `json:"min_group"`
	}
	ev.do(http.MethodGet, fmt.Sprintf("/api/v1/rounds/%d", r1), p.pi, nil).json(t, &view)
	if view.MinGroup != 3 {
		t.Errorf("default min_group %d, want 3", view.MinGroup)
	}
	// Two panelists rate every stage, two only S1 and S3: S2, S4 and S5
	// have n = 2 < 3. S1 (4, 4, 3, 2) has I-CVI 0.75 and S3 (4, 4, 4, 3)
	// 1.0, so S-CVI/Ave over the shown items is 0.875 and S-CVI/UA 0.5
	// (with S2's I-CVI 0.5 included, Ave would be 0.75 and give S2 away).
	// Kendall's W would rest on the two complete rankings only: withheld.
	ev.mustStatus(ev.roundAction(r1, "open", p.pi), 200, "open")
	for i, rel := range []map[string]int{{"S1": 4, "S2": 4, "S3": 4, "S4": 3, "S5": 4}, {"S1": 4, "S2": 1, "S3": 4, "S4": 2, "S5": 3}, {"S1": 3, "S3": 4}, {"S1": 2, "S3": 3}} {
		ev.mustStatus(ev.review(r1, p.tokens[i], ratings1to4(rel)), 200, "review")
	}
	ev.mustStatus(ev.roundAction(r1, "close", p.pi), 200, "close")
	var res struct {
		results
		SCVIItems int `json:"s_cvi_items"`
	}
	r := ev.do(http.MethodGet, fmt.Sprintf("/api/v1/rounds/%d/results", r1), p.pi, nil)
	r.json(t, &res)
	if !near(res.SCVIAve, 0.875) || !near(res.SCVIUA, 0.5) || res.SCVIItems != 2 || res.KendallW != nil {
		t.Errorf("S-CVI/Ave %v, /UA %v over %d items, W %v", res.SCVIAve, res.SCVIUA, res.SCVIItems, res.KendallW)
	}
	if it := res.item("S1", "relevance"); !near(it.ICVI, 0.75) || it.N != 4 {
		t.Errorf("S1 = %+v", it)
	}
	if n := checkSuppressed(t, "round 1 results", r.body, 3); n != 3+5+5 { // S2, S4, S5; five clarity items; five transitions
		t.Errorf("%d suppressed items, want 13", n)
	}

	// Round 2 carries on from round 1; everyone rates S2 now. Its change
	// from round 1 and its stability stay hidden, since round 1 had only two
	// ratings of it.
	r2 := ev.round(p, map[string]any{"scale": scale, "consensus": map[string]any{"rule": "cvi"}, "carry_from": r1, "min_group": 4})
	ev.mustStatus(ev.roundAction(r2, "open", p.pi), 200, "open 2")
	for i := range p.tokens {
		ev.mustStatus(ev.review(r2, p.tokens[i], ratings1to4(map[string]int{"S1": 4, "S2": 3 + i%2, "S3": 4})), 200, "review 2")
	}
	ev.mustStatus(ev.roundAction(r2, "close", p.pi), 200, "close 2")
	var res2 struct {
		Items []struct {
			Target     target   `json:"target"`
			Measure    string   `json:"measure"`
			Suppressed bool     `json:"suppressed"`
			Stability  *float64 `json:"stability"`
			Change     *struct {
				PreviousN          int      `json:"previous_n"`
				PreviousSuppressed bool     `json:"previous_suppressed"`
				PreviousMedian     *float64 `json:"previous_median"`
				MedianDelta        *float64 `json:"median_delta"`
			} `json:"change"`
		} `json:"items"`
	}
	r = ev.do(http.MethodGet, fmt.Sprintf("/api/v1/rounds/%d/results", r2), p.pi, nil)
	r.json(t, &res2)
	checkSuppressed(t, "round 2 results", r.body, 4)
	for _, it := range res2.Items {
		if it.Target.Key == "S2" && it.Measure == "relevance" {
			if it.Suppressed || it.Change == nil || it.Change.PreviousN != 2 || !it.Change.PreviousSuppressed ||
				it.Change.PreviousMedian != nil || it.Change.MedianDelta != nil || it.Stability != nil {
				t.Errorf("S2 in round 2 gives round 1's two ratings away: %+v %+v", it, it.Change)
			}
		}
		if it.Target.Key == "S1" && it.Measure == "relevance" && (it.Stability == nil || it.Change == nil || it.Change.MedianDelta == nil) {
			t.Errorf("S1 (shown in both rounds) lacks its change: %+v", it)
		}
	}

	// Every results body and CSV any role can read, and every audit page,
	// is searched for the panelists' names, emails and ids.
	readers := map[string]string{"admin": ev.admin, "creator": p.pi, "co-investigator": coPI}
	for i, tok := range p.tokens {
		readers[fmt.Sprintf("panelist %d", i)] = tok
	}
	for who, tok := range readers {
		for _, id := range []int64{r1, r2} {
			min := map[int64]int{r1: 3, r2: 4}[id]
			for _, f := range []string{"", "?format=csv"} {
				what := fmt.Sprintf("%s reads round %d results%s", who, id, f)
				r := ev.do(http.MethodGet, fmt.Sprintf("/api/v1/rounds/%d/results%s", id, f), tok, nil)
				ev.mustStatus(r, 200, what)
				leaks(t, what, r.body, p, id)
				checkSuppressed(t, what, r.body, min)
			}
		}
	}
	for who, tok := range map[string]string{"admin": ev.admin, "creator": p.pi, "co-investigator": coPI, "other PI": otherPI} {
		pages, _ := ev.auditPages(t, tok, 7)
		for i, b := range pages {
			auditLeaks(t, fmt.Sprintf("%s's audit page %d", who, i), b, p, who == "admin")
		}
	}
	// A PI outside the team reads neither the results nor anything of the
	// team's in the audit trail.
	for _, f := range []string{"", "?format=csv"} {
		ev.mustStatus(ev.do(http.MethodGet, fmt.Sprintf("/api/v1/rounds/%d/results%s", r1, f), otherPI, nil), 404, "other PI results"+f)
	}
	pages, _ := ev.auditPages(t, otherPI, 50)
	for _, b := range pages {
		for _, s := range []string{`"anon`, fmt.Sprintf(`"entity":"round","entity_id":"%d"`, r1)} {
			if strings.Contains(string(b), s) {
				t.Errorf("other PI's audit trail holds the team's %s: %s", s, b)
			}
		}
	}
}

// TestAuditVisibility: a PI reads the entries about their teams' objects
// (and their own actions), filtered before the page is cut; an admin reads
// all; verify stays available to PIs and covers the whole chain.
func TestAuditVisibility(t *testing.T) {
	t.Parallel()
	ev := newEnv(t)
	piA, piAID := ev.user("pi", "Audit PI A")
	piB, piBID := ev.user("pi", "Audit PI B")
	coB, coBID := ev.user("pi", "Audit Co PI B")
	ev.model(piA, "aud-a")
	ev.model(piB, "aud-b")
	// Interleave the teams' changes, so B's entries are scattered.
	for i := 0; i < 6; i++ {
		ev.draft(piA, "aud-a", sampleVersion())
		ev.draft(piB, "aud-b", sampleVersion())
	}
	ev.mustStatus(ev.do(http.MethodPut, "/api/v1/models/aud-b/team", piB, map[string]any{"pis": []int64{coBID}}), 200, "team")
	ev.mustStatus(ev.do(http.MethodPost, "/api/v1/models/aud-a/versions/1/submit", piA, nil), 200, "submit")

	type entry struct {
		Seq      int64  `json:"seq"`
		Actor    string `json:"actor"`
		Entity   string `json:"entity"`
		EntityID string `json:"entity_id"`
	}
	var all struct {
		Items []entry `json:"items"`
	}
	ev.do(http.MethodGet, "/api/v1/audit?limit=200", ev.admin, nil).json(t, &all)
	about := func(slug string, pi int64, e entry) bool {
		return e.Actor == fmt.Sprintf("user:%d", pi) || (e.Entity == "model" && e.EntityID == slug) ||
			(e.Entity == "version" && strings.HasPrefix(e.EntityID, slug+"/")) || (e.Entity == "user" && e.EntityID == strconv.FormatInt(pi, 10))
	}
	for _, c := range []struct {
		who, token, slug string
		id               int64
	}{{"PI A", piA, "aud-a", piAID}, {"PI B", piB, "aud-b", piBID}, {"co-investigator of B", coB, "aud-b", coBID}} {
		var want []int64
		for _, e := range all.Items {
			if about(c.slug, c.id, e) || (c.id == coBID && about("aud-b", piBID, e) && e.Entity != "user") {
				want = append(want, e.Seq)
			}
		}
		for _, limit := range []int{1, 2, 5} {
			_, got := ev.auditPages(t, c.token, limit)
			if !slices.Equal(got, want) {
				t.Errorf("%s, %d a page: seqs %v, want %v", c.who, limit, got, want)
			}
		}
	}
	var v struct {
		OK      bool  `json:"ok"`
		Entries int64 `json:"entries"`
	}
	ev.do(http.MethodGet, "/api/v1/audit/verify", piA, nil).json(t, &v)
	if !v.OK || v.Entries != int64(len(all.Items)) {
		t.Errorf("a PI's verify covers the whole chain: %+v, %d entries", v, len(all.Items))
	}
}

// TestUserVisibility: a PI lists themselves, the users they created and
// their teams' members; nobody else's email.
func TestUserVisibility(t *testing.T) {
	t.Parallel()
	ev := newEnv(t)
	p := ev.panel("usr", 2) // its PI created no one; the admin created the panelists
	coPI, coPIID := ev.user("pi", "Users Co PI")
	ev.mustStatus(ev.do(http.MethodPut, "/api/v1/models/usr/team", p.pi, map[string]any{"pis": []int64{coPIID}}), 200, "team")
	ev.round(p, map[string]any{"panelists": []int64{p.ids[0]}})
	create := func(pi, name string) int64 {
		r := ev.do(http.MethodPost, "/api/v1/users", pi, map[string]any{"name": name, "email": strings.ToLower(strings.ReplaceAll(name, " ", ".")) + "@example.org", "role": "client"})
		ev.mustStatus(r, 201, "create")
		var u struct {
			ID int64 `json:"id"`
		}
		r.json(t, &u)
		return u.ID
	}
	mine := create(p.pi, "Client Of Usr")
	stranger, _ := ev.user("pi", "Stranger PI")
	theirs := create(stranger, "Client Of Stranger")
	list := func(token string) (ids []int64, body string) {
		after := ""
		for {
			r := ev.do(http.MethodGet, "/api/v1/users?limit=2"+after, token, nil)
			ev.mustStatus(r, 200, "users")
			body += string(r.body)
			var l struct {
				Items []struct {
					ID int64 `json:"id"`
				} `json:"items"`
				Next string `json:"next_cursor"`
			}
			r.json(t, &l)
			for _, u := range l.Items {
				ids = append(ids, u.ID)
			}
			if l.Next == "" {
				return ids, body
			}
			after = "&cursor=" + l.Next
		}
	}
	var me struct {
		ID int64 `json:"id"`
	}
	ev.do(http.MethodGet, "/api/v1/me", p.pi, nil).json(t, &me)
	piID := me.ID
	got, body := list(p.pi)
	want := []int64{p.ids[0], piID, coPIID, mine}
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("the PI lists %v, want %v (self, co-investigator, invited panelist, own client)", got, want)
	}
	if strings.Contains(body, "client.of.stranger@") || strings.Contains(body, "stranger.pi@") || strings.Contains(body, p.names[1]) {
		t.Errorf("the PI sees others' users: %s", body)
	}
	got, _ = list(stranger)
	if len(got) != 2 || !slices.Contains(got, theirs) { // themselves and their client
		t.Errorf("the stranger lists %v", got)
	}
	got, _ = list(coPI)
	if !slices.Contains(got, piID) || !slices.Contains(got, p.ids[0]) || slices.Contains(got, mine) {
		t.Errorf("the co-investigator lists %v", got)
	}
}

// TestModelTeam: PUT …/team by the team or an admin, ids must be PIs, the
// creator stays; the team acts as the model's PI; anyone else sees the
// model as a client does.
func TestModelTeam(t *testing.T) {
	t.Parallel()
	ev := newEnv(t)
	owner, ownerID := ev.user("pi", "Team Owner")
	co, coID := ev.user("pi", "Team Co PI")
	other, otherID := ev.user("pi", "Team Outsider")
	_, panelistID := ev.user("panelist", "Team Panelist")
	client, _ := ev.user("client", "Team Client")
	ev.model(owner, "tm")
	ev.draft(owner, "tm", sampleVersion())
	team := "/api/v1/models/tm/team"
	// Hidden (no approved version): 404 to outsiders, absent from lists.
	ev.mustStatus(ev.do(http.MethodPut, team, other, map[string]any{"pis": []int64{otherID}}), 404, "outsider on a hidden model")
	ev.mustStatus(ev.do(http.MethodGet, "/api/v1/models/tm", other, nil), 404, "outsider reads a hidden model")
	for _, tok := range []string{other, client} {
		if r := ev.do(http.MethodGet, "/api/v1/models", tok, nil); strings.Contains(string(r.body), `"tm"`) {
			t.Errorf("a hidden model is listed: %s", r.body)
		}
	}
	before := ev.snapshot()
	r := ev.do(http.MethodPut, team, owner, map[string]any{"pis": []int64{coID, panelistID, 999999}})
	ev.mustStatus(r, 422, "bad ids")
	if got := fields(t, r); !slices.Equal(got, []string{"pis[1]", "pis[2]"}) {
		t.Errorf("fields %v", got)
	}
	ev.mustStatus(ev.do(http.MethodPut, team, owner, map[string]any{}), 422, "no pis")
	ev.mustStatus(ev.do(http.MethodPut, team, owner, map[string]any{"pis": []int64{coID}, "owner": 1}), 422, "unknown field")
	if ev.snapshot() != before {
		t.Errorf("a rejected team change changed something")
	}
	// The creator stays even when left out.
	r = ev.do(http.MethodPut, team, owner, map[string]any{"pis": []int64{coID}})
	ev.mustStatus(r, 200, "team")
	var m struct {
		Team []struct {
			ID      int64 `json:"id"`
			Creator bool  `json:"creator"`
		} `json:"team"`
	}
	r.json(t, &m)
	if len(m.Team) != 2 || m.Team[0].ID != ownerID || !m.Team[0].Creator || m.Team[1].ID != coID {
		t.Errorf("team %s", r.body)
	}
	// The co-investigator acts as the model's PI: reads the draft, submits
	// and approves it, changes the team.
	ev.mustStatus(ev.do(http.MethodGet, "/api/v1/models/tm/versions/1", co, nil), 200, "co reads the draft")
	ev.mustStatus(ev.do(http.MethodPost, "/api/v1/models/tm/versions/1/submit", co, nil), 200, "co submits")
	ev.mustStatus(ev.do(http.MethodPost, "/api/v1/models/tm/versions/1/approve", co, nil), 200, "co approves")
	ev.draft(co, "tm", sampleVersion())
	// Now the model is visible to all, its draft still to the team only.
	ev.mustStatus(ev.do(http.MethodGet, "/api/v1/models/tm", other, nil), 200, "outsider reads the model")
	ev.mustStatus(ev.do(http.MethodGet, "/api/v1/models/tm/versions/2", other, nil), 404, "outsider reads the draft")
	ev.mustStatus(ev.do(http.MethodPut, team, other, map[string]any{"pis": []int64{otherID}}), 403, "outsider changes the team")
	var vs struct {
		Items []struct {
			Number int `json:"number"`
		} `json:"items"`
	}
	ev.do(http.MethodGet, "/api/v1/models/tm/versions", other, nil).json(t, &vs)
	if len(vs.Items) != 1 || vs.Items[0].Number != 1 {
		t.Errorf("the outsider lists %+v", vs.Items)
	}
	// The co-investigator removes themselves: the creator stays, and the
	// draft is hidden from them again.
	ev.mustStatus(ev.do(http.MethodPut, team, co, map[string]any{"pis": []int64{}}), 200, "co leaves")
	ev.mustStatus(ev.do(http.MethodGet, "/api/v1/models/tm/versions/2", co, nil), 404, "former co reads the draft")
	ev.mustStatus(ev.do(http.MethodGet, "/api/v1/models/tm/versions/2", owner, nil), 200, "creator reads the draft")
	// The admin may set the team too.
	ev.mustStatus(ev.do(http.MethodPut, team, ev.admin, map[string]any{"pis": []int64{otherID}}), 200, "admin sets the team")
	ev.mustStatus(ev.do(http.MethodGet, "/api/v1/models/tm/versions/2", other, nil), 200, "new member reads the draft")
	if r := ev.do(http.MethodGet, "/api/v1/audit?limit=200", ev.admin, nil); !strings.Contains(string(r.body), `"model.team"`) {
		t.Errorf("no model.team audit entry")
	}
}
