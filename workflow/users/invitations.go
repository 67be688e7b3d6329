package users

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"time"

	"github.com/stagewise/stagewise/models"
	"github.com/stagewise/stagewise/workflow/core"
)

// InvitationStore is the persistence of invitations.
type InvitationStore interface {
	CreateInvitation(ctx context.Context, inv *models.Invitation, codeHash string) error
	InvitationByCodeHash(ctx context.Context, hash string) (models.Invitation, error)
	ClaimInvitation(ctx context.Context, id int64, now time.Time) (bool, error)
	UserClaimedInvitation(ctx context.Context, userID int64) (bool, error)
	UsersCreatedBy(ctx context.Context, creatorID int64) ([]models.User, error)
	LockUser(ctx context.Context, id int64) error
}

// DefaultInvitationTTL is how long an invitation can be claimed.
const DefaultInvitationTTL = 14 * 24 * time.Hour

// Issued is a new invitation: its code is shown this once (to whoever
// created or re-Invited the user) and stored only as a hash.
type Issued struct {
	Code      string
	ExpiresAt time.Time
}

// Credentials are what creating a user hands out: a token (admins, PIs,
// clients) or an invitation (panelists and coders), never both.
type Credentials struct {
	Token      string
	Invitation *Issued
}

// Invited reports whether a role gets an invitation instead of a token:
// the people whose answers and codings must stay theirs.
func Invited(r models.Role) bool { return r == models.RolePanelist || r == models.RoleCoder }

// newCode returns a fresh invitation code (256 bits, URL-safe).
func newCode() (string, error) {
	t, err := core.NewToken()
	if err != nil {
		return "", err
	}
	return "inv_" + t[len("sw_"):], nil
}

// noToken is a token hash that no token has: SHA-256 hashes are 64 hex
// digits, this is not, and the random part keeps the column unique. A
// user holding it cannot authenticate until they claim an invitation.
func noToken() (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return "none:" + hex.EncodeToString(b), nil
}

// selfActor names a user acting on their own credentials in the audit
// trail. Panelists and coders appear by role only, as their reviews do
// (auditAs): the trail names no panel member as an actor; the entry's
// entity (the user) is for admins' eyes.
func selfActor(u models.User) string {
	if Invited(u.Role) {
		return string(u.Role)
	}
	return "user:" + core.Itoa(u.ID)
}

// SetInvitationTTL changes how long new invitations can be claimed.
func (s *Service) SetInvitationTTL(d time.Duration) { s.inviteTTL = d }

func (s *Service) invitationTTL() time.Duration {
	if s.inviteTTL > 0 {
		return s.inviteTTL
	}
	return DefaultInvitationTTL
}

// issue stores a new invitation for u inside the caller's transaction,
// revoking u's earlier unclaimed ones.
func (s *Service) issue(ctx context.Context, actor models.User, u models.User) (Issued, error) {
	code, err := newCode()
	if err != nil {
		return Issued{}, err
	}
	now := s.core.Now()
	inv := models.Invitation{UserID: u.ID, CreatedAt: now, ExpiresAt: now.Add(s.invitationTTL())}
	if actor.ID != 0 {
		inv.CreatedBy = &actor.ID
	}
	if err := s.store.CreateInvitation(ctx, &inv, core.HashToken(code)); err != nil {
		return Issued{}, err
	}
	if err := s.core.Audit(ctx, actor, "invitation.issue", "user", core.Itoa(u.ID), "expires "+inv.ExpiresAt.Format(time.RFC3339)); err != nil {
		return Issued{}, err
	}
	return Issued{Code: code, ExpiresAt: inv.ExpiresAt}, nil
}

// IssueInvitation gives user id a new invitation, replacing any unclaimed
// one. A PI may do so only for the panelists and coders they created, and
// only while none of the user's invitations was claimed: after a claim the
// user holds a token only they have seen, and only an admin may hand out a
// way to replace it (claiming the new invitation ends the old token).
func (s *Service) IssueInvitation(ctx context.Context, actor models.User, id int64) (models.User, Issued, error) {
	if actor.Role != models.RoleAdmin && actor.Role != models.RolePI {
		return models.User{}, Issued{}, models.Errf(models.ErrForbidden, "only admins and PIs issue invitations")
	}
	u, err := s.store.UserByID(ctx, id)
	if err != nil {
		return models.User{}, Issued{}, err
	}
	if actor.Role == models.RolePI {
		if !Invited(u.Role) || u.CreatedBy == nil || *u.CreatedBy != actor.ID {
			return models.User{}, Issued{}, models.Errf(models.ErrForbidden, "a PI invites only the panelists and coders they created")
		}
	}
	var out Issued
	err = s.core.InTx(ctx, func(ctx context.Context) error {
		if err := s.store.LockUser(ctx, u.ID); err != nil {
			return err
		}
		if actor.Role != models.RoleAdmin {
			// Checked under the user's row lock, which a claim takes too,
			// so a claim that commits first is seen.
			claimed, err := s.store.UserClaimedInvitation(ctx, u.ID)
			if err != nil {
				return err
			}
			if claimed {
				return models.Errf(models.ErrForbidden, "this user has claimed their invitation; only an admin can issue a new one")
			}
		}
		out, err = s.issue(ctx, actor, u)
		return err
	})
	if err != nil {
		return models.User{}, Issued{}, err
	}
	return u, out, nil
}

// errNoInvitation answers every code that cannot be claimed, whether it is
// unknown, used, replaced or expired: one answer, so that a code reveals
// nothing about whether it ever existed or whose it was.
var errNoInvitation = models.Errf(models.ErrNotFound, "no usable invitation with this code: it is unknown, used, replaced or expired; ask for a new one")

// ClaimInvitation exchanges an invitation code for a fresh token, shown
// this once. It ends every earlier token and web session of the user: a
// lost token is replaced by claiming a new invitation.
func (s *Service) ClaimInvitation(ctx context.Context, code string) (models.User, string, error) {
	if code == "" || len(code) > 200 {
		return models.User{}, "", errNoInvitation
	}
	inv, err := s.store.InvitationByCodeHash(ctx, core.HashToken(code))
	if errors.Is(err, models.ErrNotFound) {
		return models.User{}, "", errNoInvitation
	}
	if err != nil {
		return models.User{}, "", err
	}
	if !inv.Usable(s.core.Now()) {
		return models.User{}, "", errNoInvitation
	}
	u, err := s.store.UserByID(ctx, inv.UserID)
	if err != nil {
		return models.User{}, "", err
	}
	token, err := core.NewToken()
	if err != nil {
		return models.User{}, "", err
	}
	err = s.core.InTx(ctx, func(ctx context.Context) error {
		if err := s.store.LockUser(ctx, u.ID); err != nil {
			return err
		}
		ok, err := s.store.ClaimInvitation(ctx, inv.ID, s.core.Now())
		if err != nil {
			return err
		}
		if !ok {
			return errNoInvitation
		}
		if err := s.store.SetUserToken(ctx, u.ID, core.HashToken(token)); err != nil {
			return err
		}
		if err := s.store.DeleteUserSessions(ctx, u.ID); err != nil {
			return err
		}
		return s.core.AuditAs(ctx, selfActor(u), "invitation.claim", "user", core.Itoa(u.ID), "earlier tokens and sessions ended")
	})
	s.auth.clear()
	if err != nil {
		return models.User{}, "", err
	}
	return u, token, nil
}

// RotateToken gives the caller a new token, shown this once; the old one
// stops working at once in this process and within the cache TTL in
// others.
func (s *Service) RotateToken(ctx context.Context, actor models.User) (string, error) {
	if actor.ID == 0 {
		return "", models.Errf(models.ErrUnauthorized, "a bearer token is required")
	}
	token, err := core.NewToken()
	if err != nil {
		return "", err
	}
	err = s.core.InTx(ctx, func(ctx context.Context) error {
		if err := s.store.SetUserToken(ctx, actor.ID, core.HashToken(token)); err != nil {
			return err
		}
		return s.core.AuditAs(ctx, selfActor(actor), "user.token_rotate", "user", core.Itoa(actor.ID), "")
	})
	s.auth.clear()
	if err != nil {
		return "", err
	}
	return token, nil
}

// EndToken ends the caller's token and web sessions (signing out
// everywhere). A panelist or
// coder gets back in through a new invitation; the bootstrap admin through
// STAGEWISE_ADMIN_TOKEN at the next start.
func (s *Service) EndToken(ctx context.Context, actor models.User) error {
	if actor.ID == 0 {
		return models.Errf(models.ErrUnauthorized, "a bearer token is required")
	}
	none, err := noToken()
	if err != nil {
		return err
	}
	err = s.core.InTx(ctx, func(ctx context.Context) error {
		if err := s.store.SetUserToken(ctx, actor.ID, none); err != nil {
			return err
		}
		if err := s.store.DeleteUserSessions(ctx, actor.ID); err != nil {
			return err
		}
		return s.core.AuditAs(ctx, selfActor(actor), "user.token_end", "user", core.Itoa(actor.ID), "web sessions ended too")
	})
	s.auth.clear()
	return err
}
