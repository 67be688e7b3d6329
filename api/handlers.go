package api

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/stagewise/stagewise/models"
	"github.com/stagewise/stagewise/workflow/diagram"
	"github.com/stagewise/stagewise/workflow/users"
	"github.com/stagewise/stagewise/workflow/versions"
)

func (s *server) healthz(c echo.Context) error {
	return respond(c, http.StatusOK, healthResponse{Status: "ok"})
}

func (s *server) readyz(c echo.Context) error {
	ctx, cancel := context.WithTimeout(c.Request().Context(), 2*time.Second)
	defer cancel()
	r := readyResponse{Status: "ready", Database: "ok", Migrations: "current"}
	if err := s.Health.Ping(ctx); err != nil {
		r.Status, r.Database = "unavailable", "unreachable"
	} else if ok, err := s.Health.MigrationsCurrent(ctx); err != nil || !ok {
		r.Status, r.Migrations = "unavailable", "pending"
	}
	if r.Status != "ready" {
		return respond(c, http.StatusServiceUnavailable, r)
	}
	return respond(c, http.StatusOK, r)
}

// pageOf is the page the route's query asks for (query.go); the cursor
// is opaque to clients. It asks the store for one item more than the
// client wants, so that pageList knows whether another page follows.
func pageOf(c echo.Context) models.Page {
	p := c.Get(queryKey).(pager).page()
	p.Limit++
	return p
}

// pageList builds the list envelope from a page fetched by pageOf (one
// item more than asked for): only when that extra item came back does
// another page follow, so the last page never carries a cursor.
func pageList[T any, M any](items []M, p models.Page, conv func(M) T, key func(M) int64) list[T] {
	want := p.Limit - 1
	more := len(items) > want
	if more {
		items = items[:want]
	}
	out := list[T]{Items: make([]T, 0, len(items))}
	for _, it := range items {
		out.Items = append(out.Items, conv(it))
	}
	if more && len(items) > 0 {
		out.NextCursor = cursorOf(key(items[len(items)-1]))
	}
	return out
}

func (s *server) createUser(c echo.Context, u models.User) error {
	var req userCreateRequest
	if err := bindStrict(c, &req); err != nil {
		return err
	}
	nu, cred, err := s.Service.Users.CreateUser(c.Request().Context(), u, users.NewUser{Name: req.Name, Email: req.Email, Role: models.Role(req.Role)})
	if err != nil {
		return err
	}
	return respond(c, http.StatusCreated, toCreatedUser(nu, cred))
}

func (s *server) listUsers(c echo.Context, u models.User) error {
	p := pageOf(c)
	us, err := s.Service.Users.ListUsers(c.Request().Context(), u, p)
	if err != nil {
		return err
	}
	return respond(c, http.StatusOK, pageList(us, p, func(x models.User) userResponse { return toUser(x, "") }, func(x models.User) int64 { return x.ID }))
}

// idParam parses a numeric path parameter; anything else names nothing.
func idParam(c echo.Context, name, what string) (int64, error) {
	id, err := strconv.ParseInt(c.Param(name), 10, 64)
	if err != nil || id < 1 {
		return 0, models.Errf(models.ErrNotFound, "no %s %q", what, c.Param(name))
	}
	return id, nil
}

func (s *server) me(c echo.Context, u models.User) error {
	return respond(c, http.StatusOK, toUser(u, ""))
}

func (s *server) createModel(c echo.Context, u models.User) error {
	var req modelCreateRequest
	if err := bindStrict(c, &req); err != nil {
		return err
	}
	m, err := s.Service.Versions.CreateModel(c.Request().Context(), u, versions.NewModel(req))
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, "/api/v1/models/"+m.Slug)
	return respond(c, http.StatusCreated, toModel(m))
}

func (s *server) listModels(c echo.Context, u models.User) error {
	p := pageOf(c)
	ms, err := s.Service.Versions.ListModels(c.Request().Context(), u, p)
	if err != nil {
		return err
	}
	return respond(c, http.StatusOK, pageList(ms, p, toModel, func(m models.TaskModel) int64 { return m.ID }))
}

func (s *server) getModel(c echo.Context, u models.User) error {
	m, err := s.Service.Versions.Model(c.Request().Context(), u, c.Param("slug"))
	if err != nil {
		return err
	}
	return respond(c, http.StatusOK, toModel(m))
}

func (s *server) setModelTeam(c echo.Context, u models.User) error {
	var req teamRequest
	if err := bindStrict(c, &req); err != nil {
		return err
	}
	m, err := s.Service.Versions.SetModelTeam(c.Request().Context(), u, c.Param("slug"), req.PIs)
	if err != nil {
		return err
	}
	return respond(c, http.StatusOK, toModel(m))
}

func (s *server) createVersion(c echo.Context, u models.User) error {
	var req versionRequest
	if err := bindStrict(c, &req); err != nil {
		return err
	}
	v, err := s.Service.Versions.CreateVersion(c.Request().Context(), u, c.Param("slug"), req.toInput())
	if err != nil {
		return err
	}
	return respondVersion(c, http.StatusCreated, v)
}

// respondVersion writes a version just created or changed with its ETag
// (and, when created, its Location), so a client can go on with If-Match.
func respondVersion(c echo.Context, status int, v models.Version) error {
	if status == http.StatusCreated {
		c.Response().Header().Set(echo.HeaderLocation, "/api/v1/models/"+v.ModelSlug+"/versions/"+strconv.Itoa(v.Number))
	}
	b, err := marshal(toVersion(v))
	if err != nil {
		return err
	}
	c.Response().Header().Set("ETag", etagOf(b))
	return c.Blob(status, echo.MIMEApplicationJSON, b)
}

func (s *server) listVersions(c echo.Context, u models.User) error {
	p := pageOf(c)
	vs, err := s.Service.Versions.ListVersions(c.Request().Context(), u, c.Param("slug"), p)
	if err != nil {
		return err
	}
	return respond(c, http.StatusOK, pageList(vs, p, toVersion, func(v models.Version) int64 { return int64(v.Number) }))
}

// versionNumber parses {n}: a positive number; "latest" is handled by the
// caller. Anything else names no version.
func versionNumber(c echo.Context) (int, error) {
	n, err := strconv.Atoi(c.Param("n"))
	if err != nil || n < 1 {
		return 0, models.Errf(models.ErrNotFound, "no version %q; use a version number or latest", c.Param("n"))
	}
	return n, nil
}

func (s *server) loadVersion(c echo.Context, u models.User) (models.Version, error) {
	if c.Param("n") == "latest" {
		return s.Service.Versions.LatestVersion(c.Request().Context(), c.Param("slug"))
	}
	n, err := versionNumber(c)
	if err != nil {
		return models.Version{}, err
	}
	return s.Service.Versions.Version(c.Request().Context(), u, c.Param("slug"), n)
}

func (s *server) getVersion(c echo.Context, u models.User) error {
	if c.Param("n") == "latest" {
		return s.getLatest(c, u)
	}
	v, err := s.loadVersion(c, u)
	if err != nil {
		return err
	}
	return respondCached(c, toVersion(v))
}

func (s *server) replaceVersion(c echo.Context, u models.User) error {
	n, err := versionNumber(c)
	if err != nil {
		return err
	}
	var req versionRequest
	if err := bindStrict(c, &req); err != nil {
		return err
	}
	var check versions.Precondition
	if im := c.Request().Header.Get("If-Match"); im != "" {
		check = func(cur models.Version) error {
			b, err := marshal(toVersion(cur))
			if err != nil {
				return err
			}
			if !etagMatches(im, etagOf(b), false) {
				return models.Errf(models.ErrPrecondition, "the version changed since you read it (If-Match does not match its ETag); fetch it again")
			}
			return nil
		}
	}
	v, err := s.Service.Versions.ReplaceDraft(c.Request().Context(), u, c.Param("slug"), n, req.toInput(), check)
	if err != nil {
		return err
	}
	return respondVersion(c, http.StatusOK, v)
}

func (s *server) versionAction(name string) func(c echo.Context, u models.User) error {
	return func(c echo.Context, u models.User) error {
		n, err := versionNumber(c)
		if err != nil {
			return err
		}
		var req actionRequest
		if err := bindOptional(c, &req); err != nil {
			return err
		}
		v, err := s.Service.Versions.Transition(c.Request().Context(), u, c.Param("slug"), n, versions.Action(name), req.Note)
		if err != nil {
			return err
		}
		return respond(c, http.StatusOK, toVersion(v))
	}
}

func (s *server) diffVersions(c echo.Context, u models.User) error {
	to, err := s.loadVersion(c, u)
	if err != nil {
		return err
	}
	from := queryOf[diffQuery](c).From
	d, err := s.Service.Versions.DiffVersions(c.Request().Context(), u, c.Param("slug"), from, to.Number)
	if err != nil {
		return err
	}
	return respond(c, http.StatusOK, toDiff(d))
}

func (s *server) exportVersion(c echo.Context, u models.User) error {
	v, err := s.loadVersion(c, u)
	if err != nil {
		return err
	}
	title := v.ModelSlug + " v" + strconv.Itoa(v.Number)
	name := v.ModelSlug + "-v" + strconv.Itoa(v.Number)
	attach := func(ext string) {
		c.Response().Header().Set(echo.HeaderContentDisposition, `inline; filename="`+name+ext+`"`)
	}
	switch queryOf[exportQuery](c).Format {
	case "", "json":
		attach(".json")
		return respondCached(c, toVersion(v))
	case "dot":
		attach(".dot")
		return c.Blob(http.StatusOK, "text/vnd.graphviz; charset=utf-8", []byte(diagram.DOT(title, v.Content, nil)))
	case "mermaid":
		attach(".mmd")
		return c.Blob(http.StatusOK, "text/vnd.mermaid; charset=utf-8", []byte(diagram.Mermaid(v.Content)))
	default: // svg; the query's tag admits no other
		svg, err := s.Renderer.SVG(c.Request().Context(), diagram.DOT(title, v.Content, nil))
		if err != nil {
			return err
		}
		attach(".svg")
		return c.Blob(http.StatusOK, "image/svg+xml", svg)
	}
}

func (s *server) listAudit(c echo.Context, u models.User) error {
	q := queryOf[auditQuery](c)
	var after int64
	if q.After != nil {
		after = *q.After
	}
	limit := 100
	if q.Limit != nil {
		limit = *q.Limit
	}
	es, err := s.Service.Audit(c.Request().Context(), u, after, limit+1)
	if err != nil {
		return err
	}
	more := len(es) > limit
	if more {
		es = es[:limit]
	}
	out := list[auditEntryResponse]{Items: make([]auditEntryResponse, 0, len(es))}
	for _, e := range es {
		out.Items = append(out.Items, toAudit(e))
	}
	if more {
		out.NextCursor = strconv.FormatInt(es[len(es)-1].Seq, 10)
	}
	return respond(c, http.StatusOK, out)
}

func (s *server) verifyAudit(c echo.Context, u models.User) error {
	r, err := s.Service.VerifyAudit(c.Request().Context(), u)
	if err != nil {
		return err
	}
	return respond(c, http.StatusOK, auditVerifyResponse{OK: r.OK, Entries: r.Entries, FirstBadSeq: r.FirstBadSeq})
}

// getLatest serves the newest approved version, from the cache when fresh.
// Latest is the same for every role (approved versions are visible to all),
// so the cache holds one body per model; a check of u against the model
// (a team or session rule) belongs before the cache lookup, and must be as
// cheap as the rest of this path (TestLatestPathAllocations).
func (s *server) getLatest(c echo.Context, u models.User) error {
	slug := c.Param("slug")
	now := s.Service.Now()
	gen := s.Service.Generation() // read before the database, so a concurrent change is never cached as current
	if e, ok := s.latest.get(slug, gen, s.Service.CacheTTL(), now); ok {
		return writeCached(c, e)
	}
	v, err := s.Service.Versions.LatestVersion(c.Request().Context(), slug)
	if err != nil {
		return err
	}
	b, err := marshal(toVersion(v))
	if err != nil {
		return err
	}
	e := newCachedBody(b, now, gen)
	s.latest.put(slug, e)
	return writeCached(c, e)
}
