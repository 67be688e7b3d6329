package store

import (
	"context"
	"strconv"

	"github.com/stagewise/stagewise/models"
)

// AppendAudit adds e to the chained audit log inside the caller's
// transaction. Updating audit_head first takes its row lock, so concurrent
// appenders, in this process or another, chain one after the other.
func (s *Store) AppendAudit(ctx context.Context, e *models.AuditEntry) error {
	db, err := s.wdb(ctx)
	if err != nil {
		return err
	}
	if err := db.Exec(`UPDATE audit_head SET seq = seq + 1 WHERE id = 1`).Error; err != nil {
		return err
	}
	var head struct {
		Seq  int64
		Hash string
	}
	if err := db.Raw(`SELECT seq, hash FROM audit_head WHERE id = 1`).Scan(&head).Error; err != nil {
		return err
	}
	e.Seq = head.Seq
	e.PrevHash = head.Hash
	e.Hash = e.ComputeHash()
	r := auditRow{Seq: e.Seq, At: e.At, Actor: e.Actor, Action: e.Action, Entity: e.Entity, EntityID: e.EntityID,
		Detail: e.Detail, PrevHash: e.PrevHash, Hash: e.Hash}
	if err := db.Create(&r).Error; err != nil {
		return err
	}
	return db.Exec(`UPDATE audit_head SET hash = ? WHERE id = 1`, e.Hash).Error
}

// AuditAfter lists entries with seq > after, in order.
func (s *Store) AuditAfter(ctx context.Context, after int64, limit int) ([]models.AuditEntry, error) {
	var rows []auditRow
	if err := s.db(ctx).Where("seq > ?", after).Order("seq").Limit(limit).Find(&rows).Error; err != nil {
		return nil, err
	}
	return auditRows(rows), nil
}

func auditRows(rows []auditRow) []models.AuditEntry {
	out := make([]models.AuditEntry, len(rows))
	for i, r := range rows {
		out[i] = models.AuditEntry{Seq: r.Seq, At: r.At.UTC(), Actor: r.Actor, Action: r.Action, Entity: r.Entity,
			EntityID: r.EntityID, Detail: r.Detail, PrevHash: r.PrevHash, Hash: r.Hash}
	}
	return out
}

// AuditAfterFor lists, like AuditAfter, the entries a PI may read: those
// about the objects of their teams (models whose team they are on, with
// their versions, rounds and proposals; datasets whose team has them as a
// PI; comparisons of either), the users they created, and their own
// actions. The filter is part of the query, so every page is full and the
// paging stays correct.
func (s *Store) AuditAfterFor(ctx context.Context, pi, after int64, limit int) ([]models.AuditEntry, error) {
	const teamModels = `(SELECT m.id FROM task_models m WHERE m.owner_id = @pi
		OR EXISTS (SELECT 1 FROM model_team t WHERE t.model_id = m.id AND t.user_id = @pi))`
	const teamDatasets = `(SELECT d.id FROM datasets d WHERE d.owner_id = @pi
		OR EXISTS (SELECT 1 FROM dataset_members dm WHERE dm.dataset_id = d.id AND dm.user_id = @pi AND dm.role = 'pi'))`
	cond := `(actor = @actor
		OR (entity = 'model' AND entity_id IN (SELECT m.slug FROM task_models m WHERE m.id IN ` + teamModels + `))
		OR (entity = 'version' AND entity_id IN (SELECT m.slug || '/' || CAST(v.number AS TEXT) FROM versions v
			JOIN task_models m ON m.id = v.model_id WHERE m.id IN ` + teamModels + `))
		OR (entity = 'round' AND entity_id IN (SELECT CAST(r.id AS TEXT) FROM rounds r WHERE r.model_id IN ` + teamModels + `))
		OR (entity = 'proposal' AND entity_id IN (SELECT CAST(p.id AS TEXT) FROM proposals p
			JOIN rounds r ON r.id = p.round_id WHERE r.model_id IN ` + teamModels + `))
		OR (entity = 'dataset' AND entity_id IN (SELECT CAST(d.id AS TEXT) FROM datasets d WHERE d.id IN ` + teamDatasets + `))
		OR (entity = 'comparison' AND entity_id IN (SELECT CAST(c.id AS TEXT) FROM comparisons c
			WHERE c.model_id IN ` + teamModels + ` OR c.dataset_id IN ` + teamDatasets + `))
		OR (entity = 'user' AND entity_id IN (SELECT CAST(u.id AS TEXT) FROM users u WHERE u.created_by = @pi OR u.id = @pi)))`
	var rows []auditRow
	err := s.db(ctx).Where("seq > @after AND "+cond, map[string]any{"pi": pi, "actor": "user:" + strconv.FormatInt(pi, 10), "after": after}).
		Order("seq").Limit(limit).Find(&rows).Error
	if err != nil {
		return nil, err
	}
	return auditRows(rows), nil
}
