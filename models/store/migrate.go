package store

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"
)

// migration is one step of the schema history. Steps are written as SQL
// against the schema as it was when the step was added, never against the
// live row structs, and each runs in its own transaction.
type migration struct {
	version int
	name    string
	sql     []string
	// sqlite and postgres hold statements for one dialect only (triggers).
	sqlite   []string
	postgres []string
}

// Placeholders in migration SQL, replaced per dialect.
var dialectTypes = map[Dialect]*strings.Replacer{
	SQLite:   strings.NewReplacer("{{id}}", "INTEGER PRIMARY KEY AUTOINCREMENT", "{{ts}}", "TIMESTAMP", "{{bool}}", "BOOLEAN", "{{real}}", "REAL", "{{blob}}", "BLOB"),
	Postgres: strings.NewReplacer("{{id}}", "BIGSERIAL PRIMARY KEY", "{{ts}}", "TIMESTAMPTZ", "{{bool}}", "BOOLEAN", "{{real}}", "DOUBLE PRECISION", "{{blob}}", "BYTEA"),
}

// migrations is the ordered schema history: each area of the product
// owns its steps in its own file (rounds.go, datasets.go, comparisons.go).
// Append; never edit a shipped step.
var migrations = sortedMigrations(
	foundationMigrations,
	roundsMigrations,
	datasetsMigrations,
	comparisonsMigrations,
	teamsMigrations,    // #9 model teams (10-14)
	accessMigrations,   // #9 invitations (20-29)
	membersMigrations,  // #9 dataset teams (15-19)
	sessionsMigrations, // #12 UI sessions (60-69)
)

func sortedMigrations(groups ...[]migration) []migration {
	var out []migration
	for _, g := range groups {
		out = append(out, g...)
	}
	slices.SortFunc(out, func(a, b migration) int { return a.version - b.version })
	for i := 1; i < len(out); i++ {
		if out[i].version == out[i-1].version {
			panic(fmt.Sprintf("two migrations numbered %d", out[i].version))
		}
	}
	return out
}

var foundationMigrations = []migration{
	{
		version: 1,
		name:    "users, models, versions, audit log",
		sql: []string{
			`CREATE TABLE users (
				id {{id}},
				name TEXT NOT NULL,
				email TEXT NOT NULL UNIQUE,
				role TEXT NOT NULL,
				token_hash TEXT NOT NULL UNIQUE,
				created_by BIGINT,
				created_at {{ts}} NOT NULL
			)`,
			`CREATE TABLE task_models (
				id {{id}},
				slug TEXT NOT NULL UNIQUE,
				title TEXT NOT NULL,
				marker TEXT NOT NULL,
				resolution TEXT NOT NULL,
				context TEXT NOT NULL,
				owner_id BIGINT NOT NULL REFERENCES users(id),
				created_at {{ts}} NOT NULL,
				updated_at {{ts}} NOT NULL
			)`,
			`CREATE TABLE versions (
				id {{id}},
				model_id BIGINT NOT NULL REFERENCES task_models(id),
				number INTEGER NOT NULL,
				kind TEXT NOT NULL,
				status TEXT NOT NULL,
				parent INTEGER,
				notes TEXT NOT NULL,
				content TEXT NOT NULL,
				content_hash TEXT NOT NULL,
				provenance TEXT NOT NULL,
				change_log TEXT NOT NULL,
				status_note TEXT NOT NULL,
				created_by BIGINT NOT NULL REFERENCES users(id),
				created_at {{ts}} NOT NULL,
				updated_at {{ts}} NOT NULL,
				approved_at {{ts}},
				approved_by TEXT,
				UNIQUE (model_id, number)
			)`,
			`CREATE INDEX versions_model_status ON versions (model_id, status, number)`,
			`CREATE TABLE audit_log (
				seq BIGINT PRIMARY KEY,
				at {{ts}} NOT NULL,
				actor TEXT NOT NULL,
				action TEXT NOT NULL,
				entity TEXT NOT NULL,
				entity_id TEXT NOT NULL,
				detail TEXT NOT NULL,
				prev_hash TEXT NOT NULL,
				hash TEXT NOT NULL
			)`,
			// audit_head serializes appends across processes: every append
			// first updates this single row, which takes its row lock.
			`CREATE TABLE audit_head (id INTEGER PRIMARY KEY, seq BIGINT NOT NULL, hash TEXT NOT NULL)`,
			`INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '')`,
		},
		sqlite: []string{
			`CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END`,
			`CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END`,
		},
		postgres: []string{
			`CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
			BEGIN RAISE EXCEPTION 'audit_log is append-only'; END $$`,
			`CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()`,
			`CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()`,
		},
	},
}

// SchemaVersion is the newest migration this binary knows.
func SchemaVersion() int { return migrations[len(migrations)-1].version }

// Migrate applies every pending migration in order, each in a transaction.
// Several processes may call it at once: on PostgreSQL an advisory lock
// serializes them, on SQLite the immediate transaction does.
func (s *Store) Migrate(ctx context.Context) error {
	db := s.w.WithContext(ctx)
	if s.dialect == Postgres {
		conn, err := s.w.DB()
		if err != nil {
			return err
		}
		c, err := conn.Conn(ctx)
		if err != nil {
			return err
		}
		defer c.Close()
		if _, err := c.ExecContext(ctx, `SELECT pg_advisory_lock(727272)`); err != nil {
			return fmt.Errorf("migration lock: %w", err)
		}
		defer c.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock(727272)`)
	}
	if err := db.Exec(`CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at ` +
		dialectTypes[s.dialect].Replace("{{ts}}") + ` NOT NULL)`).Error; err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	for _, m := range migrations {
		err := db.Transaction(func(tx *gorm.DB) error {
			var n int64
			if err := tx.Raw(`SELECT COUNT(*) FROM schema_migrations WHERE version = ?`, m.version).Scan(&n).Error; err != nil {
				return err
			}
			if n > 0 {
				return nil
			}
			stmts := append([]string{}, m.sql...)
			if s.dialect == SQLite {
				stmts = append(stmts, m.sqlite...)
			} else {
				stmts = append(stmts, m.postgres...)
			}
			for _, st := range stmts {
				if err := tx.Exec(dialectTypes[s.dialect].Replace(st)).Error; err != nil {
					return fmt.Errorf("migration %d (%s): %w", m.version, m.name, err)
				}
			}
			return tx.Exec(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`,
				m.version, m.name, time.Now().UTC()).Error
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// MigrationsCurrent reports whether the database has every migration this
// binary knows (for /readyz).
func (s *Store) MigrationsCurrent(ctx context.Context) (bool, error) {
	var v *int
	if err := s.r.WithContext(ctx).Raw(`SELECT MAX(version) FROM schema_migrations`).Scan(&v).Error; err != nil {
		return false, err
	}
	return v != nil && *v >= SchemaVersion(), nil
}
