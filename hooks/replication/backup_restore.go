package replication

import (
	"os"
	"path/filepath"
	"slices"

	"coprosec/hooks/synclog"

	"github.com/pocketbase/pocketbase/core"
)

// restoredMarker is written into the data directory when PocketBase's own
// backup restore starts; it survives the restore's move of the directory
// (listed among the restore's exclusions) and, on the next start, has the
// sync epoch rotated: the restored database is another history than the
// one the phones hold.
const restoredMarker = ".coprosec_backup_restored"

// BindBackups hooks PocketBase's backups: a backup leaves Litestream's
// local state out, and restoring one rotates the sync epoch at the next
// bootstrap (PocketBase restarts the process to finish a restore).
func BindBackups(app core.App) {
	app.OnBackupCreate().BindFunc(func(e *core.BackupEvent) error {
		e.Exclude = append(e.Exclude, MetaDirName, restoredMarker)
		return e.Next()
	})
	app.OnBackupRestore().BindFunc(func(e *core.BackupEvent) error {
		marker := filepath.Join(e.App.DataDir(), restoredMarker)
		if err := os.WriteFile(marker, []byte(e.Name+"\n"), 0o600); err != nil {
			return err
		}
		if !slices.Contains(e.Exclude, restoredMarker) {
			e.Exclude = append(e.Exclude, restoredMarker)
		}
		err := e.Next()
		if err != nil {
			// nothing was restored (PocketBase reverted its moves)
			_ = os.Remove(marker)
		}
		return err
	})
	app.OnBootstrap().BindFunc(func(e *core.BootstrapEvent) error {
		if err := e.Next(); err != nil {
			return err
		}
		return rotateAfterBackupRestore(e.App)
	})
}

// rotateAfterBackupRestore rotates the epoch once after a backup restore.
func rotateAfterBackupRestore(app core.App) error {
	marker := filepath.Join(app.DataDir(), restoredMarker)
	if _, err := os.Stat(marker); err != nil {
		return nil
	}
	epoch, err := synclog.RotateEpoch(app)
	if err != nil {
		// a backup from before the sync tables: their migration makes
		// a fresh epoch anyway
		app.Logger().Warn("backup restored: the sync epoch could not be rotated", "error", err)
	} else {
		app.Logger().Info("backup restored: new sync epoch, every phone resets", "epoch", epoch)
	}
	return os.Remove(marker)
}
