// Package api serves Stagewise's HTTP contract with Echo. It is the only
// package that imports Echo. Handlers bind, convert, call the workflow,
// convert and respond; they hold no rules and no SQL.
package api

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/labstack/echo/v4"
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
	// TrustProxy takes the client address from X-Forwarded-For/X-Real-IP
	// (set it only behind a proxy that sets them); otherwise the socket's
	// peer is the client, for the failed-authentication limit and logs.
	TrustProxy bool
	// MetricsElsewhere leaves /metrics out of this server: cmd/stagewise
	// serves MetricsHandler on its own address instead (--metrics-addr).
	MetricsElsewhere bool
}

// MetricsHandler serves the registry in the Prometheus text format.
func MetricsHandler(reg *prometheus.Registry) http.Handler {
	return promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg})
}

type server struct {
	Deps
	openapi []byte
	latest  latestCache
	limiter *authLimiter
}

// New builds the fully wired Echo instance.
func New(d Deps) (*echo.Echo, error) {
	if d.BodyLimit <= 0 {
		d.BodyLimit = 1 << 20
	}
	if d.Registry == nil {
		d.Registry = prometheus.NewRegistry()
	}
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	d.Log = models.Logger(d.Log)
	s := &server{Deps: d, limiter: newAuthLimiter(d.Log)}
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = errorHandler
	// The client address (failed-authentication limit, logs): the socket's
	// peer, unless proxies are trusted by configuration; then the
	// X-Forwarded-For entry just before the first proxy, read from the
	// right, so a client cannot choose its address by sending the header.
	e.IPExtractor = echo.ExtractIPDirect()
	if d.TrustProxy {
		e.IPExtractor = echo.ExtractIPFromXFFHeader()
	}
	// One middleware, and route middleware composed once here: Echo builds
	// the chain of e.Use and route middleware anew for every request, one
	// allocation per layer.
	e.Use(s.edge(newMetrics(d.Registry), newRequestIDs()))

	routes := s.routes()
	for _, r := range routes {
		h := r.handler(s)
		limit := d.BodyLimit
		if r.bodyLimit > 0 {
			limit = r.bodyLimit
		}
		e.Add(r.method, echoPath(r.path), bodyLimit(limit)(h))
	}
	doc, err := openAPIDocument(routes, d.EngineVersion)
	if err != nil {
		return nil, err
	}
	s.openapi = doc
	e.GET("/api/v1/openapi.json", func(c echo.Context) error {
		return c.Blob(http.StatusOK, "application/json", s.openapi)
	})
	if !d.MetricsElsewhere {
		e.GET("/metrics", echo.WrapHandler(MetricsHandler(d.Registry)))
	}
	assets, err := uiAssets(frontend.Assets())
	if err != nil {
		return nil, err
	}
	e.GET("/", serveUI(assets))
	e.GET("/ui/*", serveUI(assets))
	return e, nil
}

// openAPIDocs memoizes the OpenAPI document by engine version: the route
// table is fixed at build time, so every server of one process serves the
// same document, and generating it costs more than wiring the rest of a
// server (the API tests wire hundreds).
var openAPIDocs sync.Map // version → []byte

func openAPIDocument(routes []route, version string) ([]byte, error) {
	if doc, ok := openAPIDocs.Load(version); ok {
		return doc.([]byte), nil
	}
	doc, err := buildOpenAPI(routes, version)
	if err != nil {
		return nil, err
	}
	openAPIDocs.Store(version, doc)
	return doc, nil
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
// SVG diagrams among them, may run nothing if opened directly. Canonical
// keys and shared, never-modified values: nothing but map writes.
func securityHeaders(c echo.Context) {
	h := c.Response().Header()
	h["X-Content-Type-Options"] = hdrNosniff
	h["Referrer-Policy"] = hdrNoReferrer
	path := c.Request().URL.Path
	if path == "/" || strings.HasPrefix(path, "/ui/") {
		h["Content-Security-Policy"] = hdrCSPUI
		h["X-Frame-Options"] = hdrDeny
	} else {
		h["Content-Security-Policy"] = hdrCSPAPI
	}
}

// Header values shared by all responses; net/http only reads them.
var (
	hdrNosniff    = []string{"nosniff"}
	hdrNoReferrer = []string{"no-referrer"}
	hdrDeny       = []string{"DENY"}
	hdrCSPUI      = []string{"default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' blob: data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"}
	hdrCSPAPI     = []string{"default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'; sandbox"}
	hdrJSON       = []string{echo.MIMEApplicationJSON}
	hdrNoCache    = []string{"private, no-cache"}
)

func bodyLimit(n int64) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			req := c.Request()
			if req.Body == nil || req.Body == http.NoBody {
				return next(c) // nothing to bound (GETs, mostly)
			}
			if req.ContentLength > n {
				return echo.ErrStatusRequestEntityTooLarge
			}
			req.Body = http.MaxBytesReader(c.Response(), req.Body, n)
			return next(c)
		}
	}
}

// recovering calls next and turns a panic into a 500 whose error (logged
// once, by edge) names the panic and where it happened.
func recovering(next echo.HandlerFunc, c echo.Context) (err error) {
	defer func() {
		if r := recover(); r != nil {
			if r == http.ErrAbortHandler {
				panic(r)
			}
			err = fmt.Errorf("panic: %v\n%s", r, debug.Stack())
		}
	}()
	return next(c)
}

type metrics struct {
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	// series caches the children of both vectors by label values: looking
	// them up in the vectors hashes and validates the labels every time.
	mu     sync.RWMutex
	series map[seriesKey]*series
}

type seriesKey struct {
	method, route string
	status        int
}

type series struct {
	requests prometheus.Counter
	latency  prometheus.Observer
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

// observe counts one request. Routes are the registered patterns (or
// "unmatched") and methods are only those routed, so the series stay few.
func (m *metrics) observe(method, route string, status int, d time.Duration) {
	k := seriesKey{method, route, status}
	m.mu.RLock()
	sr := m.series[k]
	m.mu.RUnlock()
	if sr == nil {
		st := strconv.Itoa(status)
		sr = &series{requests: m.requests.WithLabelValues(method, route, st), latency: m.latency.WithLabelValues(method, route, st)}
		m.mu.Lock()
		if m.series == nil {
			m.series = map[seriesKey]*series{}
		}
		m.series[k] = sr
		m.mu.Unlock()
	}
	sr.requests.Inc()
	sr.latency.Observe(d.Seconds())
}

// requestIDs makes request ids: a random prefix per process and a counter,
// unique across the processes sharing a database and cheap on the hot path.
// They identify, they do not authenticate.
type requestIDs struct {
	prefix string
	n      atomic.Uint64
}

func newRequestIDs() *requestIDs {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return &requestIDs{prefix: hex.EncodeToString(b) + "-"}
}

func (g *requestIDs) next() string {
	var buf [32]byte // prefix (13 bytes) and counter, built in one allocation
	b := append(buf[:0], g.prefix...)
	return string(strconv.AppendUint(b, g.n.Add(1), 36))
}

// header is h.Get(key) for a canonical key, without canonicalizing it again.
func header(h http.Header, key string) string {
	if v := h[key]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// from keeps a caller's X-Request-Id when it is short and plain
// (a proxy's id ties its logs to ours), else makes one.
func (g *requestIDs) from(h string) string {
	if h == "" || len(h) > 64 {
		return g.next()
	}
	for i := 0; i < len(h); i++ {
		if c := h[i]; c <= ' ' || c > '~' || c == '"' || c == '\\' {
			return g.next()
		}
	}
	return h
}

// edge is the edge of every request: it gives the request its id (in
// the X-Request-Id header and in the context, so every log line of the
// request carries it, the workflow's included), turns a returned error
// into its problem answer (so the status is final), sets the security
// headers, recovers panics, records the metrics and writes the request's
// one log line. That line is the one place an
// error is logged: a 5xx, or a failure after the answer had started, at
// level error with the error; other 4xx at info; the rest at debug.
func (s *server) edge(m *metrics, ids *requestIDs) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			start := time.Now()
			req := c.Request()
			id := ids.from(header(req.Header, echo.HeaderXRequestID))
			c.Response().Header()[echo.HeaderXRequestID] = []string{id}
			ctx := models.WithRequestID(req.Context(), id)
			c.SetRequest(req.WithContext(ctx))
			securityHeaders(c)
			err := recovering(next, c)
			started := c.Response().Committed
			if err != nil {
				c.Error(err)
			}
			route := c.Path()
			if route == "" {
				route = "unmatched"
			}
			res := c.Response()
			d := time.Since(start)
			m.observe(req.Method, route, res.Status, d)
			level := levelFor(res.Status)
			failed := err != nil && (res.Status >= 500 || started)
			if failed {
				level = slog.LevelError
			}
			if !s.Log.Enabled(ctx, level) {
				return nil
			}
			attrs := []slog.Attr{slog.String("method", req.Method), slog.String("route", route),
				slog.String("client", clientAddr(c)), slog.Int("status", res.Status), slog.Duration("latency", d)}
			if failed {
				attrs = append(attrs, slog.String("path", req.URL.Path), slog.String("error", err.Error()))
			}
			s.Log.LogAttrs(ctx, level, "request", attrs...)
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
// If-None-Match, strong for If-Match. It reads the list in place, so a
// polling client's If-None-Match costs no allocation.
func etagMatches(header, etag string, weak bool) bool {
	for rest := header; rest != ""; {
		var part string
		part, rest, _ = strings.Cut(rest, ",")
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
	h := header(c.Request().Header, echo.HeaderAuthorization)
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
	// An address over the failed-authentication limit is refused before
	// its token is looked at (limit.go).
	if err := s.limiter.check(c); err != nil {
		return models.User{}, err
	}
	u, err := s.Service.Users.Authenticate(c.Request().Context(), strings.TrimSpace(token))
	if err != nil {
		if isUnauthorized(err) {
			s.limiter.fail(c)
		}
		c.Response().Header().Set("WWW-Authenticate", `Bearer realm="stagewise", error="invalid_token"`)
		return models.User{}, err
	}
	return u, nil
}
