package store

import (
	"context"
	"slices"
	"time"

	"github.com/stagewise/stagewise/models"
)

// teamsMigrations add model teams (version 10): the co-investigators a
// model's creating PI adds. The creator is the model's owner_id and is not
// stored here, so the creator can never be removed from the team.
var teamsMigrations = []migration{
	{
		version: 10,
		name:    "model teams",
		sql: []string{
			`CREATE TABLE model_team (
				model_id BIGINT NOT NULL REFERENCES task_models(id),
				user_id BIGINT NOT NULL REFERENCES users(id),
				added_at {{ts}} NOT NULL,
				PRIMARY KEY (model_id, user_id)
			)`,
			`CREATE INDEX model_team_user ON model_team (user_id, model_id)`,
		},
	},
	{
		// Results anonymity: an item rated by fewer than min_group
		// panelists shows only its n. Existing rounds take the default.
		version: 11,
		name:    "rounds.min_group",
		sql:     []string{`ALTER TABLE rounds ADD COLUMN min_group INTEGER NOT NULL DEFAULT 3`},
	},
}

type modelTeamRow struct {
	ModelID int64 `gorm:"primaryKey;autoIncrement:false"`
	UserID  int64 `gorm:"primaryKey;autoIncrement:false"`
	AddedAt time.Time
}

func (modelTeamRow) TableName() string { return "model_team" }

// ModelTeam returns the co-investigators of a model (not its creator), in
// id order.
func (s *Store) ModelTeam(ctx context.Context, modelID int64) ([]models.TeamMember, error) {
	var rows []struct {
		ID   int64
		Name string
	}
	err := s.db(ctx).Raw(`SELECT u.id, u.name FROM model_team t JOIN users u ON u.id = t.user_id
		WHERE t.model_id = ? ORDER BY u.id`, modelID).Scan(&rows).Error
	if err != nil {
		return nil, err
	}
	out := make([]models.TeamMember, len(rows))
	for i, r := range rows {
		out[i] = models.TeamMember{ID: r.ID, Name: r.Name}
	}
	return out, nil
}

// SetModelTeam replaces a model's co-investigators inside the caller's
// transaction.
func (s *Store) SetModelTeam(ctx context.Context, modelID int64, ids []int64, now time.Time) error {
	db, err := s.wdb(ctx)
	if err != nil {
		return err
	}
	if err := db.Where("model_id = ?", modelID).Delete(&modelTeamRow{}).Error; err != nil {
		return err
	}
	ids = slices.Clone(ids)
	slices.Sort(ids)
	ids = slices.Compact(ids)
	if len(ids) == 0 {
		return nil
	}
	rows := make([]modelTeamRow, len(ids))
	for i, id := range ids {
		rows[i] = modelTeamRow{ModelID: modelID, UserID: id, AddedAt: now}
	}
	return db.Create(&rows).Error
}

// OnModelTeam reports whether user is the creator or a co-investigator of
// the model.
func (s *Store) OnModelTeam(ctx context.Context, modelID, userID int64) (bool, error) {
	var n int64
	err := s.db(ctx).Raw(`SELECT COUNT(*) FROM task_models m WHERE m.id = ? AND (m.owner_id = ?
		OR EXISTS (SELECT 1 FROM model_team t WHERE t.model_id = m.id AND t.user_id = ?))`, modelID, userID, userID).Scan(&n).Error
	return n > 0, err
}

// ListUsersFor lists, after the cursor id, the users a PI may see: the
// PI, the users they created, the PIs of the model teams they are on and
// the panelists invited to those models' rounds, and the members of the
// dataset teams they are a PI of.
func (s *Store) ListUsersFor(ctx context.Context, pi int64, p models.Page) ([]models.User, error) {
	const teamModels = `(SELECT m.id FROM task_models m WHERE m.owner_id = @pi
		OR EXISTS (SELECT 1 FROM model_team t WHERE t.model_id = m.id AND t.user_id = @pi))`
	cond := `(id = @pi OR created_by = @pi
		OR id IN (SELECT m.owner_id FROM task_models m WHERE m.id IN ` + teamModels + `)
		OR id IN (SELECT t.user_id FROM model_team t WHERE t.model_id IN ` + teamModels + `)
		OR id IN (SELECT rp.user_id FROM round_panelists rp JOIN rounds r ON r.id = rp.round_id WHERE r.model_id IN ` + teamModels + `)
		OR id IN (SELECT dm.user_id FROM dataset_members dm WHERE dm.dataset_id IN
			(SELECT d.id FROM datasets d WHERE d.owner_id = @pi OR EXISTS
				(SELECT 1 FROM dataset_members me WHERE me.dataset_id = d.id AND me.user_id = @pi AND me.role = 'pi'))))`
	var rows []userRow
	err := s.db(ctx).Where("id > @cursor AND "+cond, map[string]any{"pi": pi, "cursor": p.Cursor}).Order("id").Limit(p.Limit).Find(&rows).Error
	if err != nil {
		return nil, err
	}
	out := make([]models.User, len(rows))
	for i, r := range rows {
		out[i] = r.toModel()
	}
	return out, nil
}
