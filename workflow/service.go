// Package workflow holds Stagewise's rules: who may do what, the version
// lifecycle, validation of model content, and the audit trail. It talks to
// storage through the Store interface it declares, receives a
// context.Context, and knows nothing of HTTP.
package workflow

import (
	"context"
	"log/slog"
	"sync"
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
	now   func() time.Time
	ttl   time.Duration
	auth  authCache
	gen   generation
	check *checker

	// batch group-commits panel reviews (see batch.go).
	batchOnce sync.Once
	batch     *reviewBatcher
}

// New builds a Service.
func New(store Store, log *slog.Logger) *Service {
	s := &Service{store: store, log: log, now: func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }, check: newChecker()}
	s.SetCacheTTL(DefaultCacheTTL)
	return s
}

// audit appends one entry inside the caller's transaction. Every state
// change passes here, so it also drops this process's cached answers.
func (s *Service) audit(ctx context.Context, actor models.User, action, entity, id, detail string) error {
	s.gen.bump()
	name := "system"
	if actor.ID != 0 {
		name = "user:" + itoa(actor.ID)
	}
	return s.store.AppendAudit(ctx, &models.AuditEntry{At: s.now(), Actor: name, Action: action, Entity: entity, EntityID: id, Detail: detail})
}

// inTx runs fn in a write transaction and, after it ends, drops this
// process's cached answers (bumping the generation before the commit alone
// would let a concurrent reader cache the old state under the new number).
func (s *Service) inTx(ctx context.Context, fn func(ctx context.Context) error) error {
	err := s.store.InTx(ctx, fn)
	s.gen.bump()
	return err
}
