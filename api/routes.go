package api

import (
	"net/http"
	"reflect"

	"github.com/labstack/echo/v4"

	"github.com/stagewise/stagewise/models"
)

// route is one endpoint: how it is served and how it is documented. The
// OpenAPI document is generated from this table, so it cannot drift.
type route struct {
	method, path, summary, tag string
	// auth routes receive the authenticated user.
	auth bool
	h    func(c echo.Context, u models.User) error
	// public routes take no user.
	public func(c echo.Context) error
	// req is the JSON request body type (nil: none); reqCSV means text/csv.
	req    any
	reqCSV bool
	// resp is the success body; status its code; raw lists other media types.
	resp   any
	status int
	raw    []string
	// query is the route's query type (query.go), bound before the handler.
	query any
	errs  []int
	// bodyLimit overrides the default JSON body limit.
	bodyLimit int64
	// Documentation only (see the convention in openapi.go): desc is the
	// longer description; opID overrides the derived operationId;
	// optionalBody: the body may be left out; etag: the success response
	// carries an ETag; latest: {n} may be "latest".
	desc, opID                 string
	optionalBody, etag, latest bool
}

func (r route) handler(s *server) echo.HandlerFunc {
	var qt reflect.Type // the route's query type (query.go), if it reads a query
	if r.query != nil {
		qt = reflect.TypeOf(r.query)
	}
	h, public := r.h, r.public
	if r.auth {
		// Who asks comes first: a request without a valid token is 401
		// whatever its query.
		return func(c echo.Context) error {
			u, err := s.authenticate(c)
			if err != nil {
				return err
			}
			if qt != nil {
				if err := setQuery(c, qt); err != nil {
					return err
				}
			}
			return h(c, u)
		}
	}
	if qt == nil {
		return public
	}
	return func(c echo.Context) error {
		if err := setQuery(c, qt); err != nil {
			return err
		}
		return public(c)
	}
}

// setQuery binds the request's query into a new value of type qt and
// keeps it for the handler (queryOf).
func setQuery(c echo.Context, qt reflect.Type) error {
	q, err := bindQuery(c, qt)
	if err != nil {
		return err
	}
	c.Set(queryKey, q)
	return nil
}

// routes lists every endpoint on one screen.
func (s *server) routes() []route {
	const (
		tagOps      = "operations"
		tagUsers    = "users"
		tagModels   = "models and versions"
		tagAudit    = "audit"
		versionPath = "/api/v1/models/{slug}/versions/{n}"
	)
	page := pageQuery{}
	action := func(name, summary string) route {
		return route{method: http.MethodPost, path: versionPath + "/" + name, summary: summary, tag: tagModels, auth: true,
			h: s.versionAction(name), req: actionRequest{}, optionalBody: true, resp: versionResponse{}, status: 200, errs: []int{400, 403, 404, 409, 422}}
	}
	base := []route{
		{method: http.MethodGet, path: "/healthz", summary: "Liveness: the process is up", tag: tagOps, public: s.healthz, resp: healthResponse{}, status: 200},
		{method: http.MethodGet, path: "/readyz", summary: "Readiness: database reachable and migrations current", tag: tagOps, public: s.readyz, resp: readyResponse{}, status: 200, errs: []int{503}},

		{method: http.MethodPost, path: "/api/v1/users", summary: "Create a user; an admin, PI or client gets a token, a panelist or coder an invitation (each shown once)", tag: tagUsers, auth: true, h: s.createUser, req: userCreateRequest{}, resp: userResponse{}, status: 201, errs: []int{400, 403, 409, 422}},
		{method: http.MethodGet, path: "/api/v1/users", summary: "List users (admins and PIs)", tag: tagUsers, auth: true, h: s.listUsers, resp: list[userResponse]{}, status: 200, query: page, errs: []int{403, 422}},
		{method: http.MethodGet, path: "/api/v1/me", summary: "The caller", tag: tagUsers, auth: true, h: s.me, resp: userResponse{}, status: 200},

		{method: http.MethodPost, path: "/api/v1/models", summary: "Create a model (PIs and admins)", tag: tagModels, auth: true, h: s.createModel, req: modelCreateRequest{}, resp: modelResponse{}, status: 201, errs: []int{400, 403, 409, 422}},
		{method: http.MethodGet, path: "/api/v1/models", summary: "List the models the caller may know of", tag: tagModels, auth: true, h: s.listModels, resp: list[modelResponse]{}, status: 200, query: page, errs: []int{422}},
		{method: http.MethodGet, path: "/api/v1/models/{slug}", summary: "One model", tag: tagModels, auth: true, h: s.getModel, resp: modelResponse{}, status: 200, errs: []int{404}},
		{method: http.MethodPut, path: "/api/v1/models/{slug}/team", summary: "Replace the model team's co-investigators (the team or an admin; ids must be PIs; the creator always stays)", tag: tagModels, auth: true, h: s.setModelTeam, req: teamRequest{}, resp: modelResponse{}, status: 200, errs: []int{400, 403, 404, 422}},
		{method: http.MethodPost, path: "/api/v1/models/{slug}/versions", summary: "Draft the next version", tag: tagModels, auth: true, h: s.createVersion, req: versionRequest{}, resp: versionResponse{}, etag: true, status: 201, errs: []int{400, 403, 404, 409, 422}},
		{method: http.MethodGet, path: "/api/v1/models/{slug}/versions", summary: "List the versions the caller may see", tag: tagModels, auth: true, h: s.listVersions, resp: list[versionResponse]{}, status: 200, query: page, errs: []int{404, 422}},
		{method: http.MethodGet, path: versionPath, summary: "One version; {n} may be latest (the newest approved). Strong ETag; If-None-Match gives 304", tag: tagModels, auth: true, h: s.getVersion, resp: versionResponse{}, etag: true, latest: true, status: 200, errs: []int{304, 404}},
		{method: http.MethodPut, path: versionPath, summary: "Replace a draft's content (If-Match honoured)", tag: tagModels, auth: true, h: s.replaceVersion, req: versionRequest{}, resp: versionResponse{}, etag: true, status: 200, errs: []int{400, 403, 404, 409, 412, 422}},
		action("submit", "Freeze a draft for review (draft → in_review)"),
		action("approve", "Approve a version in review (in_review → approved)"),
		action("reject", "Reject a version in review (in_review → rejected)"),
		action("retire", "Retire an approved version (approved → retired)"),
		{method: http.MethodGet, path: versionPath + "/diff", summary: "What changed from version {from} to {n}", tag: tagModels, auth: true, h: s.diffVersions, resp: diffResponse{}, latest: true, status: 200,
			query: diffQuery{}, errs: []int{404, 422}},
		{method: http.MethodGet, path: versionPath + "/export", summary: "Export as JSON, Graphviz DOT, Mermaid or a rendered SVG diagram", tag: tagModels, auth: true, h: s.exportVersion, resp: versionResponse{}, etag: true, latest: true, status: 200,
			raw: []string{"text/vnd.graphviz", "text/vnd.mermaid", "image/svg+xml"}, query: exportQuery{}, errs: []int{404, 422}},

		{method: http.MethodGet, path: "/api/v1/audit", summary: "Audit entries after a sequence number, in order (admins and PIs)", tag: tagAudit, auth: true, h: s.listAudit, resp: list[auditEntryResponse]{}, status: 200,
			query: auditQuery{}, errs: []int{403, 422}},
		{method: http.MethodGet, path: "/api/v1/audit/verify", summary: "Recompute the SHA-256 chain of the audit log", tag: tagAudit, auth: true, h: s.verifyAudit, resp: auditVerifyResponse{}, status: 200, errs: []int{403}},
	}
	base = append(base, s.invitationRoutes()...)
	base = append(base, s.lineageRoutes()...)
	base = append(base, s.roundRoutes()...)
	base = append(base, s.datasetRoutes()...)
	base = append(base, s.sessionRoutes()...)
	return append(base, s.comparisonRoutes()...)
}
