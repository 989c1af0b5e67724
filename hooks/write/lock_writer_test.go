package write

import (
	"database/sql"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pocketbase/pocketbase/core"
)

// A transaction that reads first and writes later fails at its first
// write with SQLITE_BUSY_SNAPSHOT (517) when another connection — the
// replication's, which commits a row of its own after each checkpoint —
// committed in between; one that took the writer's lock first (LockWriter)
// makes that commit wait and writes.
func TestLockWriterKeepsAnotherCommitOut(t *testing.T) {
	app := core.NewBaseApp(core.BaseAppConfig{DataDir: t.TempDir()})
	if err := app.Bootstrap(); err != nil {
		t.Fatal(err)
	}
	defer app.ClearBootstrap()
	if _, err := app.DB().NewQuery("CREATE TABLE _sync_meta (key TEXT PRIMARY KEY, value TEXT)").Execute(); err != nil {
		t.Fatal(err)
	}
	if _, err := app.DB().NewQuery("INSERT INTO _sync_meta VALUES ('epoch', 'e'), ('other', '0')").Execute(); err != nil {
		t.Fatal(err)
	}
	other, err := sql.Open("sqlite", filepath.Join(app.DataDir(), "data.db")+"?_pragma=busy_timeout(100)")
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()

	run := func(lock bool) (otherErr, writeErr error) {
		writeErr = app.RunInTransaction(func(tx core.App) error {
			if lock {
				if err := LockWriter(tx); err != nil {
					return err
				}
			}
			var v string
			if err := tx.DB().NewQuery("SELECT value FROM _sync_meta WHERE key = 'epoch'").Row(&v); err != nil {
				return err
			}
			// another connection commits while this transaction has only read
			_, otherErr = other.Exec("UPDATE _sync_meta SET value = value + 1 WHERE key = 'other'")
			_, err := tx.DB().NewQuery("UPDATE _sync_meta SET value = 'f' WHERE key = 'epoch'").Execute()
			return err
		})
		return otherErr, writeErr
	}
	if otherErr, writeErr := run(false); otherErr != nil || writeErr == nil || !strings.Contains(writeErr.Error(), "517") {
		t.Fatalf("without the lock: other %v, write %v; want the other commit in and the write refused (517)", otherErr, writeErr)
	}
	if otherErr, writeErr := run(true); writeErr != nil || otherErr == nil {
		t.Fatalf("with the lock: other %v, write %v; want the other commit kept out (busy) and the write done", otherErr, writeErr)
	}
}
