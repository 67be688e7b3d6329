package store

import (
	"context"
	"time"

	"github.com/stagewise/stagewise/models"
)

// CreateModel inserts m and sets its ID.
func (s *Store) CreateModel(ctx context.Context, m *models.TaskModel) error {
	db, err := s.wdb(ctx)
	if err != nil {
		return err
	}
	r := modelRow{Slug: m.Slug, Title: m.Title, Marker: m.Marker, Resolution: m.Resolution, Context: m.Context,
		OwnerID: m.OwnerID, CreatedAt: m.CreatedAt, UpdatedAt: m.UpdatedAt}
	if err := db.Create(&r).Error; err != nil {
		return conflict(err)
	}
	m.ID = r.ID
	return nil
}

// ModelBySlug finds a model with its owner's name.
func (s *Store) ModelBySlug(ctx context.Context, slug string) (models.TaskModel, error) {
	var r modelRow
	if err := s.db(ctx).Where("slug = ?", slug).Take(&r).Error; err != nil {
		return models.TaskModel{}, notFound(err, "model "+slug)
	}
	return s.withOwner(ctx, r.toModel())
}

func (s *Store) withOwner(ctx context.Context, m models.TaskModel) (models.TaskModel, error) {
	var name string
	if err := s.db(ctx).Model(&userRow{}).Select("name").Where("id = ?", m.OwnerID).Scan(&name).Error; err != nil {
		return m, err
	}
	m.OwnerName = name
	return m, nil
}

// ListModels returns the models in scope after the cursor id.
func (s *Store) ListModels(ctx context.Context, scope models.ModelScope, p models.Page) ([]models.TaskModel, error) {
	q := s.db(ctx).Where("id > ?", p.Cursor)
	if !scope.All {
		cond, args := visibleVersionCond(models.VersionScope{Panelist: scope.Panelist})
		where := "EXISTS (SELECT 1 FROM versions v WHERE v.model_id = task_models.id AND " + cond + ")"
		if scope.TeamPI != 0 {
			where = "(owner_id = ? OR EXISTS (SELECT 1 FROM model_team t WHERE t.model_id = task_models.id AND t.user_id = ?) OR " + where + ")"
			args = append([]any{scope.TeamPI, scope.TeamPI}, args...)
		}
		q = q.Where(where, args...)
	}
	var rows []modelRow
	if err := q.Order("id").Limit(p.Limit).Find(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]models.TaskModel, 0, len(rows))
	for _, r := range rows {
		m, err := s.withOwner(ctx, r.toModel())
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, nil
}

// visibleVersionCond is the SQL condition on a versions row "v" for the
// versions a caller outside the model team may see (scope.All is handled
// by the callers): approved and retired ones, and for an invited panelist
// those a round inviting them reviews.
func visibleVersionCond(scope models.VersionScope) (string, []any) {
	cond := "v.status IN ('approved', 'retired')"
	if scope.Panelist == 0 {
		return cond, nil
	}
	return "(" + cond + ` OR EXISTS (SELECT 1 FROM rounds r JOIN round_panelists rp ON rp.round_id = r.id
		WHERE r.version_id = v.id AND rp.user_id = ?))`, []any{scope.Panelist}
}

// HasVisibleVersion reports whether the model has a version in scope;
// versionID, when not 0, asks about that version only.
func (s *Store) HasVisibleVersion(ctx context.Context, modelID, versionID int64, scope models.VersionScope) (bool, error) {
	cond, args := "1 = 1", []any(nil)
	if !scope.All {
		cond, args = visibleVersionCond(scope)
	}
	q, qargs := "SELECT COUNT(*) FROM versions v WHERE v.model_id = ? AND ", []any{modelID}
	if versionID != 0 {
		q, qargs = q+"v.id = ? AND ", append(qargs, versionID)
	}
	var n int64
	err := s.db(ctx).Raw(q+cond, append(qargs, args...)...).Scan(&n).Error
	return n > 0, err
}

// LockModel takes the model row's write lock for the rest of the
// transaction (an UPDATE locks the row on PostgreSQL; SQLite's immediate
// transaction holds the database lock already), so that numbering new
// versions of one model is serialized across processes.
func (s *Store) LockModel(ctx context.Context, id int64, now time.Time) error {
	db, err := s.wdb(ctx)
	if err != nil {
		return err
	}
	res := db.Model(&modelRow{}).Where("id = ?", id).Update("updated_at", now)
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		return models.Errf(models.ErrNotFound, "model not found")
	}
	return nil
}

// MaxVersionNumber is the highest version number of a model, 0 when none.
func (s *Store) MaxVersionNumber(ctx context.Context, modelID int64) (int, error) {
	var n *int
	if err := s.db(ctx).Model(&versionRow{}).Select("MAX(number)").Where("model_id = ?", modelID).Scan(&n).Error; err != nil {
		return 0, err
	}
	if n == nil {
		return 0, nil
	}
	return *n, nil
}

// CreateVersion inserts v and sets its ID.
func (s *Store) CreateVersion(ctx context.Context, v *models.Version) error {
	db, err := s.wdb(ctx)
	if err != nil {
		return err
	}
	r, err := versionToRow(*v)
	if err != nil {
		return err
	}
	if err := db.Create(&r).Error; err != nil {
		return conflict(err)
	}
	v.ID = r.ID
	return nil
}

// UpdateVersion writes every mutable column of v.
func (s *Store) UpdateVersion(ctx context.Context, v models.Version) error {
	db, err := s.wdb(ctx)
	if err != nil {
		return err
	}
	r, err := versionToRow(v)
	if err != nil {
		return err
	}
	res := db.Model(&versionRow{}).Where("id = ?", v.ID).Select("*").Omit("id", "model_id", "number", "created_at", "created_by").Updates(&r)
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		return models.Errf(models.ErrNotFound, "version not found")
	}
	return nil
}

// VersionByNumber finds version n of a model.
func (s *Store) VersionByNumber(ctx context.Context, m models.TaskModel, n int) (models.Version, error) {
	var r versionRow
	if err := s.db(ctx).Where("model_id = ? AND number = ?", m.ID, n).Take(&r).Error; err != nil {
		return models.Version{}, notFound(err, "version")
	}
	return r.toModel(m.Slug)
}

// LatestApproved finds the newest approved version of a model.
func (s *Store) LatestApproved(ctx context.Context, m models.TaskModel) (models.Version, error) {
	var r versionRow
	err := s.db(ctx).Where("model_id = ? AND status = ?", m.ID, string(models.StatusApproved)).
		Order("number DESC").Limit(1).Take(&r).Error
	if err != nil {
		return models.Version{}, notFound(err, "approved version")
	}
	return r.toModel(m.Slug)
}

// ListVersions lists a model's versions in scope, in number order after
// the cursor number.
func (s *Store) ListVersions(ctx context.Context, m models.TaskModel, scope models.VersionScope, p models.Page) ([]models.Version, error) {
	q := s.db(ctx).Table("versions v").Select("v.*").Where("v.model_id = ? AND v.number > ?", m.ID, p.Cursor)
	if !scope.All {
		cond, args := visibleVersionCond(scope)
		q = q.Where(cond, args...)
	}
	var rows []versionRow
	if err := q.Order("v.number").Limit(p.Limit).Find(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]models.Version, 0, len(rows))
	for _, r := range rows {
		v, err := r.toModel(m.Slug)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}
