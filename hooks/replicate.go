package hooks

import (
	"context"
	"fmt"
	"os"
	"sync"
	"time"

	"coprosec/hooks/replication"
	"coprosec/hooks/routes"

	"github.com/pocketbase/pocketbase/core"
)

// bindReplication starts continuous replication when serving with a
// replica (and stops it, after a last sync, when the app terminates), and
// hooks PocketBase's backups (a restored one rotates the sync epoch).
func bindReplication(app core.App, r *routes.Routes, cfg *Config) {
	replication.BindBackups(app)
	var rep *replication.Replicator
	app.OnServe().BindFunc(func(e *core.ServeEvent) error {
		if cfg.Replica == "" || rep != nil {
			return e.Next()
		}
		var err error
		rc := replication.Config{URL: cfg.Replica, Interval: cfg.ReplicaInterval}
		if v := os.Getenv(replication.EnvLagWarning); v != "" {
			d, err := time.ParseDuration(v)
			if err != nil || d <= 0 {
				return fmt.Errorf("%s=%q: a positive duration (30s, 2m)", replication.EnvLagWarning, v)
			}
			rc.LagWarning = d
		}
		rep, err = replication.New(e.App, rc)
		if err != nil {
			return err
		}
		if err := rep.Start(context.Background()); err != nil {
			rep = nil
			return err
		}
		r.SetDurability(durability{rep})
		return e.Next()
	})
	app.OnTerminate().BindFunc(func(e *core.TerminateEvent) error {
		if rep != nil {
			ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
			defer cancel()
			if err := rep.Stop(ctx); err != nil {
				e.App.Logger().Error("replica: last sync before stopping", "error", err)
			}
			rep = nil
			r.SetDurability(nil)
		}
		return e.Next()
	})
}

// durability shows a replicator to the routes.
type durability struct{ rep *replication.Replicator }

func (d durability) DurableSeq(head int64) int64 { return d.rep.DurableSeq(head) }

func (d durability) Status() *routes.ReplicaStatus {
	lag, at := d.rep.Lag()
	st := &routes.ReplicaStatus{URL: d.rep.DisplayName(), LagS: lag.Seconds()}
	if !at.IsZero() {
		at = at.UTC()
		st.LastReplicatedAt = &at
	}
	return st
}

// recordDataDir notes, before PocketBase first opens the data directory
// (which creates a database in it), whether the directory was empty:
// restore refuses a non-empty one without --force.
func recordDataDir(app core.App) func() bool {
	var once sync.Once
	empty := false
	app.OnBootstrap().BindFunc(func(e *core.BootstrapEvent) error {
		once.Do(func() { empty = replication.DirIsEmpty(e.App.DataDir()) })
		return e.Next()
	})
	return func() bool { return empty }
}
