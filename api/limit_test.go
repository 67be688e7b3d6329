package api

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
)

// TestLimiterBoundedAndRefills: the failed-authentication buckets never
// hold more than authFailMaxAddrs addresses, however many send failures,
// and an address over the limit may try again once the bucket refills
// (one failure every 3 s at 20 a minute).
func TestLimiterBoundedAndRefills(t *testing.T) {
	t.Parallel()
	l := newAuthLimiter(slog.New(slog.NewTextHandler(io.Discard, nil)))
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	l.now = func() time.Time { return now }
	e := echo.New()
	ctx := func(addr string) echo.Context {
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		req.RemoteAddr = addr + ":1"
		return e.NewContext(req, httptest.NewRecorder())
	}
	for i := 0; i < 3*authFailMaxAddrs; i++ {
		l.fail(ctx("10." + strconv.Itoa(i>>16&255) + "." + strconv.Itoa(i>>8&255) + "." + strconv.Itoa(i&255)))
		if len(l.buckets) > authFailMaxAddrs {
			t.Fatalf("%d addresses held", len(l.buckets))
		}
	}
	c := ctx("192.0.2.1")
	for i := 0; i < authFailBurst; i++ {
		if err := l.check(c); err != nil {
			t.Fatalf("failure %d refused: %v", i, err)
		}
		l.fail(c)
	}
	if l.check(c) == nil {
		t.Fatal("21st attempt within the minute allowed")
	}
	now = now.Add(3 * time.Second)
	if err := l.check(c); err != nil {
		t.Fatalf("after 3 s the bucket holds one failure again: %v", err)
	}
}
