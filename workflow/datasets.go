package workflow

import (
	"context"

	"github.com/stagewise/stagewise/models"
)

// DatasetStore is the persistence of coded cases.
type DatasetStore interface{}

// seedDemoDataset adds the demonstration dataset.
func (s *Service) seedDemoDataset(ctx context.Context, pi models.User) error { return nil }
