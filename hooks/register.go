// Package hooks is the composition root of Coprosec: MustRegister binds
// every flag, hook, route, cron job and command of the server to a
// PocketBase app. main.go calls it and so does every test app, so no
// behaviour exists that a test app lacks.
//
// The rooms it wires, one way (nothing calls back up):
//
//	routes   → write → (commit) → write.Feed → realtime
//	routes   → synclog (pull)
//	cli      → write, geoimport, loadtest
//
// The rules themselves live in internal/ packages, which do not import
// PocketBase; the order of every hook is in package priority.
package hooks

import (
	"os"
	"time"

	"coprosec/hooks/cli"
	"coprosec/hooks/realtime"
	"coprosec/hooks/replication"
	"coprosec/hooks/routes"
	"coprosec/hooks/write"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/plugins/migratecmd"
	"github.com/spf13/cobra"
)

// Config configures MustRegister. Demo and PublicDir are also flags of the
// root command (--demo, --publicDir), which override them.
type Config struct {
	// Demo seeds the demo election, parties, units and accounts once at
	// serve time and prints the demo logins.
	Demo bool
	// PublicDir is the directory of the field app served at / (default
	// pb_public, relative to the working directory).
	PublicDir string
	// Now is the clock of every rule (notice, deadlines, cron); tests
	// inject a fixed one. Defaults to time.Now.
	Now func() time.Time
	// Replica, when set, is where serve replicates the database
	// continuously (file:///DIR or s3://BUCKET/PATH?endpoint=…); the
	// --replica flag, or COPROSEC_REPLICA, overrides it. restore reads
	// from it.
	Replica string
	// ReplicaInterval is how often the durable position advances
	// (replication.DefaultInterval).
	ReplicaInterval time.Duration
}

// Parts are the bound parts of one app, for Go code and tests that drive
// them directly.
type Parts struct {
	Write    *write.Engine
	Routes   *routes.Routes
	Realtime *realtime.Hub
}

// MustRegister binds Coprosec to app. With a root command it also binds the
// flags and adds the commands (PocketBase's migrate command included);
// test apps pass nil.
func MustRegister(app core.App, rootCmd *cobra.Command, cfg Config) *Parts {
	c := &cfg // the flags write into it until serve reads it
	if c.PublicDir == "" {
		c.PublicDir = "pb_public"
	}
	if rootCmd != nil {
		flags := rootCmd.PersistentFlags()
		flags.BoolVar(&c.Demo, "demo", c.Demo, "serve: seed (once) the demo election, parties, units and accounts")
		flags.StringVar(&c.PublicDir, "publicDir", c.PublicDir, "serve: the directory of the field app served at /")
		if env := os.Getenv(replication.EnvReplica); env != "" && c.Replica == "" {
			c.Replica = env
		}
		flags.StringVar(&c.Replica, "replica", c.Replica, "serve: replicate the database continuously to file:///DIR or s3://BUCKET/PATH?endpoint=URL[&region=R]\n(credentials from AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY; default $"+replication.EnvReplica+"); restore: the replica to read")
	}

	w := write.Bind(app, write.Config{Now: c.Now})
	r := routes.Bind(app, w)
	h := realtime.Bind(app, w.Feed())
	bindServe(app, w, c)
	bindReplication(app, r, c)
	dirWasEmpty := recordDataDir(app)

	if rootCmd != nil {
		// Schema changes are numbered Go migrations; the dashboard must
		// not write migration files of its own.
		migratecmd.MustRegister(app, rootCmd, migratecmd.Config{Automigrate: false})
		cli.Register(rootCmd, cli.Config{App: app, Write: w, Bind: bindThrowAway,
			Replica: func() string { return c.Replica }, DirWasEmpty: dirWasEmpty})
	}
	return &Parts{Write: w, Routes: r, Realtime: h}
}

// bindThrowAway binds the server to the throw-away app of the load test.
func bindThrowAway(app core.App) (*write.Engine, *realtime.Hub) {
	p := MustRegister(app, nil, Config{})
	return p.Write, p.Realtime
}
