// Package api serves Stagewise's HTTP contract with Echo. It is the only
// package that imports Echo. Handlers bind, convert, call the workflow,
// convert and respond; they hold no rules and no SQL.
package api

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/stagewise/stagewise/frontend"
	"github.com/stagewise/stagewise/models"
	"github.com/stagewise/stagewise/workflow"
	"github.com/stagewise/stagewise/workflow/diagram"
)

// Health is what /readyz asks of the database.
type Health interface {
	Ping(ctx context.Context) error
	MigrationsCurrent(ctx context.Context) (bool, error)
}

// Deps are what the HTTP layer needs; cmd/stagewise wires them.
type Deps struct {
	Log      *slog.Logger
	Service  *workflow.Service
	Health   Health
	Renderer *diagram.Renderer
	Registry *prometheus.Registry
	// BodyLimit bounds JSON bodies in bytes (default 1 MiB).
	BodyLimit int64
	// EngineVersion is the build's version string.
	EngineVersion string
}

type server struct {
	Deps
	openapi []byte
	latest  latestCache
}

// New builds the fully wired Echo instance.
func New(d Deps) (*echo.Echo, error) {
	if d.BodyLimit <= 0 {
		d.BodyLimit = 1 << 20
	}
	if d.Registry == nil {
		d.Registry = prometheus.NewRegistry()
	}
	s := &server{Deps: d}
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = errorHandler(d.Log)
	e.Use(middleware.RequestIDWithConfig(middleware.RequestIDConfig{
		Generator: func() string { t, _ := workflow.NewToken(); return t[3:25] },
	}))
	e.Use(s.observe(newMetrics(d.Registry)))
	e.Use(s.recoverPanics)
	e.Use(securityHeaders)

	routes := s.routes()
	for _, r := range routes {
		h := r.handler(s)
		limit := d.BodyLimit
		if r.bodyLimit > 0 {
			limit = r.bodyLimit
		}
		e.Add(r.method, echoPath(r.path), h, bodyLimit(limit))
	}
	doc, err := buildOpenAPI(routes, d.EngineVersion)
	if err != nil {
		return nil, err
	}
	s.openapi = doc
	e.GET("/api/v1/openapi.json", func(c echo.Context) error {
		return c.Blob(http.StatusOK, "application/json", s.openapi)
	})
	e.GET("/metrics", echo.WrapHandler(promhttp.HandlerFor(d.Registry, promhttp.HandlerOpts{})))
	ui := echo.WrapHandler(http.FileServer(http.FS(frontend.Assets())))
	e.GET("/", ui)
	e.GET("/ui/*", echo.WrapHandler(http.StripPrefix("/ui", http.FileServer(http.FS(frontend.Assets())))))
	return e, nil
}

// echoPath turns "/models/{slug}" into Echo's "/models/:slug".
func echoPath(p string) string {
	var b strings.Builder
	for {
		i := strings.IndexByte(p, '{')
		if i < 0 {
			b.WriteString(p)
			return b.String()
		}
		j := strings.IndexByte(p[i:], '}')
		b.WriteString(p[:i])
		b.WriteString(":" + p[i+1:i+j])
		p = p[i+j+1:]
	}
}

// securityHeaders: no MIME sniffing and no referrers anywhere; the UI may
// load only its own script and style (inline style attributes are used for
// bar widths) and images from itself or blobs (the diagrams); API answers,
// SVG diagrams among them, may run nothing if opened directly.
func securityHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Response().Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		path := c.Request().URL.Path
		if path == "/" || strings.HasPrefix(path, "/ui/") {
			h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' blob: data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
			h.Set("X-Frame-Options", "DENY")
		} else {
			h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'; sandbox")
		}
		return next(c)
	}
}

func bodyLimit(n int64) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			req := c.Request()
			if req.ContentLength > n {
				return echo.ErrStatusRequestEntityTooLarge
			}
			req.Body = http.MaxBytesReader(c.Response(), req.Body, n)
			return next(c)
		}
	}
}

func (s *server) recoverPanics(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) (err error) {
		defer func() {
			if r := recover(); r != nil {
				if r == http.ErrAbortHandler {
					panic(r)
				}
				s.Log.ErrorContext(c.Request().Context(), "panic", "request_id", c.Response().Header().Get(echo.HeaderXRequestID), "panic", r)
				err = echo.NewHTTPError(http.StatusInternalServerError)
			}
		}()
		return next(c)
	}
}

type metrics struct {
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
}

func newMetrics(reg *prometheus.Registry) *metrics {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "stagewise_http_requests_total", Help: "HTTP requests by method, route and status.",
		}, []string{"method", "route", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "stagewise_http_request_duration_seconds", Help: "HTTP request latency by method, route and status.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"method", "route", "status"}),
	}
	reg.MustRegister(m.requests, m.latency)
	return m
}

// observe handles errors here (so the status is final), then logs the
// request and records its metrics.
func (s *server) observe(m *metrics) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			start := time.Now()
			err := next(c)
			if err != nil {
				c.Error(err)
			}
			route := c.Path()
			if route == "" {
				route = "unmatched"
			}
			status := strconv.Itoa(c.Response().Status)
			d := time.Since(start)
			m.requests.WithLabelValues(c.Request().Method, route, status).Inc()
			m.latency.WithLabelValues(c.Request().Method, route, status).Observe(d.Seconds())
			if s.Log.Enabled(c.Request().Context(), slog.LevelDebug) || c.Response().Status >= 400 {
				s.Log.LogAttrs(c.Request().Context(), levelFor(c.Response().Status), "request",
					slog.String("request_id", c.Response().Header().Get(echo.HeaderXRequestID)),
					slog.String("method", c.Request().Method), slog.String("route", route),
					slog.Int("status", c.Response().Status), slog.Duration("latency", d))
			}
			return nil
		}
	}
}

func levelFor(status int) slog.Level {
	switch {
	case status >= 500:
		return slog.LevelError
	case status >= 400:
		return slog.LevelInfo
	}
	return slog.LevelDebug
}

// jsonEncode writes v as JSON without HTML escaping.
func jsonEncode(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

func marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	if err := jsonEncode(&buf, v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func respond(c echo.Context, status int, v any) error {
	b, err := marshal(v)
	if err != nil {
		return err
	}
	return c.Blob(status, echo.MIMEApplicationJSON, b)
}

// etagOf is a strong validator: the SHA-256 of the exact representation.
func etagOf(body []byte) string {
	sum := sha256.Sum256(body)
	return `"` + hex.EncodeToString(sum[:16]) + `"`
}

// etagMatches implements the comparison of RFC 9110: weak for
// If-None-Match, strong for If-Match.
func etagMatches(header, etag string, weak bool) bool {
	for _, part := range strings.Split(header, ",") {
		p := strings.TrimSpace(part)
		if p == "*" {
			return true
		}
		if weak {
			p = strings.TrimPrefix(p, "W/")
		} else if strings.HasPrefix(p, "W/") {
			continue
		}
		if p == etag {
			return true
		}
	}
	return false
}

// respondCached writes v with a strong ETag and answers If-None-Match
// with 304.
func respondCached(c echo.Context, v any) error {
	b, err := marshal(v)
	if err != nil {
		return err
	}
	etag := etagOf(b)
	c.Response().Header().Set("ETag", etag)
	c.Response().Header().Set("Cache-Control", "private, no-cache")
	if inm := c.Request().Header.Get("If-None-Match"); inm != "" && etagMatches(inm, etag, true) {
		return c.NoContent(http.StatusNotModified)
	}
	return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, b)
}

// authenticate resolves the bearer token to a user.
func (s *server) authenticate(c echo.Context) (models.User, error) {
	h := c.Request().Header.Get(echo.HeaderAuthorization)
	if h == "" { // the web UI: a session cookie (see session.go)
		if u, ok, err := s.sessionUser(c); ok {
			return u, err
		}
	}
	scheme, token, ok := strings.Cut(h, " ")
	if h == "" || !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
		c.Response().Header().Set("WWW-Authenticate", `Bearer realm="stagewise"`)
		return models.User{}, models.Errf(models.ErrUnauthorized, "send Authorization: Bearer <token>")
	}
	u, err := s.Service.Authenticate(c.Request().Context(), strings.TrimSpace(token))
	if err != nil {
		c.Response().Header().Set("WWW-Authenticate", `Bearer realm="stagewise", error="invalid_token"`)
		return models.User{}, err
	}
	return u, nil
}
