package versions

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/stagewise/stagewise/models"
	"github.com/stagewise/stagewise/workflow/core"
)

// TeamStore keeps model teams: the co-investigators a model's creating PI
// adds. The creator is the model's owner and always on the team.
type TeamStore interface {
	ModelTeam(ctx context.Context, modelID int64) ([]models.TeamMember, error)
	SetModelTeam(ctx context.Context, modelID int64, ids []int64, now time.Time) error
	OnModelTeam(ctx context.Context, modelID, userID int64) (bool, error)
	ListUsersFor(ctx context.Context, pi int64, p models.Page) ([]models.User, error)
}

// OnModelTeam reports whether actor acts as "the model's PI": an admin, the
// PI who created the model, or a PI the team lists. Everyone else sees the
// model only as a client does.
func (s *Service) OnModelTeam(ctx context.Context, actor models.User, m models.TaskModel) (bool, error) {
	switch {
	case actor.Role == models.RoleAdmin:
		return true, nil
	case actor.Role != models.RolePI || actor.ID == 0:
		return false, nil
	case actor.ID == m.OwnerID:
		return true, nil
	}
	return s.store.OnModelTeam(ctx, m.ID, actor.ID)
}

// withTeam fills m.Team: its creator first, then the co-investigators.
func (s *Service) withTeam(ctx context.Context, m models.TaskModel) (models.TaskModel, error) {
	co, err := s.store.ModelTeam(ctx, m.ID)
	if err != nil {
		return m, err
	}
	m.Team = append([]models.TeamMember{{ID: m.OwnerID, Name: m.OwnerName, Creator: true}}, co...)
	return m, nil
}

// SetModelTeam replaces a model's co-investigators (by a team PI or an
// admin). Every id must name a PI; the creator stays whether listed or not.
// It returns the model with its new team.
func (s *Service) SetModelTeam(ctx context.Context, actor models.User, slug string, pis []int64) (models.TaskModel, error) {
	var m models.TaskModel
	err := s.core.InTx(ctx, func(ctx context.Context) error {
		var err error
		if m, err = s.ModelForChange(ctx, actor, slug, "changes its team"); err != nil {
			return err
		}
		var errs []models.FieldError // at most 200 PIs: the api request's validate tag
		users, err := s.store.UsersByIDs(ctx, pis)
		if err != nil {
			return err
		}
		byID := make(map[int64]models.User, len(users))
		for _, u := range users {
			byID[u.ID] = u
		}
		keep := make([]int64, 0, len(pis))
		for i, id := range pis {
			u, ok := byID[id]
			switch {
			case !ok:
				errs = append(errs, models.FieldError{Field: fmt.Sprintf("pis[%d]", i), Message: fmt.Sprintf("no user %d", id)})
			case u.Role != models.RolePI:
				errs = append(errs, models.FieldError{Field: fmt.Sprintf("pis[%d]", i), Message: fmt.Sprintf("user %d is a %s, not a PI", id, u.Role)})
			case id != m.OwnerID:
				keep = append(keep, id)
			}
		}
		if err := models.Invalid(errs); err != nil {
			return err
		}
		slices.Sort(keep)
		keep = slices.Compact(keep)
		if err := s.store.SetModelTeam(ctx, m.ID, keep, s.core.Now()); err != nil {
			return err
		}
		if m, err = s.withTeam(ctx, m); err != nil {
			return err
		}
		ids := make([]string, len(keep))
		for i, id := range keep {
			ids[i] = core.Itoa(id)
		}
		return s.core.Audit(ctx, actor, "model.team", "model", m.Slug, "pis="+strings.Join(ids, ","))
	})
	return m, err
}

// versionScope is the single rule of which versions of m actor may see
// (the versions list, single versions, diffs, exports, rounds, lineage):
// the model team sees all; everyone else the approved and retired ones,
// and an invited panelist also the versions their rounds review.
func (s *Service) versionScope(ctx context.Context, actor models.User, m models.TaskModel) (models.VersionScope, error) {
	on, err := s.OnModelTeam(ctx, actor, m)
	if err != nil || on {
		return models.VersionScope{All: on}, err
	}
	if actor.Role == models.RolePanelist {
		return models.VersionScope{Panelist: actor.ID}, nil
	}
	return models.VersionScope{}, nil
}

// ModelFor returns the model if actor may know that it exists: the model
// team always, anyone else when at least one version is visible to them
// (otherwise ErrNotFound, as for a slug nobody uses).
func (s *Service) ModelFor(ctx context.Context, actor models.User, slug string) (models.TaskModel, error) {
	m, err := s.store.ModelBySlug(ctx, slug)
	if err != nil {
		return m, err
	}
	scope, err := s.versionScope(ctx, actor, m)
	if err != nil || scope.All {
		return m, err
	}
	ok, err := s.store.HasVisibleVersion(ctx, m.ID, 0, scope)
	if err != nil {
		return m, err
	}
	if !ok {
		return models.TaskModel{}, models.Errf(models.ErrNotFound, "model %s not found", slug)
	}
	return m, nil
}

// canSeeVersion applies versionScope to one version.
func (s *Service) canSeeVersion(ctx context.Context, actor models.User, m models.TaskModel, v models.Version) (bool, error) {
	if v.Status == models.StatusApproved || v.Status == models.StatusRetired {
		return true, nil
	}
	scope, err := s.versionScope(ctx, actor, m)
	if err != nil || scope.All {
		return scope.All, err
	}
	if scope.Panelist == 0 {
		return false, nil
	}
	return s.store.HasVisibleVersion(ctx, m.ID, v.ID, scope)
}

// VisibleVersion loads version n of a model actor may see; a model or
// version hidden from actor is ErrNotFound.
func (s *Service) VisibleVersion(ctx context.Context, actor models.User, slug string, n int) (models.TaskModel, models.Version, error) {
	m, err := s.ModelFor(ctx, actor, slug)
	if err != nil {
		return m, models.Version{}, err
	}
	v, err := s.VersionOf(ctx, actor, m, n)
	return m, v, err
}

// VersionOf loads version n of a model already loaded, as VisibleVersion
// does: ErrNotFound when it is missing or actor may not see it.
func (s *Service) VersionOf(ctx context.Context, actor models.User, m models.TaskModel, n int) (models.Version, error) {
	v, err := s.store.VersionByNumber(ctx, m, n)
	if err != nil {
		return v, err
	}
	ok, err := s.canSeeVersion(ctx, actor, m, v)
	if err != nil {
		return v, err
	}
	if !ok {
		return models.Version{}, models.Errf(models.ErrNotFound, "version %d of %s not found", n, m.Slug)
	}
	return v, nil
}

// ModelForChange loads a model actor may know and requires actor to be
// on its team (ErrForbidden otherwise: the model is known, the role is not
// enough).
func (s *Service) ModelForChange(ctx context.Context, actor models.User, slug, what string) (models.TaskModel, error) {
	m, err := s.ModelFor(ctx, actor, slug)
	if err != nil {
		return m, err
	}
	on, err := s.OnModelTeam(ctx, actor, m)
	if err != nil {
		return m, err
	}
	if !on {
		return m, models.Errf(models.ErrForbidden, "only the model's team or an admin %s", what)
	}
	return m, nil
}

// modelScope is which models actor may list.
func modelScope(actor models.User) models.ModelScope {
	switch actor.Role {
	case models.RoleAdmin:
		return models.ModelScope{All: true}
	case models.RolePI:
		return models.ModelScope{TeamPI: actor.ID}
	case models.RolePanelist:
		return models.ModelScope{Panelist: actor.ID}
	}
	return models.ModelScope{}
}
