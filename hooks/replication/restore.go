package replication

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"coprosec/hooks/synclog"

	"github.com/benbjohnson/litestream"
	"github.com/pocketbase/pocketbase/core"
)

// ErrDirNotEmpty: restore refuses a data directory that holds anything,
// unless forced.
var ErrDirNotEmpty = errors.New("the data directory is not empty (use --force to replace its database)")

// RestoreOptions are the arguments of `coprosec restore`.
type RestoreOptions struct {
	URL string
	// Timestamp, when set, restores the database as it was then
	// (point in time); zero restores the newest state replicated.
	Timestamp time.Time
	// Force replaces the database of a non-empty directory.
	Force bool
	// WasEmpty: the directory held nothing before the command started
	// (PocketBase opens, and so creates, a database before any command
	// runs; the composition root looks first).
	WasEmpty bool
}

// RestoreReport is what a restore did.
type RestoreReport struct {
	Replica  string // without credentials
	DB       string
	Bytes    int64
	Epoch    string // the new sync epoch
	Head     int64  // the sync log's head in the restored database
	Duration time.Duration
}

// dbFiles are the files a restore replaces: the replicated database, its
// WAL and shared memory, Litestream's local state, and the auxiliary
// database (request logs only, not replicated; PocketBase starts a new
// one). Uploaded files (storage/) and local backups stay.
var dbFiles = []string{DBName, DBName + "-wal", DBName + "-shm", MetaDirName,
	"auxiliary.db", "auxiliary.db-wal", "auxiliary.db-shm"}

// Restore rebuilds app's data directory from the replica: the app must
// not be bootstrapped (its database closed); Restore downloads data.db,
// checks its integrity (Litestream's full check, then SQLite's
// integrity_check once PocketBase opened it), bootstraps app on it and
// rotates the sync epoch, so that every phone's next pull resets.
func Restore(ctx context.Context, app core.App, opt RestoreOptions) (RestoreReport, error) {
	start := time.Now()
	rep := RestoreReport{DB: filepath.Join(app.DataDir(), DBName)}
	display, err := DisplayURL(opt.URL)
	if err != nil {
		return rep, err
	}
	rep.Replica = display
	if app.IsBootstrapped() {
		return rep, errors.New("restore: the app's database is open")
	}
	if !opt.WasEmpty && !opt.Force {
		return rep, fmt.Errorf("%s: %w", app.DataDir(), ErrDirNotEmpty)
	}
	client, err := NewClient(opt.URL)
	if err != nil {
		return rep, err
	}
	if err := client.Init(ctx); err != nil {
		return rep, fmt.Errorf("replica %s: %w", display, err)
	}
	if err := os.MkdirAll(app.DataDir(), 0o755); err != nil {
		return rep, err
	}
	for _, name := range dbFiles {
		if err := os.RemoveAll(filepath.Join(app.DataDir(), name)); err != nil {
			return rep, err
		}
	}
	ropt := litestream.NewRestoreOptions()
	ropt.OutputPath = rep.DB
	ropt.Timestamp = opt.Timestamp
	ropt.IntegrityCheck = litestream.IntegrityCheckFull
	replica := litestream.NewReplicaWithClient(nil, client)
	if err := replica.Restore(ctx, ropt); err != nil {
		if errors.Is(err, litestream.ErrTxNotAvailable) || errors.Is(err, litestream.ErrNoSnapshots) {
			return rep, fmt.Errorf("replica %s holds no database to restore (at that time): %w", display, err)
		}
		return rep, fmt.Errorf("restore from %s: %w", display, err)
	}
	if fi, err := os.Stat(rep.DB); err == nil {
		rep.Bytes = fi.Size()
	}
	if err := app.Bootstrap(); err != nil {
		return rep, fmt.Errorf("opening the restored database: %w", err)
	}
	var check string
	if err := app.DB().NewQuery("PRAGMA integrity_check").Row(&check); err != nil {
		return rep, fmt.Errorf("integrity check: %w", err)
	} else if check != "ok" {
		return rep, fmt.Errorf("integrity check: %s", check)
	}
	epoch, err := synclog.RotateEpoch(app)
	if err != nil {
		return rep, fmt.Errorf("rotating the sync epoch: %w", err)
	}
	rep.Epoch = epoch
	if rep.Head, err = synclog.Head(app); err != nil {
		return rep, err
	}
	rep.Duration = time.Since(start)
	return rep, nil
}

// DirIsEmpty reports whether dir is absent or holds nothing.
func DirIsEmpty(dir string) bool {
	entries, err := os.ReadDir(dir)
	return err != nil && os.IsNotExist(err) || err == nil && len(entries) == 0
}
