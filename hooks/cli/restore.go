package cli

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"coprosec/hooks/replication"

	"github.com/pocketbase/pocketbase/core"
	"github.com/spf13/cobra"
)

// restoreCommand is `coprosec restore --replica URL [--timestamp RFC3339]
// [--force]` (DESIGN §6), with PocketBase's --dir.
func restoreCommand(app core.App, cfg Config) *cobra.Command {
	var timestamp string
	var force, follow bool
	cmd := &cobra.Command{
		Use:   "restore --replica URL [--timestamp RFC3339] [--force] [--follow]",
		Short: "Rebuild the data directory from the replica, check it, and rotate the sync epoch",
		Long: "Rebuild --dir's database from the replica (file:///DIR or s3://BUCKET/PATH?endpoint=URL[&region=R],\n" +
			"credentials from AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY), as of --timestamp when given, check its\n" +
			"integrity and rotate the sync epoch, so that every phone's next pull resets and sends again what\n" +
			"the restored database lacks. A non-empty directory is refused unless --force (which replaces\n" +
			"data.db and auxiliary.db and keeps storage/ and pb_backups/). With --follow it stays a warm\n" +
			"standby that applies the replica's changes every second until SIGUSR1 promotes it.",
		Args:          cobra.NoArgs,
		SilenceUsage:  true,
		SilenceErrors: false,
		RunE: func(cmd *cobra.Command, args []string) error {
			opt := replication.RestoreOptions{URL: cfg.Replica(), Force: force, WasEmpty: cfg.DirWasEmpty(), Follow: follow}
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
			if follow {
				// a warm standby: SIGUSR1 promotes it (it catches up, stops
				// following, and finishes the restore)
				promote := make(chan struct{})
				sig := make(chan os.Signal, 1)
				signal.Notify(sig, syscall.SIGUSR1)
				defer signal.Stop(sig)
				go func() {
					<-sig
					close(promote)
				}()
				opt.Promote = promote
				fmt.Fprintf(cmd.OutOrStdout(), "standby of %s in %s: following; kill -USR1 %d to promote it\n",
					replication.DisplayURLOrEmpty(opt.URL), app.DataDir(), os.Getpid())
			} else if !opt.WasEmpty && !opt.Force {
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
			fmt.Fprintf(cmd.OutOrStdout(), "restored %s from %s: %d bytes, %d uploaded files, sync log head %d, new sync epoch %s, in %s\n",
				rep.DB, rep.Replica, rep.Bytes, rep.Files, rep.Head, rep.Epoch, rep.Duration.Round(time.Millisecond))
			return nil
		},
	}
	cmd.Flags().StringVar(&timestamp, "timestamp", "", "restore the database as it was at this time (RFC 3339)")
	cmd.Flags().BoolVar(&force, "force", false, "replace the database of a non-empty data directory")
	cmd.Flags().BoolVar(&follow, "follow", false, "stay a warm standby, following the replica, until SIGUSR1 promotes it\n(started again on its directory, it resumes)")
	return cmd
}
