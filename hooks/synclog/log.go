// Package synclog reads and prunes the sync change log (_sync_log,
// _sync_index, _sync_meta; DESIGN §5) that change capture writes in every
// write transaction: the head and epoch of the log, the scopes of a user,
// pull pages, and tombstone pruning.
package synclog

import (
	"coprosec/internal/syncproto"
	"time"

	"github.com/pocketbase/pocketbase/core"
)

// PruneJob is the cron job id that prunes old tombstones (and stored push
// results, write.MutationResultRetention).
const PruneJob = "coprosecSyncPrune"

// TombstoneRetention is how long the sync index keeps the rows that tell
// a device to remove a record. A device that has not pulled for longer is
// told to reset (drop its replica, keep its outbox, pull from scratch)
// instead.
const TombstoneRetention = 30 * 24 * time.Hour

// Head is the newest seq of the log (0 when empty).
func Head(app core.App) (int64, error) {
	var seq int64
	err := app.DB().NewQuery("SELECT COALESCE(MAX(seq), 0) FROM _sync_log").Row(&seq)
	return seq, err
}

// Epoch names this database's log: a restored or recreated one has
// another, and every cursor of the old one resets.
func Epoch(app core.App) (string, error) {
	var epoch string
	err := app.DB().NewQuery("SELECT value FROM _sync_meta WHERE key = 'epoch'").Row(&epoch)
	return epoch, err
}

// UserScopes are the sync scopes of a signed-in user (DESIGN §3).
func UserScopes(app core.App, auth *core.Record) []syncproto.Scope {
	u := syncproto.User{ID: auth.Id, Role: auth.GetString("role"), Party: auth.GetString("party"), Unit: auth.GetString("unit")}
	if u.Unit != "" {
		if unit, err := app.FindRecordById("units", u.Unit); err == nil {
			u.Departement = unit.GetString("departement")
		}
	}
	return syncproto.UserScopes(u)
}
