package api_test

import (
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/stagewise/stagewise/models/store"
)

// envFactory makes a fresh server on a fresh database; shared returns the
// configuration of one database that two servers can share.
type envFactory struct {
	name   string
	fresh  func(t *testing.T) *env
	shared func(t *testing.T) store.Config
}

var sqliteFactory = envFactory{
	name:  "sqlite",
	fresh: newEnv,
	shared: func(t *testing.T) store.Config {
		return store.Config{SQLitePath: filepath.Join(t.TempDir(), "shared.db")}
	},
}

// postgresDatabase creates an empty database on the server named by
// STAGEWISE_TEST_DATABASE_URL and drops it after the test; it skips the
// test when the variable is unset (.ci/run sets it).
func postgresDatabase(t *testing.T) store.Config {
	t.Helper()
	admin := os.Getenv("STAGEWISE_TEST_DATABASE_URL")
	if admin == "" {
		t.Skip("STAGEWISE_TEST_DATABASE_URL is not set")
	}
	db, err := gorm.Open(postgres.Open(admin), &gorm.Config{Logger: logger.Discard})
	if err != nil {
		t.Fatalf("connect to PostgreSQL: %v", err)
	}
	sqlDB, _ := db.DB()
	t.Cleanup(func() { sqlDB.Close() })
	b := make([]byte, 6)
	rand.Read(b)
	name := "sw_test_" + hex.EncodeToString(b)
	if err := db.Exec("CREATE DATABASE " + name).Error; err != nil {
		t.Fatalf("create database: %v", err)
	}
	t.Cleanup(func() { db.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)") })
	u, err := url.Parse(admin)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return store.Config{DatabaseURL: u.String()}
}

var postgresFactory = envFactory{
	name:   "postgres",
	fresh:  func(t *testing.T) *env { return newEnvWith(t, postgresDatabase(t)) },
	shared: postgresDatabase,
}

// TestOnPostgres runs the foundation's scenario tests on PostgreSQL: the
// same code, no SQLite assumptions.
func TestOnPostgres(t *testing.T) {
	if os.Getenv("STAGEWISE_TEST_DATABASE_URL") == "" {
		t.Skip("STAGEWISE_TEST_DATABASE_URL is not set")
	}
	f := postgresFactory
	t.Run("Lifecycle", func(t *testing.T) { testLifecycle(t, f) })
	t.Run("BadInputCatalogue", func(t *testing.T) { testBadInputCatalogue(t, f) })
	t.Run("AuditChain", func(t *testing.T) { testAuditChain(t, f) })
	t.Run("TwoProcesses", func(t *testing.T) { testTwoProcesses(t, f) })
	t.Run("ClientPullsLatest", func(t *testing.T) { testClientPullsLatest(t, f) })
	// Whole test functions of the other areas, with newEnv on PostgreSQL.
	freshEnv = f.fresh
	defer func() { freshEnv = nil }()
	for name, test := range map[string]func(*testing.T){
		"RoundConcurrentReviews":   TestRoundConcurrentReviews,
		"RoundLifecycleTable":      TestRoundLifecycleTable,
		"RoundReviseAndNextRound":  TestRoundReviseAndNextRound,
		"RoundValidationCatalogue": TestRoundValidationCatalogue,
		"DatasetBadFiles":          TestDatasetBadFiles,
		"DatasetImportRoundTrip":   TestDatasetImportRoundTrip,
		"DatasetSelection":         TestDatasetSelection,
		"DatasetReliability":       TestDatasetReliability,
		"Comparison":               TestComparison,
		"ComparisonErrors":         TestComparisonErrors,
		"Synthesis":                TestSynthesis,
		"MyRounds":                 TestMyRounds,
		"ReissueToken":             TestReissueToken,
	} {
		t.Run(name, test)
	}
}
