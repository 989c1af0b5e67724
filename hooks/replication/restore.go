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
	// Follow keeps the restored database following the replica (a warm
	// standby) until Promote is closed; then it catches up with the
	// replica, stops, and the restore finishes as usual. A standby
	// started again on its directory resumes where it was.
	Follow  bool
	Promote <-chan struct{}
	// FollowInterval is how often a standby polls the replica.
	FollowInterval time.Duration
}

// RestoreReport is what a restore did.
type RestoreReport struct {
	Replica  string // without credentials
	DB       string
	Bytes    int64
	Epoch    string // the new sync epoch
	Head     int64  // the sync log's head in the restored database
	Files    int    // uploaded files copied back into storage/
	Duration time.Duration
}

// dbFiles are the files a restore replaces: the replicated database, its
// WAL and shared memory, Litestream's local state, and the auxiliary
// database (request logs only, not replicated; PocketBase starts a new
// one). Uploaded files (storage/) and local backups stay; the replica's
// files are copied in beside them.
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
	resume := opt.Follow && isStandby(app.DataDir())
	if !opt.WasEmpty && !opt.Force && !resume {
		return rep, fmt.Errorf("%s: %w", app.DataDir(), ErrDirNotEmpty)
	}
	client, err := NewClient(opt.URL)
	if err != nil {
		return rep, err
	}
	files, err := newFileReplica(opt.URL)
	if err != nil {
		return rep, err
	}
	if err := client.Init(ctx); err != nil {
		return rep, fmt.Errorf("replica %s: %w", display, err)
	}
	if err := os.MkdirAll(app.DataDir(), 0o755); err != nil {
		return rep, err
	}
	if !resume {
		for _, name := range append(dbFiles, filepath.Base(litestream.TXIDPath(rep.DB))) {
			if err := os.RemoveAll(filepath.Join(app.DataDir(), name)); err != nil {
				return rep, err
			}
		}
	}
	ropt := litestream.NewRestoreOptions()
	ropt.OutputPath = rep.DB
	ropt.Timestamp = opt.Timestamp
	ropt.IntegrityCheck = litestream.IntegrityCheckFull
	replica := litestream.NewReplicaWithClient(nil, client)
	restoreCtx := ctx
	if opt.Follow {
		if !opt.Timestamp.IsZero() {
			return rep, errors.New("a standby follows the newest state: --follow takes no --timestamp")
		}
		ropt.Follow = true
		if opt.FollowInterval > 0 {
			ropt.FollowInterval = opt.FollowInterval
		}
		var cancel context.CancelFunc
		restoreCtx, cancel = context.WithCancel(ctx)
		defer cancel()
		go promoteWhenCaughtUp(restoreCtx, cancel, replica, rep.DB, opt.Promote, ropt.FollowInterval)
	}
	if err := replica.Restore(restoreCtx, ropt); err != nil {
		if errors.Is(err, litestream.ErrTxNotAvailable) || errors.Is(err, litestream.ErrNoSnapshots) {
			return rep, fmt.Errorf("replica %s holds no database to restore (at that time): %w", display, err)
		}
		return rep, fmt.Errorf("restore from %s: %w", display, err)
	}
	if opt.Follow {
		if ctx.Err() != nil {
			return rep, ctx.Err()
		}
		// promoted: the database is the replica's newest state, whole
		if err := os.Remove(litestream.TXIDPath(rep.DB)); err != nil && !os.IsNotExist(err) {
			return rep, err
		}
	}
	if fi, err := os.Stat(rep.DB); err == nil {
		rep.Bytes = fi.Size()
	}
	// every file a durable change named is on the replica (files.go);
	// files of later changes come too, named or not
	if rep.Files, err = restoreFiles(files, app.DataDir()); err != nil {
		return rep, fmt.Errorf("restoring the uploaded files from %s: %w", display, err)
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

// isStandby reports whether dir holds a standby's database: data.db and
// the TXID Litestream's follow mode has applied.
func isStandby(dir string) bool {
	db := filepath.Join(dir, DBName)
	txid, err := litestream.ReadTXIDFile(db)
	return err == nil && txid > 0
}

// promoteWhenCaughtUp stops a standby's follow once promote is closed and
// the standby has applied everything the replica holds: follow applies
// the replica's files on a timer, so stopping it once it has caught up
// (the old writer gone, nothing new arrives) never stops it in the middle
// of a file.
func promoteWhenCaughtUp(ctx context.Context, stop context.CancelFunc, replica *litestream.Replica, db string, promote <-chan struct{}, interval time.Duration) {
	select {
	case <-ctx.Done():
		return
	case <-promote:
	}
	if interval <= 0 {
		interval = litestream.DefaultFollowInterval
	}
	caughtUp := 0
	for {
		select {
		case <-ctx.Done():
			return
		case <-time.After(interval / 2):
		}
		var newest uint64
		for level := 0; level <= litestream.SnapshotLevel; level++ {
			if info, err := replica.MaxLTXFileInfo(ctx, level); err == nil {
				newest = max(newest, uint64(info.MaxTXID))
			}
		}
		applied, err := litestream.ReadTXIDFile(db)
		if err == nil && uint64(applied) >= newest && newest > 0 {
			caughtUp++
		} else {
			caughtUp = 0
		}
		// twice in a row: no file arrived in between, follow is idle
		if caughtUp >= 2 {
			stop()
			return
		}
	}
}
