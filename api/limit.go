package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/stagewise/stagewise/models"
	"github.com/stagewise/stagewise/workflow/datasets"
)

// Failed-authentication limit (api.md "Abuse"): each client address has a
// bucket of authFailBurst failures that refills at authFailBurst a minute;
// a request that presents a token (or an invitation code) while its
// address's bucket is empty is answered 429 with Retry-After, before the
// token is looked at, so a guesser learns nothing more. Only failures
// count: a wrong token, an unknown or spent invitation code. A request
// without any token is a plain 401 and costs nothing (the UI asks /me
// before signing in). The buckets live in this process's memory, bounded
// to authFailMaxAddrs addresses; with N processes behind one address the
// limit is per process, so N × 20 a minute at most.
const (
	authFailBurst    = 20
	authFailWindow   = time.Minute
	authFailMaxAddrs = 10000
)

type bucket struct {
	tokens float64
	at     time.Time
}

type authLimiter struct {
	log *slog.Logger
	now func() time.Time

	mu      sync.Mutex
	buckets map[string]*bucket
}

func newAuthLimiter(log *slog.Logger) *authLimiter {
	return &authLimiter{log: log, now: time.Now, buckets: map[string]*bucket{}}
}

// clientAddr is the address a request came from, as the server's
// IPExtractor sees it (server.go): the socket's peer, or, only when
// proxies are trusted by configuration, what they put in X-Forwarded-For.
// Trusting that header without a proxy would let every request pick its
// own address.
func clientAddr(c echo.Context) string { return c.RealIP() }

// refill brings b up to date at now and returns it.
func refill(b *bucket, now time.Time) {
	rate := float64(authFailBurst) / authFailWindow.Seconds()
	b.tokens = math.Min(authFailBurst, b.tokens+now.Sub(b.at).Seconds()*rate)
	b.at = now
}

// check answers 429 when the request's address has no failures left.
// An address without failures has no bucket, and its request costs one
// map lookup: the clock is read only for an address that has one.
func (l *authLimiter) check(c echo.Context) error {
	addr := clientAddr(c)
	l.mu.Lock()
	b, ok := l.buckets[addr]
	var wait time.Duration
	if ok {
		refill(b, l.now())
		if b.tokens < 1 {
			rate := float64(authFailBurst) / authFailWindow.Seconds()
			wait = time.Duration((1 - b.tokens) / rate * float64(time.Second))
		}
	}
	l.mu.Unlock()
	if wait <= 0 {
		return nil
	}
	secs := int(math.Ceil(wait.Seconds()))
	c.Response().Header().Set("Retry-After", strconv.Itoa(secs))
	return &echo.HTTPError{Code: http.StatusTooManyRequests,
		Message: "too many failed authentications from this address; retry after " + strconv.Itoa(secs) + " s"}
}

// fail records a failed authentication from the request's address.
func (l *authLimiter) fail(c echo.Context) {
	addr := clientAddr(c)
	now := l.now()
	l.mu.Lock()
	b, ok := l.buckets[addr]
	if !ok {
		if len(l.buckets) >= authFailMaxAddrs {
			l.evict(now)
		}
		b = &bucket{tokens: authFailBurst, at: now}
		l.buckets[addr] = b
	}
	refill(b, now)
	b.tokens--
	empty := b.tokens < 1
	l.mu.Unlock()
	if empty {
		l.log.WarnContext(c.Request().Context(), "failed authentications over the limit", "client", addr,
			"request_id", c.Response().Header().Get(echo.HeaderXRequestID), "limit_per_minute", authFailBurst)
	}
}

// evict makes room: first the addresses whose buckets are full again
// (they would start over the same), then, if an address flood keeps the
// map full, arbitrary ones, so memory stays bounded.
func (l *authLimiter) evict(now time.Time) {
	for k, b := range l.buckets {
		refill(b, now)
		if b.tokens >= authFailBurst {
			delete(l.buckets, k)
		}
	}
	for k := range l.buckets {
		if len(l.buckets) < authFailMaxAddrs*9/10 {
			break
		}
		delete(l.buckets, k)
	}
}

func isNotFound(err error) bool { return errors.Is(err, models.ErrNotFound) }

func isUnauthorized(err error) bool { return errors.Is(err, models.ErrUnauthorized) }

// Size limit of POST /api/v1/stats/reliability (api.md "Abuse"): a raw
// matrix of at most maxRaters rows and maxUnits columns. A larger one is
// 413 naming data, found while the body streams in, so the server stops
// reading at the first row too many or the first unit too many.
// The limits are the calculator's (datasets.MaxRaters, datasets.MaxUnits).
const (
	maxRaters = datasets.MaxRaters
	maxUnits  = datasets.MaxUnits
)

// tooLargeError is a 413 that names the field that is too large.
type tooLargeError struct {
	field, message string
}

func (e *tooLargeError) Error() string { return e.field + ": " + e.message }

// bindMatrix is bindStrict for a body whose top-level "data" is a matrix
// (an array of rows): it scans the body as it arrives and answers 413 as
// soon as data has more than maxRows rows or a row more than maxCols
// values; anything the scan does not understand is left to bindStrict's
// rules, which then see the whole body.
func bindMatrix(c echo.Context, dst any, maxRows, maxCols int) error {
	if err := jsonContentType(c); err != nil {
		return err
	}
	body := c.Request().Body
	var buf bytes.Buffer
	if err := scanMatrix(io.TeeReader(body, &buf), maxRows, maxCols); err != nil {
		var tl *tooLargeError
		if errors.As(err, &tl) {
			return err
		}
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return readFailure(err)
		}
	}
	if _, err := io.Copy(&buf, body); err != nil {
		return readFailure(err)
	}
	return decodeStrict(buf.Bytes(), dst)
}

// errScanStop ends a scan that found nothing too large (or a shape that
// decodeStrict will judge).
var errScanStop = errors.New("scan stopped")

func scanMatrix(r io.Reader, maxRows, maxCols int) error {
	dec := json.NewDecoder(r)
	dec.UseNumber()
	if tok, err := dec.Token(); err != nil {
		return err
	} else if tok != json.Delim('{') {
		return errScanStop
	}
	for dec.More() {
		key, err := dec.Token()
		if err != nil {
			return err
		}
		if key != "data" {
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return err
			}
			continue
		}
		if tok, err := dec.Token(); err != nil {
			return err
		} else if tok != json.Delim('[') {
			return errScanStop
		}
		for rows := 0; dec.More(); rows++ {
			if rows == maxRows {
				return &tooLargeError{field: "data", message: fmt.Sprintf("has more than %d raters (rows); at most %d raters × %d units are accepted", maxRows, maxRows, maxCols)}
			}
			if tok, err := dec.Token(); err != nil {
				return err
			} else if tok != json.Delim('[') {
				return errScanStop
			}
			for cols := 0; dec.More(); cols++ {
				if cols == maxCols {
					return &tooLargeError{field: "data", message: fmt.Sprintf("row %d has more than %d units (columns); at most %d raters × %d units are accepted", rows, maxCols, maxRows, maxCols)}
				}
				tok, err := dec.Token()
				if err != nil {
					return err
				}
				if _, nested := tok.(json.Delim); nested {
					return errScanStop
				}
			}
			if _, err := dec.Token(); err != nil {
				return err
			}
		}
		return errScanStop
	}
	return errScanStop
}
