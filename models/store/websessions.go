package store

import (
	"context"
	"time"

	"github.com/stagewise/stagewise/models"
)

// sessionsMigrations create the browser sessions of the web UI (version
// 60): one row per signed-in browser, keyed by the SHA-256 of the session
// id, which only the browser's HttpOnly cookie holds.
var sessionsMigrations = []migration{
	{
		version: 60,
		name:    "web UI sessions",
		sql: []string{
			`CREATE TABLE web_sessions (
				id {{id}},
				id_hash TEXT NOT NULL UNIQUE,
				user_id BIGINT NOT NULL REFERENCES users(id),
				created_at {{ts}} NOT NULL,
				last_seen {{ts}} NOT NULL
			)`,
			`CREATE INDEX web_sessions_user ON web_sessions (user_id)`,
			`CREATE INDEX web_sessions_last_seen ON web_sessions (last_seen)`,
		},
	},
}

type sessionRow struct {
	ID        int64 `gorm:"primaryKey"`
	IDHash    string
	UserID    int64
	CreatedAt time.Time
	LastSeen  time.Time
}

func (sessionRow) TableName() string { return "web_sessions" }

// CreateSession stores a new session.
func (s *Store) CreateSession(ctx context.Context, ses models.WebSession) error {
	db, err := s.wdb(ctx)
	if err != nil {
		return err
	}
	return conflict(db.Create(&sessionRow{IDHash: ses.IDHash, UserID: ses.UserID, CreatedAt: ses.CreatedAt, LastSeen: ses.LastSeen}).Error)
}

// SessionByHash finds a session by the hash of its id.
func (s *Store) SessionByHash(ctx context.Context, hash string) (models.WebSession, error) {
	var r sessionRow
	if err := s.db(ctx).Where("id_hash = ?", hash).Take(&r).Error; err != nil {
		return models.WebSession{}, notFound(err, "session")
	}
	return models.WebSession{IDHash: r.IDHash, UserID: r.UserID, CreatedAt: r.CreatedAt.UTC(), LastSeen: r.LastSeen.UTC()}, nil
}

// TouchSession records that a session was used at t.
func (s *Store) TouchSession(ctx context.Context, hash string, t time.Time) error {
	db, err := s.wdb(ctx)
	if err != nil {
		return err
	}
	return db.Model(&sessionRow{}).Where("id_hash = ?", hash).Update("last_seen", t).Error
}

// DeleteSession ends one session; ending one that does not exist is no error.
func (s *Store) DeleteSession(ctx context.Context, hash string) error {
	db, err := s.wdb(ctx)
	if err != nil {
		return err
	}
	return db.Where("id_hash = ?", hash).Delete(&sessionRow{}).Error
}

// DeleteUserSessions ends every session of a user: claiming an invitation
// (and any other token change that must sign the user out everywhere)
// calls it in the same transaction as the token change.
func (s *Store) DeleteUserSessions(ctx context.Context, userID int64) error {
	db, err := s.wdb(ctx)
	if err != nil {
		return err
	}
	return db.Where("user_id = ?", userID).Delete(&sessionRow{}).Error
}

// DeleteSessionsSeenBefore removes the sessions idle since before t.
func (s *Store) DeleteSessionsSeenBefore(ctx context.Context, t time.Time) error {
	db, err := s.wdb(ctx)
	if err != nil {
		return err
	}
	return db.Where("last_seen < ?", t).Delete(&sessionRow{}).Error
}
