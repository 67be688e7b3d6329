// Package workflow holds Stagewise's rules: who may do what, the version
// lifecycle, validation of model content, and the audit trail. It talks to
// storage through the Store interface it declares, receives a
// context.Context, and knows nothing of HTTP.
package workflow

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/stagewise/stagewise/models"
)

// Store is the persistence the workflow needs. Calls made with the context
// that InTx hands to its function run in that write transaction; other
// calls read from a read pool.
type Store interface {
	RoundStore
	DatasetStore
	ComparisonStore
	InvitationStore
	TeamStore
	SessionStore

	InTx(ctx context.Context, fn func(ctx context.Context) error) error

	CreateUser(ctx context.Context, u *models.User, tokenHash string, createdBy *int64) error
	UserByTokenHash(ctx context.Context, hash string) (models.User, error)
	UserByID(ctx context.Context, id int64) (models.User, error)
	UserByEmail(ctx context.Context, email string) (models.User, error)
	UsersByIDs(ctx context.Context, ids []int64) ([]models.User, error)
	ListUsers(ctx context.Context, p models.Page) ([]models.User, error)
	SetUserToken(ctx context.Context, id int64, tokenHash string) error

	CreateModel(ctx context.Context, m *models.TaskModel) error
	ModelBySlug(ctx context.Context, slug string) (models.TaskModel, error)
	ListModels(ctx context.Context, scope models.ModelScope, p models.Page) ([]models.TaskModel, error)
	LockModel(ctx context.Context, id int64, now time.Time) error

	MaxVersionNumber(ctx context.Context, modelID int64) (int, error)
	CreateVersion(ctx context.Context, v *models.Version) error
	UpdateVersion(ctx context.Context, v models.Version) error
	VersionByNumber(ctx context.Context, m models.TaskModel, n int) (models.Version, error)
	LatestApproved(ctx context.Context, m models.TaskModel) (models.Version, error)
	ListVersions(ctx context.Context, m models.TaskModel, scope models.VersionScope, p models.Page) ([]models.Version, error)
	HasVisibleVersion(ctx context.Context, modelID, versionID int64, scope models.VersionScope) (bool, error)

	AppendAudit(ctx context.Context, e *models.AuditEntry) error
	AuditAfter(ctx context.Context, after int64, limit int) ([]models.AuditEntry, error)
	AuditAfterFor(ctx context.Context, pi, after int64, limit int) ([]models.AuditEntry, error)
}

// Service carries the rules. It is safe for concurrent use and keeps no
// state of its own beyond its dependencies, so several processes may serve
// one database.
type Service struct {
	store Store
	log   *slog.Logger
	clock atomic.Pointer[func() time.Time]
	ttl   time.Duration
	auth  authCache
	gen   generation
	// inviteTTL is how long new invitations last (0: the default).
	inviteTTL time.Duration

	// batch group-commits panel reviews (see batch.go).
	batchOnce sync.Once
	batch     *reviewBatcher
}

// New builds a Service.
func New(store Store, log *slog.Logger) *Service {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Service{store: store, log: models.Logger(log)}
	s.SetClock(nil)
	s.SetCacheTTL(DefaultCacheTTL)
	return s
}

// SetClock replaces the clock the rules read (deadlines, timestamps, cache
// ages); nil restores the system clock. It exists for tests, which move
// time forward instead of sleeping, and is safe to call while serving.
func (s *Service) SetClock(now func() time.Time) {
	if now == nil {
		now = time.Now
	}
	s.clock.Store(&now)
}

// Now is the service's clock, in UTC to the microsecond (what both
// databases store).
func (s *Service) Now() time.Time {
	return (*s.clock.Load())().UTC().Truncate(time.Microsecond)
}

// now is Now for the rules.
func (s *Service) now() time.Time { return s.Now() }

// audit appends one entry inside the caller's transaction. Every state
// change passes here, so it also drops this process's cached answers.
func (s *Service) audit(ctx context.Context, actor models.User, action, entity, id, detail string) error {
	name := "system"
	if actor.ID != 0 {
		name = "user:" + itoa(actor.ID)
	}
	return s.auditAs(ctx, name, action, entity, id, detail)
}

// auditAs appends an entry under a given actor name. A panelist's review
// is recorded as by "panelist": the trail that PIs read names no panel
// member (the round view says who has responded; nothing ties a person to
// an answer).
func (s *Service) auditAs(ctx context.Context, name, action, entity, id, detail string) error {
	s.gen.bump()
	if err := s.store.AppendAudit(ctx, &models.AuditEntry{At: s.now(), Actor: name, Action: action, Entity: entity, EntityID: id, Detail: detail}); err != nil {
		return err
	}
	// One line per state change under the request's id (models.LogHandler);
	// the request's own line says whether its transaction committed.
	s.log.LogAttrs(ctx, slog.LevelInfo, "change", slog.String("action", action), slog.String("entity", entity),
		slog.String("id", id), slog.String("actor", name))
	return nil
}

// inTx runs fn in a write transaction and, after it ends, drops this
// process's cached answers (bumping the generation before the commit alone
// would let a concurrent reader cache the old state under the new number).
func (s *Service) inTx(ctx context.Context, fn func(ctx context.Context) error) error {
	err := s.store.InTx(ctx, fn)
	s.gen.bump()
	return err
}
