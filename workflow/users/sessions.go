package users

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"time"

	"github.com/stagewise/stagewise/models"
	"github.com/stagewise/stagewise/workflow/core"
)

// SessionStore persists the web UI's sessions, holding only a hash of each
// session id.
type SessionStore interface {
	CreateSession(ctx context.Context, s models.WebSession) error
	SessionByHash(ctx context.Context, hash string) (models.WebSession, error)
	TouchSession(ctx context.Context, hash string, t time.Time) error
	DeleteSession(ctx context.Context, hash string) error
	DeleteUserSessions(ctx context.Context, userID int64) error
	DeleteSessionsSeenBefore(ctx context.Context, t time.Time) error
}

// Session lifetimes: a session ends after SessionIdle without a request,
// and at the latest SessionMax after sign-in.
const (
	SessionIdle = 30 * time.Minute
	SessionMax  = 12 * time.Hour
	// sessionTouch bounds how often a session's last use is written.
	sessionTouch = time.Minute
)

// SignIn checks a bearer token and opens a browser session for its holder.
// It returns the user and the session id, which only the browser's
// HttpOnly cookie keeps.
func (s *Service) SignIn(ctx context.Context, token string) (models.User, string, error) {
	u, err := s.Authenticate(ctx, token)
	if err != nil {
		return models.User{}, "", err
	}
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return models.User{}, "", err
	}
	sid := base64.RawURLEncoding.EncodeToString(b)
	now := s.core.Now()
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		// Sign-in is when the sessions that went idle are swept away.
		if err := s.store.DeleteSessionsSeenBefore(ctx, now.Add(-SessionIdle)); err != nil {
			return err
		}
		return s.store.CreateSession(ctx, models.WebSession{IDHash: core.HashToken(sid), UserID: u.ID, CreatedAt: now, LastSeen: now})
	})
	if err != nil {
		return models.User{}, "", err
	}
	return u, sid, nil
}

// SessionUser finds the holder of a live session and records its use. An
// unknown, idle or too old session is ErrUnauthorized.
func (s *Service) SessionUser(ctx context.Context, sid string) (models.User, error) {
	if sid == "" {
		return models.User{}, models.Errf(models.ErrUnauthorized, "no session")
	}
	hash := core.HashToken(sid)
	ses, err := s.store.SessionByHash(ctx, hash)
	if errors.Is(err, models.ErrNotFound) {
		return models.User{}, models.Errf(models.ErrUnauthorized, "the session has ended: sign in again")
	}
	if err != nil {
		return models.User{}, err
	}
	now := s.core.Now()
	if now.Sub(ses.LastSeen) > SessionIdle || now.Sub(ses.CreatedAt) > SessionMax {
		_ = s.store.InTx(ctx, func(ctx context.Context) error { return s.store.DeleteSession(ctx, hash) })
		return models.User{}, models.Errf(models.ErrUnauthorized, "the session has expired: sign in again")
	}
	u, err := s.store.UserByID(ctx, ses.UserID)
	if errors.Is(err, models.ErrNotFound) {
		return models.User{}, models.Errf(models.ErrUnauthorized, "the session has ended: sign in again")
	}
	if err != nil {
		return models.User{}, err
	}
	if now.Sub(ses.LastSeen) > sessionTouch {
		if err := s.store.InTx(ctx, func(ctx context.Context) error { return s.store.TouchSession(ctx, hash, now) }); err != nil {
			return models.User{}, err
		}
	}
	return u, nil
}

// SignOut ends a session; ending an unknown one is no error.
func (s *Service) SignOut(ctx context.Context, sid string) error {
	if sid == "" {
		return nil
	}
	return s.store.InTx(ctx, func(ctx context.Context) error { return s.store.DeleteSession(ctx, core.HashToken(sid)) })
}

// SessionCSRF is the anti-forgery token of a session: the web UI echoes it
// in a header on every state change. It is derived from the session id, so
// nothing more is stored, and it reveals nothing of the id or its hash.
func SessionCSRF(sid string) string {
	h := sha256.Sum256([]byte("stagewise-csrf\x00" + sid))
	return hex.EncodeToString(h[:16])
}
