package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// ErrDestinationExists is returned by BackupSQLite when the destination
// file exists: a backup never overwrites anything.
var ErrDestinationExists = errors.New("the destination exists; a backup never overwrites a file")

// BackupInfo describes a finished backup.
type BackupInfo struct {
	Bytes    int64
	Duration time.Duration
}

// BackupSQLite writes a consistent copy of the live SQLite database at src
// to the new file dst while other connections, in this process or others,
// go on writing. VACUUM INTO reads the database in one read transaction,
// so the copy is the database as of one commit, with everything committed
// before the backup began; in WAL mode writers are not blocked meanwhile
// (a plain file copy without the -wal file, by contrast, loses committed
// transactions). The copy is written under a temporary name beside dst,
// checked with PRAGMA integrity_check, synced to disk and only then linked
// to dst, which must not exist: a failed or interrupted backup leaves no
// file that looks like a backup.
func BackupSQLite(ctx context.Context, src, dst string) (BackupInfo, error) {
	start := time.Now()
	if _, err := os.Lstat(dst); err == nil {
		return BackupInfo{}, fmt.Errorf("%s: %w", dst, ErrDestinationExists)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return BackupInfo{}, err
	}
	if st, err := os.Stat(src); err != nil {
		return BackupInfo{}, fmt.Errorf("database %s: %w", src, err)
	} else if st.IsDir() {
		return BackupInfo{}, fmt.Errorf("database %s is a directory", src)
	}
	rnd := make([]byte, 6)
	if _, err := rand.Read(rnd); err != nil {
		return BackupInfo{}, err
	}
	tmp := filepath.Join(filepath.Dir(dst), "."+filepath.Base(dst)+".partial-"+hex.EncodeToString(rnd))
	defer os.Remove(tmp)

	// mode=rw: never create an empty database where src was expected.
	db, err := sql.Open("sqlite3", "file:"+escapePath(src)+"?mode=rw&_busy_timeout=10000")
	if err != nil {
		return BackupInfo{}, err
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, `VACUUM INTO ?`, tmp); err != nil {
		return BackupInfo{}, fmt.Errorf("backup of %s: %w", src, err)
	}
	if err := checkIntegrity(ctx, tmp); err != nil {
		return BackupInfo{}, err
	}
	if err := syncFile(tmp); err != nil {
		return BackupInfo{}, err
	}
	// A hard link fails if dst appeared meanwhile, where a rename would
	// replace it.
	if err := os.Link(tmp, dst); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return BackupInfo{}, fmt.Errorf("%s: %w", dst, ErrDestinationExists)
		}
		return BackupInfo{}, err
	}
	if err := syncFile(filepath.Dir(dst)); err != nil {
		return BackupInfo{}, err
	}
	st, err := os.Stat(dst)
	if err != nil {
		return BackupInfo{}, err
	}
	return BackupInfo{Bytes: st.Size(), Duration: time.Since(start)}, nil
}

// CheckIntegrity runs PRAGMA integrity_check on the SQLite file at path.
func CheckIntegrity(ctx context.Context, path string) error { return checkIntegrity(ctx, path) }

func checkIntegrity(ctx context.Context, path string) error {
	db, err := sql.Open("sqlite3", "file:"+escapePath(path)+"?mode=ro")
	if err != nil {
		return err
	}
	defer db.Close()
	rows, err := db.QueryContext(ctx, `PRAGMA integrity_check`)
	if err != nil {
		return fmt.Errorf("integrity check of %s: %w", path, err)
	}
	defer rows.Close()
	var problems []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			return err
		}
		if line != "ok" {
			problems = append(problems, line)
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if len(problems) > 0 {
		return fmt.Errorf("integrity check of %s failed: %v", path, problems)
	}
	return nil
}

func syncFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}
