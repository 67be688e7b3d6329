package comparisons

import (
	"context"
	"errors"

	"github.com/stagewise/stagewise/models"
)

// comparisonVisible says whether actor may see comparison c: admins, the
// dataset's team and the model's team may; a blind coder only a comparison
// of their own events. Everyone else is told it does not exist.
func (s *Service) comparisonVisible(ctx context.Context, actor models.User, c models.Comparison) (bool, error) {
	if actor.Role == models.RoleAdmin {
		return true, nil
	}
	d, err := s.store.DatasetByID(ctx, c.DatasetID)
	if err != nil && !errors.Is(err, models.ErrNotFound) {
		return false, err
	}
	if err == nil {
		acc, err := s.datasets.DatasetAccess(ctx, actor, d)
		if err != nil {
			return false, err
		}
		if acc.Member && (!acc.Blind() || c.Coder == acc.Coder) {
			return true, nil
		}
	}
	m, err := s.store.ModelBySlug(ctx, c.ModelSlug)
	if errors.Is(err, models.ErrNotFound) {
		return false, nil
	} else if err != nil {
		return false, err
	}
	return s.versions.OnModelTeam(ctx, actor, m)
}

// visibleComparisons fills a page of comparisons actor may see, reading on
// past the ones it may not, so that a page is short only at the end.
func (s *Service) visibleComparisons(ctx context.Context, actor models.User, p models.Page) ([]models.Comparison, error) {
	if actor.Role == models.RoleAdmin {
		return s.store.ListComparisons(ctx, p)
	}
	out := []models.Comparison{}
	cursor := p.Cursor
	for len(out) < p.Limit {
		batch, err := s.store.ListComparisons(ctx, models.Page{Cursor: cursor, Limit: p.Limit})
		if err != nil {
			return nil, err
		}
		for _, c := range batch {
			ok, err := s.comparisonVisible(ctx, actor, c)
			if err != nil {
				return nil, err
			}
			if ok && len(out) < p.Limit {
				out = append(out, c)
			}
			cursor = c.ID
		}
		if len(batch) < p.Limit {
			break
		}
	}
	return out, nil
}
