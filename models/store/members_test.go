package store

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/stagewise/stagewise/models"
)

// TestMembersMigrationBackfill upgrades a database made before dataset
// teams: every existing dataset gets its creator as a PI of its team, and
// nothing is blinded or unblinded.
func TestMembersMigrationBackfill(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, Config{SQLitePath: filepath.Join(t.TempDir(), "t.db")})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	all := migrations
	defer func() { migrations = all }()
	for i, m := range all {
		if m.version >= 15 {
			migrations = all[:i]
			break
		}
	}
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	w := s.RawForTest()
	if err := w.Exec(`INSERT INTO users (id, name, email, role, token_hash, created_at) VALUES (7, 'Old PI', 'old@example.org', 'pi', 'h7', ?)`, now).Error; err != nil {
		t.Fatal(err)
	}
	if err := w.Exec(`INSERT INTO datasets (id, name, owner_id, codebook_name, codebook, reverse_keyed, created_at, updated_at)
		VALUES (3, 'Old data', 7, 'custom', '[]', '[]', ?, ?)`, now, now).Error; err != nil {
		t.Fatal(err)
	}
	migrations = all
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	m, err := s.DatasetMember(ctx, 3, 7)
	if err != nil || m.Role != models.MemberPI || m.Coder != "" {
		t.Fatalf("creator after the upgrade: %+v, %v", m, err)
	}
	ds, err := s.ListMemberDatasets(ctx, 7, models.Page{Limit: 10})
	if err != nil || len(ds) != 1 || ds[0].ID != 3 || ds[0].UnblindedAt != nil {
		t.Fatalf("the creator's datasets: %+v, %v", ds, err)
	}
}
