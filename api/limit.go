package api

import (
	"errors"
	"log/slog"
	"math"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/stagewise/stagewise/models"
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
	log        *slog.Logger
	trustProxy bool
	now        func() time.Time

	mu      sync.Mutex
	buckets map[string]*bucket
}

func newAuthLimiter(log *slog.Logger, trustProxy bool) *authLimiter {
	return &authLimiter{log: log, trustProxy: trustProxy, now: time.Now, buckets: map[string]*bucket{}}
}

// clientAddr is the address a request came from: the socket's peer, or,
// only when proxies are trusted by configuration, what the proxy says
// (X-Forwarded-For / X-Real-IP through Echo's RealIP). Trusting those
// headers without a proxy would let every request pick its own address.
func clientAddr(c echo.Context, trustProxy bool) string {
	if trustProxy {
		return c.RealIP()
	}
	host, _, err := net.SplitHostPort(c.Request().RemoteAddr)
	if err != nil {
		return c.Request().RemoteAddr
	}
	return host
}

// refill brings b up to date at now and returns it.
func refill(b *bucket, now time.Time) {
	rate := float64(authFailBurst) / authFailWindow.Seconds()
	b.tokens = math.Min(authFailBurst, b.tokens+now.Sub(b.at).Seconds()*rate)
	b.at = now
}

// check answers 429 when the request's address has no failures left.
func (l *authLimiter) check(c echo.Context) error {
	addr := clientAddr(c, l.trustProxy)
	now := l.now()
	l.mu.Lock()
	b, ok := l.buckets[addr]
	var wait time.Duration
	if ok {
		refill(b, now)
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
	addr := clientAddr(c, l.trustProxy)
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
