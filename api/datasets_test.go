package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/stagewise/stagewise/workflow/datasets"
	"github.com/stagewise/stagewise/workflow/stats"
)

// csvPost sends a CSV body.
func (ev *env) csvPost(path, token, body string) resp {
	ev.t.Helper()
	return ev.do(http.MethodPost, path, token, []byte(body), "Content-Type", "text/csv")
}

// dataset creates a dataset and returns its path.
func (ev *env) dataset(token string, body map[string]any) string {
	ev.t.Helper()
	r := ev.do(http.MethodPost, "/api/v1/datasets", token, body)
	if r.status != http.StatusCreated {
		ev.t.Fatalf("create dataset: %d %s", r.status, r.body)
	}
	var d struct {
		ID int64 `json:"id"`
	}
	r.json(ev.t, &d)
	return "/api/v1/datasets/" + strconv.FormatInt(d.ID, 10)
}

// datasetSnapshot is everything a rejected request must leave unchanged.
func (ev *env) datasetSnapshot(path string) string {
	ev.t.Helper()
	var b strings.Builder
	b.WriteString(ev.snapshot())
	for _, p := range []string{path, path + "/cases?limit=200", path + "/sessions?format=csv", path + "/events?format=csv", path + "/selection"} {
		r := ev.do(http.MethodGet, p, ev.admin, nil)
		if r.status != http.StatusOK {
			r.body = nil // problems carry a request id
		}
		fmt.Fprintf(&b, "%s %d %s\n", p, r.status, r.body)
	}
	return b.String()
}

type problemBody struct {
	Status int `json:"status"`
	Errors []struct {
		Field   string `json:"field"`
		Message string `json:"message"`
	} `json:"errors"`
}

func fieldsOf(t *testing.T, r resp) []string {
	t.Helper()
	var p problemBody
	r.json(t, &p)
	out := make([]string, len(p.Errors))
	for i, e := range p.Errors {
		out[i] = e.Field
	}
	return out
}

// waiRow writes a sessions CSV row whose scored items (default reverse
// keying: items 4 and 10 answered as 8 − x) sum to total.
func waiRow(c string, n int, rater string, total int, rupture bool) string {
	items := make([]string, 12)
	for i := range 12 {
		// Spread total over twelve items, 1-7 each.
		x := total / 12
		if i < total%12 {
			x++
		}
		if i == 3 || i == 9 {
			x = 8 - x
		}
		items[i] = strconv.Itoa(x)
	}
	r := "0,,"
	if rupture {
		r = "1,3,4"
	}
	return fmt.Sprintf("%s,%d,%s,%s,%s\n", c, n, rater, strings.Join(items, ","), r)
}

const sessionsHeader = "case,session,rater,wai1,wai2,wai3,wai4,wai5,wai6,wai7,wai8,wai9,wai10,wai11,wai12,rupture,intensity,resolution\n"

func TestDatasetCreateAndRoles(t *testing.T) {
	t.Parallel()
	ev := newEnv(t)
	pi, _ := ev.user("pi", "Owner PI")
	otherPI, _ := ev.user("pi", "Other PI")
	coder, coderID := ev.user("coder", "A Coder")
	panelist, _ := ev.user("panelist", "A Panelist")
	client, _ := ev.user("client", "A Client")

	ds := ev.dataset(pi, map[string]any{"name": "Trial", "codebook": "3rs-2015"})
	ev.members(pi, ds, member{coderID, "coder", "ac"})
	var d struct {
		CodebookName string           `json:"codebook_name"`
		Codebook     []map[string]any `json:"codebook"`
		ReverseKeyed []int            `json:"reverse_keyed"`
		Coders       []any            `json:"coders"`
	}
	ev.do(http.MethodGet, ds, coder, nil).json(t, &d)
	if d.CodebookName != "3rs-2015" || len(d.Codebook) != 24 || !cmp.Equal(d.ReverseKeyed, []int{4, 10}) || d.Coders == nil {
		t.Errorf("dataset: %+v", d)
	}
	custom := ev.dataset(otherPI, map[string]any{"name": "Custom", "reverse_keyed": []int{}, "codebook": []map[string]any{
		{"code": "A", "family": "f1", "label": "first"}, {"code": "B", "family": "f2"}}})

	valid := sessionsHeader + waiRow("P1", 1, "patient", 48, false)
	tests := []struct {
		name, method, path, token string
		body                      any
		csv                       bool
		want                      int
		fields                    []string
	}{
		{"unknown builtin", "POST", "/api/v1/datasets", pi, map[string]any{"name": "x", "codebook": "3rs-2022"}, false, 422, []string{"codebook"}},
		{"bad custom codebook", "POST", "/api/v1/datasets", pi, map[string]any{"name": "", "codebook": []map[string]any{{"code": "A", "family": ""}, {"code": "a", "family": "f", "extra": 1}}}, false, 422, []string{"codebook[1].extra"}},
		{"bad custom codes", "POST", "/api/v1/datasets", pi, map[string]any{"name": "", "codebook": []map[string]any{{"code": "A", "family": ""}, {"code": "a", "family": "f"}}, "reverse_keyed": []int{4, 13, 4}}, false, 422,
			[]string{"name", "codebook[0].family", "codebook[1].code", "reverse_keyed[1]", "reverse_keyed[2]"}},
		{"no codebook", "POST", "/api/v1/datasets", pi, map[string]any{"name": "x"}, false, 422, []string{"codebook"}},
		{"server-owned id", "POST", "/api/v1/datasets", pi, map[string]any{"id": 3, "name": "x", "codebook": "3rs-2015"}, false, 422, []string{"id"}},
		{"panelist creates", "POST", "/api/v1/datasets", panelist, map[string]any{"name": "x", "codebook": "3rs-2015"}, false, 403, nil},
		{"client creates", "POST", "/api/v1/datasets", client, map[string]any{"name": "x", "codebook": "3rs-2015"}, false, 403, nil},
		{"panelist lists", "GET", "/api/v1/datasets", panelist, nil, false, 403, nil},
		{"client reads", "GET", ds, client, nil, false, 403, nil},
		{"client sessions", "GET", ds + "/sessions", client, nil, false, 403, nil},
		{"panelist events", "GET", ds + "/events", panelist, nil, false, 403, nil},
		{"panelist reliability", "GET", ds + "/reliability?coders=a,b", panelist, nil, false, 403, nil},
		{"panelist imports", "POST", ds + "/sessions", panelist, valid, true, 403, nil},
		{"client imports", "POST", ds + "/events", client, "case,session,coder,segment,code\nP1,1,c,1,W1\n", true, 403, nil},
		{"coder creates", "POST", "/api/v1/datasets", coder, map[string]any{"name": "x", "codebook": "3rs-2015"}, false, 403, nil},
		{"other PI imports", "POST", ds + "/sessions", otherPI, valid, true, 404, nil},
		{"coder member imports sessions", "POST", ds + "/sessions", coder, valid, true, 403, nil},
		{"other PI selects", "POST", ds + "/selection", otherPI, map[string]any{}, false, 404, nil},
		{"other PI reads", "GET", ds + "/sessions", otherPI, nil, false, 404, nil},
		{"coder reads", "GET", ds + "/cases", coder, nil, false, 200, nil},
		{"coder not on the team", "GET", custom, coder, nil, false, 404, nil},
		{"unknown dataset", "GET", "/api/v1/datasets/999", pi, nil, false, 404, nil},
		{"not an id", "GET", "/api/v1/datasets/abc", pi, nil, false, 404, nil},
		{"import into unknown", "POST", "/api/v1/datasets/999/sessions", pi, valid, true, 404, nil},
		{"no token", "GET", "/api/v1/datasets", "", nil, false, 401, nil},
		{"creating PI imports", "POST", custom + "/sessions", otherPI, valid, true, 200, nil},
		{"admin imports", "POST", ds + "/sessions", ev.admin, valid, true, 200, nil},
		{"stats as panelist", "POST", "/api/v1/stats/reliability", panelist, map[string]any{"method": "percent_agreement", "data": [][]int{{1, 2}, {1, 2}}}, false, 200, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var r resp
			if tt.csv {
				r = ev.do(tt.method, tt.path, tt.token, []byte(tt.body.(string)), "Content-Type", "text/csv")
			} else {
				r = ev.do(tt.method, tt.path, tt.token, tt.body)
			}
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
	var l struct {
		Items []struct {
			Name     string `json:"name"`
			Sessions int    `json:"sessions"`
		} `json:"items"`
	}
	ev.do(http.MethodGet, "/api/v1/datasets", coder, nil).json(t, &l)
	if len(l.Items) != 1 || l.Items[0].Name != "Trial" || l.Items[0].Sessions != 1 {
		t.Errorf("coder's list: %+v", l)
	}
	ev.do(http.MethodGet, "/api/v1/datasets", ev.admin, nil).json(t, &l)
	if len(l.Items) != 2 {
		t.Errorf("admin's list: %+v", l)
	}
}

// TestDatasetBadFiles is the catalogue of bad files: each gets its status
// with every bad row and column named, and nothing is stored.
func TestDatasetBadFiles(t *testing.T) {
	t.Parallel()
	ev := newEnv(t)
	pi, _ := ev.user("pi", "PI")
	ds := ev.dataset(pi, map[string]any{"name": "Trial", "codebook": "3rs-2015"})
	// Something stored already, so that "nothing changed" is visible.
	if r := ev.csvPost(ds+"/sessions", pi, sessionsHeader+waiRow("P1", 1, "patient", 48, false)); r.status != 200 {
		t.Fatalf("setup: %d %s", r.status, r.body)
	}
	if r := ev.csvPost(ds+"/events", pi, "case,session,coder,segment,code\nP1,1,c,1,W1\n"); r.status != 200 {
		t.Fatalf("setup: %d %s", r.status, r.body)
	}
	random := make([]byte, 10<<20)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range random {
		random[i] = byte(rng.UintN(256))
	}
	evHeader := "case,session,coder,segment,onset,code,salience\n"
	tests := []struct {
		name, kind, body, ctype string
		want                    int
		fields                  []string // a prefix of the problem fields
	}{
		{"wrong header", "events", "case,session,coder,segment,kode,extra\nP1,1,c,1,W1,x\n", "", 422, []string{"line[1].kode", "line[1].extra", "line[1].code"}},
		{"missing columns", "sessions", "case,session,rater,wai1\nP1,1,patient,3\n", "", 422, []string{"line[1].wai2"}},
		{"non-number", "events", evHeader + "P1,x,c,1,,W1,\nP1,1,c,1.5,abc,W1,\n", "", 422, []string{"line[2].session", "line[3].segment", "line[3].onset"}},
		{"out of range", "sessions", sessionsHeader + strings.Replace(waiRow("P2", 1, "patient", 48, false), ",4,", ",9,", 1) + "P2,0,doctor,1,1,1,1,1,1,1,1,1,1,1,1,2,6,\n", "", 422,
			[]string{"line[2].wai1", "line[3].session", "line[3].rater", "line[3].rupture", "line[3].intensity"}},
		{"unknown code", "events", evHeader + "P1,2,c,1,,W1,\nP1,2,c,2,,RS11,\nP1,2,c,3,,w1,6\n", "", 422, []string{"line[3].code", "line[4].code", "line[4].salience"}},
		{"duplicate row", "events", evHeader + "P1,2,c,1,1.5,W1,\nP1,2,c,1,1.50,W1,\n", "", 422, []string{"line[3]"}},
		{"duplicate report", "sessions", sessionsHeader + waiRow("P2", 1, "patient", 48, false) + waiRow("P2", 1, "Patient", 50, false), "", 422, []string{"line[3]"}},
		{"empty file", "events", "", "", 400, nil},
		{"blank lines only", "events", "\r\n\n", "", 422, []string{"line[1]"}},
		{"header only", "events", evHeader, "", 422, []string{"line[1]"}},
		// api.md: malformed CSV is 400 (still naming where), well-formed but invalid 422.
		{"random bytes", "events", string(random), "", 400, []string{"line[1]"}},
		{"mixed line ends", "events", "case,session,coder,segment,code\r\nP1,2,c,1,W1\rP1,2,c,x,W2\nP1,2,c,3,W9\r\n", "", 422, []string{"line[3].segment", "line[4].code"}},
		{"BOM with a bad row", "events", "\ufeffcase,session,coder,segment,code\r\nP1,2,c,1,RS04\r\nP1,2,,2,RS09\r\n", "", 422, []string{"line[3].coder"}},
		{"bare quote", "events", evHeader + "P1,2,c,1,,W\"1,\n", "", 400, []string{"line[2]"}},
		{"invalid UTF-8", "events", evHeader + "P1,2,c\xff,1,,W1,\n", "", 400, []string{"line[2].coder"}},
		{"NUL byte", "events", evHeader + "P1,2,c\x00,1,,W1,\n", "", 400, []string{"line[2].coder"}},
		{"not CSV", "events", "case,session\n", "application/xml", 415, nil},
		{"no content type", "events", "case,session\n", "-", 415, nil},
		{"JSON bad rows", "events", `{"rows": [{"case": "P1", "session": 2, "coder": "c", "segment": 1, "code": "W1"}, {"case": "P1", "session": 0, "coder": "c", "segment": 1, "code": "X"}, {}]}`, "application/json", 422, []string{"rows[2]"}},
		{"JSON rows problems", "events", `{"rows": [{"case": "P1", "session": 2, "coder": "c", "segment": 1, "code": "W1"}, {"case": "P1", "session": 0, "coder": "c", "segment": 1, "code": "X"}, {"case": "P1", "session": 2, "coder": "c", "segment": 1, "code": "W1"}]}`, "application/json", 422,
			[]string{"rows[1].session", "rows[1].code", "rows[2]"}},
		{"JSON sessions problems", "sessions", `{"rows": [{"case": "P1", "session": 2, "rater": "patient", "wai1": 8, "rupture": true}]}`, "application/json", 422, []string{"rows[0].wai1", "rows[0].wai2"}},
		{"JSON no rows", "sessions", `{"rows": []}`, "application/json", 422, []string{"rows"}},
		{"JSON unknown field", "sessions", `{"rows": [{"case": "P1", "wai13": 1}]}`, "application/json", 422, []string{"rows[0].wai13"}},
		{"JSON malformed", "sessions", `{"rows": [`, "application/json", 400, nil},
	}
	before := ev.datasetSnapshot(ds)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var hdr []string
			switch tt.ctype {
			case "":
				hdr = []string{"Content-Type", "text/csv"}
			case "-":
				hdr = []string{"Content-Type", ""}
			default:
				hdr = []string{"Content-Type", tt.ctype}
			}
			r := ev.do(http.MethodPost, ds+"/"+tt.kind, pi, []byte(tt.body), hdr...)
			if r.status != tt.want {
				t.Fatalf("got %d, want %d: %.500s", r.status, tt.want, r.body)
			}
			if got := fieldsOf(t, r); len(got) < len(tt.fields) || (len(tt.fields) > 0 && !cmp.Equal(got[:len(tt.fields)], tt.fields)) {
				t.Errorf("fields: got %v, want a prefix %v\n%.800s", got, tt.fields, r.body)
			}
			if after := ev.datasetSnapshot(ds); after != before {
				t.Errorf("a rejected import changed the dataset:\n%s", cmp.Diff(before, after))
			}
		})
	}
	// Over the body limit (32 MiB for JSON rows): 413, nothing stored.
	big := append([]byte(`{"rows": [{"case": "`), bytes.Repeat([]byte("x"), 33<<20)...)
	if r := ev.do(http.MethodPost, ds+"/events", pi, append(big, `"}]}`...)); r.status != http.StatusRequestEntityTooLarge {
		t.Errorf("over the limit: %d %.300s", r.status, r.body)
	}
	if after := ev.datasetSnapshot(ds); after != before {
		t.Errorf("a rejected import changed the dataset")
	}
}

// TestDatasetImportRoundTrip: WAI scoring, re-import idempotency, the JSON
// alternative and CSV exports that re-import to the same data.
func TestDatasetImportRoundTrip(t *testing.T) {
	t.Parallel()
	ev := newEnv(t)
	pi, _ := ev.user("pi", "PI")
	ds := ev.dataset(pi, map[string]any{"name": "Trial", "codebook": "3rs-2015"})
	// Items 1..12 = 1,2,3,4,5,6,7,1,2,3,4,5; items 4 and 10 reversed → 4 and 5.
	// task 1,2,10,12 = 1+2+5+5 = 13; goal 4,6,8,11 = 4+6+1+4 = 15; bond 3,5,7,9 = 3+5+7+2 = 17.
	sessions := "\ufeffCase, Session ,RATER,wai1,wai2,wai3,wai4,wai5,wai6,wai7,wai8,wai9,wai10,wai11,wai12,rupture,intensity,resolution\r\n" +
		"P1,1,patient,1,2,3,4,5,6,7,1,2,3,4,5,1,3,\r\n" +
		"P1,1,therapist,4,4,4,4,4,4,4,4,4,4,4,4,0,,\r\n" +
		"\"P,2\",1,patient,7,7,7,1,7,7,7,7,7,1,7,7,0,,\r\n"
	r := ev.csvPost(ds+"/sessions", pi, sessions)
	want := map[string]int{"imported": 3, "replaced": 0, "cases_created": 2, "sessions_created": 2}
	var got map[string]int
	r.json(t, &got)
	if d := cmp.Diff(want, got); d != "" {
		t.Fatalf("import (-want +got):\n%s", d)
	}
	// The same file again replaces the three reports and changes nothing else.
	exp1 := ev.do(http.MethodGet, ds+"/sessions?format=csv", pi, nil)
	ev.csvPost(ds+"/sessions", pi, sessions).json(t, &got)
	if d := cmp.Diff(map[string]int{"imported": 3, "replaced": 3, "cases_created": 0, "sessions_created": 0}, got); d != "" {
		t.Errorf("re-import (-want +got):\n%s", d)
	}
	if exp2 := ev.do(http.MethodGet, ds+"/sessions?format=csv", pi, nil); !bytes.Equal(exp1.body, exp2.body) {
		t.Errorf("re-import changed the data:\n%s\n%s", exp1.body, exp2.body)
	}
	var l struct {
		Items []struct {
			Case    string `json:"case"`
			Session int    `json:"session"`
			Reports []struct {
				Rater     string  `json:"rater"`
				Total     int     `json:"wai_total"`
				Mean      float64 `json:"wai_mean"`
				Task      int     `json:"task"`
				Goal      int     `json:"goal"`
				Bond      int     `json:"bond"`
				Intensity *int    `json:"intensity"`
			} `json:"reports"`
		} `json:"items"`
	}
	ev.do(http.MethodGet, ds+"/sessions", pi, nil).json(t, &l)
	if len(l.Items) != 2 || len(l.Items[0].Reports) != 2 {
		t.Fatalf("sessions: %+v", l)
	}
	p := l.Items[0].Reports[0]
	if p.Rater != "patient" || p.Task != 13 || p.Goal != 15 || p.Bond != 17 || p.Total != 45 || math.Abs(p.Mean-3.75) > 1e-12 || p.Intensity == nil || *p.Intensity != 3 {
		t.Errorf("patient scores: %+v", p)
	}
	if th := l.Items[0].Reports[1]; th.Total != 48 || th.Mean != 4 {
		t.Errorf("therapist scores: %+v", th)
	}
	if q := l.Items[1].Reports[0]; l.Items[1].Case != "P,2" || q.Total != 84 {
		t.Errorf("case with a comma: %+v", l.Items[1])
	}
	want1 := sessionsHeader[:len(sessionsHeader)-1]
	if !strings.HasPrefix(string(exp1.body), want1+"\n") || exp1.header.Get("Content-Type") != "text/csv; charset=utf-8" {
		t.Errorf("sessions export: %q", exp1.body)
	}

	// Events: CSV, then a JSON re-import of one (case, session, coder)
	// replaces exactly those events.
	events := "case,session,coder,segment,onset,code,salience\n" +
		"P1,1,consensus,1,10.5,W2,3\n" +
		"P1,1,consensus,2,,RS04,\n" +
		"P1,1,coder2,1,10,W2,\n" +
		"P1,2,consensus,1,1e1,C1,5\n"
	ev.csvPost(ds+"/events", pi, events).json(t, &got)
	if d := cmp.Diff(map[string]int{"imported": 4, "replaced": 0, "cases_created": 0, "sessions_created": 1}, got); d != "" {
		t.Errorf("events import (-want +got):\n%s", d)
	}
	ev.csvPost(ds+"/events", pi, events).json(t, &got)
	if got["imported"] != 4 || got["replaced"] != 4 {
		t.Errorf("events re-import: %v", got)
	}
	exportE := ev.do(http.MethodGet, ds+"/events?format=csv", pi, nil)
	wantE := "case,session,coder,segment,onset,code,salience\n" +
		"P1,1,coder2,1,10,W2,\n" +
		"P1,1,consensus,1,10.5,W2,3\n" +
		"P1,1,consensus,2,,RS04,\n" +
		"P1,2,consensus,1,10,C1,5\n"
	if string(exportE.body) != wantE {
		t.Errorf("events export:\n%s\nwant:\n%s", exportE.body, wantE)
	}
	r = ev.do(http.MethodPost, ds+"/events", pi, map[string]any{"rows": []map[string]any{
		{"case": "P1", "session": 1, "coder": "consensus", "segment": 3, "code": "RS10"},
	}})
	r.json(t, &got)
	if got["imported"] != 1 || got["replaced"] != 2 {
		t.Errorf("JSON events import: %s", r.body)
	}
	var el struct {
		Items []struct {
			Code  string `json:"code"`
			Coder string `json:"coder"`
		} `json:"items"`
	}
	ev.do(http.MethodGet, ds+"/events?coder=consensus&case=P1", pi, nil).json(t, &el)
	if len(el.Items) != 2 || el.Items[1].Code != "RS10" {
		t.Errorf("filtered events: %+v", el)
	}
	// Pagination: a full page has a cursor that leads to the rest.
	var page struct {
		Items      []any  `json:"items"`
		NextCursor string `json:"next_cursor"`
	}
	ev.do(http.MethodGet, ds+"/events?limit=2", pi, nil).json(t, &page)
	if len(page.Items) != 2 || page.NextCursor == "" {
		t.Fatalf("page 1: %+v", page)
	}
	cursor := page.NextCursor
	page.NextCursor = ""
	ev.do(http.MethodGet, ds+"/events?limit=2&cursor="+cursor, pi, nil).json(t, &page)
	if len(page.Items) != 1 || page.NextCursor != "" {
		t.Errorf("page 2: %+v", page)
	}

	// Exports round-trip into a fresh dataset.
	copyDS := ev.dataset(pi, map[string]any{"name": "Copy", "codebook": "3rs-2015"})
	exportS := ev.do(http.MethodGet, ds+"/sessions?format=csv", pi, nil)
	exportE = ev.do(http.MethodGet, ds+"/events?format=csv", pi, nil)
	if r := ev.csvPost(copyDS+"/sessions", pi, string(exportS.body)); r.status != 200 {
		t.Fatalf("re-import sessions: %d %s", r.status, r.body)
	}
	if r := ev.csvPost(copyDS+"/events", pi, string(exportE.body)); r.status != 200 {
		t.Fatalf("re-import events: %d %s", r.status, r.body)
	}
	if s2 := ev.do(http.MethodGet, copyDS+"/sessions?format=csv", pi, nil); !bytes.Equal(s2.body, exportS.body) {
		t.Errorf("sessions round trip:\n%s\n%s", exportS.body, s2.body)
	}
	if e2 := ev.do(http.MethodGet, copyDS+"/events?format=csv", pi, nil); !bytes.Equal(e2.body, exportE.body) {
		t.Errorf("events round trip:\n%s\n%s", exportE.body, e2.body)
	}
	// Cases can be described; the list counts their sessions.
	if r := ev.do(http.MethodPut, ds+"/cases", pi, map[string]any{"rows": []map[string]any{{"label": "P1", "treatment": "CBT", "outcome": "improved"}, {"label": "P3"}}}); r.status != 200 {
		t.Fatalf("cases: %d %s", r.status, r.body)
	}
	var cl struct {
		Items []struct {
			Label     string `json:"label"`
			Treatment string `json:"treatment"`
			Sessions  int    `json:"sessions"`
		} `json:"items"`
	}
	ev.do(http.MethodGet, ds+"/cases", pi, nil).json(t, &cl)
	if len(cl.Items) != 3 || cl.Items[0].Treatment != "CBT" || cl.Items[0].Sessions != 2 || cl.Items[2].Label != "P3" {
		t.Errorf("cases: %+v", cl)
	}
}

// selectionCSV is the synthetic dataset of workflow/dataset's tests, as
// sessions CSV (means are totals / 12). Case A: A4 (+0.75 +0.50 = 1.25) and
// A2 (+0.50 +0.25 = 0.75) beat A6 (0.5); A3 reports a rupture but the
// alliance fell (a decoy). Case B: B2 and B4 tie at +0.5 +0.5; the earlier
// wins when k = 1.
func selectionCSV() string {
	type s struct {
		c      string
		n      int
		p, t   int
		pr, tr bool
	}
	rows := []s{
		{"A", 1, 48, 60, false, false}, {"A", 2, 54, 63, true, false}, {"A", 3, 51, 60, false, true},
		{"A", 4, 60, 66, true, false}, {"A", 5, 63, 72, false, false}, {"A", 6, 66, 75, true, true},
		{"B", 1, 40, 50, false, false}, {"B", 2, 46, 56, true, false}, {"B", 3, 43, 50, false, false},
		{"B", 4, 49, 56, false, true}, {"B", 5, 50, 57, false, true},
	}
	var b strings.Builder
	b.WriteString(sessionsHeader)
	for _, r := range rows {
		b.WriteString(waiRow(r.c, r.n, "patient", r.p, r.pr))
		b.WriteString(waiRow(r.c, r.n, "therapist", r.t, r.tr))
	}
	return b.String()
}

func TestDatasetSelection(t *testing.T) {
	t.Parallel()
	ev := newEnv(t)
	pi, _ := ev.user("pi", "PI")
	ds := ev.dataset(pi, map[string]any{"name": "Synthetic", "codebook": "3rs-2015"})
	if r := ev.do(http.MethodGet, ds+"/selection", pi, nil); r.status != 404 {
		t.Fatalf("no selection yet: %d", r.status)
	}
	if r := ev.csvPost(ds+"/sessions", pi, selectionCSV()); r.status != 200 {
		t.Fatalf("import: %d %s", r.status, r.body)
	}
	type sel struct {
		Rule     string         `json:"rule"`
		Params   map[string]any `json:"params"`
		Selected []struct {
			Case    string  `json:"case"`
			Session int     `json:"session"`
			Score   float64 `json:"score"`
			Reason  string  `json:"reason"`
		} `json:"selected"`
	}
	keys := func(s sel) string {
		var out []string
		for _, x := range s.Selected {
			out = append(out, fmt.Sprintf("%s%d:%g", x.Case, x.Session, x.Score))
		}
		return strings.Join(out, " ")
	}
	tests := []struct {
		name   string
		body   map[string]any
		status int
		want   string
		params map[string]any
	}{
		{"defaults", map[string]any{}, 201, "A2:0.75 A4:1.25 B2:1 B4:1", map[string]any{"k": 2.0}},
		{"k=1 breaks the tie to the earlier session", map[string]any{"rule": "rise_after_rupture", "params": map[string]any{"k": 1}}, 201, "A4:1.25 B2:1", map[string]any{"k": 1.0}},
		{"k=0 keeps every candidate, never the decoy", map[string]any{"params": map[string]any{"k": 0}}, 201, "A2:0.75 A4:1.25 A6:0.5 B2:1 B4:1 B5:0.166667", map[string]any{"k": 0.0}},
		// Case B, patient: mean 3.8, SD 0.3469; B1 (3.333) is 1.346 SD below and
		// B2 (3.833) is back above the mean. Therapist: mean 4.4833, SD 0.2910;
		// B3 (4.1667) is 1.088 SD below, B4 (4.6667) back above. B1's
		// therapist dip is the same depth as B3's, so the patient's counts.
		{"v_shape defaults", map[string]any{"rule": "v_shape"}, 201, "B1:1.346372 B3:1.087937", map[string]any{"z": 1.0, "raters": "either"}},
		{"wrong parameter", map[string]any{"rule": "v_shape", "params": map[string]any{"k": 2, "z": -1}}, 422, "", nil},
		{"unknown rule", map[string]any{"rule": "best"}, 422, "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := ev.do(http.MethodPost, ds+"/selection", pi, tt.body)
			if r.status != tt.status {
				t.Fatalf("got %d, want %d: %s", r.status, tt.status, r.body)
			}
			if r.status != 201 {
				return
			}
			var s sel
			r.json(t, &s)
			if got := keys(s); got != tt.want {
				t.Errorf("selected %q, want %q", got, tt.want)
			}
			if d := cmp.Diff(tt.params, s.Params); d != "" {
				t.Errorf("params (-want +got):\n%s", d)
			}
			var latest sel
			ev.do(http.MethodGet, ds+"/selection", pi, nil).json(t, &latest)
			if d := cmp.Diff(s, latest); d != "" {
				t.Errorf("GET is not the latest (-want +got):\n%s", d)
			}
		})
	}
	r := ev.do(http.MethodPost, ds+"/selection", pi, map[string]any{"rule": "v_shape", "params": map[string]any{"k": 2, "z": -1}})
	if d := cmp.Diff([]string{"params.k", "params.z"}, fieldsOf(t, r)); d != "" {
		t.Errorf("fields (-want +got):\n%s", d)
	}
	var s sel
	ev.do(http.MethodPost, ds+"/selection", pi, map[string]any{"params": map[string]any{"k": 2}}).json(t, &s)
	if s.Selected[0].Reason != "rupture reported by patient; patient WAI 4.00→4.50 (+0.50), therapist 5.00→5.25 (+0.25)" {
		t.Errorf("reason: %q", s.Selected[0].Reason)
	}
}

func f64(v float64) *float64 { return &v }

func TestDatasetReliability(t *testing.T) {
	t.Parallel()
	ev := newEnv(t)
	pi, _ := ev.user("pi", "PI")
	ds := ev.dataset(pi, map[string]any{"name": "IRR", "codebook": "3rs-2015"})
	// Units: S1 segments 1-3, S2 segments 1-2 (S3 is coded by A only).
	events := "case,session,coder,segment,code\n" +
		"S,1,A,1,W1\nS,1,B,1,W2\n" +
		"S,1,A,2,RS04\nS,1,B,2,RS04\n" +
		"S,1,A,3,RS09\n" +
		"S,2,A,1,C1\nS,2,B,1,C1\n" +
		"S,2,A,2,RS02\nS,2,B,2,RS01\n" +
		"S,3,A,1,W1\n" +
		"T,1,C,1,W1\n"
	if r := ev.csvPost(ds+"/events", pi, events); r.status != 200 {
		t.Fatalf("import: %d %s", r.status, r.body)
	}
	type agreement struct {
		Family            string   `json:"family"`
		Code              string   `json:"code"`
		Units             int      `json:"units"`
		Both              int      `json:"both"`
		OnlyA             int      `json:"only_a"`
		OnlyB             int      `json:"only_b"`
		Neither           int      `json:"neither"`
		PercentAgreement  *float64 `json:"percent_agreement"`
		CohenKappa        *float64 `json:"cohen_kappa"`
		KrippendorffAlpha *float64 `json:"krippendorff_alpha"`
		ICC               *float64 `json:"icc"`
		Note              string   `json:"note"`
	}
	var rep struct {
		Coders        []string    `json:"coders"`
		Units         int         `json:"units"`
		Sessions      int         `json:"sessions"`
		SessionsOnlyA int         `json:"sessions_only_a"`
		Overall       agreement   `json:"overall"`
		Families      []agreement `json:"families"`
		Codes         []agreement `json:"codes"`
	}
	r := ev.do(http.MethodGet, ds+"/reliability?coders=A,%20B", pi, nil)
	if r.status != 200 {
		t.Fatalf("%d %s", r.status, r.body)
	}
	r.json(t, &rep)
	if rep.Units != 5 || rep.Sessions != 2 || rep.SessionsOnlyA != 1 || !cmp.Equal(rep.Coders, []string{"A", "B"}) {
		t.Errorf("report: %+v", rep)
	}
	approx := cmp.Comparer(func(a, b float64) bool { return math.Abs(a-b) < 1e-9 })
	// Hand-computed. Resolution: A present in units 2, 3, 5, B in 2, 5:
	// p_o = 4/5; p_e = 0.6·0.4 + 0.4·0.6 = 0.48; κ = 0.32/0.52.
	// α: n_0 = n_1 = 5 coincidences, 1 disagreeing unit: 1 − 9·1/25 = 0.64.
	wantFam := []agreement{
		{Family: "withdrawal", Units: 5, Both: 1, Neither: 4, PercentAgreement: f64(1), CohenKappa: f64(1), KrippendorffAlpha: f64(1), ICC: f64(1)},
		{Family: "confrontation", Units: 5, Both: 1, Neither: 4, PercentAgreement: f64(1), CohenKappa: f64(1), KrippendorffAlpha: f64(1), ICC: f64(1)},
		{Family: "resolution", Units: 5, Both: 2, OnlyA: 1, Neither: 2, PercentAgreement: f64(0.8), CohenKappa: f64(0.32 / 0.52), KrippendorffAlpha: f64(0.64)},
	}
	// ICC of resolution counts: A (2, 1), B (1, 1).
	icc, _, err := stats.ICC([][]float64{{2, 1}, {1, 1}}, stats.ICC21)
	if err != nil {
		t.Fatal(err)
	}
	wantFam[2].ICC = &icc
	if d := cmp.Diff(wantFam, rep.Families, approx); d != "" {
		t.Errorf("families (-want +got):\n%s", d)
	}
	// Codes either coder used, in codebook order. W1: A only in unit 1:
	// p_o = 0.8, p_e = 0.8, κ = 0; α = 1 − 9·1/(9·1) = 0.
	var codes []string
	for _, c := range rep.Codes {
		codes = append(codes, c.Code)
		if c.Code == "W1" {
			if *c.PercentAgreement != 0.8 || math.Abs(*c.CohenKappa) > 1e-12 || math.Abs(*c.KrippendorffAlpha) > 1e-12 {
				t.Errorf("W1: %+v", c)
			}
			// Per-session counts: A (1, 0), B (0, 0).
			want, _, _ := stats.ICC([][]float64{{1, 0}, {0, 0}}, stats.ICC21)
			if c.ICC == nil || math.Abs(*c.ICC-want) > 1e-12 {
				t.Errorf("W1 ICC: %+v", c)
			}
		}
		if c.Code == "RS04" && (c.CohenKappa == nil || *c.CohenKappa != 1) {
			t.Errorf("RS04: %+v", c)
		}
	}
	if d := cmp.Diff([]string{"W1", "W2", "C1", "RS01", "RS02", "RS04", "RS09"}, codes); d != "" {
		t.Errorf("codes (-want +got):\n%s", d)
	}
	// Overall pools the three families over 5 units: 4 both, 1 only A, 10 neither.
	if o := rep.Overall; o.Units != 15 || o.Both != 4 || o.OnlyA != 1 || o.Neither != 10 || math.Abs(*o.PercentAgreement-14.0/15) > 1e-12 {
		t.Errorf("overall: %+v", o)
	}

	bad := []struct {
		query  string
		status int
	}{
		{"", 422}, {"?coders=A", 422}, {"?coders=A,A", 422}, {"?coders=A,B,C", 422}, {"?coders=A,nobody", 422},
	}
	for _, b := range bad {
		if r := ev.do(http.MethodGet, ds+"/reliability"+b.query, pi, nil); r.status != b.status {
			t.Errorf("%q: %d %s", b.query, r.status, r.body)
		}
	}
	// Coders who never coded the same session: a documented answer, no NaN.
	r = ev.do(http.MethodGet, ds+"/reliability?coders=A,C", pi, nil)
	if r.status != 200 || bytes.Contains(r.body, []byte("NaN")) {
		t.Fatalf("%d %s", r.status, r.body)
	}
	r.json(t, &rep)
	if rep.Sessions != 0 || rep.Overall.PercentAgreement != nil || !strings.Contains(rep.Overall.Note, "no session was coded by both coders") || len(rep.Families) != 3 {
		t.Errorf("no overlap: %s", r.body)
	}
}

func TestStatsReliability(t *testing.T) {
	t.Parallel()
	ev := newEnv(t)
	coder, _ := ev.user("coder", "C")
	// irr's anxiety data, raters 2 and 3 (domain.md).
	r2 := []float64{3, 6, 4, 6, 2, 4, 2, 4, 3, 3, 2, 3, 3, 3, 2, 2, 1, 3, 3, 4}
	r3 := []float64{2, 1, 4, 4, 3, 2, 1, 6, 1, 1, 1, 2, 3, 3, 1, 1, 3, 3, 2, 2}
	for _, tt := range []struct {
		weights string
		want    float64
	}{{"", -0.006289308}, {"equal", 0.1459075}, {"squared", 0.2520325}} {
		var res struct {
			Method  string         `json:"method"`
			Value   *float64       `json:"value"`
			NUnits  int            `json:"n_units"`
			NRaters int            `json:"n_raters"`
			Details map[string]any `json:"details"`
		}
		r := ev.do(http.MethodPost, "/api/v1/stats/reliability", coder, map[string]any{"method": "cohen_kappa", "weights": tt.weights, "data": [][]float64{r2, r3}})
		if r.status != 200 {
			t.Fatalf("%d %s", r.status, r.body)
		}
		r.json(t, &res)
		if res.Value == nil || math.Abs(*res.Value-tt.want) > 1e-6 || res.NUnits != 20 || res.NRaters != 2 {
			t.Errorf("weights %q: %s", tt.weights, r.body)
		}
	}
	// Krippendorff's α with missing values (fast-krippendorff's example).
	star := math.NaN()
	rows := [][]float64{
		{star, star, star, star, star, 3, 4, 1, 2, 1, 1, 3, 3, star, 3},
		{1, star, 2, 1, 3, 3, 4, 3, star, star, star, star, star, star, star},
		{star, star, 2, 1, 3, 4, 4, star, 2, 1, 1, 3, 3, star, 4},
	}
	data := make([][]*float64, len(rows))
	for i, row := range rows {
		for _, x := range row {
			if math.IsNaN(x) {
				data[i] = append(data[i], nil)
			} else {
				data[i] = append(data[i], f64(x))
			}
		}
	}
	for level, want := range map[string]float64{"nominal": 0.691358, "interval": 0.810845} {
		var res struct {
			Value *float64 `json:"value"`
		}
		ev.do(http.MethodPost, "/api/v1/stats/reliability", coder, map[string]any{"method": "krippendorff_alpha", "level": level, "data": data}).json(t, &res)
		if res.Value == nil || math.Abs(*res.Value-want) > 1e-6 {
			t.Errorf("alpha %s: %v", level, res.Value)
		}
	}
	// Degenerate: everyone uses one value → 200, value null, a note.
	r := ev.do(http.MethodPost, "/api/v1/stats/reliability", coder, map[string]any{"method": "cohen_kappa", "data": [][]int{{2, 2, 2}, {2, 2, 2}}})
	var res struct {
		Value   *float64       `json:"value"`
		Details map[string]any `json:"details"`
	}
	r.json(t, &res)
	if r.status != 200 || res.Value != nil || res.Details["note"] == nil {
		t.Errorf("degenerate: %d %s", r.status, r.body)
	}
	for _, m := range stats.Methods {
		r := ev.do(http.MethodPost, "/api/v1/stats/reliability", coder, map[string]any{"method": m, "data": [][]any{{1, nil}, {nil, 1}}})
		if r.status != 200 || bytes.Contains(r.body, []byte("NaN")) {
			t.Errorf("%s on no pairable unit: %d %s", m, r.status, r.body)
		}
	}
	// Invalid: every field named.
	r = ev.do(http.MethodPost, "/api/v1/stats/reliability", coder, map[string]any{"method": "kappa", "level": "weird", "data": [][]any{{1, 2}, {1}}})
	if r.status != 422 {
		t.Fatalf("%d %s", r.status, r.body)
	}
	if d := cmp.Diff([]string{"method", "level", "data[1]"}, fieldsOf(t, r)); d != "" {
		t.Errorf("fields (-want +got):\n%s", d)
	}
	if r := ev.do(http.MethodPost, "/api/v1/stats/reliability", coder, map[string]any{"method": "icc", "data": [][]any{{"a"}}}); r.status != 422 {
		t.Errorf("string data: %d %s", r.status, r.body)
	}
}

// TestDatasetDemo: the demonstration dataset has six cases of 14 sessions,
// rise_after_rupture selected two sessions per case, the consensus coder
// coded those twelve and coder2 four of them; seeding twice changes nothing.
func TestDatasetDemo(t *testing.T) {
	t.Parallel()
	ev := newEnv(t)
	ctx := context.Background()
	if _, err := ev.svc.SeedDemo(ctx); err != nil {
		t.Fatal(err)
	}
	var l struct {
		Items []struct {
			ID       int64  `json:"id"`
			Name     string `json:"name"`
			Cases    int    `json:"cases"`
			Sessions int    `json:"sessions"`
			Reports  int    `json:"reports"`
			Coders   []struct {
				Coder string `json:"coder"`
			} `json:"coders"`
		} `json:"items"`
	}
	ev.do(http.MethodGet, "/api/v1/datasets", ev.admin, nil).json(t, &l)
	if len(l.Items) != 1 {
		t.Fatalf("datasets: %+v", l)
	}
	d := l.Items[0]
	if d.Name != datasets.DemoDatasetName || d.Cases != 6 || d.Sessions != 84 || d.Reports != 168 || len(d.Coders) != 2 {
		t.Errorf("demo dataset: %+v", d)
	}
	ds := "/api/v1/datasets/" + strconv.FormatInt(d.ID, 10)
	var sel struct {
		Rule     string `json:"rule"`
		Selected []struct {
			Case    string `json:"case"`
			Session int    `json:"session"`
		} `json:"selected"`
	}
	ev.do(http.MethodGet, ds+"/selection", ev.admin, nil).json(t, &sel)
	perCase := map[string]int{}
	for _, s := range sel.Selected {
		perCase[s.Case]++
	}
	if sel.Rule != "rise_after_rupture" || len(sel.Selected) != 12 || len(perCase) != 6 {
		t.Errorf("selection: %+v", sel)
	}
	// The stored selection is what the rule selects now.
	var again struct {
		Selected json.RawMessage `json:"selected"`
	}
	var stored struct {
		Selected json.RawMessage `json:"selected"`
	}
	ev.do(http.MethodGet, ds+"/selection", ev.admin, nil).json(t, &stored)
	ev.do(http.MethodPost, ds+"/selection", ev.admin, map[string]any{}).json(t, &again)
	if !bytes.Equal(stored.Selected, again.Selected) {
		t.Errorf("re-selection differs")
	}
	var rel struct {
		Sessions int `json:"sessions"`
		Overall  struct {
			CohenKappa *float64 `json:"cohen_kappa"`
		} `json:"overall"`
	}
	ev.do(http.MethodGet, ds+"/reliability?coders=consensus,coder2", ev.admin, nil).json(t, &rel)
	if rel.Sessions != 4 || rel.Overall.CohenKappa == nil || *rel.Overall.CohenKappa >= 1 || *rel.Overall.CohenKappa <= 0.3 {
		t.Errorf("demo reliability: %+v", rel)
	}
	before := ev.do(http.MethodGet, ds+"/events?format=csv", ev.admin, nil)
	if _, err := ev.svc.SeedDemo(ctx); err != nil {
		t.Fatal(err)
	}
	ev.do(http.MethodGet, "/api/v1/datasets", ev.admin, nil).json(t, &l)
	after := ev.do(http.MethodGet, ds+"/events?format=csv", ev.admin, nil)
	if len(l.Items) != 1 || !bytes.Equal(before.body, after.body) {
		t.Errorf("seeding twice changed the dataset")
	}
}
