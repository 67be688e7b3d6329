package workflow

import (
	"context"

	"github.com/stagewise/stagewise/models"
)

func canReadAudit(actor models.User) error {
	if actor.Role != models.RoleAdmin && actor.Role != models.RolePI {
		return models.Errf(models.ErrForbidden, "only admins and PIs read the audit trail")
	}
	return nil
}

// Audit lists audit entries after seq.
func (s *Service) Audit(ctx context.Context, actor models.User, after int64, limit int) ([]models.AuditEntry, error) {
	if err := canReadAudit(actor); err != nil {
		return nil, err
	}
	return s.store.AuditAfter(ctx, after, limit)
}

// VerifyAudit recomputes the whole chain and reports the first entry whose
// hash, link to its predecessor or sequence number does not hold.
func (s *Service) VerifyAudit(ctx context.Context, actor models.User) (models.AuditVerification, error) {
	if err := canReadAudit(actor); err != nil {
		return models.AuditVerification{}, err
	}
	var (
		after int64
		prev  string
		n     int64
	)
	for {
		page, err := s.store.AuditAfter(ctx, after, 1000)
		if err != nil {
			return models.AuditVerification{}, err
		}
		for _, e := range page {
			n++
			if e.Seq != n || e.PrevHash != prev || e.ComputeHash() != e.Hash {
				bad := e.Seq
				if e.Seq != n {
					bad = n
				}
				return models.AuditVerification{OK: false, Entries: n, FirstBadSeq: &bad}, nil
			}
			prev = e.Hash
			after = e.Seq
		}
		if len(page) < 1000 {
			return models.AuditVerification{OK: true, Entries: n}, nil
		}
	}
}
