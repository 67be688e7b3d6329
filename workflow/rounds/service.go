// Package rounds holds expert-panel rounds: creating and moving a round
// through its states, reviews (written in group commits by the batcher),
// the pseudonymous results and their statistics, proposals and the model
// team's decisions on them. Which versions an actor may see is asked of
// the versions service.
package rounds

import (
	"context"
	"sync"
	"time"

	"github.com/stagewise/stagewise/models"
	"github.com/stagewise/stagewise/workflow/core"
	"github.com/stagewise/stagewise/workflow/users"
	"github.com/stagewise/stagewise/workflow/versions"
)

// Store is the persistence of expert-panel rounds.
type Store interface {
	core.Store

	ModelBySlug(ctx context.Context, slug string) (models.TaskModel, error)
	LockModel(ctx context.Context, id int64, now time.Time) error
	VersionByNumber(ctx context.Context, m models.TaskModel, n int) (models.Version, error)
	UsersByIDs(ctx context.Context, ids []int64) ([]models.User, error)

	CreateRound(ctx context.Context, r *models.Round, panelists []int64) error
	UpdateRoundStatus(ctx context.Context, r models.Round) error
	RoundByID(ctx context.Context, id int64) (models.Round, error)
	ListRounds(ctx context.Context, versionID int64, onlyFor int64, p models.Page) ([]models.Round, error)
	ListRoundsFor(ctx context.Context, invitedUser, ownerID int64, p models.Page) ([]models.Round, error)
	RoundsOfModel(ctx context.Context, modelID int64) ([]models.Round, error)
	MaxRoundNumber(ctx context.Context, modelID int64) (int, error)
	RoundPanelists(ctx context.Context, roundID int64) ([]models.RoundPanelist, error)
	IsInvited(ctx context.Context, roundID, userID int64) (bool, error)
	LockOpenRound(ctx context.Context, roundID int64, now time.Time) (bool, error)
	Savepoint(ctx context.Context, fn func(ctx context.Context) error) error
	SaveReview(ctx context.Context, rv *models.Review) error
	ReviewOf(ctx context.Context, roundID, panelistID int64) (models.Review, error)
	ReviewsOf(ctx context.Context, roundID int64) ([]models.Review, error)
	ProposalsOf(ctx context.Context, roundID int64, p models.Page) ([]models.Proposal, error)
	ProposalByID(ctx context.Context, roundID, id int64) (models.Proposal, error)
	DecideProposal(ctx context.Context, p models.Proposal) error
}

// Service carries the rules of panel rounds.
type Service struct {
	core     *core.Core
	store    Store
	users    *users.Service
	versions *versions.Service

	// batch group-commits panel reviews (see batch.go).
	batchOnce sync.Once
	batch     *reviewBatcher
}

// New builds the rounds service.
func New(c *core.Core, st Store, u *users.Service, v *versions.Service) *Service {
	return &Service{core: c, store: st, users: u, versions: v}
}
