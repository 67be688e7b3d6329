package store

import (
	"context"
	"time"

	"github.com/stagewise/stagewise/models"
)

// accessMigrations hold the schema of invitations (versions 20-29 belong
// to access control).
var accessMigrations = []migration{
	{
		version: 20,
		name:    "invitations: one-use codes for panelists and coders, stored as hashes",
		sql: []string{
			`CREATE TABLE invitations (
				id {{id}},
				user_id BIGINT NOT NULL REFERENCES users(id),
				code_hash TEXT NOT NULL UNIQUE,
				created_by BIGINT,
				created_at {{ts}} NOT NULL,
				expires_at {{ts}} NOT NULL,
				claimed_at {{ts}},
				revoked_at {{ts}}
			)`,
			`CREATE INDEX invitations_user ON invitations (user_id, id)`,
		},
	},
}

type invitationRow struct {
	ID        int64 `gorm:"primaryKey"`
	UserID    int64
	CodeHash  string
	CreatedBy *int64
	CreatedAt time.Time
	ExpiresAt time.Time
	ClaimedAt *time.Time
	RevokedAt *time.Time
}

func (invitationRow) TableName() string { return "invitations" }

func (r invitationRow) toModel() models.Invitation {
	return models.Invitation{ID: r.ID, UserID: r.UserID, CreatedBy: r.CreatedBy, CreatedAt: r.CreatedAt.UTC(),
		ExpiresAt: r.ExpiresAt.UTC(), ClaimedAt: utcPtr(r.ClaimedAt), RevokedAt: utcPtr(r.RevokedAt)}
}

// CreateInvitation stores inv with the hash of its code and sets inv.ID.
// The user's earlier unclaimed invitations are revoked in the same write,
// so at most one invitation per user can be claimed.
func (s *Store) CreateInvitation(ctx context.Context, inv *models.Invitation, codeHash string) error {
	db, err := s.wdb(ctx)
	if err != nil {
		return err
	}
	if err := db.Exec(`UPDATE invitations SET revoked_at = ? WHERE user_id = ? AND claimed_at IS NULL AND revoked_at IS NULL`,
		inv.CreatedAt, inv.UserID).Error; err != nil {
		return err
	}
	r := invitationRow{UserID: inv.UserID, CodeHash: codeHash, CreatedBy: inv.CreatedBy, CreatedAt: inv.CreatedAt, ExpiresAt: inv.ExpiresAt}
	if err := db.Create(&r).Error; err != nil {
		return conflict(err)
	}
	inv.ID = r.ID
	return nil
}

// InvitationByCodeHash finds an invitation, whatever its state.
func (s *Store) InvitationByCodeHash(ctx context.Context, hash string) (models.Invitation, error) {
	var r invitationRow
	if err := s.db(ctx).Where("code_hash = ?", hash).Take(&r).Error; err != nil {
		return models.Invitation{}, notFound(err, "invitation")
	}
	return r.toModel(), nil
}

// ClaimInvitation marks an invitation claimed at now, only if it is still
// usable then; it reports whether it did. The conditional update makes two
// concurrent claims of one code (in any number of processes) yield one
// winner.
func (s *Store) ClaimInvitation(ctx context.Context, id int64, now time.Time) (bool, error) {
	db, err := s.wdb(ctx)
	if err != nil {
		return false, err
	}
	res := db.Exec(`UPDATE invitations SET claimed_at = ? WHERE id = ? AND claimed_at IS NULL AND revoked_at IS NULL AND expires_at > ?`, now, id, now)
	return res.RowsAffected == 1, res.Error
}

// UserClaimedInvitation reports whether the user ever claimed an invitation.
func (s *Store) UserClaimedInvitation(ctx context.Context, userID int64) (bool, error) {
	var n int64
	err := s.db(ctx).Model(&invitationRow{}).Where("user_id = ? AND claimed_at IS NOT NULL", userID).Count(&n).Error
	return n > 0, err
}

// LockUser takes the user's row lock until the transaction ends (a no-op
// update: PostgreSQL locks the row; SQLite's immediate transaction holds
// the database's write lock anyway). Issuing and claiming invitations take
// it first, so a PI's check "not claimed yet" cannot race a claim.
func (s *Store) LockUser(ctx context.Context, id int64) error {
	db, err := s.wdb(ctx)
	if err != nil {
		return err
	}
	return db.Exec(`UPDATE users SET id = id WHERE id = ?`, id).Error
}
