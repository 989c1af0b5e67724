// Command coprosec is the Coprosec server: PocketBase extended with the
// jurisdiction rules, offline sync and signed receipts of DESIGN.md.
package main

import (
	"log"

	"coprosec/hooks"
	_ "coprosec/migrations"

	"github.com/pocketbase/pocketbase"
)

func main() {
	app := pocketbase.New()
	hooks.MustRegister(app, app.RootCmd, hooks.Config{})
	if err := app.Start(); err != nil {
		log.Fatal(err)
	}
}
