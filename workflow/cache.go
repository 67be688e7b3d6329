package workflow

import (
	"crypto/sha256"
	"sync"
	"sync/atomic"
	"time"

	"github.com/stagewise/stagewise/models"
)

// Several stagewise processes may serve one database, so nothing here is a
// source of truth: caches hold what the database said for at most their
// TTL, and a process drops its own entries at once when it changes the
// data. Another process's change shows after at most the TTL.

// DefaultCacheTTL bounds how stale a cached token or version may be when
// another process changed it.
const DefaultCacheTTL = 2 * time.Second

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
	if c.ttl <= 0 {
		return models.User{}, false
	}
	c.mu.RLock()
	e, ok := c.m[hash]
	c.mu.RUnlock()
	if !ok || now.Sub(e.at) > c.ttl {
		return models.User{}, false
	}
	return e.user, true
}

func (c *authCache) put(hash [sha256.Size]byte, u models.User, now time.Time, epoch uint64) {
	if c.ttl <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if epoch != c.epoch {
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

// generation counts the changes this process made to versions; response
// caches compare it to drop their entries at once after a local change.
type generation struct{ n atomic.Uint64 }

func (g *generation) bump() { g.n.Add(1) }

// Generation is the count of version changes this process has made.
func (s *Service) Generation() uint64 { return s.gen.n.Load() }

// CacheTTL is how long a cached answer may be served.
func (s *Service) CacheTTL() time.Duration { return s.ttl }

// SetCacheTTL changes the cache lifetime; 0 turns caching off.
func (s *Service) SetCacheTTL(d time.Duration) {
	s.ttl = d
	s.auth.mu.Lock()
	s.auth.ttl = d
	s.auth.m = map[[sha256.Size]byte]authEntry{}
	s.auth.mu.Unlock()
}
