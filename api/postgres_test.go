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
	fresh: newSQLiteEnv,
	shared: func(t *testing.T) store.Config {
		return store.Config{SQLitePath: filepath.Join(t.TempDir(), "shared.db")}
	},
}

// postgresDatabase creates an empty database on the server named by
// STAGEWISE_TEST_DATABASE_URL and drops it after the test; it skips the
// test when the variable is unset (.ci/run sets it).
func postgresDatabase(t *testing.T) store.Config {
	t.Helper()
	admin := postgresURL(t)
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

// postgresURL is the server the PostgreSQL runs use. Without one the
// PostgreSQL runs skip on a developer's machine, but fail under CI (CI is
// set), whose .ci/run must provide it.
func postgresURL(t *testing.T) string {
	t.Helper()
	u := os.Getenv("STAGEWISE_TEST_DATABASE_URL")
	if u == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("CI must set STAGEWISE_TEST_DATABASE_URL (.ci/run starts PostgreSQL)")
		}
		t.Skip("STAGEWISE_TEST_DATABASE_URL is not set")
	}
	return u
}

var postgresFactory = envFactory{
	name:   "postgres",
	fresh:  func(t *testing.T) *env { return newEnvWith(t, postgresDatabase(t)) },
	shared: postgresDatabase,
}

// TestOnPostgres runs the foundation's scenario tests on PostgreSQL: the
// same code, no SQLite assumptions.
func TestOnPostgres(t *testing.T) {
	t.Parallel()
	postgresURL(t)
	f := postgresFactory
	t.Run("Lifecycle", func(t *testing.T) { testLifecycle(t, f) })
	t.Run("BadInputCatalogue", func(t *testing.T) { testBadInputCatalogue(t, f) })
	t.Run("AuditChain", func(t *testing.T) { testAuditChain(t, f) })
	t.Run("TwoProcesses", func(t *testing.T) { testTwoProcesses(t, f) })
	t.Run("ClientPullsLatest", func(t *testing.T) { testClientPullsLatest(t, f) })
	// Whole test functions of the other areas; newEnv puts the subtests of
	// TestOnPostgres on PostgreSQL (see factoryFor).
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
		"ComparisonReportParts":    TestComparisonReportParts,
		"ComparisonLeftOut":        TestComparisonLeftOut,
		"StatsReliabilityMissing":  TestStatsReliabilityMissing,
		"Synthesis":                TestSynthesis,
		"SynthesisOrderFree":       TestSynthesisOrderFree,
		"Lineage":                  TestLineage,
		"MethodEndToEnd":           TestMethodEndToEnd,
		"MyRounds":                 TestMyRounds,
		"ReissueToken":             TestReissueToken,
		"SessionSignIn":            TestSessionSignIn,
		"SessionIdleExpiry":        TestSessionIdleExpiry,
		"SessionsEndForUser":       TestSessionsEndForUser,
		"DatasetCreateAndRoles":    TestDatasetCreateAndRoles,
		"DatasetTeams":             TestDatasetTeams,
		"BlindCoding":              TestBlindCoding,
		"ConsensusCoding":          TestConsensusCoding,
		"ComparisonVisibility":     TestComparisonVisibility,
		"DatasetNonMembers":        TestDatasetNonMembers,
		"ReadmeWalkthrough":        TestReadmeWalkthrough,
		"UnblindOnce":              TestUnblindOnce,
	} {
		t.Run(name, test)
	}
}
