package users

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stagewise/stagewise/models"
	"github.com/stagewise/stagewise/models/store"
	"github.com/stagewise/stagewise/workflow/core"
)

// testClock is an injected clock tests move forward instead of sleeping.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *testClock) add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

func newUsers(t *testing.T) (*Service, *testClock) {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, store.Config{SQLitePath: filepath.Join(t.TempDir(), "u.db")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	c := core.New(st, nil)
	clock := &testClock{t: time.Date(2026, 5, 4, 9, 0, 0, 0, time.UTC)}
	c.SetClock(clock.now)
	s := New(c, st)
	s.SetCacheTTL(time.Hour) // a cached token must still end at once when it changes
	return s, clock
}

var admin = models.User{Role: models.RoleAdmin}

// TestCreateUserRoles: an admin hands out any role, a PI only the roles
// of their studies; admins, PIs and clients get a token, panelists and
// coders an invitation; an email is used once.
func TestCreateUserRoles(t *testing.T) {
	s, _ := newUsers(t)
	ctx := context.Background()
	pi, cred, err := s.CreateUser(ctx, admin, NewUser{Name: " Ana ", Email: "ana@x.invalid", Role: models.RolePI})
	if err != nil || cred.Token == "" || cred.Invitation != nil || pi.Name != "Ana" {
		t.Fatalf("PI: %+v %+v %v", pi, cred, err)
	}
	if _, _, err := s.CreateUser(ctx, pi, NewUser{Name: "Bo", Email: "bo@x.invalid", Role: models.RolePI}); !errors.Is(err, models.ErrForbidden) {
		t.Errorf("a PI creating a PI: %v", err)
	}
	p, cred, err := s.CreateUser(ctx, pi, NewUser{Name: "Pat", Email: "pat@x.invalid", Role: models.RolePanelist})
	if err != nil || cred.Token != "" || cred.Invitation == nil || p.CreatedBy == nil || *p.CreatedBy != pi.ID {
		t.Fatalf("panelist: %+v %+v %v", p, cred, err)
	}
	if _, _, err := s.CreateUser(ctx, admin, NewUser{Name: "Ana 2", Email: "ana@x.invalid", Role: models.RoleClient}); !errors.Is(err, models.ErrConflict) {
		t.Errorf("a second ana: %v", err)
	}
	if _, _, err := s.CreateUser(ctx, p, NewUser{Name: "C", Email: "c@x.invalid", Role: models.RoleClient}); !errors.Is(err, models.ErrForbidden) {
		t.Errorf("a panelist creating a user: %v", err)
	}
	if _, err := s.ListUsers(ctx, p, models.Page{Limit: 10}); !errors.Is(err, models.ErrForbidden) {
		t.Errorf("a panelist listing users: %v", err)
	}
	if us, err := s.ListUsers(ctx, pi, models.Page{Limit: 10}); err != nil || len(us) != 2 {
		t.Errorf("a PI lists themselves and their panelist: %d %v", len(us), err)
	}
}

// TestTokensEndAtOnce: a token authenticates (and is cached); rotating
// or ending it takes effect at once in this process although the cache
// lives an hour.
func TestTokensEndAtOnce(t *testing.T) {
	s, _ := newUsers(t)
	ctx := context.Background()
	pi, cred, err := s.CreateUser(ctx, admin, NewUser{Name: "Ana", Email: "ana@x.invalid", Role: models.RolePI})
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if u, err := s.Authenticate(ctx, cred.Token); err != nil || u.ID != pi.ID {
			t.Fatalf("authenticate: %+v %v", u, err)
		}
	}
	next, err := s.RotateToken(ctx, pi)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Authenticate(ctx, cred.Token); !errors.Is(err, models.ErrUnauthorized) {
		t.Errorf("the rotated token: %v", err)
	}
	if err := s.EndToken(ctx, pi); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Authenticate(ctx, next); !errors.Is(err, models.ErrUnauthorized) {
		t.Errorf("the ended token: %v", err)
	}
	if _, err := s.Authenticate(ctx, ""); !errors.Is(err, models.ErrUnauthorized) {
		t.Errorf("no token: %v", err)
	}
}

// TestInvitationLifetime: an invitation is claimed once, before it
// expires; claiming gives a token only the invitee sees.
func TestInvitationLifetime(t *testing.T) {
	s, clock := newUsers(t)
	ctx := context.Background()
	s.SetInvitationTTL(time.Hour)
	_, cred, err := s.CreateUser(ctx, admin, NewUser{Name: "Pat", Email: "pat@x.invalid", Role: models.RolePanelist})
	if err != nil {
		t.Fatal(err)
	}
	u, token, err := s.ClaimInvitation(ctx, cred.Invitation.Code)
	if err != nil || token == "" {
		t.Fatalf("claim: %v", err)
	}
	if got, err := s.Authenticate(ctx, token); err != nil || got.ID != u.ID {
		t.Errorf("the claimed token: %v", err)
	}
	if _, _, err := s.ClaimInvitation(ctx, cred.Invitation.Code); err == nil {
		t.Error("an invitation claimed twice")
	}
	_, late, err := s.CreateUser(ctx, admin, NewUser{Name: "Lee", Email: "lee@x.invalid", Role: models.RoleCoder})
	if err != nil {
		t.Fatal(err)
	}
	clock.add(time.Hour + time.Second)
	if _, _, err := s.ClaimInvitation(ctx, late.Invitation.Code); err == nil {
		t.Error("an expired invitation was claimed")
	}
}

// TestSessionLifetimes: a session ends after SessionIdle without a
// request and at the latest SessionMax after sign-in, on the injected
// clock; signing out ends it.
func TestSessionLifetimes(t *testing.T) {
	s, clock := newUsers(t)
	ctx := context.Background()
	_, cred, err := s.CreateUser(ctx, admin, NewUser{Name: "Ana", Email: "ana@x.invalid", Role: models.RolePI})
	if err != nil {
		t.Fatal(err)
	}
	_, sid, err := s.SignIn(ctx, cred.Token)
	if err != nil {
		t.Fatal(err)
	}
	clock.add(SessionIdle - time.Minute)
	if _, err := s.SessionUser(ctx, sid); err != nil {
		t.Fatalf("a used session: %v", err)
	}
	clock.add(SessionIdle + time.Second)
	if _, err := s.SessionUser(ctx, sid); !errors.Is(err, models.ErrUnauthorized) {
		t.Errorf("an idle session: %v", err)
	}
	_, sid, err = s.SignIn(ctx, cred.Token)
	if err != nil {
		t.Fatal(err)
	}
	for used := SessionIdle / 2; used <= SessionMax; used += SessionIdle / 2 {
		clock.add(SessionIdle / 2)
		if _, err := s.SessionUser(ctx, sid); err != nil {
			t.Fatalf("after %v: %v", used, err)
		}
	}
	clock.add(time.Minute)
	if _, err := s.SessionUser(ctx, sid); !errors.Is(err, models.ErrUnauthorized) {
		t.Errorf("a session past SessionMax: %v", err)
	}
	_, sid, _ = s.SignIn(ctx, cred.Token)
	if err := s.SignOut(ctx, sid); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SessionUser(ctx, sid); !errors.Is(err, models.ErrUnauthorized) {
		t.Errorf("a signed-out session: %v", err)
	}
	if SessionCSRF(sid) == SessionCSRF(sid+"x") || len(SessionCSRF(sid)) != 32 {
		t.Error("CSRF tokens")
	}
}
