// Package storetest opens real, migrated stores for the tests of the
// packages above models/store (the workflow areas), so that each test
// states what it checks rather than how a database is set up.
package storetest

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/stagewise/stagewise/models/store"
)

// SQLite opens a migrated SQLite store in the test's temporary directory
// and closes it when the test ends.
func SQLite(t testing.TB) *store.Store {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, store.Config{SQLitePath: filepath.Join(t.TempDir(), "test.db")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return st
}
