package api_test

import (
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// member is one entry of a PUT …/members body.
type member struct {
	user  int64
	role  string
	coder string
}

func membersBody(ms ...member) map[string]any {
	list := make([]map[string]any, len(ms))
	for i, m := range ms {
		list[i] = map[string]any{"user": m.user, "role": m.role, "coder": m.coder}
	}
	return map[string]any{"members": list}
}

// members sets a dataset's team through its PI.
func (ev *env) members(pi, path string, ms ...member) {
	ev.t.Helper()
	if r := ev.do(http.MethodPut, path+"/members", pi, membersBody(ms...)); r.status != http.StatusOK {
		ev.t.Fatalf("set members: %d %s", r.status, r.body)
	}
}

type datasetView struct {
	Coders []struct {
		Coder  string `json:"coder"`
		Events int    `json:"events"`
	} `json:"coders"`
	Events      int     `json:"events"`
	UnblindedAt *string `json:"unblinded_at"`
	Access      struct {
		Role  string `json:"role"`
		Coder string `json:"coder"`
		Blind bool   `json:"blind"`
	} `json:"access"`
	Members []struct {
		User    int64  `json:"user"`
		Name    string `json:"name"`
		Role    string `json:"role"`
		Coder   string `json:"coder"`
		Creator bool   `json:"creator"`
	} `json:"members"`
}

func (ev *env) datasetView(path, token string) datasetView {
	ev.t.Helper()
	r := ev.do(http.MethodGet, path, token, nil)
	if r.status != http.StatusOK {
		ev.t.Fatalf("GET %s: %d %s", path, r.status, r.body)
	}
	var v datasetView
	r.json(ev.t, &v)
	return v
}

// eventRows lists a dataset's events as "case/session/coder/segment/code"
// strings, as token sees them.
func (ev *env) eventRows(path, token, query string) []string {
	ev.t.Helper()
	r := ev.do(http.MethodGet, path+"/events?limit=200"+query, token, nil)
	if r.status != http.StatusOK {
		ev.t.Fatalf("events: %d %s", r.status, r.body)
	}
	var l struct {
		Items []struct {
			Case    string   `json:"case"`
			Session int      `json:"session"`
			Coder   string   `json:"coder"`
			Segment int      `json:"segment"`
			Code    string   `json:"code"`
			Onset   *float64 `json:"onset"`
		} `json:"items"`
	}
	r.json(ev.t, &l)
	out := []string{}
	for _, e := range l.Items {
		out = append(out, strings.Join([]string{e.Case, strconv.Itoa(e.Session), e.Coder, strconv.Itoa(e.Segment), e.Code}, "/"))
	}
	return out
}

// TestDatasetTeams: the team rules of api.md "Who sees what": who may set
// the team, every bad field named with nothing changed, what members and
// non-members see.
func TestDatasetTeams(t *testing.T) {
	t.Parallel()
	ev := newEnv(t)
	pi, piID := ev.user("pi", "Owner PI")
	coPI, coPIID := ev.user("pi", "Co PI")
	otherPI, _ := ev.user("pi", "Other PI")
	ana, anaID := ev.user("coder", "Ana Coder")
	ben, benID := ev.user("coder", "Ben Coder")
	_, panelistID := ev.user("panelist", "Pan Elist")
	ds := ev.dataset(pi, map[string]any{"name": "Trial", "codebook": "3rs-2015"})

	v := ev.datasetView(ds, pi)
	if v.Access.Role != "pi" || v.Access.Blind || len(v.Members) != 1 || v.Members[0].User != piID || !v.Members[0].Creator || v.Members[0].Role != "pi" {
		t.Fatalf("new dataset: %+v", v)
	}
	for _, tok := range []string{coPI, otherPI, ana} {
		if r := ev.do(http.MethodGet, ds, tok, nil); r.status != http.StatusNotFound {
			t.Errorf("non-member reads: %d", r.status)
		}
	}

	before := ev.datasetSnapshot(ds)
	bad := []struct {
		name   string
		token  string
		body   any
		want   int
		fields []string
	}{
		{"no members field", pi, map[string]any{}, 422, []string{"members"}},
		{"every bad field", pi, membersBody(
			member{0, "pi", ""},                 // 0: no user
			member{999, "coder", "x"},           // 1: unknown user
			member{anaID, "pi", ""},             // 2: a coder as a PI
			member{coPIID, "coder", "cp"},       // 3: a PI as a coder
			member{benID, "coder", ""},          // 4: a coder without a name
			member{panelistID, "owner", "p"},    // 5: unknown role (and a panelist)
			member{piID, "coder", "own"},        // 6: the creator as a coder
			member{anaID, "coder", "consensus"}, // 7: duplicate user, reserved name
		), 422, []string{"members[0].user", "members[1].user", "members[2].role", "members[3].role", "members[4].coder", "members[5].role",
			"members[6].role", "members[7].user", "members[7].coder"}},
		{"duplicate coder name", pi, membersBody(member{anaID, "coder", "x"}, member{benID, "coder", "x"}), 422, []string{"members[1].coder"}},
		{"coder name with spaces", pi, membersBody(member{anaID, "coder", " x"}), 422, []string{"members[0].coder"}},
		{"unknown field", pi, map[string]any{"members": []map[string]any{{"user": anaID, "role": "coder", "coder": "a", "admin": true}}}, 422, []string{"members[0].admin"}},
		{"other PI", otherPI, membersBody(member{anaID, "coder", "a"}), 404, nil},
		{"coder not on the team", ana, membersBody(member{anaID, "coder", "a"}), 404, nil},
		{"unknown dataset", pi, membersBody(), 404, nil},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			path := ds + "/members"
			if tt.name == "unknown dataset" {
				path = "/api/v1/datasets/999/members"
			}
			r := ev.do(http.MethodPut, path, tt.token, tt.body)
			if r.status != tt.want {
				t.Fatalf("got %d, want %d: %s", r.status, tt.want, r.body)
			}
			if tt.fields != nil {
				if d := cmp.Diff(tt.fields, fieldsOf(t, r)); d != "" {
					t.Errorf("fields (-want +got):\n%s", d)
				}
			}
		})
	}
	if after := ev.datasetSnapshot(ds); after != before {
		t.Errorf("a rejected team change changed something:\n%s\n---\n%s", before, after)
	}

	ev.members(pi, ds, member{coPIID, "pi", ""}, member{anaID, "coder", "ana"}, member{benID, "coder", "ben"})
	v = ev.datasetView(ds, coPI)
	if v.Access.Role != "pi" || len(v.Members) != 4 || v.Members[0].User != piID || v.Members[1].User != coPIID || v.Members[2].Coder != "ana" {
		t.Errorf("co-PI's view: %+v", v)
	}
	v = ev.datasetView(ds, ana)
	if v.Access.Role != "coder" || v.Access.Coder != "ana" || !v.Access.Blind || v.Members != nil {
		t.Errorf("coder's view: %+v", v)
	}
	var team struct {
		Members []struct {
			User  int64  `json:"user"`
			Coder string `json:"coder"`
		} `json:"members"`
	}
	if r := ev.do(http.MethodGet, ds+"/members", coPI, nil); r.status != 200 {
		t.Errorf("co-PI reads the team: %d", r.status)
	} else if r.json(t, &team); len(team.Members) != 4 || team.Members[3].Coder != "ben" {
		t.Errorf("team: %s", r.body)
	}
	// A coder member reads what they need to code: the cases and sessions.
	for _, p := range []string{"", "/cases", "/sessions", "/sessions?format=csv"} {
		if r := ev.do(http.MethodGet, ds+p, ana, nil); r.status != 200 {
			t.Errorf("coder reads %s: %d", p, r.status)
		}
	}
	// A coder member is forbidden what only team PIs do.
	before = ev.datasetSnapshot(ds)
	for _, tt := range []struct{ method, path string }{{"PUT", "/members"}, {"GET", "/members"}, {"POST", "/unblind"}, {"POST", "/selection"}, {"PUT", "/cases"}} {
		var body any
		switch tt.path {
		case "/members":
			if tt.method == "PUT" {
				body = membersBody(member{anaID, "coder", "ana"})
			}
		case "/cases":
			body = map[string]any{"rows": []map[string]any{{"label": "P1"}}}
		case "/selection":
			body = map[string]any{}
		}
		if r := ev.do(tt.method, ds+tt.path, ana, body); r.status != http.StatusForbidden {
			t.Errorf("coder %s %s: %d %s", tt.method, tt.path, r.status, r.body)
		}
	}
	if r := ev.csvPost(ds+"/sessions", ana, sessionsHeader+waiRow("P1", 1, "patient", 48, false)); r.status != http.StatusForbidden {
		t.Errorf("coder imports sessions: %d", r.status)
	}
	if after := ev.datasetSnapshot(ds); after != before {
		t.Errorf("a coder's forbidden request changed something")
	}
	// The co-PI works as the creator does.
	if r := ev.csvPost(ds+"/sessions", coPI, sessionsHeader+waiRow("P1", 1, "patient", 48, false)); r.status != http.StatusOK {
		t.Errorf("co-PI imports sessions: %d %s", r.status, r.body)
	}
	var l struct {
		Items []struct {
			ID int64 `json:"id"`
		} `json:"items"`
	}
	ev.do(http.MethodGet, "/api/v1/datasets", otherPI, nil).json(t, &l)
	if len(l.Items) != 0 {
		t.Errorf("other PI lists %d datasets", len(l.Items))
	}
	ev.do(http.MethodGet, "/api/v1/datasets", ana, nil).json(t, &l)
	if len(l.Items) != 1 {
		t.Errorf("coder lists %d datasets", len(l.Items))
	}

	// The co-PI can change the team; the creator stays even when left out.
	if r := ev.do(http.MethodPut, ds+"/members", coPI, membersBody(member{coPIID, "pi", "cp"}, member{anaID, "coder", "ana"})); r.status != http.StatusOK {
		t.Fatalf("co-PI sets the team: %d %s", r.status, r.body)
	}
	v = ev.datasetView(ds, pi)
	got := []string{}
	for _, m := range v.Members {
		got = append(got, m.Role+":"+m.Coder)
	}
	if d := cmp.Diff([]string{"pi:", "pi:cp", "coder:ana"}, got); d != "" {
		t.Errorf("team (-want +got):\n%s", d)
	}
	// Ben left the team: to him the dataset no longer exists.
	if r := ev.do(http.MethodGet, ds, ben, nil); r.status != http.StatusNotFound {
		t.Errorf("a removed coder reads the dataset: %d", r.status)
	}
	// A PI may code under a name too; a coder may not take the creator's.
	if r := ev.do(http.MethodPut, ds+"/members", pi, membersBody(member{piID, "pi", "lead"}, member{anaID, "coder", "lead"})); r.status != 422 ||
		!cmp.Equal(fieldsOf(t, r), []string{"members[1].coder"}) {
		t.Errorf("shared coder name: %d %s", r.status, r.body)
	}
	r := ev.do(http.MethodPut, ds+"/members", pi, membersBody(member{piID, "pi", "lead"}, member{anaID, "coder", "ana"}))
	var set datasetView
	if r.status != 200 {
		t.Fatalf("PI codes as lead: %d %s", r.status, r.body)
	}
	if r.json(t, &set); set.Access.Role != "pi" || set.Access.Coder != "lead" || len(set.Members) != 2 || set.Members[0].Coder != "lead" {
		t.Errorf("team with the creator coding: %s", r.body)
	}
	// The audit trail records the team change.
	if r := ev.do(http.MethodGet, "/api/v1/audit?limit=200", ev.admin, nil); !strings.Contains(string(r.body), `"dataset.members"`) {
		t.Errorf("no dataset.members audit entry")
	}
}

// TestBlindCoding is the acceptance test of blind double coding: coder A
// cannot read coder B's events or the reliability before a team PI
// unblinds, imports only under their own name, and non-members learn
// nothing.
func TestBlindCoding(t *testing.T) {
	t.Parallel()
	ev := newEnv(t)
	pi, _ := ev.user("pi", "Owner PI")
	otherPI, _ := ev.user("pi", "Other PI")
	ana, anaID := ev.user("coder", "Ana Coder")
	ben, benID := ev.user("coder", "Ben Coder")
	ds := ev.dataset(pi, map[string]any{"name": "Blind", "codebook": "3rs-2015"})
	ev.members(pi, ds, member{anaID, "coder", "ana"}, member{benID, "coder", "ben"})

	if r := ev.csvPost(ds+"/events", ana, "case,session,coder,segment,onset,code\nP1,1,ana,1,5,W1\nP1,1,ana,2,65,RS04\nP1,2,ana,1,3,C1\n"); r.status != http.StatusOK {
		t.Fatalf("ana imports: %d %s", r.status, r.body)
	}
	before := ev.datasetSnapshot(ds)
	// Another coder's name: 422 naming the row and column, nothing written.
	r := ev.csvPost(ds+"/events", ana, "case,session,coder,segment,code\nP1,1,ana,1,W1\nP1,1,ben,2,RS04\nP1,3,Ana,1,W2\n")
	if r.status != 422 || !cmp.Equal(fieldsOf(t, r), []string{"line[3].coder", "line[4].coder"}) {
		t.Errorf("ana imports as ben: %d %s", r.status, r.body)
	}
	r = ev.do(http.MethodPost, ds+"/events", ana, map[string]any{"rows": []map[string]any{
		{"case": "P1", "session": 1, "coder": "ana", "segment": 1, "code": "W1"},
		{"case": "P1", "session": 1, "coder": "consensus", "segment": 1, "code": "W1"}}})
	if r.status != 422 || !cmp.Equal(fieldsOf(t, r), []string{"rows[1].coder"}) {
		t.Errorf("ana imports JSON as consensus: %d %s", r.status, r.body)
	}
	if after := ev.datasetSnapshot(ds); after != before {
		t.Errorf("a rejected import changed something")
	}
	if r := ev.csvPost(ds+"/events", ben, "case,session,coder,segment,onset,code\nP1,1,ben,1,6,W1\nP1,1,ben,2,66,RS09\n"); r.status != http.StatusOK {
		t.Fatalf("ben imports: %d %s", r.status, r.body)
	}

	// Before unblinding: each coder sees only their own events.
	anaRows := []string{"P1/1/ana/1/W1", "P1/1/ana/2/RS04", "P1/2/ana/1/C1"}
	benRows := []string{"P1/1/ben/1/W1", "P1/1/ben/2/RS09"}
	if d := cmp.Diff(anaRows, ev.eventRows(ds, ana, "")); d != "" {
		t.Errorf("ana's events (-want +got):\n%s", d)
	}
	if d := cmp.Diff(benRows, ev.eventRows(ds, ben, "")); d != "" {
		t.Errorf("ben's events (-want +got):\n%s", d)
	}
	if d := cmp.Diff(append(append([]string{}, anaRows...), benRows...), ev.eventRows(ds, pi, "")); d != "" {
		t.Errorf("the PI's events (-want +got):\n%s", d)
	}
	if r := ev.do(http.MethodGet, ds+"/events?format=csv", ana, nil); r.status != 200 || strings.Contains(string(r.body), "ben") {
		t.Errorf("ana's CSV export: %d %s", r.status, r.body)
	}
	v := ev.datasetView(ds, ana)
	if len(v.Coders) != 1 || v.Coders[0].Coder != "ana" || v.Events != 3 || !v.Access.Blind {
		t.Errorf("ana's dataset counts: %+v", v)
	}
	blind := []struct {
		name, method, path, token string
		body                      any
		want                      int
	}{
		{"ana reads ben's events", "GET", ds + "/events?coder=ben", ana, nil, 403},
		{"ana exports ben's events", "GET", ds + "/events?format=csv&coder=ben", ana, nil, 403},
		{"ana reads the consensus", "GET", ds + "/events?coder=consensus", ana, nil, 403},
		{"ana reads the reliability", "GET", ds + "/reliability?coders=ana,ben", ana, nil, 403},
		{"ben reads the reliability", "GET", ds + "/reliability?coders=ana,ben", ben, nil, 403},
		{"ana reads the disagreements", "GET", ds + "/disagreements?coders=ana,ben", ana, nil, 403},
		{"ana writes a consensus", "POST", ds + "/consensus", ana, map[string]any{"coders": []string{"ana", "ben"}, "resolutions": []any{}}, 403},
		{"ana unblinds", "POST", ds + "/unblind", ana, nil, 403},
		{"other PI reads events", "GET", ds + "/events", otherPI, nil, 404},
		{"other PI reads the reliability", "GET", ds + "/reliability?coders=ana,ben", otherPI, nil, 404},
		{"other PI reads the disagreements", "GET", ds + "/disagreements?coders=ana,ben", otherPI, nil, 404},
		{"other PI writes a consensus", "POST", ds + "/consensus", otherPI, map[string]any{"coders": []string{"ana", "ben"}, "resolutions": []any{}}, 404},
		{"other PI unblinds", "POST", ds + "/unblind", otherPI, nil, 404},
		{"other PI imports", "POST", ds + "/events", otherPI, map[string]any{"rows": []map[string]any{{"case": "P1", "session": 1, "coder": "x", "segment": 1, "code": "W1"}}}, 404},
	}
	before = ev.datasetSnapshot(ds)
	for _, tt := range blind {
		if r := ev.do(tt.method, tt.path, tt.token, tt.body); r.status != tt.want {
			t.Errorf("%s: got %d, want %d: %s", tt.name, r.status, tt.want, r.body)
		}
	}
	if after := ev.datasetSnapshot(ds); after != before {
		t.Errorf("a refused request changed something")
	}

	// The team PI opens the coding.
	r = ev.do(http.MethodPost, ds+"/unblind", pi, nil)
	if r.status != http.StatusOK {
		t.Fatalf("unblind: %d %s", r.status, r.body)
	}
	var opened datasetView
	r.json(t, &opened)
	if opened.UnblindedAt == nil || opened.Access.Blind {
		t.Errorf("unblinded dataset: %s", r.body)
	}
	if r := ev.do(http.MethodPost, ds+"/unblind", pi, nil); r.status != http.StatusConflict {
		t.Errorf("second unblind: %d", r.status)
	}
	if r := ev.do(http.MethodGet, "/api/v1/audit?limit=200", ev.admin, nil); !strings.Contains(string(r.body), `"dataset.unblind"`) {
		t.Errorf("no dataset.unblind audit entry")
	}
	if d := cmp.Diff(append(append([]string{}, anaRows...), benRows...), ev.eventRows(ds, ana, "")); d != "" {
		t.Errorf("ana's events after unblinding (-want +got):\n%s", d)
	}
	if r := ev.do(http.MethodGet, ds+"/reliability?coders=ana,ben", ana, nil); r.status != http.StatusOK {
		t.Errorf("ana's reliability after unblinding: %d %s", r.status, r.body)
	}
	if v := ev.datasetView(ds, ana); len(v.Coders) != 2 || v.Access.Blind {
		t.Errorf("ana's dataset after unblinding: %+v", v)
	}
	// Unblinding opens reading, not writing: ana still codes only as ana,
	// and the consensus stays with the team PIs.
	if r := ev.csvPost(ds+"/events", ana, "case,session,coder,segment,code\nP1,1,ben,2,RS04\n"); r.status != 422 {
		t.Errorf("ana imports as ben after unblinding: %d", r.status)
	}
	if r := ev.do(http.MethodGet, ds+"/disagreements?coders=ana,ben", ana, nil); r.status != http.StatusForbidden {
		t.Errorf("ana reads the disagreements after unblinding: %d", r.status)
	}
}

// storedEvent is one stored event as the events listing returns it.
type storedEvent struct {
	Case     string   `json:"case"`
	Session  int      `json:"session"`
	Coder    string   `json:"coder"`
	Segment  int      `json:"segment"`
	Onset    *float64 `json:"onset"`
	Code     string   `json:"code"`
	Salience *int     `json:"salience"`
	Seq      int64    `json:"seq"`
}

func (ev *env) storedEvents(path, token, coder string) []storedEvent {
	ev.t.Helper()
	r := ev.do(http.MethodGet, path+"/events?limit=200&coder="+coder, token, nil)
	if r.status != http.StatusOK {
		ev.t.Fatalf("events: %d %s", r.status, r.body)
	}
	var l struct {
		Items []storedEvent `json:"items"`
	}
	r.json(ev.t, &l)
	return l.Items
}

func intp(n int) *int { return &n }

// TestConsensusCoding: the disagreements of two coders, every way a
// consensus request can be refused (nothing written), and the stored
// consensus events row by row, replaced on repeat.
func TestConsensusCoding(t *testing.T) {
	t.Parallel()
	ev := newEnv(t)
	pi, _ := ev.user("pi", "Owner PI")
	ana, anaID := ev.user("coder", "Ana Coder")
	ds := ev.dataset(pi, map[string]any{"name": "Double coded", "codebook": "3rs-2015"})
	ev.members(pi, ds, member{anaID, "coder", "ana"})
	// P1/1: segments 1-2 agreed; 3 ana {RS03, RS09} vs ben {RS09}; 4 only
	// ben; 5 RS02 vs RS10. P1/2: 1-2 agreed, 3 only ana. P2/1 only ana,
	// P2/2 only ben: left alone. An old consensus of P1/1 and one of P2/1.
	events := `case,session,coder,segment,onset,code,salience
P1,1,ana,1,5,W1,3
P1,1,ana,2,65,RS04,
P1,1,ana,3,125,RS09,
P1,1,ana,3,140,RS03,4
P1,1,ana,5,245,RS02,
P1,1,ben,1,6,W1,2
P1,1,ben,2,66,RS04,
P1,1,ben,3,126,RS09,5
P1,1,ben,4,190,RS05,
P1,1,ben,5,250,RS10,1
P1,2,ana,1,3,C1,
P1,2,ana,2,70,RS01,
P1,2,ana,3,130,RS07,
P1,2,ben,1,4,C1,
P1,2,ben,2,71,RS01,
P2,1,ana,1,2,W2,
P2,2,ben,1,2,W3,
P1,1,consensus,1,1,W7,
P2,1,consensus,1,2,W2,
`
	if r := ev.csvPost(ds+"/events", pi, events); r.status != http.StatusOK {
		t.Fatalf("import: %d %s", r.status, r.body)
	}

	r := ev.do(http.MethodGet, ds+"/disagreements?coders=ana,ben", pi, nil)
	if r.status != http.StatusOK {
		t.Fatalf("disagreements: %d %s", r.status, r.body)
	}
	type byCoder struct {
		Coder string   `json:"coder"`
		Codes []string `json:"codes"`
	}
	type item struct {
		Case    string    `json:"case"`
		Session int       `json:"session"`
		Segment int       `json:"segment"`
		ByCoder []byCoder `json:"by_coder"`
	}
	var dis struct {
		Coders   []string `json:"coders"`
		Sessions []struct {
			Case    string `json:"case"`
			Session int    `json:"session"`
		} `json:"sessions"`
		OnlyA    int    `json:"sessions_only_a"`
		OnlyB    int    `json:"sessions_only_b"`
		Segments int    `json:"segments"`
		Agreed   int    `json:"agreed"`
		Items    []item `json:"items"`
	}
	r.json(t, &dis)
	wantItems := []item{
		{"P1", 1, 3, []byCoder{{"ana", []string{"RS03", "RS09"}}, {"ben", []string{"RS09"}}}},
		{"P1", 1, 4, []byCoder{{"ana", []string{}}, {"ben", []string{"RS05"}}}},
		{"P1", 1, 5, []byCoder{{"ana", []string{"RS02"}}, {"ben", []string{"RS10"}}}},
		{"P1", 2, 3, []byCoder{{"ana", []string{"RS07"}}, {"ben", []string{}}}},
	}
	if d := cmp.Diff(wantItems, dis.Items); d != "" {
		t.Errorf("disagreements (-want +got):\n%s", d)
	}
	if len(dis.Sessions) != 2 || dis.OnlyA != 1 || dis.OnlyB != 1 || dis.Segments != 8 || dis.Agreed != 4 {
		t.Errorf("disagreement counts: %s", r.body)
	}

	res := func(c string, s, seg int, codes ...string) map[string]any {
		if codes == nil {
			codes = []string{}
		}
		return map[string]any{"case": c, "session": s, "segment": seg, "codes": codes}
	}
	good := []map[string]any{
		res("P1", 1, 3, "RS09", "RS03"), // ana's events, in this order
		res("P1", 1, 4, "RS06"),         // neither gave it: the segment's earliest onset
		res("P1", 1, 5, "RS10", "RS02"), // one from each coder
		res("P1", 2, 3),                 // dropped
	}
	before := ev.datasetSnapshot(ds)
	bad := []struct {
		name   string
		token  string
		body   any
		want   int
		fields []string
	}{
		{"nothing resolved", pi, map[string]any{"coders": []string{"ana", "ben"}, "resolutions": []any{}}, 422,
			[]string{"resolutions", "resolutions", "resolutions", "resolutions"}},
		{"an agreed segment, a session not both coded, an uncoded segment", pi, map[string]any{"coders": []string{"ana", "ben"},
			"resolutions": append(append([]map[string]any{}, good...), res("P1", 1, 2, "RS04"), res("P2", 1, 1, "W2"), res("P1", 1, 9, "W1"))}, 422,
			[]string{"resolutions[4]", "resolutions[5]", "resolutions[6]"}},
		{"bad codes, a duplicate, missing fields", pi, map[string]any{"coders": []string{"ana", "ben"},
			"resolutions": []map[string]any{res("P1", 1, 3, "XX", "RS09", "RS09"), res("P1", 1, 4, "RS06"), res("P1", 1, 5, "RS02"), res("P1", 2, 3),
				res("P1", 1, 3, "RS09"), {"case": "", "segment": 2}}}, 422,
			[]string{"resolutions[0].codes[0]", "resolutions[0].codes[2]", "resolutions[4]", "resolutions[5].case", "resolutions[5].session", "resolutions[5].codes"}},
		{"consensus as a coder", pi, map[string]any{"coders": []string{"ana", "consensus"}, "resolutions": good}, 422, []string{"coders[1]"}},
		{"one coder", pi, map[string]any{"coders": []string{"ana"}, "resolutions": good}, 422, []string{"coders"}},
		{"unknown coder", pi, map[string]any{"coders": []string{"ana", "zed"}, "resolutions": good}, 422, []string{"coders[1]"}},
		{"unknown field", pi, map[string]any{"coders": []string{"ana", "ben"}, "resolutions": good, "force": true}, 422, []string{"force"}},
		{"a coder member", ana, map[string]any{"coders": []string{"ana", "ben"}, "resolutions": good}, 403, nil},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			r := ev.do(http.MethodPost, ds+"/consensus", tt.token, tt.body)
			if r.status != tt.want {
				t.Fatalf("got %d, want %d: %s", r.status, tt.want, r.body)
			}
			if tt.fields != nil {
				if d := cmp.Diff(tt.fields, fieldsOf(t, r)); d != "" {
					t.Errorf("fields (-want +got):\n%s", d)
				}
			}
		})
	}
	if after := ev.datasetSnapshot(ds); after != before {
		t.Errorf("a refused consensus changed something")
	}

	f := func(x float64) *float64 { return &x }
	want := []storedEvent{
		{"P1", 1, "consensus", 1, f(5), "W1", intp(3), 1},
		{"P1", 1, "consensus", 2, f(65), "RS04", nil, 2},
		{"P1", 1, "consensus", 3, f(125), "RS09", nil, 3},
		{"P1", 1, "consensus", 3, f(140), "RS03", intp(4), 4},
		{"P1", 1, "consensus", 4, f(190), "RS06", nil, 5},
		{"P1", 1, "consensus", 5, f(250), "RS10", intp(1), 6},
		{"P1", 1, "consensus", 5, f(245), "RS02", nil, 7},
		{"P1", 2, "consensus", 1, f(3), "C1", nil, 8},
		{"P1", 2, "consensus", 2, f(70), "RS01", nil, 9},
		{"P2", 1, "consensus", 1, f(2), "W2", nil, 20}, // untouched (line 20): only ana coded P2/1
	}
	sorted := func(es []storedEvent) []storedEvent {
		// The listing is in id order; the untouched P2/1 event was stored first.
		if len(es) > 0 && es[0].Case == "P2" {
			es = append(es[1:], es[0])
		}
		return es
	}
	for round := 1; round <= 2; round++ {
		r := ev.do(http.MethodPost, ds+"/consensus", pi, map[string]any{"coders": []string{"ana", "ben"}, "resolutions": good})
		if r.status != http.StatusOK {
			t.Fatalf("consensus %d: %d %s", round, r.status, r.body)
		}
		var out struct {
			Coder    string `json:"coder"`
			Imported int    `json:"imported"`
			Replaced int    `json:"replaced"`
			Resolved int    `json:"resolved"`
			Agreed   int    `json:"agreed"`
		}
		r.json(t, &out)
		wantReplaced := 1 // the old consensus of P1/1
		if round == 2 {
			wantReplaced = 9
		}
		if out.Coder != "consensus" || out.Imported != 9 || out.Replaced != wantReplaced || out.Resolved != 4 || out.Agreed != 4 {
			t.Errorf("consensus %d: %s", round, r.body)
		}
		if d := cmp.Diff(want, sorted(ev.storedEvents(ds, pi, "consensus"))); d != "" {
			t.Errorf("consensus %d: stored events (-want +got):\n%s", round, d)
		}
	}
	// A changed resolution replaces that session's consensus.
	changed := append([]map[string]any{}, good...)
	changed[2] = res("P1", 1, 5, "RS02")
	if r := ev.do(http.MethodPost, ds+"/consensus", pi, map[string]any{"coders": []string{"ana", "ben"}, "resolutions": changed}); r.status != http.StatusOK {
		t.Fatalf("changed consensus: %d %s", r.status, r.body)
	}
	want2 := append(append([]storedEvent{}, want[:5]...), storedEvent{"P1", 1, "consensus", 5, f(245), "RS02", nil, 6})
	for _, e := range want[7:] {
		if e.Case == "P1" {
			e.Seq--
		}
		want2 = append(want2, e)
	}
	if d := cmp.Diff(want2, sorted(ev.storedEvents(ds, pi, "consensus"))); d != "" {
		t.Errorf("changed consensus: stored events (-want +got):\n%s", d)
	}
	if r := ev.do(http.MethodGet, "/api/v1/audit?limit=200", ev.admin, nil); strings.Count(string(r.body), `"dataset.consensus"`) != 3 {
		t.Errorf("want three dataset.consensus audit entries")
	}
	// The consensus is what comparisons use by default.
	if got := ev.datasetView(ds, pi); len(got.Coders) != 3 {
		t.Errorf("coders after consensus: %+v", got.Coders)
	}
}

// TestComparisonVisibility: a comparison needs read access to the version
// (the model's visibility rules) and membership of the dataset team; it
// is visible to both teams and 404 to everyone else, lists likewise; a
// blind coder compares and sees only their own events.
func TestComparisonVisibility(t *testing.T) {
	t.Parallel()
	ev := newEnv(t)
	modelPI, _ := ev.user("pi", "Model PI")
	dataPI, _ := ev.user("pi", "Data PI")
	coPI, coPIID := ev.user("pi", "Data Co PI")
	otherPI, _ := ev.user("pi", "Other PI")
	ana, anaID := ev.user("coder", "Ana Coder")
	client, _ := ev.user("client", "A Client")

	ev.model(modelPI, "vis")
	ev.draft(modelPI, "vis", sampleVersion())
	for _, a := range []string{"submit", "approve"} {
		if r := ev.do(http.MethodPost, "/api/v1/models/vis/versions/1/"+a, modelPI, map[string]any{"note": a}); r.status != 200 {
			t.Fatalf("%s: %d %s", a, r.status, r.body)
		}
	}
	ev.draft(modelPI, "vis", sampleVersion()) // version 2 stays a draft

	ds := ev.dataset(dataPI, map[string]any{"name": "Visibility", "codebook": "3rs-2015"})
	ev.members(dataPI, ds, member{coPIID, "pi", ""}, member{anaID, "coder", "ana"})
	if r := ev.csvPost(ds+"/events", dataPI, "case,session,coder,segment,code\nA,1,consensus,1,W1\nA,1,consensus,2,RS04\nA,1,consensus,3,RS02\n"); r.status != 200 {
		t.Fatalf("import: %d %s", r.status, r.body)
	}
	if r := ev.csvPost(ds+"/events", ana, "case,session,coder,segment,code\nA,1,ana,1,W1\nA,1,ana,2,RS02\n"); r.status != 200 {
		t.Fatalf("ana imports: %d %s", r.status, r.body)
	}
	var dsID int64
	ev.do(http.MethodGet, ds, dataPI, nil).json(t, &struct {
		ID *int64 `json:"id"`
	}{&dsID})
	req := func(version int, coder string) map[string]any {
		return map[string]any{"model": "vis", "version": version, "dataset": dsID, "sessions": "all", "coder": coder}
	}
	comparisons := func() string {
		return string(ev.do(http.MethodGet, "/api/v1/comparisons?limit=200", ev.admin, nil).body) + ev.snapshot()
	}
	before := comparisons()
	refused := []struct {
		name   string
		token  string
		body   map[string]any
		want   int
		fields []string
	}{
		{"the model's PI, not on the dataset team", modelPI, req(1, "consensus"), 422, []string{"dataset"}},
		{"another PI", otherPI, req(1, "consensus"), 422, []string{"dataset"}},
		{"a draft of another team's model", dataPI, req(2, "consensus"), 422, []string{"version"}},
		{"a blind coder on the consensus", ana, req(1, "consensus"), 403, nil},
		{"a blind coder on the default coder", ana, map[string]any{"model": "vis", "version": 1, "dataset": dsID, "sessions": "all"}, 403, nil},
		{"a client", client, req(1, "consensus"), 403, nil},
	}
	for _, tt := range refused {
		r := ev.do(http.MethodPost, "/api/v1/comparisons", tt.token, tt.body)
		if r.status != tt.want {
			t.Errorf("%s: got %d, want %d: %s", tt.name, r.status, tt.want, r.body)
			continue
		}
		if tt.fields != nil && !cmp.Equal(tt.fields, fieldsOf(t, r)) {
			t.Errorf("%s: fields %v", tt.name, fieldsOf(t, r))
		}
	}
	if after := comparisons(); after != before {
		t.Errorf("a refused comparison changed something")
	}

	create := func(token string, body map[string]any) string {
		t.Helper()
		r := ev.do(http.MethodPost, "/api/v1/comparisons", token, body)
		if r.status != http.StatusCreated {
			t.Fatalf("compare: %d %s", r.status, r.body)
		}
		var c struct {
			ID int64 `json:"id"`
		}
		r.json(t, &c)
		return "/api/v1/comparisons/" + strconv.FormatInt(c.ID, 10)
	}
	onConsensus := create(dataPI, req(1, "consensus"))
	onAna := create(ana, req(1, "ana"))

	for _, tt := range []struct {
		who, token, path string
		want             int
	}{
		{"data PI", dataPI, onConsensus, 200},
		{"data co-PI", coPI, onConsensus, 200},
		{"model PI", modelPI, onConsensus, 200},
		{"other PI", otherPI, onConsensus, 404},
		{"other PI, CSV", otherPI, onConsensus + "?format=csv", 404},
		{"blind coder", ana, onConsensus, 404},
		{"client", client, onConsensus, 403},
		{"blind coder, own", ana, onAna, 200},
		{"model PI, coder's", modelPI, onAna, 200},
		{"other PI, coder's", otherPI, onAna, 404},
		{"unknown", dataPI, "/api/v1/comparisons/999", 404},
	} {
		if r := ev.do(http.MethodGet, tt.path, tt.token, nil); r.status != tt.want {
			t.Errorf("%s reads %s: got %d, want %d", tt.who, tt.path, r.status, tt.want)
		}
	}
	listed := func(token string) int {
		var l struct {
			Items []struct {
				ID int64 `json:"id"`
			} `json:"items"`
		}
		ev.do(http.MethodGet, "/api/v1/comparisons?limit=1", token, nil) // paging past hidden ones must not fail
		ev.do(http.MethodGet, "/api/v1/comparisons", token, nil).json(t, &l)
		return len(l.Items)
	}
	for _, tt := range []struct {
		who, token string
		want       int
	}{{"data PI", dataPI, 2}, {"model PI", modelPI, 2}, {"other PI", otherPI, 0}, {"blind coder", ana, 1}, {"admin", ev.admin, 2}} {
		if got := listed(tt.token); got != tt.want {
			t.Errorf("%s lists %d comparisons, want %d", tt.who, got, tt.want)
		}
	}
	if r := ev.do(http.MethodPost, ds+"/unblind", coPI, nil); r.status != 200 {
		t.Fatalf("unblind: %d %s", r.status, r.body)
	}
	if r := ev.do(http.MethodGet, onConsensus, ana, nil); r.status != 200 {
		t.Errorf("coder reads the consensus comparison after unblinding: %d", r.status)
	}
	if got := listed(ana); got != 2 {
		t.Errorf("coder lists %d comparisons after unblinding", got)
	}
}

// TestDatasetNonMembers: every dataset endpoint answers 404 to a PI or a
// coder who is not on the team, and nothing changes.
func TestDatasetNonMembers(t *testing.T) {
	t.Parallel()
	ev := newEnv(t)
	pi, _ := ev.user("pi", "Owner PI")
	otherPI, _ := ev.user("pi", "Other PI")
	outsider, outsiderID := ev.user("coder", "Outside Coder")
	ds := ev.dataset(pi, map[string]any{"name": "Private", "codebook": "3rs-2015"})
	if r := ev.csvPost(ds+"/events", pi, "case,session,coder,segment,code\nP1,1,a,1,W1\nP1,1,b,1,W2\n"); r.status != 200 {
		t.Fatalf("import: %d %s", r.status, r.body)
	}
	if r := ev.csvPost(ds+"/sessions", pi, sessionsHeader+waiRow("P1", 1, "patient", 48, false)); r.status != 200 {
		t.Fatalf("import sessions: %d %s", r.status, r.body)
	}
	if r := ev.do(http.MethodPost, ds+"/selection", pi, map[string]any{}); r.status != 201 {
		t.Fatalf("selection: %d %s", r.status, r.body)
	}
	eventsCSV := "case,session,coder,segment,code\nP1,1,x,1,W1\n"
	endpoints := []struct {
		method, path string
		body         any
		csv          bool
	}{
		{"GET", "", nil, false},
		{"GET", "/members", nil, false},
		{"PUT", "/members", membersBody(member{outsiderID, "coder", "x"}), false},
		{"POST", "/unblind", nil, false},
		{"PUT", "/cases", map[string]any{"rows": []map[string]any{{"label": "P9"}}}, false},
		{"GET", "/cases", nil, false},
		{"POST", "/sessions", sessionsHeader + waiRow("P9", 1, "patient", 48, false), true},
		{"POST", "/sessions", map[string]any{"rows": []map[string]any{{}}}, false},
		{"GET", "/sessions", nil, false},
		{"GET", "/sessions?format=csv", nil, false},
		{"POST", "/events", eventsCSV, true},
		{"POST", "/events", map[string]any{"rows": []map[string]any{{"case": "P1", "session": 1, "coder": "x", "segment": 1, "code": "W1"}}}, false},
		{"GET", "/events", nil, false},
		{"GET", "/events?format=csv", nil, false},
		{"POST", "/selection", map[string]any{}, false},
		{"GET", "/selection", nil, false},
		{"GET", "/reliability?coders=a,b", nil, false},
		{"GET", "/disagreements?coders=a,b", nil, false},
		{"POST", "/consensus", map[string]any{"coders": []string{"a", "b"}, "resolutions": []map[string]any{{"case": "P1", "session": 1, "segment": 1, "codes": []string{"W1"}}}}, false},
	}
	before := ev.datasetSnapshot(ds)
	for _, who := range []struct{ name, token string }{{"other PI", otherPI}, {"outside coder", outsider}} {
		for _, e := range endpoints {
			var r resp
			if e.csv {
				r = ev.do(e.method, ds+e.path, who.token, []byte(e.body.(string)), "Content-Type", "text/csv")
			} else {
				r = ev.do(e.method, ds+e.path, who.token, e.body)
			}
			if r.status != http.StatusNotFound {
				t.Errorf("%s %s %s: got %d, want 404: %s", who.name, e.method, e.path, r.status, r.body)
			}
		}
	}
	if after := ev.datasetSnapshot(ds); after != before {
		t.Errorf("a non-member's request changed something")
	}
	// The admin reaches every one of them.
	for _, e := range endpoints {
		if e.method != "GET" {
			continue
		}
		if r := ev.do(e.method, ds+e.path, ev.admin, nil); r.status != http.StatusOK {
			t.Errorf("admin %s %s: %d %s", e.method, e.path, r.status, r.body)
		}
	}
}

// TestUnblindOnce: of concurrent unblind requests exactly one succeeds and
// is audited; the others are 409.
func TestUnblindOnce(t *testing.T) {
	t.Parallel()
	ev := newEnv(t)
	pi, _ := ev.user("pi", "Owner PI")
	ds := ev.dataset(pi, map[string]any{"name": "Race", "codebook": "3rs-2015"})
	const n = 4
	codes := make(chan int, n)
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			codes <- ev.do(http.MethodPost, ds+"/unblind", pi, nil).status
		}()
	}
	wg.Wait()
	close(codes)
	count := map[int]int{}
	for c := range codes {
		count[c]++
	}
	if count[200] != 1 || count[409] != n-1 {
		t.Errorf("statuses: %v", count)
	}
	if r := ev.do(http.MethodGet, "/api/v1/audit?limit=200", ev.admin, nil); strings.Count(string(r.body), `"dataset.unblind"`) != 1 {
		t.Errorf("want one dataset.unblind audit entry")
	}
}
