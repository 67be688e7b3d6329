// Package store persists Stagewise's domain types with gorm, on SQLite (the
// embedded default) or PostgreSQL (several stateless processes on one
// database). It implements the store interfaces that package workflow
// declares; rows with gorm tags live here and never leave the package.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"gorm.io/driver/postgres"
	"gorm.io/driver/sqlite"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// Dialect names the database in use.
type Dialect string

// The supported databases.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// stmtCacheSize is how many prepared statements each SQLite connection
// keeps (go-sqlite3's _stmt_cache_size, an LRU per connection): the hot
// statements (a review's round, its upsert, the audit append, a token's
// user) are then prepared once per connection instead of once per call,
// which was a tenth of the CPU of a batch of reviews. A cached statement is
// reset, so it holds no lock and SQLite re-prepares it after a schema
// change (a migration).
const stmtCacheSize = "64"

// Config says which database to open.
type Config struct {
	// SQLitePath is the database file, used when DatabaseURL is empty.
	SQLitePath string
	// DatabaseURL is a postgres:// URL.
	DatabaseURL string
	// ReadConns bounds the reader pool (SQLite) or the whole pool (PostgreSQL).
	ReadConns int
}

// Store is the database. Writes go through one connection on SQLite (SQLite
// has a single writer anyway; one connection avoids lock contention between
// our own goroutines) and reads through a separate pool.
type Store struct {
	dialect Dialect
	w       *gorm.DB
	r       *gorm.DB
	closers []*sql.DB
}

// Open opens the database deliberately configured for durability and
// concurrency; it does not migrate (see Migrate). When it fails it leaves
// nothing open.
func Open(ctx context.Context, cfg Config) (_ *Store, err error) {
	if cfg.ReadConns <= 0 {
		cfg.ReadConns = 8
	}
	gcfg := &gorm.Config{
		SkipDefaultTransaction: true,
		Logger:                 logger.Default.LogMode(logger.Silent),
		NowFunc:                func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) },
		TranslateError:         true,
	}
	s := &Store{}
	defer func() {
		if err != nil {
			s.Close() // the pools opened before the failure
		}
	}()
	if cfg.DatabaseURL != "" {
		s.dialect = Postgres
		db, err := gorm.Open(postgres.Open(cfg.DatabaseURL), gcfg)
		if err != nil {
			return nil, fmt.Errorf("open postgres: %w", err)
		}
		sqlDB, err := db.DB()
		if err != nil {
			return nil, err
		}
		s.closers = append(s.closers, sqlDB)
		sqlDB.SetMaxOpenConns(cfg.ReadConns + 8)
		sqlDB.SetMaxIdleConns(cfg.ReadConns + 8)
		sqlDB.SetConnMaxIdleTime(5 * time.Minute)
		s.w, s.r = db, db
	} else {
		s.dialect = SQLite
		if cfg.SQLitePath == "" {
			return nil, errors.New("no database: set --db or --database-url")
		}
		// _txlock=immediate: a transaction takes the write lock at BEGIN, so
		// read-then-write transactions wait on busy_timeout instead of
		// failing with "database is locked" when they upgrade.
		q := url.Values{}
		q.Set("_busy_timeout", "10000")
		q.Set("_journal_mode", "WAL")
		q.Set("_foreign_keys", "on")
		q.Set("_synchronous", "FULL")
		q.Set("_txlock", "immediate")
		q.Set("_stmt_cache_size", stmtCacheSize)
		writer, err := gorm.Open(sqlite.Open("file:"+escapePath(cfg.SQLitePath)+"?"+q.Encode()), gcfg)
		if err != nil {
			return nil, fmt.Errorf("open sqlite %s: %w", cfg.SQLitePath, err)
		}
		wdb, err := writer.DB()
		if err != nil {
			return nil, err
		}
		s.closers = append(s.closers, wdb)
		wdb.SetMaxOpenConns(1)
		wdb.SetMaxIdleConns(1)
		wdb.SetConnMaxLifetime(0)
		if err := wdb.PingContext(ctx); err != nil {
			return nil, fmt.Errorf("open sqlite %s: %w", cfg.SQLitePath, err)
		}
		rq := url.Values{}
		rq.Set("_busy_timeout", "10000")
		rq.Set("_foreign_keys", "on")
		rq.Set("_query_only", "1")
		rq.Set("_stmt_cache_size", stmtCacheSize)
		reader, err := gorm.Open(sqlite.Open("file:"+escapePath(cfg.SQLitePath)+"?"+rq.Encode()), gcfg)
		if err != nil {
			return nil, fmt.Errorf("open sqlite reader: %w", err)
		}
		rdb, err := reader.DB()
		if err != nil {
			return nil, err
		}
		s.closers = append(s.closers, rdb)
		rdb.SetMaxOpenConns(cfg.ReadConns)
		rdb.SetMaxIdleConns(cfg.ReadConns)
		s.w, s.r = writer, reader
	}
	return s, nil
}

func escapePath(p string) string {
	return strings.NewReplacer("?", "%3f", "#", "%23").Replace(p)
}

// Dialect reports which database is open.
func (s *Store) Dialect() Dialect { return s.dialect }

// Close closes every pool.
func (s *Store) Close() error {
	var errs []error
	for _, c := range s.closers {
		errs = append(errs, c.Close())
	}
	return errors.Join(errs...)
}

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	for _, c := range s.closers {
		if err := c.PingContext(ctx); err != nil {
			return err
		}
	}
	return nil
}

type txKey struct{}

// InTx runs fn in one write transaction; every store call made with the
// context fn receives joins it. A nested InTx joins the outer transaction.
func (s *Store) InTx(ctx context.Context, fn func(ctx context.Context) error) error {
	if _, ok := ctx.Value(txKey{}).(*gorm.DB); ok {
		return fn(ctx)
	}
	return s.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		return fn(context.WithValue(ctx, txKey{}, tx))
	})
}

// db is the transaction in ctx, or the reader pool.
func (s *Store) db(ctx context.Context) *gorm.DB {
	if tx, ok := ctx.Value(txKey{}).(*gorm.DB); ok {
		return tx
	}
	return s.r.WithContext(ctx)
}

// wdb is the transaction in ctx; writes outside a transaction are a bug.
func (s *Store) wdb(ctx context.Context) (*gorm.DB, error) {
	if tx, ok := ctx.Value(txKey{}).(*gorm.DB); ok {
		return tx, nil
	}
	return nil, errors.New("store: write outside a transaction")
}

// RawForTest exposes the write connection to tests that must bypass the
// rules (tampering with the audit log, say). Never use it in the product.
func (s *Store) RawForTest() *gorm.DB { return s.w }
