package api

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/stagewise/stagewise/models"
	"github.com/stagewise/stagewise/workflow/dataset"
	"github.com/stagewise/stagewise/workflow/datasets"
	"github.com/stagewise/stagewise/workflow/sheet"
	"github.com/stagewise/stagewise/workflow/stats"
)

// Body limits of the dataset routes: CSV imports stream (a million events
// is about 20 MB); the JSON alternative is decoded whole, so it is kept
// smaller.
const (
	importBodyLimit     = 256 << 20
	importJSONBodyLimit = 32 << 20
	statsBodyLimit      = 16 << 20
)

func (s *server) datasetRoutes() []route {
	const (
		tag      = "datasets of coded cases"
		tagStats = "statistics"
		ds       = "/api/v1/datasets/{id}"
	)
	page := pageQuery{}
	importErrs := []int{400, 403, 404, 413, 415, 422}
	return []route{
		{method: http.MethodPost, path: "/api/v1/datasets", summary: "Create a dataset", desc: "With the built-in codebook \"3rs-2015\" or a custom list of {code, family, label}. PIs and admins only (a coder joins a team instead); the creator is the first PI of the dataset's team.", tag: tag, auth: true,
			h: s.createDataset, req: datasetCreateRequest{}, resp: datasetResponse{}, status: 201, errs: []int{400, 403, 422}},
		{method: http.MethodGet, path: "/api/v1/datasets", summary: "List the caller's datasets", desc: "The datasets whose team holds the caller (admins: all), each with the caller's access.", tag: tag, auth: true,
			h: s.listDatasets, resp: list[datasetResponse]{}, status: 200, query: page, errs: []int{403, 422}},
		{method: http.MethodGet, path: ds, summary: "One dataset", desc: "Its codebook, counts and coders (a blind coder's counts hold only their own events), the caller's access, and for team PIs the team. Anyone not on the team gets 404.", tag: tag, auth: true,
			h: s.getDataset, resp: datasetResponse{}, status: 200, errs: []int{403, 404}},
		{method: http.MethodGet, path: ds + "/members", summary: "The dataset's team", desc: "Team PIs and admins; a coder member gets 403.", tag: tag, auth: true,
			h: s.listMembers, resp: membersResponse{}, status: 200, errs: []int{403, 404}},
		{method: http.MethodPut, path: ds + "/members", summary: "Replace the dataset's team", desc: "PIs (co-investigators) and coders, each coder with the name they code under (unique in the team, never \"consensus\"). The creator always stays a PI. Team PIs and admins; every bad member field is named.", tag: tag, auth: true,
			h: s.putMembers, req: membersRequest{}, resp: datasetResponse{}, status: 200, errs: []int{400, 403, 404, 422}},
		{method: http.MethodPost, path: ds + "/unblind", summary: "End blind double coding", desc: "From then on the coders see each other's events, the reliability and the consensus events. Team PIs and admins; audited; a second call is 409.", tag: tag, auth: true,
			h: s.unblind, resp: datasetResponse{}, status: 200, errs: []int{403, 404, 409}},
		{method: http.MethodPut, path: ds + "/cases", summary: "Describe cases by label (treatment, therapist, outcome); creates missing cases", desc: "Team PIs and admins.", tag: tag, auth: true,
			h: s.upsertCases, req: casesRequest{}, resp: casesResponse{}, status: 200, errs: []int{400, 403, 404, 422}},
		{method: http.MethodGet, path: ds + "/cases", summary: "List cases", tag: tag, auth: true,
			h: s.listCases, resp: list[caseResponse]{}, status: 200, query: page, errs: []int{403, 404, 422}},
		{method: http.MethodPost, path: ds + "/sessions", summary: "Import session reports: text/csv with header case,session,rater,wai1..wai12,rupture[,intensity,resolution] " +
			"(or application/json {rows: [...]}). All or nothing; a report replaces the stored report of the same (case, session, rater)", desc: "Team PIs and admins.", tag: tag, auth: true,
			h: s.importSessions, req: sessionRowsRequest{}, reqCSV: true, resp: importResponse{}, status: 200, errs: importErrs, bodyLimit: importBodyLimit},
		{method: http.MethodGet, path: ds + "/sessions", summary: "List sessions with each rater's WAI-12 total, item mean and task/goal/bond scores; format=csv exports the reports in the import format", tag: tag, auth: true,
			h: s.listSessions, resp: list[sessionResponse]{}, status: 200, raw: []string{"text/csv"}, query: exportListQuery{}, errs: []int{403, 404, 422}},
		{method: http.MethodPost, path: ds + "/events", summary: "Import coded events: text/csv with header case,session,coder,segment,code[,onset,salience] " +
			"(or application/json {rows: [...]}). All or nothing; the events of each (case, session, coder) in the file replace the stored ones",
			desc: "Team members. A coder imports only under their own coder name: another name is 422 naming the row's coder column (line[3].coder, rows[1].coder).", tag: tag, auth: true,
			h: s.importEvents, req: eventRowsRequest{}, reqCSV: true, resp: importResponse{}, status: 200, errs: importErrs, bodyLimit: importBodyLimit},
		{method: http.MethodGet, path: ds + "/events", summary: "List coded events; format=csv exports them in the import format", desc: "Team members. Until a team PI unblinds the dataset a coder reads only their own events (another coder's name is 403).", tag: tag, auth: true,
			h: s.listEvents, resp: list[eventResponse]{}, status: 200, raw: []string{"text/csv"},
			query: eventsQuery{}, errs: []int{403, 404, 422}},
		{method: http.MethodPost, path: ds + "/selection", summary: "Select the sessions that indicate rupture repair (rise_after_rupture {k} or v_shape {z, raters}) and store the selection", desc: "Team PIs and admins.", tag: tag, auth: true,
			h: s.createSelection, req: selectionRequest{}, optionalBody: true, resp: selectionResponse{}, status: 201, errs: []int{400, 403, 404, 422}},
		{method: http.MethodGet, path: ds + "/selection", summary: "The latest stored selection", tag: tag, auth: true,
			h: s.getSelection, resp: selectionResponse{}, status: 200, errs: []int{403, 404}},
		{method: http.MethodGet, path: ds + "/reliability", summary: "Agreement of two coders on the sessions both coded: units are (session, segment) pairs; presence of each code and family; ICC(2,1) on per-session counts", desc: "Team members; a coder only after a team PI unblinds the dataset (before: 403).", tag: tag, auth: true,
			h: s.datasetReliability, resp: reliabilityResponse{}, status: 200,
			query: codersQuery{}, errs: []int{403, 404, 422}},
		{method: http.MethodGet, path: ds + "/disagreements", summary: "Where two coders differ", desc: "Per (case, session, segment) of the sessions both coded, the codes each gave where their sets of codes differ (a segment only one coded included). Team PIs and admins.", tag: tag, auth: true,
			h: s.disagreements, resp: disagreementsResponse{}, status: 200,
			query: codersQuery{}, errs: []int{403, 404, 422}},
		{method: http.MethodPost, path: ds + "/consensus", summary: "Write the consensus coding", desc: "The consensus coder's events of every session both coders coded, in one transaction: agreed segments copied from the first coder, each disagreement resolved as given (codes [] drops the segment). Every disagreement must be resolved, and only disagreements; earlier consensus events of those sessions are replaced, so a repeat stores the same events. Team PIs and admins.", tag: tag, auth: true,
			h: s.consensus, req: consensusCodingRequest{}, resp: consensusCodingResponse{}, status: 200, errs: []int{400, 403, 404, 422}},
		{method: http.MethodPost, path: "/api/v1/stats/reliability", summary: "Inter-rater reliability of a raw matrix (rows = raters, columns = units, null = missing); at most 100 raters × 10,000 units (more → 413 naming data)", tag: tagStats, auth: true,
			h: s.statsReliability, req: statsRequest{}, resp: statsResponse{}, status: 200, errs: []int{400, 413, 422}, bodyLimit: statsBodyLimit},
	}
}

// ---- request and response types ----

type codeDTO struct {
	Code   string `json:"code" validate:"required"`
	Family string `json:"family" validate:"required"`
	Label  string `json:"label" default:""`
}

// datasetCreateRequest: codebook is "3rs-2015" or a list of codeDTO;
// reverse_keyed (WAI-12 item numbers scored 8 − x) defaults to [4, 10].
type datasetCreateRequest struct {
	Name         string `json:"name" validate:"notblank,max=200"`
	Codebook     any    `json:"codebook" validate:"required" schema:"codebook" doc:"\"3rs-2015\" (the built-in 3RS codebook) or a list of {code, family, label}"`
	ReverseKeyed *[]int `json:"reverse_keyed" validate:"omitnil,dive,min=1,max=12" default:"[4,10]" doc:"WAI-12 item numbers scored 8 − x"`
}

// The workflow checks a new dataset's name, codebook and reverse-keyed
// items in one pass (validate.go, workflowChecked); codebook's presence is
// checked by createDataset, as it is a union.
func (datasetCreateRequest) checkedByWorkflow() {}

type coderDTO struct {
	Coder  string `json:"coder"`
	Events int    `json:"events"`
}

// memberDTO is one member of a dataset's team.
type memberDTO struct {
	User    int64     `json:"user"`
	Name    string    `json:"name"`
	Role    string    `json:"role" enum:"pi,coder"`
	Coder   string    `json:"coder"`
	Creator bool      `json:"creator"`
	AddedAt time.Time `json:"added_at"`
}

// teamMemberDTO is one member of a PUT …/members body.
type teamMemberDTO struct {
	User  int64  `json:"user" validate:"required,min=1" doc:"the user's id: a PI for role pi, a coder for role coder"`
	Role  string `json:"role" validate:"required,oneof=pi coder"`
	Coder string `json:"coder" doc:"the name the member codes under in events files; required for coders, optional for PIs; unique in the team; a coder may not use \"consensus\""`
}

type membersRequest struct {
	Members []teamMemberDTO `json:"members" validate:"required" doc:"the whole team; the creator stays a PI when left out"`
}

type membersResponse struct {
	Members []memberDTO `json:"members"`
}

// accessDTO says what the caller may do with a dataset: role is "pi" for
// team PIs and admins, "coder" for coder members; blind is true while the
// caller sees only their own events.
type accessDTO struct {
	Role  string `json:"role" enum:"pi,coder"`
	Coder string `json:"coder"`
	Blind bool   `json:"blind"`
}

type datasetResponse struct {
	ID           int64         `json:"id"`
	Name         string        `json:"name"`
	Owner        ownerResponse `json:"owner"`
	CodebookName string        `json:"codebook_name" enum:"3rs-2015,custom"`
	Codebook     []codeDTO     `json:"codebook"`
	ReverseKeyed []int         `json:"reverse_keyed"`
	Cases        int           `json:"cases"`
	Sessions     int           `json:"sessions"`
	Reports      int           `json:"reports"`
	Events       int           `json:"events"`
	Coders       []coderDTO    `json:"coders"`
	CreatedAt    time.Time     `json:"created_at"`
	UpdatedAt    time.Time     `json:"updated_at"`
	// Unblinded is when a team PI ended blind coding (null while blind).
	UnblindedAt *time.Time `json:"unblinded_at"`
	Access      accessDTO  `json:"access"`
	// Members is the team, shown to team PIs only.
	Members []memberDTO `json:"members,omitempty"`
}

func toMembers(d models.Dataset, ms []models.DatasetMember) []memberDTO {
	out := make([]memberDTO, len(ms))
	for i, m := range ms {
		out[i] = memberDTO{User: m.UserID, Name: m.Name, Role: m.Role, Coder: m.Coder, Creator: m.UserID == d.OwnerID, AddedAt: m.AddedAt}
	}
	return out
}

func toDataset(d datasets.DatasetInfo) datasetResponse {
	r := datasetResponse{ID: d.ID, Name: d.Name, Owner: ownerResponse{ID: d.OwnerID, Name: d.OwnerName}, CodebookName: d.CodebookName,
		Codebook: make([]codeDTO, len(d.Codebook)), ReverseKeyed: append([]int{}, d.ReverseKeyed...),
		Cases: d.Stats.Cases, Sessions: d.Stats.Sessions, Reports: d.Stats.Reports, Events: d.Stats.Events,
		Coders: make([]coderDTO, len(d.Stats.Coders)), CreatedAt: d.CreatedAt, UpdatedAt: d.UpdatedAt, UnblindedAt: d.UnblindedAt,
		Access: accessDTO{Role: models.MemberCoder, Coder: d.Access.Coder, Blind: d.Access.Blind()}}
	if d.Access.PI {
		r.Access.Role = models.MemberPI
		r.Members = toMembers(d.Dataset, d.Members)
	}
	for i, c := range d.Codebook {
		r.Codebook[i] = codeDTO(c)
	}
	for i, c := range d.Stats.Coders {
		r.Coders[i] = coderDTO{Coder: c.Coder, Events: c.Events}
	}
	return r
}

type caseDTO struct {
	Label     string `json:"label" validate:"required,max=100" doc:"unique in the dataset, on one line, without leading or trailing spaces"`
	Treatment string `json:"treatment" validate:"max=2000" default:""`
	Therapist string `json:"therapist" validate:"max=2000" default:""`
	Outcome   string `json:"outcome" validate:"max=2000" default:""`
}

type casesRequest struct {
	Rows []caseDTO `json:"rows" validate:"required,min=1,dive"`
}

func (casesRequest) openAPIName() string { return "Cases" }

type casesResponse struct {
	Cases   int `json:"cases"`
	Created int `json:"created"`
}

type caseResponse struct {
	ID        int64  `json:"id"`
	Label     string `json:"label"`
	Treatment string `json:"treatment"`
	Therapist string `json:"therapist"`
	Outcome   string `json:"outcome"`
	Sessions  int    `json:"sessions"`
}

func toCase(c models.Case) caseResponse {
	return caseResponse{ID: c.ID, Label: c.Label, Treatment: c.Treatment, Therapist: c.Therapist, Outcome: c.Outcome, Sessions: c.Sessions}
}

// sessionRowDTO is one row of a JSON sessions import: the CSV columns, with
// rupture as true or false.
type sessionRowDTO struct {
	Case       string `json:"case" validate:"required" doc:"the case label"`
	Session    *int   `json:"session" validate:"required"`
	Rater      string `json:"rater" validate:"required,oneof=patient therapist"`
	WAI1       *int   `json:"wai1" validate:"required" doc:"1-7"`
	WAI2       *int   `json:"wai2" validate:"required"`
	WAI3       *int   `json:"wai3" validate:"required"`
	WAI4       *int   `json:"wai4" validate:"required"`
	WAI5       *int   `json:"wai5" validate:"required"`
	WAI6       *int   `json:"wai6" validate:"required"`
	WAI7       *int   `json:"wai7" validate:"required"`
	WAI8       *int   `json:"wai8" validate:"required"`
	WAI9       *int   `json:"wai9" validate:"required"`
	WAI10      *int   `json:"wai10" validate:"required"`
	WAI11      *int   `json:"wai11" validate:"required"`
	WAI12      *int   `json:"wai12" validate:"required"`
	Rupture    *bool  `json:"rupture" validate:"required"`
	Intensity  *int   `json:"intensity"`
	Resolution *int   `json:"resolution"`
}

func (sessionRowDTO) openAPIName() string { return "SessionRow" }

type sessionRowsRequest struct {
	Rows []sessionRowDTO `json:"rows" validate:"required" doc:"checked by the rules of a CSV sessions file"`
}

func (sessionRowsRequest) openAPIName() string { return "SessionRows" }

func (r sessionRowDTO) toInput() datasets.SessionRowInput {
	return datasets.SessionRowInput{Case: r.Case, Session: r.Session, Rater: r.Rater,
		WAI:     [12]*int{r.WAI1, r.WAI2, r.WAI3, r.WAI4, r.WAI5, r.WAI6, r.WAI7, r.WAI8, r.WAI9, r.WAI10, r.WAI11, r.WAI12},
		Rupture: r.Rupture, Intensity: r.Intensity, Resolution: r.Resolution}
}

// eventRowDTO is one row of a JSON events import: the CSV columns.
type eventRowDTO struct {
	Case     string   `json:"case" validate:"required" doc:"the case label"`
	Session  *int     `json:"session" validate:"required"`
	Coder    string   `json:"coder" validate:"required"`
	Segment  *int     `json:"segment" validate:"required"`
	Onset    *float64 `json:"onset" doc:"seconds from the session's start"`
	Code     string   `json:"code" validate:"required" doc:"a code of the dataset's codebook"`
	Salience *int     `json:"salience"`
}

func (eventRowDTO) openAPIName() string { return "EventRow" }

type eventRowsRequest struct {
	Rows []eventRowDTO `json:"rows" validate:"required" doc:"checked by the rules of a CSV events file"`
}

func (eventRowsRequest) openAPIName() string { return "EventRows" }

type importResponse struct {
	Imported        int `json:"imported"`
	Replaced        int `json:"replaced"`
	CasesCreated    int `json:"cases_created"`
	SessionsCreated int `json:"sessions_created"`
}

func toImport(c models.ImportCounts) importResponse {
	return importResponse{Imported: c.Imported, Replaced: c.Replaced, CasesCreated: c.CasesCreated, SessionsCreated: c.SessionsCreated}
}

type reportDTO struct {
	Rater      string  `json:"rater" enum:"patient,therapist"`
	WAI        []int   `json:"wai"`
	Rupture    bool    `json:"rupture"`
	Intensity  *int    `json:"intensity"`
	Resolution *int    `json:"resolution"`
	WAITotal   int     `json:"wai_total"`
	WAIMean    float64 `json:"wai_mean"`
	Task       int     `json:"task"`
	Goal       int     `json:"goal"`
	Bond       int     `json:"bond"`
}

func (reportDTO) openAPIName() string { return "SessionReport" }

type sessionResponse struct {
	ID      int64       `json:"id"`
	Case    string      `json:"case"`
	Session int         `json:"session"`
	Reports []reportDTO `json:"reports"`
}

func toSession(x datasets.ScoredSession) sessionResponse {
	r := sessionResponse{ID: x.ID, Case: x.Case, Session: x.Number, Reports: make([]reportDTO, len(x.Reports))}
	for i, rep := range x.Reports {
		r.Reports[i] = reportDTO{Rater: rep.Rater, WAI: rep.WAI[:], Rupture: rep.Rupture, Intensity: rep.Intensity, Resolution: rep.Resolution,
			WAITotal: rep.Score.Total, WAIMean: rep.Score.Mean, Task: rep.Score.Task, Goal: rep.Score.Goal, Bond: rep.Score.Bond}
	}
	return r
}

type eventResponse struct {
	ID       int64    `json:"id"`
	Case     string   `json:"case"`
	Session  int      `json:"session"`
	Coder    string   `json:"coder"`
	Segment  int      `json:"segment"`
	Onset    *float64 `json:"onset"`
	Code     string   `json:"code"`
	Salience *int     `json:"salience"`
	Seq      int64    `json:"seq"`
}

func toEvent(e models.Event) eventResponse {
	return eventResponse{ID: e.ID, Case: e.Case, Session: e.Session, Coder: e.Coder, Segment: e.Segment, Onset: e.Onset, Code: e.Code, Salience: e.Salience, Seq: e.Seq}
}

type selectionRequest struct {
	Rule   string         `json:"rule" validate:"omitempty,oneof=rise_after_rupture v_shape"`
	Params map[string]any `json:"params"`
}

type selectedDTO struct {
	Case    string  `json:"case"`
	Session int     `json:"session"`
	Score   float64 `json:"score"`
	Reason  string  `json:"reason"`
}

type selectionResponse struct {
	ID        int64          `json:"id"`
	Rule      string         `json:"rule" enum:"rise_after_rupture,v_shape"`
	Params    map[string]any `json:"params"`
	Selected  []selectedDTO  `json:"selected"`
	CreatedAt time.Time      `json:"created_at"`
}

func toSelection(sel models.Selection) selectionResponse {
	r := selectionResponse{ID: sel.ID, Rule: sel.Rule, Params: sel.Params, Selected: make([]selectedDTO, len(sel.Selected)), CreatedAt: sel.CreatedAt}
	if r.Params == nil {
		r.Params = map[string]any{}
	}
	for i, x := range sel.Selected {
		r.Selected[i] = selectedDTO(x)
	}
	return r
}

// coderCodesDTO is what one coder gave in a segment.
type coderCodesDTO struct {
	Coder string   `json:"coder"`
	Codes []string `json:"codes"`
}

type disagreementDTO struct {
	Case    string          `json:"case"`
	Session int             `json:"session"`
	Segment int             `json:"segment"`
	ByCoder []coderCodesDTO `json:"by_coder"`
}

type jointSessionDTO struct {
	Case    string `json:"case"`
	Session int    `json:"session"`
}

// disagreementsResponse: sessions are those both coders coded; segments
// the segments either coded there, agreed those with the same set of codes.
type disagreementsResponse struct {
	Coders        []string          `json:"coders"`
	Sessions      []jointSessionDTO `json:"sessions"`
	SessionsOnlyA int               `json:"sessions_only_a"`
	SessionsOnlyB int               `json:"sessions_only_b"`
	Segments      int               `json:"segments"`
	Agreed        int               `json:"agreed"`
	Items         []disagreementDTO `json:"items"`
}

func toSessionRefs(ks []dataset.SessionRef) []jointSessionDTO {
	out := make([]jointSessionDTO, len(ks))
	for i, k := range ks {
		out[i] = jointSessionDTO(k)
	}
	return out
}

func toDisagreements(r datasets.DisagreementReport) disagreementsResponse {
	out := disagreementsResponse{Coders: r.Coders[:], Sessions: toSessionRefs(r.Sessions), SessionsOnlyA: r.OnlyA, SessionsOnlyB: r.OnlyB,
		Segments: r.Segments, Agreed: r.Agreed, Items: make([]disagreementDTO, len(r.Disagreements))}
	for i, d := range r.Disagreements {
		out.Items[i] = disagreementDTO{Case: d.Case, Session: d.Session, Segment: d.Segment,
			ByCoder: []coderCodesDTO{{Coder: r.Coders[0], Codes: append([]string{}, d.A...)}, {Coder: r.Coders[1], Codes: append([]string{}, d.B...)}}}
	}
	return out
}

// resolutionDTO resolves one disagreement: codes [] means no code.
type resolutionDTO struct {
	Case    string   `json:"case" validate:"required"`
	Session int      `json:"session" validate:"required,min=1"`
	Segment int      `json:"segment" validate:"required,min=1"`
	Codes   []string `json:"codes" validate:"required" doc:"the agreed codes of the segment, in the order to store them; [] for none"`
}

type consensusCodingRequest struct {
	Coders      []string        `json:"coders" validate:"required" doc:"the two coders whose work is merged; agreed segments are copied from the first"`
	Resolutions []resolutionDTO `json:"resolutions" validate:"required" doc:"one per disagreement (GET …/disagreements), no more"`
}

type consensusCodingResponse struct {
	Coders   []string          `json:"coders"`
	Coder    string            `json:"coder"`
	Sessions []jointSessionDTO `json:"sessions"`
	Segments int               `json:"segments"`
	Agreed   int               `json:"agreed"`
	Resolved int               `json:"resolved"`
	Imported int               `json:"imported"`
	Replaced int               `json:"replaced"`
}

// agreementDTO is one line of a reliability report: the overall line has
// neither family nor code; family lines have family; code lines both.
type agreementDTO struct {
	Family            string   `json:"family,omitempty"`
	Code              string   `json:"code,omitempty"`
	Units             int      `json:"units"`
	Both              int      `json:"both"`
	OnlyA             int      `json:"only_a"`
	OnlyB             int      `json:"only_b"`
	Neither           int      `json:"neither"`
	PercentAgreement  *float64 `json:"percent_agreement"`
	CohenKappa        *float64 `json:"cohen_kappa"`
	KrippendorffAlpha *float64 `json:"krippendorff_alpha"`
	ICC               *float64 `json:"icc"`
	Note              string   `json:"note,omitempty"`
}

func toAgreement(a datasets.Agreement) agreementDTO {
	return agreementDTO{Units: a.Units, Both: a.Both, OnlyA: a.OnlyA, OnlyB: a.OnlyB, Neither: a.Neither,
		PercentAgreement: a.PercentAgreement, CohenKappa: a.CohenKappa, KrippendorffAlpha: a.KrippendorffAlpha, ICC: a.ICC, Note: a.JoinNotes()}
}

type reliabilityResponse struct {
	Coders        []string       `json:"coders"`
	Units         int            `json:"units"`
	Sessions      int            `json:"sessions"`
	SessionsOnlyA int            `json:"sessions_only_a"`
	SessionsOnlyB int            `json:"sessions_only_b"`
	Definitions   string         `json:"definitions"`
	Overall       agreementDTO   `json:"overall"`
	Families      []agreementDTO `json:"families"`
	Codes         []agreementDTO `json:"codes"`
}

const reliabilityDefinitions = "Units are the (session, segment) pairs either coder coded, in sessions both coded. " +
	"A coder's presence value for a code (family) on a unit is 1 when the coder gave that code (a code of that family) there, else 0. " +
	"percent_agreement, cohen_kappa (unweighted) and krippendorff_alpha (nominal) are computed on those presence values; " +
	"icc is ICC(2,1) on the per-session numbers of events of that code (family). " +
	"Overall pools the family presence values of every unit and computes icc on per-session numbers of all events. " +
	"only_a and only_b refer to the first and second coder named. A null value is undefined for the data; note says why."

func toReliability(r datasets.ReliabilityReport) reliabilityResponse {
	out := reliabilityResponse{Coders: r.Coders[:], Units: r.Units, Sessions: r.Sessions, SessionsOnlyA: r.SessionsOnlyA, SessionsOnlyB: r.SessionsOnlyB,
		Definitions: reliabilityDefinitions, Overall: toAgreement(r.Overall),
		Families: make([]agreementDTO, 0, len(r.Families)), Codes: make([]agreementDTO, 0, len(r.Codes))}
	for _, f := range r.Families {
		a := toAgreement(f.Agreement)
		a.Family = f.Family
		out.Families = append(out.Families, a)
	}
	for _, c := range r.Codes {
		a := toAgreement(c.Agreement)
		a.Family, a.Code = c.Family, c.Code
		out.Codes = append(out.Codes, a)
	}
	return out
}

type statsRequest struct {
	Method     string       `json:"method" validate:"required,oneof=percent_agreement cohen_kappa fleiss_kappa krippendorff_alpha icc kendall_w"`
	Missing    string       `json:"missing" validate:"omitempty,oneof=irr pairwise" default:"irr" doc:"irr: units every rater rated (Kendall's W: items every rater ranked), as R irr; pairwise: percent agreement over units with two or more ratings, W over raters who ranked every item"`
	Level      string       `json:"level" doc:"krippendorff_alpha: nominal (default), ordinal, interval or ratio"`
	Weights    string       `json:"weights" doc:"cohen_kappa: unweighted (default), linear (or equal) or quadratic (or squared)"`
	Model      string       `json:"model" doc:"icc: 1,1, 2,1 (default) or 3,1"`
	Categories []float64    `json:"categories" doc:"the possible ratings (cohen_kappa: weights use them; default: the values seen)"`
	Data       [][]*float64 `json:"data" validate:"required" doc:"one row per rater, one column per unit; null is a missing rating"`
}

func (statsRequest) openAPIName() string { return "ReliabilityStats" }

func (statsResponse) openAPIName() string { return "ReliabilityStats" }

type statsResponse struct {
	Method  string         `json:"method"`
	Value   *float64       `json:"value"`
	NUnits  int            `json:"n_units"`
	NRaters int            `json:"n_raters"`
	Details map[string]any `json:"details" doc:"method-specific figures (such as observed_agreement and expected_agreement); note says why value is null. An open object"`
}

// ---- handlers ----

// datasetID parses {id}; anything but a positive number names no dataset.
func datasetID(c echo.Context) (int64, error) { return idParam(c, "id", "dataset") }

func (s *server) createDataset(c echo.Context, u models.User) error {
	var req datasetCreateRequest
	if err := bindStrict(c, &req); err != nil {
		return err
	}
	in := datasets.NewDataset{Name: req.Name}
	if req.ReverseKeyed != nil {
		in.ReverseKeyed = append([]int{}, *req.ReverseKeyed...)
	}
	// codebook is a union: a built-in codebook's name, or a list of codes.
	switch cb := req.Codebook.(type) {
	case nil:
		return models.InvalidField("codebook", "is required")
	case string:
		if cb == "" {
			return models.InvalidField("codebook", "is required")
		}
		in.Builtin = cb
	case []any:
		var errs []models.FieldError
		checkShape(cb, reflect.TypeOf([]codeDTO{}), "codebook", &errs)
		if err := models.Invalid(errs); err != nil {
			return err
		}
		b, err := json.Marshal(cb)
		if err != nil {
			return err
		}
		var codes []codeDTO
		if err := json.Unmarshal(b, &codes); err != nil {
			return models.InvalidField("codebook", "must be a list of {code, family, label}")
		}
		in.Codebook = make([]models.Code, len(codes))
		for i, x := range codes {
			in.Codebook[i] = models.Code(x)
		}
	default:
		return models.InvalidField("codebook", "must be \"3rs-2015\" or a list of {code, family, label}")
	}
	ctx := c.Request().Context()
	d, err := s.Service.Datasets.CreateDataset(ctx, u, in)
	if err != nil {
		return err
	}
	info, err := s.Service.Datasets.Dataset(ctx, u, d.ID)
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, "/api/v1/datasets/"+strconv.FormatInt(d.ID, 10))
	return respond(c, http.StatusCreated, toDataset(info))
}

func (s *server) listMembers(c echo.Context, u models.User) error {
	id, err := datasetID(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	ms, err := s.Service.Datasets.Members(ctx, u, id)
	if err != nil {
		return err
	}
	d, err := s.Service.Datasets.Dataset(ctx, u, id)
	if err != nil {
		return err
	}
	return respond(c, http.StatusOK, membersResponse{Members: toMembers(d.Dataset, ms)})
}

func (s *server) putMembers(c echo.Context, u models.User) error {
	id, err := datasetID(c)
	if err != nil {
		return err
	}
	var req membersRequest
	if err := bindStrict(c, &req); err != nil {
		return err
	}
	var in []datasets.MemberInput // nil: the field is missing
	if req.Members != nil {
		in = make([]datasets.MemberInput, len(req.Members))
	}
	for i, m := range req.Members {
		in[i] = datasets.MemberInput(m)
	}
	d, err := s.Service.Datasets.SetMembers(c.Request().Context(), u, id, in)
	if err != nil {
		return err
	}
	return respond(c, http.StatusOK, toDataset(d))
}

func (s *server) unblind(c echo.Context, u models.User) error {
	id, err := datasetID(c)
	if err != nil {
		return err
	}
	d, err := s.Service.Datasets.Unblind(c.Request().Context(), u, id)
	if err != nil {
		return err
	}
	return respond(c, http.StatusOK, toDataset(d))
}

func (s *server) listDatasets(c echo.Context, u models.User) error {
	p := pageOf(c)
	ds, err := s.Service.Datasets.ListDatasets(c.Request().Context(), u, p)
	if err != nil {
		return err
	}
	return respond(c, http.StatusOK, pageList(ds, p, toDataset, func(d datasets.DatasetInfo) int64 { return d.ID }))
}

func (s *server) getDataset(c echo.Context, u models.User) error {
	id, err := datasetID(c)
	if err != nil {
		return err
	}
	d, err := s.Service.Datasets.Dataset(c.Request().Context(), u, id)
	if err != nil {
		return err
	}
	return respond(c, http.StatusOK, toDataset(d))
}

func (s *server) upsertCases(c echo.Context, u models.User) error {
	id, err := datasetID(c)
	if err != nil {
		return err
	}
	var req casesRequest
	if err := bindStrict(c, &req); err != nil {
		return err
	}
	cs := make([]models.Case, len(req.Rows))
	for i, r := range req.Rows {
		cs[i] = models.Case{Label: r.Label, Treatment: r.Treatment, Therapist: r.Therapist, Outcome: r.Outcome}
	}
	created, err := s.Service.Datasets.UpsertCases(c.Request().Context(), u, id, cs)
	if err != nil {
		return err
	}
	return respond(c, http.StatusOK, casesResponse{Cases: len(cs), Created: created})
}

func (s *server) listCases(c echo.Context, u models.User) error {
	id, err := datasetID(c)
	if err != nil {
		return err
	}
	p := pageOf(c)
	cs, err := s.Service.Datasets.ListCases(c.Request().Context(), u, id, p)
	if err != nil {
		return err
	}
	return respond(c, http.StatusOK, pageList(cs, p, toCase, func(x models.Case) int64 { return x.ID }))
}

// bodyReader streams a request body and remembers why reading it failed.
type bodyReader struct {
	r   io.Reader
	err error
}

func (b *bodyReader) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	if err != nil && err != io.EOF && b.err == nil {
		b.err = err
	}
	return n, err
}

// importBody says how an import is sent: "csv" (text/csv or
// application/csv) or "json" (application/json); anything else is 415.
func importBody(c echo.Context) (string, error) {
	ct := c.Request().Header.Get(echo.HeaderContentType)
	mt, _, err := mime.ParseMediaType(ct)
	if ct == "" || err != nil {
		return "", echo.NewHTTPError(http.StatusUnsupportedMediaType, "send the file with Content-Type: text/csv (or JSON rows with application/json)")
	}
	switch mt {
	case "text/csv", "application/csv":
		return "csv", nil
	case "application/json":
		c.Request().Body = http.MaxBytesReader(c.Response(), c.Request().Body, importJSONBodyLimit)
		return "json", nil
	}
	return "", echo.NewHTTPError(http.StatusUnsupportedMediaType, fmt.Sprintf("unsupported Content-Type %q: send text/csv (or JSON rows with application/json)", mt))
}

// runImport answers an import: a CSV body is streamed into fromCSV
// (read failures mapped to 413 or 400), JSON rows go to fromJSON, which
// binds them itself.
func runImport(c echo.Context, fromCSV func(r io.Reader) (models.ImportCounts, error), fromJSON func() (models.ImportCounts, error)) error {
	kind, err := importBody(c)
	if err != nil {
		return err
	}
	var counts models.ImportCounts
	if kind == "json" {
		counts, err = fromJSON()
	} else {
		body := &bodyReader{r: c.Request().Body}
		counts, err = fromCSV(body)
		if body.err != nil {
			return readFailure(body.err)
		}
	}
	if err != nil {
		return err
	}
	return respond(c, http.StatusOK, toImport(counts))
}

func (s *server) importSessions(c echo.Context, u models.User) error {
	id, err := datasetID(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	return runImport(c, func(r io.Reader) (models.ImportCounts, error) {
		return s.Service.Datasets.ImportSessions(ctx, u, id, r)
	},
		func() (models.ImportCounts, error) {
			var req sessionRowsRequest
			if err := bindStrict(c, &req); err != nil {
				return models.ImportCounts{}, err
			}
			rows := make([]datasets.SessionRowInput, len(req.Rows))
			for i, r := range req.Rows {
				rows[i] = r.toInput()
			}
			return s.Service.Datasets.ImportSessionRows(ctx, u, id, rows)
		})
}

func (s *server) importEvents(c echo.Context, u models.User) error {
	id, err := datasetID(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	return runImport(c, func(r io.Reader) (models.ImportCounts, error) { return s.Service.Datasets.ImportEvents(ctx, u, id, r) },
		func() (models.ImportCounts, error) {
			var req eventRowsRequest
			if err := bindStrict(c, &req); err != nil {
				return models.ImportCounts{}, err
			}
			rows := make([]datasets.EventRowInput, len(req.Rows))
			for i, r := range req.Rows {
				rows[i] = datasets.EventRowInput(r)
			}
			return s.Service.Datasets.ImportEventRows(ctx, u, id, rows)
		})
}

// csvExport streams CSV rows to the response; the header goes out with the
// first row (or at the end), so that errors before it still get a problem.
type csvExport struct {
	c       echo.Context
	name    string
	header  []string
	started bool
	bw      *bufio.Writer
	w       *sheet.Writer
}

func (x *csvExport) write(rec []string) error {
	if !x.started {
		x.started = true
		h := x.c.Response().Header()
		h.Set(echo.HeaderContentType, "text/csv; charset=utf-8")
		h.Set(echo.HeaderContentDisposition, `attachment; filename="`+x.name+`"`)
		x.c.Response().WriteHeader(http.StatusOK)
		x.bw = bufio.NewWriterSize(x.c.Response(), 64<<10)
		x.w = sheet.NewWriter(x.bw)
		if err := x.w.Write(x.header); err != nil {
			return err
		}
	}
	if rec == nil {
		return nil
	}
	return x.w.Write(rec)
}

func (x *csvExport) finish() error {
	if err := x.write(nil); err != nil {
		return err
	}
	x.w.Flush()
	if err := x.w.Error(); err != nil {
		return err
	}
	return x.bw.Flush()
}

func optString(p *int) string {
	if p == nil {
		return ""
	}
	return strconv.Itoa(*p)
}

func sessionsHeader() []string {
	h := []string{"case", "session", "rater"}
	for i := 1; i <= 12; i++ {
		h = append(h, "wai"+strconv.Itoa(i))
	}
	return append(h, "rupture", "intensity", "resolution")
}

func (s *server) listSessions(c echo.Context, u models.User) error {
	id, err := datasetID(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	if queryOf[exportListQuery](c).csv() {
		ss, err := s.Service.Datasets.AllSessions(ctx, u, id)
		if err != nil {
			return err
		}
		x := &csvExport{c: c, name: fmt.Sprintf("dataset-%d-sessions.csv", id), header: sessionsHeader()}
		rec := make([]string, 0, 18)
		for _, sess := range ss {
			for _, r := range sess.Reports {
				rec = append(rec[:0], sess.Case, strconv.Itoa(sess.Number), r.Rater)
				for _, w := range r.WAI {
					rec = append(rec, strconv.Itoa(w))
				}
				rupture := "0"
				if r.Rupture {
					rupture = "1"
				}
				rec = append(rec, rupture, optString(r.Intensity), optString(r.Resolution))
				if err := x.write(rec); err != nil {
					return err
				}
			}
		}
		return x.finish()
	}
	p := pageOf(c)
	ss, err := s.Service.Datasets.ListSessions(ctx, u, id, p)
	if err != nil {
		return err
	}
	return respond(c, http.StatusOK, pageList(ss, p, toSession, func(x datasets.ScoredSession) int64 { return x.ID }))
}

func (s *server) listEvents(c echo.Context, u models.User) error {
	id, err := datasetID(c)
	if err != nil {
		return err
	}
	q := queryOf[eventsQuery](c)
	f := models.EventFilter{Coder: q.Coder, Case: q.Case}
	ctx := c.Request().Context()
	if q.csv() {
		x := &csvExport{c: c, name: fmt.Sprintf("dataset-%d-events.csv", id), header: []string{"case", "session", "coder", "segment", "onset", "code", "salience"}}
		rec := make([]string, 7)
		err := s.Service.Datasets.EachEvent(ctx, u, id, f, func(e models.Event) error {
			rec[0], rec[1], rec[2], rec[3] = e.Case, strconv.Itoa(e.Session), e.Coder, strconv.Itoa(e.Segment)
			rec[4] = ""
			if e.Onset != nil {
				rec[4] = strconv.FormatFloat(*e.Onset, 'g', -1, 64)
			}
			rec[5], rec[6] = e.Code, optString(e.Salience)
			return x.write(rec)
		})
		if err != nil {
			// When the status is out, the client sees a truncated file;
			// edge logs the error either way.
			return err
		}
		return x.finish()
	}
	p := pageOf(c)
	es, err := s.Service.Datasets.ListEvents(ctx, u, id, f, p)
	if err != nil {
		return err
	}
	return respond(c, http.StatusOK, pageList(es, p, toEvent, func(e models.Event) int64 { return e.ID }))
}

func (s *server) createSelection(c echo.Context, u models.User) error {
	id, err := datasetID(c)
	if err != nil {
		return err
	}
	var req selectionRequest
	if err := bindOptional(c, &req); err != nil {
		return err
	}
	sel, err := s.Service.Datasets.CreateSelection(c.Request().Context(), u, id, req.Rule, req.Params)
	if err != nil {
		return err
	}
	return respond(c, http.StatusCreated, toSelection(sel))
}

func (s *server) getSelection(c echo.Context, u models.User) error {
	id, err := datasetID(c)
	if err != nil {
		return err
	}
	sel, err := s.Service.Datasets.LatestSelection(c.Request().Context(), u, id)
	if err != nil {
		return err
	}
	return respond(c, http.StatusOK, toSelection(sel))
}

func (s *server) disagreements(c echo.Context, u models.User) error {
	id, err := datasetID(c)
	if err != nil {
		return err
	}
	r, err := s.Service.Datasets.Disagreements(c.Request().Context(), u, id, queryOf[codersQuery](c).pair())
	if err != nil {
		return err
	}
	return respond(c, http.StatusOK, toDisagreements(r))
}

func (s *server) consensus(c echo.Context, u models.User) error {
	id, err := datasetID(c)
	if err != nil {
		return err
	}
	var req consensusCodingRequest
	if err := bindStrict(c, &req); err != nil {
		return err
	}
	in := datasets.ConsensusInput{Coders: req.Coders, Resolutions: make([]dataset.Resolution, len(req.Resolutions))}
	for i, r := range req.Resolutions {
		in.Resolutions[i] = dataset.Resolution{SegmentRef: dataset.SegmentRef{Case: r.Case, Session: r.Session, Segment: r.Segment}, Codes: r.Codes}
	}
	r, err := s.Service.Datasets.Consensus(c.Request().Context(), u, id, in)
	if err != nil {
		return err
	}
	return respond(c, http.StatusOK, consensusCodingResponse{Coders: r.Coders[:], Coder: models.ConsensusCoder, Sessions: toSessionRefs(r.Sessions),
		Segments: r.Segments, Agreed: r.Agreed, Resolved: r.Resolved, Imported: r.Imported, Replaced: r.Replaced})
}

func (s *server) datasetReliability(c echo.Context, u models.User) error {
	id, err := datasetID(c)
	if err != nil {
		return err
	}
	r, err := s.Service.Datasets.Reliability(c.Request().Context(), u, id, queryOf[codersQuery](c).pair())
	if err != nil {
		return err
	}
	return respond(c, http.StatusOK, toReliability(r))
}

func (s *server) statsReliability(c echo.Context, _ models.User) error {
	var req statsRequest
	errs, err := mergeRules(bindMatrix(c, &req, maxRaters, maxUnits))
	if err != nil {
		return err
	}
	// The calculator is stateless: with tag violations it still runs, for
	// its own checks of the matrix, and one answer names each field once.
	res, err := s.Service.Datasets.Calculate(stats.Request{Method: req.Method, Missing: req.Missing, Level: req.Level, Weights: req.Weights,
		Model: req.Model, Categories: req.Categories, Data: stats.MatrixFromNullable(req.Data)})
	if len(errs) > 0 {
		var ve *models.ValidationError
		if errors.As(err, &ve) {
			for _, fe := range ve.Fields {
				if !slices.ContainsFunc(errs, func(e models.FieldError) bool { return e.Field == fe.Field }) {
					errs = append(errs, fe)
				}
			}
		}
		return models.Invalid(errs)
	}
	if err != nil {
		return err
	}
	return respond(c, http.StatusOK, statsResponse{Method: res.Method, Value: res.Value, NUnits: res.NUnits, NRaters: res.NRaters, Details: res.Details})
}
