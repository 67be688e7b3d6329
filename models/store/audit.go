package store

import (
	"context"

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
	out := make([]models.AuditEntry, len(rows))
	for i, r := range rows {
		out[i] = models.AuditEntry{Seq: r.Seq, At: r.At.UTC(), Actor: r.Actor, Action: r.Action, Entity: r.Entity,
			EntityID: r.EntityID, Detail: r.Detail, PrevHash: r.PrevHash, Hash: r.Hash}
	}
	return out, nil
}
