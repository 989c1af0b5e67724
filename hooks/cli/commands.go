// Package cli is Coprosec's commands beside PocketBase's own: `geo import`,
// `receipts …` and the hidden `loadtest`. Each command is a thin shell over
// a function of another package, which the tests call directly.
package cli

import (
	"fmt"

	"coprosec/hooks/geoimport"
	"coprosec/hooks/loadtest"
	"coprosec/hooks/write"

	"github.com/pocketbase/pocketbase/core"
	"github.com/spf13/cobra"
)

// Config is what the commands need of the server.
type Config struct {
	App   core.App
	Write *write.Engine
	// Bind binds the whole server to a throw-away app (loadtest).
	Bind loadtest.Binder
	// Replica is the --replica flag's value (restore reads from it).
	Replica func() string
	// DirWasEmpty: the data directory held nothing before PocketBase
	// opened it (restore refuses a non-empty one without --force).
	DirWasEmpty func() bool
}

// Register adds Coprosec's commands to root.
func Register(root *cobra.Command, cfg Config) {
	root.AddCommand(geoCommand(cfg.App, cfg.Write), receiptCommands(cfg.App, cfg.Write), loadtest.Command(cfg.Bind))
	root.AddCommand(onboardCommands(cfg.App, cfg.Write)...)
	root.AddCommand(restoreCommand(cfg.App, cfg))
}

func geoCommand(app core.App, eng *write.Engine) *cobra.Command {
	geoCmd := &cobra.Command{Use: "geo", Short: "Administrative boundaries"}
	geoCmd.AddCommand(&cobra.Command{
		Use:   "import FILE.geojson|FILE.csv ...",
		Short: "Import départements, communes or arrondissements (coprosec or geoBoundaries layout); idempotent",
		Long: "Import one or more layers, coarsest first (départements, communes, arrondissements).\n" +
			"GeoJSON in the coprosec layout (code, name, parent_code) or geoBoundaries' (shapeName, shapeID;\n" +
			"parents are derived spatially from the level above), or a CSV of codes, names and parents.",
		Args:          cobra.MinimumNArgs(1),
		SilenceUsage:  true,
		SilenceErrors: false,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := app.RunAllMigrations(); err != nil {
				return err
			}
			for _, path := range args {
				report, err := geoimport.Import(app, path)
				if err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "%s: %s\n", path, report)
			}
			eng.InvalidateGeography()
			return nil
		},
	})
	return geoCmd
}
