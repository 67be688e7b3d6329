package api_test

import (
	"net/http"
	"strconv"
	"strings"
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
	// The audit trail records the team change.
	if r := ev.do(http.MethodGet, "/api/v1/audit?limit=200", ev.admin, nil); !strings.Contains(string(r.body), `"dataset.members"`) {
		t.Errorf("no dataset.members audit entry")
	}
}
