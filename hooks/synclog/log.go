// Package synclog reads and prunes the sync change log (_sync_log,
// _sync_index, _sync_meta; DESIGN §5) that change capture writes in every
// write transaction: the head and epoch of the log, the scopes of a user,
// pull pages, and tombstone pruning.
package synclog

import (
	"crypto/rand"
	"encoding/hex"
	"time"

	"coprosec/internal/syncproto"

	"github.com/pocketbase/dbx"
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

// RotateEpoch gives the log a new epoch, so that every cursor handed out
// before resets (syncproto.NeedsReset): what a phone holds of the old
// database may be gone or different in this one. Called after a restore
// (`coprosec restore`, and PocketBase's own backup restore).
func RotateEpoch(app core.App) (string, error) {
	epoch, err := NewEpoch()
	if err != nil {
		return "", err
	}
	_, err = app.DB().NewQuery(`INSERT INTO _sync_meta (key, value) VALUES ('epoch', {:epoch})
		ON CONFLICT (key) DO UPDATE SET value = excluded.value`).Bind(dbx.Params{"epoch": epoch}).Execute()
	return epoch, err
}

// NewEpoch is a fresh random epoch (16 hex digits, as the migration's).
func NewEpoch() (string, error) {
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return hex.EncodeToString(b), nil
}

// Position is where the log stands for one user, as an answer tells it:
// enough to write a cursor at any seq (the durable one).
type Position struct {
	Epoch       string
	Head        int64
	Fingerprint string
	Floor       int64
}

// Cursor is the cursor at seq in this position's epoch.
func (p Position) Cursor(seq int64) string {
	return syncproto.EncodeCursor(syncproto.Cursor{Seq: seq, Epoch: p.Epoch, Fingerprint: p.Fingerprint, Floor: p.Floor})
}

// CurrentPosition reads the log's epoch, head and pruning bound for auth.
func CurrentPosition(app core.App, auth *core.Record) (Position, error) {
	var meta struct {
		Epoch  string
		MaxSeq int64 `db:"maxseq"`
		Oldest int64 `db:"oldest"`
	}
	err := app.DB().NewQuery(`SELECT (SELECT value FROM _sync_meta WHERE key = 'epoch') AS epoch,
		(SELECT COALESCE(MAX(seq), 0) FROM _sync_log) AS maxseq,
		COALESCE((SELECT CAST(value AS INTEGER) FROM _sync_meta WHERE key = 'oldest_seq'), 0) AS oldest`).One(&meta)
	if err != nil {
		return Position{}, err
	}
	return Position{Epoch: meta.Epoch, Head: meta.MaxSeq, Fingerprint: syncproto.Fingerprint(UserScopes(app, auth)), Floor: meta.Oldest}, nil
}
