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

// Audit lists audit entries after seq: every entry for an admin; for a
// PI those about the objects of their teams (models, their versions,
// rounds and proposals; datasets where they are a team PI; the
// comparisons of either), the users they created and their own actions.
func (s *Service) Audit(ctx context.Context, actor models.User, after int64, limit int) ([]models.AuditEntry, error) {
	if err := canReadAudit(actor); err != nil {
		return nil, err
	}
	if actor.Role == models.RoleAdmin {
		return s.store.AuditAfter(ctx, after, limit)
	}
	return s.store.AuditAfterFor(ctx, actor.ID, after, limit)
}

// VerifyAudit recomputes the whole chain and reports the first entry whose
// hash, link to its predecessor or sequence number does not hold. For a PI
// too it covers the whole chain: each entry's hash covers its
// predecessor's, so the entries a PI reads can be trusted only if every
// earlier one holds. The answer carries no content of any entry: whether
// the chain holds, its length (which the seq numbers a PI reads reveal
// anyway) and the seq where it first breaks.
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
