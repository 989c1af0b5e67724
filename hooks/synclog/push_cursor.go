package synclog

import (
	"errors"

	"coprosec/internal/jurisdiction"
	"coprosec/internal/syncproto"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/spf13/cast"
)

// Held is the state of a record that a push's results gave the device:
// the record as exported (its version, or its update time for a
// collection without versions), or its deletion.
type Held struct {
	Record  map[string]any // nil for a delete
	Removed bool
}

// PushCursor is the cursor a device whose pull cursor is from may adopt
// after its push (DESIGN §5): from, advanced only over changes the device
// already holds — the records the push answered, in the state it answered
// — so adopting it never skips another user's change, even one made
// between the device's last pull and its push. held is keyed by
// collection + "/" + id. A cursor that would reset is answered as sent
// (pulling from it resets anyway); none answers none.
func PushCursor(app core.App, auth *core.Record, from string, held map[string]Held) (string, error) {
	if from == "" {
		return "", nil
	}
	scopes := UserScopes(app, auth)
	fingerprint := syncproto.Fingerprint(scopes)
	db, ok := app.ConcurrentDB().(*dbx.DB)
	if !ok {
		return "", errors.New("sync push cursor: unexpected database handle")
	}
	tx, err := db.Begin() // one snapshot, as a pull page
	if err != nil {
		return "", err
	}
	defer tx.Rollback()

	var meta struct {
		Epoch  string
		MaxSeq int64 `db:"maxseq"`
		Oldest int64 `db:"oldest"`
	}
	if err := tx.NewQuery(`SELECT (SELECT value FROM _sync_meta WHERE key = 'epoch') AS epoch,
		(SELECT COALESCE(MAX(seq), 0) FROM _sync_log) AS maxseq,
		COALESCE((SELECT CAST(value AS INTEGER) FROM _sync_meta WHERE key = 'oldest_seq'), 0) AS oldest`).One(&meta); err != nil {
		return "", err
	}
	cur, reset := syncproto.ResolveCursor(from, meta.Epoch, fingerprint, meta.Oldest)
	if reset || cur.Seq > meta.MaxSeq {
		return from, nil
	}

	// A scope holds one row per record, so the first len(held)+1 rows of
	// each scope reach its first change the device does not hold.
	fetch := len(held) + 1
	perScope := make([]syncproto.ScopeRows, 0, len(scopes))
	for _, sc := range scopes {
		var raw []struct {
			Seq        int64
			Collection string
			RecordID   string `db:"record_id"`
			Removed    bool
		}
		if err := tx.Select("seq", "collection", "record_id", "removed").From("_sync_index").
			Where(dbx.HashExp{"scope": string(sc)}).
			AndWhere(dbx.NewExp("seq > {:from}", dbx.Params{"from": cur.Seq})).
			OrderBy("seq").Limit(int64(fetch)).All(&raw); err != nil {
			return "", err
		}
		rows := make([]syncproto.Row, len(raw))
		for i, r := range raw {
			rows[i] = syncproto.Row{Seq: r.Seq, Collection: r.Collection, ID: r.RecordID, Removed: r.Removed}
		}
		perScope = append(perScope, syncproto.ScopeRows{Rows: rows, Truncated: len(rows) >= fetch})
	}

	var readErr error
	covered := func(r syncproto.Row) bool {
		h, ok := held[r.Collection+"/"+r.ID]
		if !ok || readErr != nil || h.Removed != r.Removed {
			return false
		}
		col, err := app.FindCachedCollectionByNameOrId(r.Collection)
		if err != nil {
			return false
		}
		stamp := "updated"
		if col.Fields.GetByName("version") != nil {
			stamp = "version"
		}
		// an event's police-only fields change without a new version
		// (write's event follow-up): a device that holds them (police) holds
		// this row only if they are the same too
		var unversioned []string
		if col.Name == "events" && !h.Removed {
			for _, f := range jurisdiction.PoliceEventFields {
				if _, ok := h.Record[f]; ok {
					unversioned = append(unversioned, f)
				}
			}
		}
		var rows []dbx.NullStringMap
		if err := tx.Select(append([]string{stamp}, unversioned...)...).From(col.Name).Where(dbx.HashExp{"id": r.ID}).All(&rows); err != nil {
			readErr = err
			return false
		}
		if h.Removed {
			return len(rows) == 0
		}
		if len(rows) != 1 || rows[0][stamp].String != stampOf(h.Record[stamp]) {
			return false
		}
		for _, name := range unversioned {
			f := col.Fields.GetByName(name)
			if f == nil {
				return false
			}
			rec := core.NewRecord(col)
			now, err := f.PrepareValue(rec, rows[0][name].String)
			if err != nil || !syncproto.ValueEqual(now, h.Record[name]) {
				return false
			}
		}
		return true
	}
	seq := syncproto.AdvanceOver(perScope, cur.Seq, meta.MaxSeq, covered)
	if readErr != nil {
		return "", readErr
	}
	cur.Seq = seq
	return syncproto.EncodeCursor(cur), nil
}

// stampOf spells an exported version or update time as SQLite returns it.
func stampOf(v any) string {
	if f, ok := v.(float64); ok {
		return cast.ToString(int64(f))
	}
	return cast.ToString(v)
}
