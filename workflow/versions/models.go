package versions

import (
	"context"

	"github.com/stagewise/stagewise/models"
)

// NewModel is the input of CreateModel. Its field rules (a slug, lengths)
// are the api request type's validate tags; callers pass checked values.
type NewModel struct {
	Slug       string
	Title      string
	Marker     string
	Resolution string
	Context    string
}

// CreateModel creates a model owned by the calling PI (or admin).
func (s *Service) CreateModel(ctx context.Context, actor models.User, in NewModel) (models.TaskModel, error) {
	if actor.Role != models.RolePI && actor.Role != models.RoleAdmin {
		return models.TaskModel{}, models.Errf(models.ErrForbidden, "only PIs and admins create models")
	}
	now := s.core.Now()
	m := models.TaskModel{Slug: in.Slug, Title: in.Title, Marker: in.Marker, Resolution: in.Resolution, Context: in.Context,
		OwnerID: actor.ID, OwnerName: actor.Name, CreatedAt: now, UpdatedAt: now,
		Team: []models.TeamMember{{ID: actor.ID, Name: actor.Name, Creator: true}}}
	err := s.core.InTx(ctx, func(ctx context.Context) error {
		if _, err := s.store.ModelBySlug(ctx, in.Slug); err == nil {
			return models.Errf(models.ErrConflict, "a model with slug %s exists", in.Slug)
		}
		if err := s.store.CreateModel(ctx, &m); err != nil {
			return err
		}
		return s.core.Audit(ctx, actor, "model.create", "model", m.Slug, "")
	})
	return m, err
}

// Model returns a model actor may know of (see ModelFor).
func (s *Service) Model(ctx context.Context, actor models.User, slug string) (models.TaskModel, error) {
	m, err := s.ModelFor(ctx, actor, slug)
	if err != nil {
		return m, err
	}
	return s.withTeam(ctx, m)
}

// ListModels lists, in creation order, the models actor may know of: all
// for an admin; for anyone else those with a version they may see, and
// for a PI also the models of their teams.
func (s *Service) ListModels(ctx context.Context, actor models.User, p models.Page) ([]models.TaskModel, error) {
	ms, err := s.store.ListModels(ctx, modelScope(actor), p)
	if err != nil {
		return nil, err
	}
	for i := range ms {
		if ms[i], err = s.withTeam(ctx, ms[i]); err != nil {
			return nil, err
		}
	}
	return ms, nil
}
