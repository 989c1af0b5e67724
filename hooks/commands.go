package hooks

import (
	"fmt"

	"github.com/spf13/cobra"
)

// RegisterCommands adds Coprosec's commands to the PocketBase CLI. Their
// logic lives in functions over core.App so that tests call it directly.
func RegisterCommands(root *cobra.Command, s *Service) {
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
			if err := s.app.RunAllMigrations(); err != nil {
				return err
			}
			for _, path := range args {
				report, err := ImportBoundaries(s.app, path)
				if err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "%s: %s\n", path, report)
			}
			s.InvalidateGeography()
			return nil
		},
	})
	root.AddCommand(geoCmd)
	registerReceiptCommands(root, s)
	registerLoadCommands(root, s)
}
