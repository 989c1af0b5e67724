package migrations

import (
	"crypto/rand"
	"encoding/hex"

	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

func init() {
	m.Register(createSyncTables, nil)
}

// createSyncTables creates the change log of the offline sync protocol
// (DESIGN §5). They are plain tables, not collections: no API exposes them,
// and hooks/capture.go writes them in the same transaction as each change.
//
//   - _sync_log: one row per record change; its rowid is the seq, which
//     SQLite's single writer hands out in commit order.
//   - _sync_index: per scope and record, the latest seq and whether the
//     record is live or removed in that scope. A record changed 50 times is
//     one row per scope, so a pull sends it once.
//   - _sync_mutations: the first result of each pushed mutation id, so a
//     retried push changes nothing and answers the same.
//   - _sync_meta: the epoch, new for every database, so a cursor from
//     another database (or a restored backup) resets.
func createSyncTables(app core.App) error {
	epoch := make([]byte, 8)
	if _, err := rand.Read(epoch); err != nil {
		return err
	}
	stmts := []string{
		`CREATE TABLE _sync_log (
			seq        INTEGER PRIMARY KEY AUTOINCREMENT,
			collection TEXT NOT NULL,
			record_id  TEXT NOT NULL,
			op         TEXT NOT NULL,
			at         TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%fZ'))
		)`,
		`CREATE TABLE _sync_index (
			scope      TEXT NOT NULL,
			collection TEXT NOT NULL,
			record_id  TEXT NOT NULL,
			seq        INTEGER NOT NULL,
			removed    INTEGER NOT NULL DEFAULT 0,
			PRIMARY KEY (scope, collection, record_id)
		) WITHOUT ROWID`,
		`CREATE INDEX _sync_index_scope_seq ON _sync_index (scope, seq)`,
		`CREATE INDEX _sync_index_record ON _sync_index (collection, record_id)`,
		`CREATE TABLE _sync_mutations (
			user_id     TEXT NOT NULL,
			mutation_id TEXT NOT NULL,
			device      TEXT NOT NULL,
			result      TEXT NOT NULL,
			at          TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%fZ')),
			PRIMARY KEY (user_id, mutation_id)
		) WITHOUT ROWID`,
		`CREATE TABLE _sync_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)`,
		`INSERT INTO _sync_meta (key, value) VALUES ('epoch', '` + hex.EncodeToString(epoch) + `')`,
	}
	for _, s := range stmts {
		if _, err := app.DB().NewQuery(s).Execute(); err != nil {
			return err
		}
	}
	return createDeviceStatus(app)
}

// createDeviceStatus records, per field device, when it last pulled and
// pushed, how far behind it is and its last error, so that a directorate
// sees which phones are behind.
func createDeviceStatus(app core.App) error {
	users, err := app.FindCollectionByNameOrId("users")
	if err != nil {
		return err
	}
	c := core.NewBaseCollection("device_status")
	c.Fields.Add(
		relation("user", users, 1, true),
		&core.TextField{Name: "device", Required: true, Presentable: true, Max: 128, Help: "Identifiant de l'appareil"},
		&core.DateField{Name: "last_pull_at"},
		&core.DateField{Name: "last_push_at"},
		&core.NumberField{Name: "cursor_seq", OnlyInt: true, Help: "Position de synchronisation de l'appareil"},
		&core.NumberField{Name: "lag", OnlyInt: true, Help: "Changements en retard au dernier échange"},
		&core.TextField{Name: "last_error", Max: 500},
		&core.DateField{Name: "last_error_at"},
	)
	timestamps(c)
	c.AddIndex("idx_device_status_user_device", true, "user, device", "")
	read := rule(signedIn + " && (" + or(
		isMinistry,
		`user = @request.auth.id`,
		isDirector+` && user.unit.departement = `+authDep,
	) + ")")
	c.ListRule, c.ViewRule = read, read
	return app.Save(c)
}
