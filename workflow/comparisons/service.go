// Package comparisons holds empirical comparisons of a model version with
// coded sessions (the conformance analysis) and the synthesis that drafts
// the next version from a comparison (through the versions service).
package comparisons

import (
	"context"

	"github.com/stagewise/stagewise/models"
	"github.com/stagewise/stagewise/workflow/core"
	"github.com/stagewise/stagewise/workflow/datasets"
	"github.com/stagewise/stagewise/workflow/versions"
)

// Store is the persistence of empirical comparisons and what they read:
// the model and version compared, the dataset's sessions and codes.
type Store interface {
	core.Store

	ModelBySlug(ctx context.Context, slug string) (models.TaskModel, error)
	VersionByNumber(ctx context.Context, m models.TaskModel, n int) (models.Version, error)
	DatasetByID(ctx context.Context, id int64) (models.Dataset, error)
	DatasetByName(ctx context.Context, name string) (models.Dataset, error)
	AllSessions(ctx context.Context, datasetID int64) ([]models.Session, error)
	CoderHasEvents(ctx context.Context, datasetID int64, coder string) (bool, error)
	LatestSelection(ctx context.Context, datasetID int64) (models.Selection, error)
	EachSessionCodes(ctx context.Context, datasetID int64, coder string, only []models.SessionKey, fn func(models.SessionCodes) error) (missing []models.SessionKey, err error)

	CreateComparison(ctx context.Context, c *models.Comparison) error
	ComparisonByID(ctx context.Context, id int64) (models.Comparison, error)
	ListComparisons(ctx context.Context, p models.Page) ([]models.Comparison, error)
	ComparisonCount(ctx context.Context, modelID int64) (int64, error)
}

// Service carries the rules of comparisons and synthesis.
type Service struct {
	core     *core.Core
	store    Store
	versions *versions.Service
	datasets *datasets.Service
}

// New builds the comparisons service.
func New(c *core.Core, st Store, v *versions.Service, d *datasets.Service) *Service {
	return &Service{core: c, store: st, versions: v, datasets: d}
}
