// Package workflow composes Stagewise's rules from one service per area:
//
//	core         what every area shares: transactions, the audit trail, the clock, caches, tokens
//	users        users, invitations, tokens, web sessions, authentication
//	versions     models, versions, model teams and the one visibility rule, content, diff, lineage, revise
//	rounds       expert-panel rounds, reviews, results, proposals and decisions
//	datasets     coded sessions: datasets, teams and blind coding, imports, selection, reliability, consensus
//	comparisons  comparisons of a version with coded sessions, and synthesis
//
// Each area declares the small store interface it needs and reaches
// another area only through that area's exported methods (core ← users ←
// versions ← rounds; core ← datasets; versions, datasets ← comparisons).
// The union Store below is what models/store implements. Everything here
// receives a context.Context and knows nothing of HTTP.
package workflow

import (
	"context"
	"log/slog"
	"time"

	"github.com/stagewise/stagewise/models"
	"github.com/stagewise/stagewise/workflow/comparisons"
	"github.com/stagewise/stagewise/workflow/core"
	"github.com/stagewise/stagewise/workflow/datasets"
	"github.com/stagewise/stagewise/workflow/rounds"
	"github.com/stagewise/stagewise/workflow/users"
	"github.com/stagewise/stagewise/workflow/versions"
)

// Store is the persistence of every area. Calls made with the context
// that InTx hands to its function run in that write transaction; other
// calls read from a read pool.
type Store interface {
	users.Store
	versions.Store
	rounds.Store
	datasets.Store
	comparisons.Store

	AuditAfter(ctx context.Context, after int64, limit int) ([]models.AuditEntry, error)
	AuditAfterFor(ctx context.Context, pi, after int64, limit int) ([]models.AuditEntry, error)
	UsersCreatedBy(ctx context.Context, creatorID int64) ([]models.User, error)
}

// Service is the rules, one field per area. It is safe for concurrent use
// and keeps no state of its own beyond its dependencies and caches, so
// several processes may serve one database.
type Service struct {
	core  *core.Core
	store Store

	Users       *users.Service
	Versions    *versions.Service
	Rounds      *rounds.Service
	Datasets    *datasets.Service
	Comparisons *comparisons.Service
}

// New builds the services of every area on one store and logger.
func New(store Store, log *slog.Logger) *Service {
	c := core.New(store, log)
	s := &Service{core: c, store: store}
	s.Users = users.New(c, store)
	s.Versions = versions.New(c, store)
	s.Rounds = rounds.New(c, store, s.Users, s.Versions)
	s.Datasets = datasets.New(c, store)
	s.Comparisons = comparisons.New(c, store, s.Versions, s.Datasets)
	return s
}

// SetClock replaces the clock every area reads (deadlines, timestamps,
// cache ages); nil restores the system clock. It exists for tests, which
// move time forward instead of sleeping, and is safe to call while
// serving.
func (s *Service) SetClock(now func() time.Time) { s.core.SetClock(now) }

// Now is the services' clock, in UTC to the microsecond.
func (s *Service) Now() time.Time { return s.core.Now() }

// DefaultCacheTTL bounds how stale a cached token or version may be when
// another process changed it.
const DefaultCacheTTL = core.DefaultCacheTTL

// Generation is the count of changes this process has made; response
// caches compare it to drop their entries at once after a local change.
func (s *Service) Generation() uint64 { return s.core.Generation() }

// CacheTTL is how long a cached answer may be served.
func (s *Service) CacheTTL() time.Duration { return s.core.CacheTTL() }

// SetCacheTTL changes the cache lifetime; 0 turns caching off.
func (s *Service) SetCacheTTL(d time.Duration) {
	s.core.SetCacheTTL(d)
	s.Users.SetCacheTTL(d)
}

// StopBatching drains the panel-review queue and waits for its writer
// (see rounds.Service.StopBatching); call it on shutdown after the HTTP
// server has stopped and before the store closes.
func (s *Service) StopBatching() { s.Rounds.StopBatching() }
