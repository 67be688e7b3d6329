// Package users holds who may use Stagewise and how they prove it: users,
// invitations, bearer tokens, the web UI's sessions and the short-lived
// cache of authenticated tokens.
package users

import (
	"context"
	"crypto/sha256"
	"sync"
	"time"

	"github.com/stagewise/stagewise/models"
	"github.com/stagewise/stagewise/workflow/core"
)

// Store is the persistence the users area needs.
type Store interface {
	core.Store
	InvitationStore
	SessionStore

	CreateUser(ctx context.Context, u *models.User, tokenHash string, createdBy *int64) error
	UserByTokenHash(ctx context.Context, hash string) (models.User, error)
	UserByID(ctx context.Context, id int64) (models.User, error)
	UserByEmail(ctx context.Context, email string) (models.User, error)
	ListUsers(ctx context.Context, p models.Page) ([]models.User, error)
	ListUsersFor(ctx context.Context, pi int64, p models.Page) ([]models.User, error)
	SetUserToken(ctx context.Context, id int64, tokenHash string) error
}

// Service carries the rules of users, tokens, invitations and sessions.
type Service struct {
	core  *core.Core
	store Store
	auth  authCache
	// inviteTTL is how long new invitations last (0: the default).
	inviteTTL time.Duration
}

// New builds the users service.
func New(c *core.Core, st Store) *Service {
	s := &Service{core: c, store: st}
	s.SetCacheTTL(c.CacheTTL())
	return s
}

// SetCacheTTL changes how long an authenticated token is remembered (0:
// not at all) and forgets every token remembered so far.
func (s *Service) SetCacheTTL(d time.Duration) {
	s.auth.mu.Lock()
	s.auth.ttl = d
	s.auth.m = map[[sha256.Size]byte]authEntry{}
	s.auth.mu.Unlock()
}

type authEntry struct {
	user models.User
	at   time.Time
}

// authCache maps token digests (SHA-256, as stored) to users for a short
// time, so that reading an approved version costs no database round trip
// for the token. Keys are the raw digests: no hex string to build per
// request, and the cache holds no token.
type authCache struct {
	mu  sync.RWMutex
	ttl time.Duration
	m   map[[sha256.Size]byte]authEntry
	// epoch counts clears: a lookup that began before a token change must
	// not cache what it read, or a rotated or ended token would keep
	// working here for a TTL.
	epoch uint64
}

// begin returns the epoch a lookup starts in, for put.
func (c *authCache) begin() uint64 {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.epoch
}

func (c *authCache) get(hash [sha256.Size]byte, now time.Time) (models.User, bool) {
	c.mu.RLock()
	e, ok := c.m[hash]
	ttl := c.ttl
	c.mu.RUnlock()
	if ttl <= 0 || !ok || now.Sub(e.at) > ttl {
		return models.User{}, false
	}
	return e.user, true
}

func (c *authCache) put(hash [sha256.Size]byte, u models.User, now time.Time, epoch uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ttl <= 0 || epoch != c.epoch {
		return
	}
	if len(c.m) > 10000 { // bound memory; a full cache simply starts over
		c.m = map[[sha256.Size]byte]authEntry{}
	}
	c.m[hash] = authEntry{user: u, at: now}
}

func (c *authCache) clear() {
	c.mu.Lock()
	c.m = map[[sha256.Size]byte]authEntry{}
	c.epoch++
	c.mu.Unlock()
}
