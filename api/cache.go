package api

import (
	"net/http"
	"strconv"
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
	// etagHeader and lengthHeader are the ETag and Content-Length header
	// values, built once per entry.
	etagHeader, lengthHeader []string
}

func newCachedBody(body []byte, at time.Time, gen uint64) cachedBody {
	etag := etagOf(body)
	return cachedBody{body: body, etag: etag, at: at, gen: gen, etagHeader: []string{etag}, lengthHeader: []string{strconv.Itoa(len(body))}}
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

// writeCached answers with a cached body, or 304 when the client has it.
// Headers are set as map entries with canonical keys and shared values:
// this is the hottest path of the service. The body's length is known, so
// it is sent with Content-Length rather than in chunks.
func writeCached(c echo.Context, e cachedBody) error {
	h := c.Response().Header()
	h["Etag"] = e.etagHeader
	h["Cache-Control"] = hdrNoCache
	if inm := c.Request().Header["If-None-Match"]; len(inm) > 0 && inm[0] != "" && etagMatches(inm[0], e.etag, true) {
		return c.NoContent(http.StatusNotModified)
	}
	h["Content-Type"] = hdrJSON
	h["Content-Length"] = e.lengthHeader
	c.Response().WriteHeader(http.StatusOK)
	_, err := c.Response().Write(e.body)
	return err
}
