package store

import (
	"context"
	"time"

	"github.com/stagewise/stagewise/models"
)

// membersMigrations add dataset teams and the blind-coding state
// (version 15). Every existing dataset gets its creator as a PI member, so
// nobody loses access to what they made.
var membersMigrations = []migration{
	{
		version: 15,
		name:    "dataset teams, blind coding state",
		sql: []string{
			`CREATE TABLE dataset_members (
				dataset_id BIGINT NOT NULL REFERENCES datasets(id),
				user_id BIGINT NOT NULL REFERENCES users(id),
				role TEXT NOT NULL,
				coder TEXT NOT NULL DEFAULT '',
				added_by BIGINT,
				added_at {{ts}} NOT NULL,
				PRIMARY KEY (dataset_id, user_id)
			)`,
			`CREATE INDEX dataset_members_user ON dataset_members (user_id, dataset_id)`,
			// A coder name identifies one member of a team.
			`CREATE UNIQUE INDEX dataset_members_coder ON dataset_members (dataset_id, coder) WHERE coder <> ''`,
			`INSERT INTO dataset_members (dataset_id, user_id, role, coder, added_by, added_at)
				SELECT id, owner_id, 'pi', '', owner_id, created_at FROM datasets`,
			`ALTER TABLE datasets ADD COLUMN unblinded_at {{ts}}`,
			`ALTER TABLE datasets ADD COLUMN unblinded_by BIGINT`,
		},
	},
}

type memberRow struct {
	DatasetID int64 `gorm:"primaryKey"`
	UserID    int64 `gorm:"primaryKey"`
	Role      string
	Coder     string
	AddedBy   *int64
	AddedAt   time.Time
}

func (memberRow) TableName() string { return "dataset_members" }

// DatasetMember returns one member of a dataset's team; ErrNotFound when
// the user is not on it.
func (s *Store) DatasetMember(ctx context.Context, datasetID, userID int64) (models.DatasetMember, error) {
	var r memberRow
	if err := s.db(ctx).Where("dataset_id = ? AND user_id = ?", datasetID, userID).Take(&r).Error; err != nil {
		return models.DatasetMember{}, notFound(err, "dataset member")
	}
	return models.DatasetMember{DatasetID: r.DatasetID, UserID: r.UserID, Role: r.Role, Coder: r.Coder, AddedAt: r.AddedAt.UTC()}, nil
}

// DatasetMembers returns a dataset's team with each member's name: PIs
// first, then coders, each in user id order.
func (s *Store) DatasetMembers(ctx context.Context, datasetID int64) ([]models.DatasetMember, error) {
	var rows []struct {
		DatasetID int64
		UserID    int64
		Role      string
		Coder     string
		AddedBy   *int64
		AddedAt   time.Time
		Name      string
	}
	err := s.db(ctx).Raw(`SELECT m.dataset_id, m.user_id, m.role, m.coder, m.added_by, m.added_at, u.name
		FROM dataset_members m JOIN users u ON u.id = m.user_id
		WHERE m.dataset_id = ? ORDER BY CASE WHEN m.role = 'pi' THEN 0 ELSE 1 END, m.user_id`, datasetID).Scan(&rows).Error
	if err != nil {
		return nil, err
	}
	out := make([]models.DatasetMember, len(rows))
	for i, r := range rows {
		out[i] = models.DatasetMember{DatasetID: r.DatasetID, UserID: r.UserID, Name: r.Name, Role: r.Role, Coder: r.Coder, AddedAt: r.AddedAt.UTC()}
	}
	return out, nil
}

// ReplaceDatasetMembers sets a dataset's whole team inside the caller's
// transaction.
func (s *Store) ReplaceDatasetMembers(ctx context.Context, datasetID int64, by int64, ms []models.DatasetMember, now time.Time) error {
	db, err := s.wdb(ctx)
	if err != nil {
		return err
	}
	if err := db.Exec(`DELETE FROM dataset_members WHERE dataset_id = ?`, datasetID).Error; err != nil {
		return err
	}
	for _, m := range ms {
		r := memberRow{DatasetID: datasetID, UserID: m.UserID, Role: m.Role, Coder: m.Coder, AddedBy: &by, AddedAt: now}
		if !m.AddedAt.IsZero() {
			r.AddedAt = m.AddedAt
		}
		if err := db.Create(&r).Error; err != nil {
			return conflict(err)
		}
	}
	return nil
}

// ListMemberDatasets returns the datasets whose team holds userID, after
// the cursor id.
func (s *Store) ListMemberDatasets(ctx context.Context, userID int64, p models.Page) ([]models.Dataset, error) {
	var rows []datasetRow
	err := s.db(ctx).Where("id > ? AND id IN (SELECT dataset_id FROM dataset_members WHERE user_id = ?)", p.Cursor, userID).
		Order("id").Limit(p.Limit).Find(&rows).Error
	if err != nil {
		return nil, err
	}
	out := make([]models.Dataset, 0, len(rows))
	for _, r := range rows {
		d, err := s.datasetWithOwner(ctx, r)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, nil
}

// SetDatasetUnblinded records that the dataset's coding was opened.
func (s *Store) SetDatasetUnblinded(ctx context.Context, id int64, at time.Time, by int64) error {
	db, err := s.wdb(ctx)
	if err != nil {
		return err
	}
	res := db.Model(&datasetRow{}).Where("id = ?", id).Updates(map[string]any{"unblinded_at": at, "unblinded_by": by})
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		return models.Errf(models.ErrNotFound, "dataset not found")
	}
	return nil
}

// DeleteCoderEvents deletes the events of coder in the given sessions of a
// dataset, inside the caller's transaction, and returns how many it deleted.
func (s *Store) DeleteCoderEvents(ctx context.Context, datasetID int64, coder string, sessions []models.SessionKey) (int, error) {
	db, err := s.wdb(ctx)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, k := range sessions {
		res := db.Exec(`DELETE FROM events WHERE dataset_id = ? AND coder = ? AND session_id IN
			(SELECT s.id FROM sessions s JOIN cases c ON c.id = s.case_id WHERE c.dataset_id = ? AND c.label = ? AND s.number = ?)`,
			datasetID, coder, datasetID, k.Case, k.Session)
		if res.Error != nil {
			return n, res.Error
		}
		n += int(res.RowsAffected)
	}
	return n, nil
}
