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

// ListModels returns models after the cursor id.
func (s *Store) ListModels(ctx context.Context, p models.Page) ([]models.TaskModel, error) {
	var rows []modelRow
	if err := s.db(ctx).Where("id > ?", p.Cursor).Order("id").Limit(p.Limit).Find(&rows).Error; err != nil {
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

// ListVersions lists a model's versions in number order after the cursor
// number; statuses, when given, restricts the list.
func (s *Store) ListVersions(ctx context.Context, m models.TaskModel, statuses []models.VersionStatus, p models.Page) ([]models.Version, error) {
	q := s.db(ctx).Where("model_id = ? AND number > ?", m.ID, p.Cursor)
	if len(statuses) > 0 {
		ss := make([]string, len(statuses))
		for i, st := range statuses {
			ss[i] = string(st)
		}
		q = q.Where("status IN ?", ss)
	}
	var rows []versionRow
	if err := q.Order("number").Limit(p.Limit).Find(&rows).Error; err != nil {
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
