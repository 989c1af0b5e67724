// Command coprosec is the Coprosec server: PocketBase extended with the
// jurisdiction rules, offline sync and signed receipts of DESIGN.md.
package main

import (
	"log"

	"coprosec/hooks"
	_ "coprosec/migrations"

	"github.com/pocketbase/pocketbase"
	"github.com/pocketbase/pocketbase/plugins/migratecmd"
)

func main() {
	app := pocketbase.New()

	var demo bool
	var publicDir string
	app.RootCmd.PersistentFlags().BoolVar(&demo, "demo", false, "serve: seed (once) the demo election, parties, units and accounts")
	app.RootCmd.PersistentFlags().StringVar(&publicDir, "publicDir", "pb_public", "serve: the directory of the field app served at /")

	// Schema changes are numbered Go migrations; the dashboard must not
	// write migration files of its own.
	migratecmd.MustRegister(app, app.RootCmd, migratecmd.Config{Automigrate: false})

	svc := hooks.Register(app, hooks.Options{Demo: &demo, PublicDir: &publicDir})
	hooks.RegisterCommands(app.RootCmd, svc)

	if err := app.Start(); err != nil {
		log.Fatal(err)
	}
}
