// Package core is what every workflow area shares: the transaction and
// audit store, the logger, the injected clock, the cache generation and
// lifetime, token helpers and input checks. The areas (users, versions,
// rounds, datasets, comparisons) each hold a *Core; none keeps state of its
// own beyond its dependencies, so several processes may serve one
// database.
package core

import (
	"context"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/stagewise/stagewise/models"
)

// Store is the persistence every area needs: a write transaction and the
// hash-chained audit trail. Calls made with the context that InTx hands to
// its function run in that transaction; other calls read from a read pool.
type Store interface {
	InTx(ctx context.Context, fn func(ctx context.Context) error) error
	AppendAudit(ctx context.Context, e *models.AuditEntry) error
}

// Core carries the shared helpers. It is safe for concurrent use.
type Core struct {
	store Store
	log   *slog.Logger
	clock atomic.Pointer[func() time.Time]
	ttl   atomic.Int64
	gen   generation
}

// New builds a Core; a nil logger discards.
func New(store Store, log *slog.Logger) *Core {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	c := &Core{store: store, log: models.Logger(log)}
	c.SetClock(nil)
	c.SetCacheTTL(DefaultCacheTTL)
	return c
}

// Log is the logger the areas write state changes to.
func (c *Core) Log() *slog.Logger { return c.log }

// SetClock replaces the clock the rules read (deadlines, timestamps, cache
// ages); nil restores the system clock. It exists for tests, which move
// time forward instead of sleeping, and is safe to call while serving.
func (c *Core) SetClock(now func() time.Time) {
	if now == nil {
		now = time.Now
	}
	c.clock.Store(&now)
}

// Now is the clock, in UTC to the microsecond (what both databases store).
func (c *Core) Now() time.Time {
	return (*c.clock.Load())().UTC().Truncate(time.Microsecond)
}

// Audit appends one entry inside the caller's transaction. Every state
// change passes here, so it also drops this process's cached answers.
func (c *Core) Audit(ctx context.Context, actor models.User, action, entity, id, detail string) error {
	name := "system"
	if actor.ID != 0 {
		name = "user:" + Itoa(actor.ID)
	}
	return c.AuditAs(ctx, name, action, entity, id, detail)
}

// AuditAs appends an entry under a given actor name. A panelist's review
// is recorded as by "panelist": the trail that PIs read names no panel
// member (the round view says who has responded; nothing ties a person to
// an answer).
func (c *Core) AuditAs(ctx context.Context, name, action, entity, id, detail string) error {
	c.gen.bump()
	if err := c.store.AppendAudit(ctx, &models.AuditEntry{At: c.Now(), Actor: name, Action: action, Entity: entity, EntityID: id, Detail: detail}); err != nil {
		return err
	}
	// One line per state change under the request's id (models.LogHandler);
	// the request's own line says whether its transaction committed.
	c.log.LogAttrs(ctx, slog.LevelInfo, "change", slog.String("action", action), slog.String("entity", entity),
		slog.String("id", id), slog.String("actor", name))
	return nil
}

// InTx runs fn in a write transaction and, after it ends, drops this
// process's cached answers (bumping the generation before the commit alone
// would let a concurrent reader cache the old state under the new number).
func (c *Core) InTx(ctx context.Context, fn func(ctx context.Context) error) error {
	err := c.store.InTx(ctx, fn)
	c.gen.bump()
	return err
}
