package api

import (
	"net/http"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
)

// latestCache keeps the rendered body of each model's latest approved
// version, the hottest read of API clients. An entry is served while this
// process has made no version change since it was filled (the workflow's
// generation) and for at most the workflow's cache TTL, which bounds how
// long a change made by another process can go unseen.
type latestCache struct {
	mu sync.RWMutex
	m  map[string]cachedBody
}

type cachedBody struct {
	body []byte
	etag string
	at   time.Time
	gen  uint64
}

func (c *latestCache) get(slug string, gen uint64, ttl time.Duration, now time.Time) (cachedBody, bool) {
	if ttl <= 0 {
		return cachedBody{}, false
	}
	c.mu.RLock()
	e, ok := c.m[slug]
	c.mu.RUnlock()
	if !ok || e.gen != gen || now.Sub(e.at) > ttl {
		return cachedBody{}, false
	}
	return e, true
}

func (c *latestCache) put(slug string, e cachedBody) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) > 10000 {
		c.m = map[string]cachedBody{}
	}
	c.m[slug] = e
}

func writeCached(c echo.Context, e cachedBody) error {
	h := c.Response().Header()
	h.Set("ETag", e.etag)
	h.Set("Cache-Control", "private, no-cache")
	if inm := c.Request().Header.Get("If-None-Match"); inm != "" && etagMatches(inm, e.etag, true) {
		return c.NoContent(http.StatusNotModified)
	}
	return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, e.body)
}
