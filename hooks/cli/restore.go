package cli

import (
	"context"
	"fmt"
	"time"

	"coprosec/hooks/replication"

	"github.com/pocketbase/pocketbase/core"
	"github.com/spf13/cobra"
)

// restoreCommand is `coprosec restore --replica URL [--timestamp RFC3339]
// [--force]` (DESIGN §6), with PocketBase's --dir.
func restoreCommand(app core.App, cfg Config) *cobra.Command {
	var timestamp string
	var force bool
	cmd := &cobra.Command{
		Use:   "restore --replica URL [--timestamp RFC3339] [--force]",
		Short: "Rebuild the data directory from the replica, check it, and rotate the sync epoch",
		Long: "Rebuild --dir's database from the replica (file:///DIR or s3://BUCKET/PATH?endpoint=URL[&region=R],\n" +
			"credentials from AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY), as of --timestamp when given, check its\n" +
			"integrity and rotate the sync epoch, so that every phone's next pull resets and sends again what\n" +
			"the restored database lacks. A non-empty directory is refused unless --force (which replaces\n" +
			"data.db and auxiliary.db and keeps storage/ and pb_backups/).",
		Args:          cobra.NoArgs,
		SilenceUsage:  true,
		SilenceErrors: false,
		RunE: func(cmd *cobra.Command, args []string) error {
			opt := replication.RestoreOptions{URL: cfg.Replica(), Force: force, WasEmpty: cfg.DirWasEmpty()}
			if opt.URL == "" {
				return fmt.Errorf("restore needs --replica URL (or %s)", replication.EnvReplica)
			}
			if timestamp != "" {
				t, err := time.Parse(time.RFC3339, timestamp)
				if err != nil {
					return fmt.Errorf("--timestamp %q: not RFC 3339 (2024-01-31T18:00:00Z)", timestamp)
				}
				opt.Timestamp = t
			}
			if !opt.WasEmpty && !opt.Force {
				return fmt.Errorf("%s: %w", app.DataDir(), replication.ErrDirNotEmpty)
			}
			// PocketBase opened the directory before any command runs
			if err := app.ClearBootstrap(); err != nil {
				return err
			}
			rep, err := replication.Restore(context.Background(), app, opt)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "restored %s from %s: %d bytes, sync log head %d, new sync epoch %s, in %s\n",
				rep.DB, rep.Replica, rep.Bytes, rep.Head, rep.Epoch, rep.Duration.Round(time.Millisecond))
			return nil
		},
	}
	cmd.Flags().StringVar(&timestamp, "timestamp", "", "restore the database as it was at this time (RFC 3339)")
	cmd.Flags().BoolVar(&force, "force", false, "replace the database of a non-empty data directory")
	return cmd
}
