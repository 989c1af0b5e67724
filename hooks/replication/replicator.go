// Package replication is Coprosec's durability, an optional part like one
// of PocketBase's plugins: `serve --replica URL` replicates data.db
// continuously with Litestream (embedded as a library) to a directory
// (file:///DIR) or S3-compatible storage (s3://BUCKET/PATH?endpoint=…),
// tells the sync answers how far the log is replicated (the durable
// cursor, DESIGN §5), and `restore` rebuilds a data directory from the
// replica and rotates the sync epoch. PocketBase's own backup restore
// rotates the epoch too.
//
// auxiliary.db is not replicated: it holds only PocketBase's request logs
// (_logs), which no rule, sync answer or phone depends on, and a restored
// server starts a new one. Uploaded files (pb_data/storage) are not in
// SQLite: the replicator copies them beside Litestream's files (files.go).
package replication

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"coprosec/hooks/synclog"

	"github.com/benbjohnson/litestream"
	_ "github.com/benbjohnson/litestream/file" // file:// replicas
	_ "github.com/benbjohnson/litestream/s3"   // s3:// replicas

	"github.com/pocketbase/pocketbase/core"
	"github.com/superfly/ltx"
)

// EnvReplica names the replica when --replica is not given.
const EnvReplica = "COPROSEC_REPLICA"

// EnvLagWarning overrides Config.LagWarning (a Go duration: 30s, 2m).
const EnvLagWarning = "COPROSEC_REPLICA_LAG_WARNING"

// Defaults of Config.
const (
	DefaultInterval   = time.Second
	DefaultLagWarning = 30 * time.Second
)

// Config configures a Replicator.
type Config struct {
	// URL is the replica: file:///DIR or s3://BUCKET/PATH?endpoint=URL[&region=R]
	// (credentials from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY).
	URL string
	// Interval is how often the log's head is synced to the replica and
	// the durable position advanced (DefaultInterval).
	Interval time.Duration
	// LagWarning: the server logs a warning while the oldest change not
	// known to be replicated is older than this (DefaultLagWarning).
	LagWarning time.Duration
}

// DBName is the database that is replicated.
const DBName = "data.db"

// MetaDirName is Litestream's local state beside data.db (kept out of
// PocketBase's backups).
const MetaDirName = "." + DBName + litestream.MetaDirSuffix

// mark: the log's head was seq when Litestream's local position was txid.
// Once the replica holds txid, every change up to seq is replicated.
type mark struct {
	txid ltx.TXID
	seq  int64
	at   time.Time
}

// maxMarks bounds the marks kept while the replica is unreachable: older
// ones are merged (the durable position then advances a little later,
// never earlier than it should).
const maxMarks = 4096

// Replicator replicates one app's data.db while it serves.
type Replicator struct {
	app     core.App
	cfg     Config
	display string // the URL without credentials
	logger  *slog.Logger

	store *litestream.Store
	db    *litestream.DB

	cancel context.CancelFunc
	done   chan struct{}

	// files copies the uploaded files (files.go); only the loop uses it
	files *fileCopier

	mu      sync.Mutex
	pending []mark
	durable int64
	lastAt  time.Time // when the replica last held everything known committed
	// filesUpTo: the replica holds the files of every change up to this seq
	filesUpTo   int64
	lastErr     error
	lastWarning time.Time
}

// New checks cfg and makes the replicator of app (started by Start).
func New(app core.App, cfg Config) (*Replicator, error) {
	if cfg.Interval <= 0 {
		cfg.Interval = DefaultInterval
	}
	if cfg.LagWarning <= 0 {
		cfg.LagWarning = DefaultLagWarning
	}
	display, err := DisplayURL(cfg.URL)
	if err != nil {
		return nil, err
	}
	if _, err := NewClient(cfg.URL); err != nil {
		return nil, err
	}
	files, err := newFileReplica(cfg.URL)
	if err != nil {
		return nil, err
	}
	return &Replicator{app: app, cfg: cfg, display: display, logger: app.Logger().With("replica", display),
		files: &fileCopier{app: app, replica: files}}, nil
}

// Start opens Litestream on the app's data.db and starts advancing the
// durable position.
func (r *Replicator) Start(ctx context.Context) error {
	client, err := NewClient(r.cfg.URL)
	if err != nil {
		return err
	}
	db := litestream.NewDB(filepath.Join(r.app.DataDir(), DBName))
	db.Replica = litestream.NewReplicaWithClient(db, client)
	db.ShutdownSyncTimeout = 10 * time.Second
	store := litestream.NewStore([]*litestream.DB{db}, litestream.DefaultCompactionLevels)
	store.ShutdownSyncTimeout = db.ShutdownSyncTimeout
	// Litestream's own chatter stays out of the request logs; its
	// warnings and errors go to stderr
	db.SetLogger(libraryLogger().With("db", DBName))
	store.Logger = libraryLogger()
	if err := store.Open(ctx); err != nil {
		return fmt.Errorf("replica %s: %w", r.display, err)
	}
	r.store, r.db = store, db
	loopCtx, cancel := context.WithCancel(context.Background())
	r.cancel, r.done = cancel, make(chan struct{})
	go r.loop(loopCtx)
	go r.watch(loopCtx)
	r.logger.Info("replicating the database", "db", DBName)
	return nil
}

// Stop syncs what is left to the replica and closes Litestream.
func (r *Replicator) Stop(ctx context.Context) error {
	if r.store == nil {
		return nil
	}
	r.cancel()
	<-r.done
	// the files of the last changes, before Litestream's last sync
	fctx, cancel := context.WithTimeout(ctx, filesTimeout)
	ferr := r.files.sync(fctx)
	cancel()
	err := errors.Join(ferr, r.store.Close(ctx))
	r.store = nil
	return err
}

func libraryLogger() *slog.Logger {
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})).With("part", "litestream")
}

func (r *Replicator) loop(ctx context.Context) {
	defer close(r.done)
	t := time.NewTicker(r.cfg.Interval)
	defer t.Stop()
	for {
		r.advance(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// advance reads the log's head, copies the uploaded files the replica
// lacks, has Litestream copy the WAL (which holds that head's commit) to
// its local position, uploads to the replica and moves the durable
// position over every mark the replica now holds, files included.
func (r *Replicator) advance(ctx context.Context) {
	now := time.Now()
	head, headErr := synclog.Head(r.app)
	// the files of every change up to head are in storage by now; copied
	// before the WAL, so that a change rarely reaches the replica before
	// its files (one committed between the two could)
	fctx, cancel := context.WithTimeout(ctx, filesTimeout)
	filesErr := r.files.sync(fctx)
	cancel()
	err := headErr
	if err == nil {
		err = r.db.Sync(ctx)
	}
	var pos ltx.Pos
	if err == nil {
		pos, err = r.db.Pos()
	}
	r.mu.Lock()
	if err == nil && head > r.durable && (len(r.pending) == 0 || head > r.pending[len(r.pending)-1].seq) {
		r.pending = append(r.pending, mark{txid: pos.TXID, seq: head, at: now})
		if len(r.pending) > maxMarks {
			r.pending = append(r.pending[:1], r.pending[2:]...)
		}
	}
	r.mu.Unlock()
	if err == nil {
		// an unreachable replica retries inside each call: bounded, so that
		// marks keep being taken and the lag keeps being measured
		uctx, cancel := context.WithTimeout(ctx, uploadTimeout)
		err = r.db.Replica.Sync(uctx)
		cancel()
	}
	replicated := r.db.Replica.Pos().TXID

	r.mu.Lock()
	defer r.mu.Unlock()
	if filesErr == nil && headErr == nil && head > r.filesUpTo {
		r.filesUpTo = head
	}
	err = errors.Join(err, filesErr)
	if err != nil && ctx.Err() == nil {
		r.lastErr = err
	} else if err == nil {
		r.lastErr = nil
	}
	n := 0
	for n < len(r.pending) && r.pending[n].txid <= replicated && replicated > 0 && r.pending[n].seq <= r.filesUpTo {
		r.durable = max(r.durable, r.pending[n].seq)
		n++
	}
	r.pending = r.pending[n:]
	if len(r.pending) == 0 && err == nil {
		r.lastAt = time.Now()
	}
}

// uploadTimeout bounds one upload round to the replica; filesTimeout one
// pass over the uploaded files (the first after a start may copy many).
const (
	uploadTimeout = 10 * time.Second
	filesTimeout  = time.Minute
)

// watch logs a warning, at most once per LagWarning, while the oldest
// change not known to be replicated is older than LagWarning (whether the
// uploads fail or hang).
func (r *Replicator) watch(ctx context.Context) {
	t := time.NewTicker(min(time.Second, r.cfg.LagWarning/2))
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		r.mu.Lock()
		lag := r.lagLocked(time.Now())
		warn := lag > r.cfg.LagWarning && time.Since(r.lastWarning) >= r.cfg.LagWarning
		var args []any
		if warn {
			r.lastWarning = time.Now()
			args = []any{"lag_s", int(lag.Seconds()), "durable_seq", r.durable, "pending_marks", len(r.pending)}
			if r.lastErr != nil {
				args = append(args, "error", r.lastErr.Error())
			}
		}
		r.mu.Unlock()
		if warn {
			r.logger.Warn("replication lags: changes older than the warning threshold are not on the replica yet", args...)
			slog.Warn("replication lags", append([]any{"replica", r.display}, args...)...)
		}
	}
}

// lagLocked is how long the oldest change not known to be replicated has
// waited (0 when the replica holds everything known committed).
func (r *Replicator) lagLocked(now time.Time) time.Duration {
	if len(r.pending) == 0 {
		if r.lastErr != nil && !r.lastAt.IsZero() {
			return now.Sub(r.lastAt)
		}
		return 0
	}
	return now.Sub(r.pending[0].at)
}

// DurableSeq is the newest seq known to be on the replica, at most head.
func (r *Replicator) DurableSeq(head int64) int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return min(r.durable, head)
}

// Lag is how long the oldest change not known to be replicated has
// waited, and when the replica last held every change known committed.
func (r *Replicator) Lag() (time.Duration, time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.lagLocked(time.Now()), r.lastAt
}

// DisplayName is the replica's URL without credentials.
func (r *Replicator) DisplayName() string { return r.display }
