package workflow

import (
	"context"

	"github.com/stagewise/stagewise/models"
)

// ComparisonStore is the persistence of empirical comparisons.
type ComparisonStore interface{}

// seedDemoComparison stores a comparison of demo v1 with the demo dataset.
func (s *Service) seedDemoComparison(ctx context.Context, pi models.User, m models.TaskModel) error {
	return nil
}
