package api_test

import (
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"
	"testing"
)

// The access table (api.md "General" and "Who sees what"): every route of
// the served OpenAPI document (generated from the route table, so a new
// route without rows here fails TestAccessTable) × nine callers × an
// object of team A and one of team B. The callers are defined against
// team A: a co-investigator of A's model and dataset teams, the PI who
// leads team B, a panelist invited to A's rounds, one invited nowhere, a
// coder on A's dataset team, one on B's, a client and no token. Seen from
// a B object, the roles mirror (A's co-investigator is "another team's
// PI" there, and so on), so one rule per route, written over the caller's
// relation to the object, gives every cell.
//
// A cell either expects an exact denial (401, 403, 404, or 422 when the
// object is named in the body) or "allowed": past access control, which is
// any status but 401, 403, 404 and 5xx (allowed writes may still be 409 or
// 422 by the object's state; that is tested elsewhere). Denied cells must
// also change nothing.

// relation is how a caller stands to an object.
type relation string

const (
	relAdmin    relation = "admin"
	relTeam     relation = "team PI"
	relOtherPI  relation = "other PI"
	relInvited  relation = "invited panelist"
	relPanelist relation = "uninvited panelist"
	relCoder    relation = "team coder"
	relOutCoder relation = "other coder"
	relClient   relation = "client"
	relAnon     relation = "no token"
)

const allowed = 0

// accessFixture is one team's objects.
type accessFixture struct {
	slug       string
	dataset    int64
	comparison int64
	// rounds on version 2 (in review), every one inviting the team's panel.
	roundClosed, roundOpen, roundDraft, roundToClose int64
	proposal                                         int64
	coder                                            string
}

// route cases: one or more per route; path and body are built per object.
type accessCase struct {
	name string
	path func(f *accessFixture) string
	body func(f *accessFixture, token string) any
	csv  bool
	rule func(r relation) int
}

func TestAccessTable(t *testing.T) {
	t.Parallel()
	ev := newEnv(t)
	// Team A: its creating PI, a co-investigator (the "team PI" of the
	// table), the invited panelist plus one more, a coder.
	creatorA, _ := ev.user("pi", "Creator A")
	teamPI, teamPIID := ev.user("pi", "Team PI")
	otherPI, _ := ev.user("pi", "Other PI")
	invited, invitedID := ev.user("panelist", "Invited Panelist")
	helperA, helperAID := ev.user("panelist", "Helper Panelist A")
	uninvited, _ := ev.user("panelist", "Uninvited Panelist")
	helperB1, helperB1ID := ev.user("panelist", "Helper Panelist B1")
	helperB2, helperB2ID := ev.user("panelist", "Helper Panelist B2")
	coderA, coderAID := ev.user("coder", "Coder A")
	coderB, coderBID := ev.user("coder", "Coder B")
	client, _ := ev.user("client", "Some Client")
	throwaway := 0

	build := func(slug, pi string, coPI int64, pan [2]string, panIDs [2]int64, coderID int64, coderName string) *accessFixture {
		f := &accessFixture{slug: slug, coder: coderName}
		ev.model(pi, slug)
		if coPI != 0 {
			ev.mustStatus(ev.do(http.MethodPut, "/api/v1/models/"+slug+"/team", pi, map[string]any{"pis": []int64{coPI}}), 200, "team")
		}
		vpath := func(n int, action string) string {
			return fmt.Sprintf("/api/v1/models/%s/versions/%d/%s", slug, n, action)
		}
		// v1 approved, v2 in review (rounds), v3 draft, v4 draft (submit),
		// v5 and v6 in review (approve, reject), v7 approved (retire).
		for n, steps := range [][]string{{"submit", "approve"}, {"submit"}, nil, nil, {"submit"}, {"submit"}, {"submit", "approve"}} {
			ev.draft(pi, slug, sampleVersion())
			for _, st := range steps {
				ev.mustStatus(ev.do(http.MethodPost, vpath(n+1, st), pi, nil), 200, st)
			}
		}
		round := func(body map[string]any) int64 {
			body["panelists"] = panIDs[:]
			r := ev.do(http.MethodPost, vpath(2, "rounds"), pi, body)
			ev.mustStatus(r, 201, "round")
			var out struct {
				ID int64 `json:"id"`
			}
			r.json(t, &out)
			return out.ID
		}
		act := func(id int64, a string) {
			ev.mustStatus(ev.roundAction(id, a, pi), 200, a)
		}
		f.roundClosed = round(map[string]any{"min_group": 2})
		act(f.roundClosed, "open")
		body := stageReview(map[string]int{"S1": 8, "S2": 7})
		body["proposals"] = []map[string]any{{"kind": "rename_stage", "target": "S2", "payload": map[string]any{"name": "Explore"}, "rationale": "shorter"}}
		ev.mustStatus(ev.review(f.roundClosed, pan[0], body), 200, "review")
		ev.mustStatus(ev.review(f.roundClosed, pan[1], stageReview(map[string]int{"S1": 9, "S2": 6})), 200, "review")
		act(f.roundClosed, "close")
		var props struct {
			Items []struct {
				ID int64 `json:"id"`
			} `json:"items"`
		}
		ev.do(http.MethodGet, fmt.Sprintf("/api/v1/rounds/%d/proposals", f.roundClosed), pi, nil).json(t, &props)
		f.proposal = props.Items[0].ID
		f.roundOpen = round(map[string]any{})
		act(f.roundOpen, "open")
		ev.mustStatus(ev.review(f.roundOpen, pan[0], stageReview(map[string]int{"S1": 8})), 200, "review")
		f.roundDraft = round(map[string]any{})
		f.roundToClose = round(map[string]any{})
		act(f.roundToClose, "open")

		ds := ev.dataset(pi, map[string]any{"name": "Data of " + slug, "codebook": "3rs-2015"})
		fmt.Sscanf(strings.TrimPrefix(ds, "/api/v1/datasets/"), "%d", &f.dataset)
		members := []map[string]any{{"user": coderID, "role": "coder", "coder": coderName}}
		if coPI != 0 {
			members = append(members, map[string]any{"user": coPI, "role": "pi", "coder": ""})
		}
		ev.mustStatus(ev.do(http.MethodPut, ds+"/members", pi, map[string]any{"members": members}), 200, "members")
		ev.mustStatus(ev.csvPost(ds+"/events", pi, "case,session,coder,segment,code\nA,1,consensus,1,W1\nA,1,consensus,2,RS04\nA,2,consensus,1,W1\nA,2,consensus,2,RS02\n"), 200, "events")
		sessions := sessionsHeader
		for n, total := range []int{60, 40, 70} {
			for _, rater := range []string{"patient", "therapist"} {
				sessions += waiRow("A", n+1, rater, total, n == 1)
			}
		}
		ev.mustStatus(ev.csvPost(ds+"/sessions", pi, sessions), 200, "sessions")
		ev.mustStatus(ev.do(http.MethodPost, ds+"/selection", pi, map[string]any{"rule": "rise_after_rupture"}), 201, "selection")
		r := ev.do(http.MethodPost, "/api/v1/comparisons", pi, map[string]any{"model": slug, "version": 1, "dataset": f.dataset, "sessions": "all"})
		ev.mustStatus(r, 201, "comparison")
		var c struct {
			ID int64 `json:"id"`
		}
		r.json(t, &c)
		f.comparison = c.ID
		return f
	}
	fa := build("team-a", creatorA, teamPIID, [2]string{invited, helperA}, [2]int64{invitedID, helperAID}, coderAID, "coder-a")
	fb := build("team-b", otherPI, 0, [2]string{helperB1, helperB2}, [2]int64{helperB1ID, helperB2ID}, coderBID, "coder-b")

	tokens := map[string]string{"admin": ev.admin, "team PI": teamPI, "other PI": otherPI, "invited panelist": invited,
		"uninvited panelist": uninvited, "dataset coder": coderA, "other coder": coderB, "client": client, "no token": ""}
	callers := []string{"admin", "team PI", "other PI", "invited panelist", "uninvited panelist", "dataset coder", "other coder", "client", "no token"}
	relationOf := func(caller string, own bool) relation {
		switch caller {
		case "admin":
			return relAdmin
		case "team PI":
			return map[bool]relation{true: relTeam, false: relOtherPI}[own]
		case "other PI":
			return map[bool]relation{true: relOtherPI, false: relTeam}[own]
		case "invited panelist":
			return map[bool]relation{true: relInvited, false: relPanelist}[own]
		case "uninvited panelist":
			return relPanelist
		case "dataset coder":
			return map[bool]relation{true: relCoder, false: relOutCoder}[own]
		case "other coder":
			return map[bool]relation{true: relOutCoder, false: relCoder}[own]
		case "client":
			return relClient
		}
		return relAnon
	}

	// Rules over the relation. with(m) starts from "no token: 401" and
	// everything else allowed, then applies the map.
	with := func(m map[relation]int) func(relation) int {
		return func(r relation) int {
			if r == relAnon {
				return http.StatusUnauthorized
			}
			if st, ok := m[r]; ok {
				return st
			}
			return allowed
		}
	}
	others := func(st int, rs ...relation) map[relation]int {
		m := map[relation]int{}
		for _, r := range rs {
			m[r] = st
		}
		return m
	}
	merge := func(ms ...map[relation]int) map[relation]int {
		out := map[relation]int{}
		for _, m := range ms {
			for k, v := range m {
				out[k] = v
			}
		}
		return out
	}
	nonTeam := []relation{relOtherPI, relInvited, relPanelist, relCoder, relOutCoder, relClient}
	notTeamOrInvited := []relation{relOtherPI, relPanelist, relCoder, relOutCoder, relClient}
	noData := []relation{relInvited, relPanelist, relClient}
	var (
		anyUser = with(nil)
		// The model is visible to all (it has an approved version).
		visibleModel = anyUser
		// A draft or an unreviewed version: the team only; nobody else
		// may know it exists.
		hiddenVersion = with(others(404, nonTeam...))
		// A visible model or version changed by the team only.
		teamChanges = with(others(403, nonTeam...))
		// The version in review with rounds: the invited panelist sees it.
		reviewedVersionChange = with(merge(others(404, notTeamOrInvited...), others(403, relInvited)))
		roundRead             = with(others(404, notTeamOrInvited...))
		roundManage           = reviewedVersionChange
		panelistOnly          = with(merge(others(404, notTeamOrInvited...), others(403, relAdmin, relTeam)))
		adminsAndPIs          = with(others(403, relInvited, relPanelist, relCoder, relOutCoder, relClient))
		roundsOfMine          = with(others(403, relCoder, relOutCoder, relClient))
		dataRoles             = with(others(403, noData...))
		datasetCreate         = with(others(403, relInvited, relPanelist, relCoder, relOutCoder, relClient))
		datasetRead           = with(merge(others(404, relOtherPI, relOutCoder), others(403, noData...)))
		datasetTeamPI         = with(merge(others(404, relOtherPI, relOutCoder), others(403, noData...), others(403, relCoder)))
		// A blind coder sees only comparisons of their own events; the
		// fixture's compares the consensus coder's.
		comparisonRead = with(merge(others(404, relOtherPI, relOutCoder, relCoder), others(403, noData...)))
		synthesis      = comparisonRead
		// A comparison names a model version and a dataset in its body:
		// one the caller may not see is a 422 naming the field.
		// A blind coder may not compare the consensus coder's events.
		comparisonCreate = with(merge(others(422, relOtherPI, relOutCoder), others(403, noData...), others(403, relCoder)))
	)
	slug := func(f *accessFixture) string { return "/api/v1/models/" + f.slug }
	ver := func(n int, rest string) func(f *accessFixture) string {
		return func(f *accessFixture) string { return fmt.Sprintf("/api/v1/models/%s/versions/%d%s", f.slug, n, rest) }
	}
	fixed := func(p string) func(*accessFixture) string { return func(*accessFixture) string { return p } }
	rnd := func(which func(f *accessFixture) int64, rest string) func(f *accessFixture) string {
		return func(f *accessFixture) string { return fmt.Sprintf("/api/v1/rounds/%d%s", which(f), rest) }
	}
	closedR := func(f *accessFixture) int64 { return f.roundClosed }
	openR := func(f *accessFixture) int64 { return f.roundOpen }
	dsp := func(rest string) func(f *accessFixture) string {
		return func(f *accessFixture) string { return fmt.Sprintf("/api/v1/datasets/%d%s", f.dataset, rest) }
	}
	cmpp := func(rest string) func(f *accessFixture) string {
		return func(f *accessFixture) string { return fmt.Sprintf("/api/v1/comparisons/%d%s", f.comparison, rest) }
	}
	static := func(b any) func(*accessFixture, string) any { return func(*accessFixture, string) any { return b } }
	unique := func(kind string) func(*accessFixture, string) any {
		return func(*accessFixture, string) any {
			throwaway++
			switch kind {
			case "model":
				return map[string]any{"slug": fmt.Sprintf("made-%d", throwaway), "title": "T", "marker": "m", "resolution": "r"}
			case "dataset":
				return map[string]any{"name": fmt.Sprintf("made %d", throwaway), "codebook": "3rs-2015"}
			}
			return map[string]any{"name": fmt.Sprintf("Made %d", throwaway), "email": fmt.Sprintf("made%d@example.org", throwaway), "role": "client"}
		}
	}
	_, reissueID := ev.user("client", "Reinvite Target")
	note := static(map[string]any{"note": "n"})

	table := map[string][]accessCase{
		"GET /healthz": {{path: fixed("/healthz"), rule: func(relation) int { return allowed }}},
		"GET /readyz":  {{path: fixed("/readyz"), rule: func(relation) int { return allowed }}},
		"POST /api/v1/session": {{path: fixed("/api/v1/session"), body: func(_ *accessFixture, tok string) any {
			return map[string]any{"token": tok + "x-no-such-token-0000000000"}
		}, rule: func(relation) int { return 401 }}},
		// Without a session cookie: {"signed_in": false}, to anyone.
		"GET /api/v1/session": {{path: fixed("/api/v1/session"), rule: func(relation) int { return allowed }}},
		// Signing out without a session cookie ends nothing and is fine.
		"DELETE /api/v1/session": {{path: fixed("/api/v1/session"), rule: func(relation) int { return allowed }}},
		"POST /api/v1/users":     {{path: fixed("/api/v1/users"), body: unique("user"), rule: adminsAndPIs}},
		"GET /api/v1/users":      {{path: fixed("/api/v1/users"), rule: adminsAndPIs}},
		"GET /api/v1/me":         {{path: fixed("/api/v1/me"), rule: anyUser}},
		// A new invitation for a user the admin created: admins only (a PI
		// re-invites only the panelists and coders they created).
		"POST /api/v1/users/{id}/invitation": {{path: fixed(fmt.Sprintf("/api/v1/users/%d/invitation", reissueID)),
			rule: with(others(403, relTeam, relOtherPI, relInvited, relPanelist, relCoder, relOutCoder, relClient))}},
		// Claiming needs no token: a code of the wrong type is 422 for
		// everyone. (A wrong code is 404 for everyone, TestInvitations;
		// sending it here 18 times would trip this address's
		// failed-authentication limit.)
		"POST /api/v1/invitations/claim":      {{path: fixed("/api/v1/invitations/claim"), body: static(map[string]any{"code": 5}), rule: func(relation) int { return 422 }}},
		"POST /api/v1/models":                 {{path: fixed("/api/v1/models"), body: unique("model"), rule: adminsAndPIs}},
		"GET /api/v1/models":                  {{path: fixed("/api/v1/models"), rule: anyUser}},
		"GET /api/v1/models/{slug}":           {{path: slug, rule: visibleModel}},
		"PUT /api/v1/models/{slug}/team":      {{path: func(f *accessFixture) string { return slug(f) + "/team" }, body: func(f *accessFixture, _ string) any { return teamOf(f, teamPIID) }, rule: teamChanges}},
		"GET /api/v1/models/{slug}/lineage":   {{path: func(f *accessFixture) string { return slug(f) + "/lineage" }, rule: visibleModel}},
		"POST /api/v1/models/{slug}/versions": {{path: func(f *accessFixture) string { return slug(f) + "/versions" }, body: static(sampleVersion()), rule: teamChanges}},
		"GET /api/v1/models/{slug}/versions":  {{path: func(f *accessFixture) string { return slug(f) + "/versions" }, rule: visibleModel}},
		"GET /api/v1/models/{slug}/versions/{n}": {{name: "approved", path: ver(1, ""), rule: visibleModel},
			{name: "draft", path: ver(3, ""), rule: hiddenVersion}, {name: "in review, invited", path: ver(2, ""), rule: roundRead}},
		"PUT /api/v1/models/{slug}/versions/{n}":          {{path: ver(3, ""), body: static(sampleVersion()), rule: hiddenVersion}},
		"POST /api/v1/models/{slug}/versions/{n}/submit":  {{path: ver(4, "/submit"), body: note, rule: hiddenVersion}},
		"POST /api/v1/models/{slug}/versions/{n}/approve": {{path: ver(5, "/approve"), body: note, rule: hiddenVersion}},
		"POST /api/v1/models/{slug}/versions/{n}/reject":  {{path: ver(6, "/reject"), body: note, rule: hiddenVersion}},
		"POST /api/v1/models/{slug}/versions/{n}/retire":  {{path: ver(7, "/retire"), body: note, rule: teamChanges}},
		"GET /api/v1/models/{slug}/versions/{n}/diff":     {{name: "approved", path: ver(7, "/diff?from=1"), rule: visibleModel}, {name: "from a draft", path: ver(1, "/diff?from=3"), rule: hiddenVersion}},
		"GET /api/v1/models/{slug}/versions/{n}/export":   {{name: "approved", path: ver(1, "/export?format=mermaid"), rule: visibleModel}, {name: "draft", path: ver(3, "/export"), rule: hiddenVersion}},
		"POST /api/v1/models/{slug}/versions/{n}/rounds":  {{path: ver(2, "/rounds"), body: func(f *accessFixture, _ string) any { return map[string]any{"panelists": []int64{}} }, rule: roundManage}},
		"GET /api/v1/models/{slug}/versions/{n}/rounds":   {{path: ver(2, "/rounds"), rule: roundRead}},
		"POST /api/v1/models/{slug}/versions/{n}/revise":  {{path: ver(2, "/revise"), body: static(map[string]any{}), rule: roundManage}},
		"GET /api/v1/rounds":                              {{path: fixed("/api/v1/rounds"), rule: roundsOfMine}},
		"GET /api/v1/rounds/{id}":                         {{path: rnd(closedR, ""), rule: roundRead}},
		"POST /api/v1/rounds/{id}/open":                   {{path: rnd(func(f *accessFixture) int64 { return f.roundDraft }, "/open"), body: note, rule: roundManage}},
		"POST /api/v1/rounds/{id}/close":                  {{path: rnd(func(f *accessFixture) int64 { return f.roundToClose }, "/close"), body: note, rule: roundManage}},
		"PUT /api/v1/rounds/{id}/review":                  {{path: rnd(openR, "/review"), body: static(stageReview(map[string]int{"S1": 7})), rule: panelistOnly}},
		"GET /api/v1/rounds/{id}/review":                  {{path: rnd(openR, "/review"), rule: panelistOnly}},
		"GET /api/v1/rounds/{id}/results": {{name: "closed", path: rnd(closedR, "/results"), rule: roundRead},
			{name: "closed csv", path: rnd(closedR, "/results?format=csv"), rule: roundRead},
			{name: "open", path: rnd(openR, "/results"), rule: with(merge(others(404, notTeamOrInvited...), others(403, relAdmin, relTeam, relInvited)))}},
		"GET /api/v1/rounds/{id}/proposals": {{path: rnd(closedR, "/proposals"), rule: roundManage}},
		"POST /api/v1/rounds/{id}/proposals/{pid}/decision": {{path: func(f *accessFixture) string {
			return fmt.Sprintf("/api/v1/rounds/%d/proposals/%d/decision", f.roundClosed, f.proposal)
		}, body: static(map[string]any{"decision": "deferred", "note": "later"}), rule: roundManage}},
		"GET /api/v1/audit":        {{path: fixed("/api/v1/audit"), rule: adminsAndPIs}},
		"GET /api/v1/audit/verify": {{path: fixed("/api/v1/audit/verify"), rule: adminsAndPIs}},

		"POST /api/v1/datasets":               {{path: fixed("/api/v1/datasets"), body: unique("dataset"), rule: datasetCreate}},
		"GET /api/v1/datasets":                {{path: fixed("/api/v1/datasets"), rule: dataRoles}},
		"GET /api/v1/datasets/{id}":           {{path: dsp(""), rule: datasetRead}},
		"GET /api/v1/datasets/{id}/members":   {{path: dsp("/members"), rule: datasetTeamPI}},
		"PUT /api/v1/datasets/{id}/members":   {{path: dsp("/members"), body: func(f *accessFixture, _ string) any { return membersOf(f, coderAID, coderBID, teamPIID) }, rule: datasetTeamPI}},
		"POST /api/v1/datasets/{id}/unblind":  {{path: dsp("/unblind"), rule: datasetTeamPI}},
		"PUT /api/v1/datasets/{id}/cases":     {{path: dsp("/cases"), body: static(map[string]any{"rows": []map[string]any{{"label": "A"}}}), rule: datasetTeamPI}},
		"GET /api/v1/datasets/{id}/cases":     {{path: dsp("/cases"), rule: datasetRead}},
		"POST /api/v1/datasets/{id}/sessions": {{path: dsp("/sessions"), csv: true, body: static(sessionsHeader + waiRow("A", 1, "patient", 48, false)), rule: datasetTeamPI}},
		"GET /api/v1/datasets/{id}/sessions":  {{path: dsp("/sessions"), rule: datasetRead}},
		"POST /api/v1/datasets/{id}/events": {{path: dsp("/events"), csv: true, body: func(f *accessFixture, _ string) any {
			return "case,session,coder,segment,code\nA,1," + f.coder + ",1,W1\n"
		}, rule: datasetRead}},
		"GET /api/v1/datasets/{id}/events":        {{path: dsp("/events"), rule: datasetRead}},
		"POST /api/v1/datasets/{id}/selection":    {{path: dsp("/selection"), body: static(map[string]any{"rule": "rise_after_rupture"}), rule: datasetTeamPI}},
		"GET /api/v1/datasets/{id}/selection":     {{path: dsp("/selection"), rule: datasetRead}},
		"GET /api/v1/datasets/{id}/reliability":   {{path: dsp("/reliability?coders=consensus,coder-a"), rule: datasetTeamPI}},
		"GET /api/v1/datasets/{id}/disagreements": {{path: dsp("/disagreements?coders=consensus,coder-a"), rule: datasetTeamPI}},
		"POST /api/v1/datasets/{id}/consensus":    {{path: dsp("/consensus"), body: static(map[string]any{"coders": []string{"consensus", "coder-a"}, "resolutions": []any{}}), rule: datasetTeamPI}},
		"POST /api/v1/stats/reliability":          {{path: fixed("/api/v1/stats/reliability"), body: static(map[string]any{"method": "percent_agreement", "data": [][]any{{1, 2}, {1, 2}}}), rule: anyUser}},

		"POST /api/v1/comparisons": {{path: fixed("/api/v1/comparisons"), body: func(f *accessFixture, _ string) any {
			return map[string]any{"model": f.slug, "version": 1, "dataset": f.dataset, "sessions": "all"}
		}, rule: comparisonCreate}},
		"GET /api/v1/comparisons":                 {{path: fixed("/api/v1/comparisons"), rule: dataRoles}},
		"GET /api/v1/comparisons/{id}":            {{path: cmpp(""), rule: comparisonRead}},
		"POST /api/v1/comparisons/{id}/synthesis": {{path: cmpp("/synthesis"), body: static(map[string]any{}), rule: synthesis}},
	}
	// Routes this table does not cover by design: none but the document.
	// POST and DELETE /me/token act on the caller's own token: a cell would
	// end it for the rest of the table. TestOwnToken covers them for every
	// role and without a token.
	skip := map[string]bool{"GET /api/v1/openapi.json": true, "GET /metrics": true,
		"POST /api/v1/me/token": true, "DELETE /api/v1/me/token": true}

	var doc struct {
		Paths map[string]map[string]any `json:"paths"`
	}
	ev.do(http.MethodGet, "/api/v1/openapi.json", "", nil).json(t, &doc)
	var routes []string
	for p, ops := range doc.Paths {
		for m := range ops {
			if m == "parameters" {
				continue
			}
			routes = append(routes, strings.ToUpper(m)+" "+p)
		}
	}
	sort.Strings(routes)
	for _, rt := range routes {
		if skip[rt] {
			continue
		}
		if _, ok := table[rt]; !ok {
			t.Errorf("route %s has no rows in the access table: add them (api.md \"Who sees what\")", rt)
		}
	}
	for rt := range table {
		if !slices.Contains(routes, rt) {
			t.Errorf("the access table has rows for %s, which the route table does not serve", rt)
		}
	}
	// Unblinding ends blind coding for good: run it last.
	slices.SortStableFunc(routes, func(a, b string) int {
		return boolInt(strings.HasSuffix(a, "/unblind")) - boolInt(strings.HasSuffix(b, "/unblind"))
	})

	cells := 0
	for _, rt := range routes {
		method := strings.SplitN(rt, " ", 2)[0]
		for _, c := range table[rt] {
			for _, obj := range []struct {
				name string
				f    *accessFixture
				own  bool
			}{{"own", fa, true}, {"other team's", fb, false}} {
				// Denied cells first: they must change nothing, and then
				// the allowed ones may.
				for _, pass := range []bool{false, true} {
					for _, caller := range callers {
						rel := relationOf(caller, obj.own)
						want := c.rule(rel)
						if (want == allowed) != pass {
							continue
						}
						cells++
						var body any
						if c.body != nil {
							body = c.body(obj.f, tokens[caller])
						}
						var before string
						if !pass && method != http.MethodGet {
							before = ev.snapshot()
						}
						path := c.path(obj.f)
						var r resp
						if c.csv {
							r = ev.do(method, path, tokens[caller], []byte(body.(string)), "Content-Type", "text/csv")
						} else {
							r = ev.do(method, path, tokens[caller], body)
						}
						cell := fmt.Sprintf("%s %s [%s] %s on the %s object (%s)", rt, c.name, path, caller, obj.name, rel)
						switch {
						case r.status >= 500:
							t.Errorf("%s: %d %s", cell, r.status, r.body)
						case want == allowed && (r.status == 401 || r.status == 403 || r.status == 404):
							t.Errorf("%s: got %d, want access: %.300s", cell, r.status, r.body)
						case want != allowed && r.status != want:
							t.Errorf("%s: got %d, want %d: %.300s", cell, r.status, want, r.body)
						}
						if before != "" && ev.snapshot() != before {
							t.Errorf("%s: a denied request changed something", cell)
						}
					}
				}
			}
		}
	}
	t.Logf("%d routes, %d cells", len(routes)-len(skip), cells)
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// teamOf is a PUT …/team body that keeps f's team as built.
func teamOf(f *accessFixture, teamPIID int64) map[string]any {
	if f.slug == "team-a" {
		return map[string]any{"pis": []int64{teamPIID}}
	}
	return map[string]any{"pis": []int64{}}
}

// membersOf is a PUT …/members body that keeps f's dataset team as built.
func membersOf(f *accessFixture, coderA, coderB, teamPIID int64) map[string]any {
	if f.slug == "team-a" {
		return map[string]any{"members": []map[string]any{{"user": coderA, "role": "coder", "coder": "coder-a"}, {"user": teamPIID, "role": "pi", "coder": ""}}}
	}
	return map[string]any{"members": []map[string]any{{"user": coderB, "role": "coder", "coder": "coder-b"}}}
}
