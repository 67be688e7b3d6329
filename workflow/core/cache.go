package core

import (
	"sync/atomic"
	"time"
)

// Several stagewise processes may serve one database, so nothing cached is
// a source of truth: caches hold what the database said for at most their
// TTL, and a process drops its own entries at once when it changes the
// data. Another process's change shows after at most the TTL.

// DefaultCacheTTL bounds how stale a cached token or version may be when
// another process changed it.
const DefaultCacheTTL = 2 * time.Second

// generation counts the changes this process made; response caches compare
// it to drop their entries at once after a local change.
type generation struct{ n atomic.Uint64 }

func (g *generation) bump() { g.n.Add(1) }

// Generation is the count of changes this process has made.
func (c *Core) Generation() uint64 { return c.gen.n.Load() }

// CacheTTL is how long a cached answer may be served.
func (c *Core) CacheTTL() time.Duration { return time.Duration(c.ttl.Load()) }

// SetCacheTTL changes the cache lifetime; 0 turns caching off.
func (c *Core) SetCacheTTL(d time.Duration) { c.ttl.Store(int64(d)) }
