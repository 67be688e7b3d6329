// Package versions holds task models and their versions: creation, the
// version lifecycle, model teams and the one rule of who sees which
// version (teams.go), content validation, diffs, lineage and revision
// from panel proposals. Other areas ask this service whether a version is
// visible; none repeats the rule.
package versions

import (
	"context"
	"time"

	"github.com/stagewise/stagewise/models"
	"github.com/stagewise/stagewise/workflow/core"
)

// MaxComment is the longest comment, rationale or note a panelist or the
// model team may write on a round, a review or a proposal.
const MaxComment = 5000

// Store is the persistence the versions area needs.
type Store interface {
	core.Store
	TeamStore

	UsersByIDs(ctx context.Context, ids []int64) ([]models.User, error)

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

	// Revise reads the closed rounds of a model and their proposals.
	RoundsOfModel(ctx context.Context, modelID int64) ([]models.Round, error)
	ProposalsOf(ctx context.Context, roundID int64, p models.Page) ([]models.Proposal, error)
}

// Service carries the rules of models and versions.
type Service struct {
	core  *core.Core
	store Store
}

// New builds the versions service.
func New(c *core.Core, st Store) *Service {
	return &Service{core: c, store: st}
}
