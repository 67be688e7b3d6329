package users

import (
	"context"
	"encoding/hex"
	"errors"
	"strings"

	"github.com/stagewise/stagewise/models"
	"github.com/stagewise/stagewise/workflow/core"
)

// Authenticate finds the holder of a bearer token.
func (s *Service) Authenticate(ctx context.Context, token string) (models.User, error) {
	if token == "" {
		return models.User{}, models.Errf(models.ErrUnauthorized, "a bearer token is required")
	}
	digest := core.TokenDigest(token)
	now := s.core.Now()
	if u, ok := s.auth.get(digest, now); ok {
		return u, nil
	}
	epoch := s.auth.begin()
	u, err := s.store.UserByTokenHash(ctx, hex.EncodeToString(digest[:]))
	if errors.Is(err, models.ErrNotFound) {
		return models.User{}, models.Errf(models.ErrUnauthorized, "unknown token")
	}
	if err == nil {
		s.auth.put(digest, u, now, epoch)
	}
	return u, err
}

// NewUser is the input of CreateUser. Its field rules (a name, an email
// address, a known role) are the api request type's validate tags;
// callers pass checked values.
type NewUser struct {
	Name  string
	Email string
	Role  models.Role
}

// canCreate says which roles a role may hand out: admins any, PIs the
// roles that work on their studies.
func canCreate(actor, role models.Role) bool {
	switch actor {
	case models.RoleAdmin:
		return true
	case models.RolePI:
		return role == models.RolePanelist || role == models.RoleCoder || role == models.RoleClient
	}
	return false
}

// CreateUser creates a user. Admins, PIs and clients get a token, shown
// this once and stored only as a hash. Panelists and coders get an
// invitation instead (see invitations.go): whoever creates them never sees
// their token, so a PI cannot act as one of their panelists.
func (s *Service) CreateUser(ctx context.Context, actor models.User, in NewUser) (models.User, Credentials, error) {
	if actor.Role != models.RoleAdmin && actor.Role != models.RolePI {
		return models.User{}, Credentials{}, models.Errf(models.ErrForbidden, "only admins and PIs create users")
	}
	if !canCreate(actor.Role, in.Role) {
		return models.User{}, Credentials{}, models.Errf(models.ErrForbidden, "a %s cannot create a %s", actor.Role, in.Role)
	}
	var cred Credentials
	var hash string
	if Invited(in.Role) {
		none, err := noToken()
		if err != nil {
			return models.User{}, Credentials{}, err
		}
		hash = none
	} else {
		token, err := core.NewToken()
		if err != nil {
			return models.User{}, Credentials{}, err
		}
		cred.Token, hash = token, core.HashToken(token)
	}
	u := models.User{Name: strings.TrimSpace(in.Name), Email: in.Email, Role: in.Role, CreatedAt: s.core.Now()}
	err := s.core.InTx(ctx, func(ctx context.Context) error {
		if _, err := s.store.UserByEmail(ctx, in.Email); err == nil {
			return models.Errf(models.ErrConflict, "a user with email %s exists", in.Email)
		} else if !errors.Is(err, models.ErrNotFound) {
			return err
		}
		var by *int64
		if actor.ID != 0 {
			by = &actor.ID
		}
		if err := s.store.CreateUser(ctx, &u, hash, by); err != nil {
			return err
		}
		u.CreatedBy = by
		if err := s.core.Audit(ctx, actor, "user.create", "user", core.Itoa(u.ID), "role="+string(u.Role)); err != nil {
			return err
		}
		if Invited(u.Role) {
			inv, err := s.issue(ctx, actor, u)
			if err != nil {
				return err
			}
			cred.Invitation = &inv
		}
		return nil
	})
	s.auth.clear()
	if err != nil {
		return models.User{}, Credentials{}, err
	}
	return u, cred, nil
}

// EnsureAdmin makes sure an admin holding token exists (bootstrap through
// STAGEWISE_ADMIN_TOKEN). It is idempotent and safe to run from several
// processes at once.
func (s *Service) EnsureAdmin(ctx context.Context, token string) (models.User, error) {
	if len(token) < 16 {
		return models.User{}, errors.New("STAGEWISE_ADMIN_TOKEN must be at least 16 characters")
	}
	var out models.User
	err := s.core.InTx(ctx, func(ctx context.Context) error {
		if u, err := s.store.UserByTokenHash(ctx, core.HashToken(token)); err == nil {
			out = u
			return nil
		}
		const email = "admin@stagewise.invalid"
		if u, err := s.store.UserByEmail(ctx, email); err == nil {
			if err := s.store.SetUserToken(ctx, u.ID, core.HashToken(token)); err != nil {
				return err
			}
			out = u
			return s.core.Audit(ctx, models.User{}, "user.token_reset", "user", core.Itoa(u.ID), "admin bootstrap")
		}
		u := models.User{Name: "Administrator", Email: email, Role: models.RoleAdmin, CreatedAt: s.core.Now()}
		if err := s.store.CreateUser(ctx, &u, core.HashToken(token), nil); err != nil {
			return err
		}
		out = u
		return s.core.Audit(ctx, models.User{}, "user.create", "user", core.Itoa(u.ID), "admin bootstrap")
	})
	s.auth.clear()
	return out, err
}

// EnsureUser returns the user with email, creating it when missing (for
// demonstration data); the credentials are empty when the user existed
// already. A zero creator is the system, with an admin's rights.
func (s *Service) EnsureUser(ctx context.Context, creator models.User, in NewUser) (models.User, Credentials, error) {
	if u, err := s.store.UserByEmail(ctx, in.Email); err == nil {
		return u, Credentials{}, nil
	}
	if creator.ID == 0 {
		creator = models.User{Role: models.RoleAdmin}
	}
	return s.CreateUser(ctx, creator, in)
}

// ResetToken gives an existing user a new token (demo start-up prints it).
func (s *Service) ResetToken(ctx context.Context, u models.User) (string, error) {
	token, err := core.NewToken()
	if err != nil {
		return "", err
	}
	err = s.core.InTx(ctx, func(ctx context.Context) error {
		if err := s.store.SetUserToken(ctx, u.ID, core.HashToken(token)); err != nil {
			return err
		}
		return s.core.Audit(ctx, models.User{}, "user.token_reset", "user", core.Itoa(u.ID), "")
	})
	s.auth.clear()
	return token, err
}

// ListUsers lists users: every user for an admin; for a PI themselves,
// the users they created and the members of their teams (the PIs of their
// model teams and the panelists of those models' rounds, the members of
// the dataset teams they are a PI of), nobody else.
func (s *Service) ListUsers(ctx context.Context, actor models.User, p models.Page) ([]models.User, error) {
	switch actor.Role {
	case models.RoleAdmin:
		return s.store.ListUsers(ctx, p)
	case models.RolePI:
		return s.store.ListUsersFor(ctx, actor.ID, p)
	}
	return nil, models.Errf(models.ErrForbidden, "only admins and PIs list users")
}
