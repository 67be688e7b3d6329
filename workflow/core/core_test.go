package core

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stagewise/stagewise/models"
)

type fakeStore struct {
	entries []models.AuditEntry
	txErr   error
}

func (f *fakeStore) InTx(ctx context.Context, fn func(ctx context.Context) error) error {
	if f.txErr != nil {
		return f.txErr
	}
	return fn(ctx)
}

func (f *fakeStore) AppendAudit(_ context.Context, e *models.AuditEntry) error {
	f.entries = append(f.entries, *e)
	return nil
}

// TestAuditAndGeneration: an entry names its actor (a user, or the
// system), carries the injected clock's time in UTC to the microsecond,
// and every change and every transaction, committed or not, moves the
// generation on.
func TestAuditAndGeneration(t *testing.T) {
	st := &fakeStore{}
	c := New(st, nil)
	at := time.Date(2026, 3, 1, 12, 0, 0, 123456789, time.FixedZone("x", 3600))
	c.SetClock(func() time.Time { return at })
	ctx := context.Background()
	g0 := c.Generation()
	if err := c.InTx(ctx, func(ctx context.Context) error {
		if err := c.Audit(ctx, models.User{ID: 7}, "model.create", "model", "m", ""); err != nil {
			return err
		}
		return c.Audit(ctx, models.User{}, "user.token_reset", "user", "1", "")
	}); err != nil {
		t.Fatal(err)
	}
	if err := c.AuditAs(ctx, "panelist", "review.submit", "round", "3", ""); err != nil {
		t.Fatal(err)
	}
	var actors []string
	for _, e := range st.entries {
		actors = append(actors, e.Actor)
		if !e.At.Equal(at.Truncate(time.Microsecond)) || e.At.Location() != time.UTC {
			t.Errorf("entry time %v", e.At)
		}
	}
	if strings.Join(actors, ",") != "user:7,system,panelist" {
		t.Errorf("actors %v", actors)
	}
	if g := c.Generation(); g != g0+4 {
		t.Errorf("generation moved %d, want 4 (three entries, one transaction)", g-g0)
	}
	st.txErr = errors.New("begin failed")
	if err := c.InTx(ctx, func(context.Context) error { return nil }); err == nil || c.Generation() != g0+5 {
		t.Errorf("a failed transaction: %v, generation %d", err, c.Generation()-g0)
	}
	c.SetClock(nil)
	if d := time.Since(c.Now()); d < 0 || d > time.Minute {
		t.Errorf("system clock restored: %v", c.Now())
	}
	if c.CacheTTL() != DefaultCacheTTL {
		t.Errorf("default TTL %v", c.CacheTTL())
	}
	c.SetCacheTTL(0)
	if c.CacheTTL() != 0 {
		t.Error("TTL not changed")
	}
}

// TestTokensAndText: tokens are 256 random bits, stored as SHA-256 hex;
// CheckText counts characters, not bytes.
func TestTokensAndText(t *testing.T) {
	a, err := NewToken()
	if err != nil {
		t.Fatal(err)
	}
	b, _ := NewToken()
	if a == b || !strings.HasPrefix(a, "sw_") || len(a) != len("sw_")+43 {
		t.Errorf("tokens %q %q", a, b)
	}
	// SHA-256("abc"), FIPS 180-2 appendix B.1.
	if h := HashToken("abc"); h != "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" {
		t.Errorf("hash %s", h)
	}
	var errs []models.FieldError
	CheckText(&errs, "a", "  ", true, 5)
	CheckText(&errs, "b", "ééééé", true, 5)
	CheckText(&errs, "c", "éééééé", false, 5)
	if len(errs) != 2 || errs[0].Field != "a" || errs[1].Field != "c" || errs[1].Message != "must be at most 5 characters" {
		t.Errorf("errs %+v", errs)
	}
}
