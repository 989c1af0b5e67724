package synclog

import (
	"errors"
	"strconv"
	"time"

	"coprosec/hooks/clashview"
	"coprosec/internal/syncproto"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
)

// PruneTombstones deletes the removal rows (and the change-log rows)
// of the changes logged before `before`, up to seq cut, and records cut in
// _sync_meta 'oldest_seq': a pull from a cursor below it resets
// (syncproto.ResolveCursor), since removals it needs may be gone, while a
// cursor at cut or above has seen every pruned row (cut is the resetting
// bound rather than cut+1 so that a device that was up to date when
// nothing changed for a while does not reset for nothing). Live
// index rows are never pruned, and the log keeps its newest row, from
// which pull and realtime read the head. It returns the index rows
// deleted.
func PruneTombstones(app core.App, before time.Time) (int64, error) {
	var deleted int64
	err := app.RunInTransaction(func(tx core.App) error {
		var cut int64
		err := tx.DB().NewQuery("SELECT COALESCE(MAX(seq), 0) FROM _sync_log WHERE at < {:t}").
			Bind(dbx.Params{"t": before.UTC().Format("2006-01-02 15:04:05.000Z")}).Row(&cut)
		if err != nil || cut == 0 {
			return err
		}
		res, err := tx.DB().NewQuery("DELETE FROM _sync_index WHERE removed = 1 AND seq <= {:cut}").Bind(dbx.Params{"cut": cut}).Execute()
		if err != nil {
			return err
		}
		deleted, _ = res.RowsAffected()
		_, err = tx.DB().NewQuery(`DELETE FROM _sync_log WHERE seq <= {:cut} AND seq < (SELECT MAX(seq) FROM _sync_log)`).
			Bind(dbx.Params{"cut": cut}).Execute()
		if err != nil {
			return err
		}
		_, err = tx.DB().NewQuery(`INSERT INTO _sync_meta (key, value) VALUES ('oldest_seq', {:oldest})
			ON CONFLICT (key) DO UPDATE SET value = MAX(CAST(value AS INTEGER), CAST(excluded.value AS INTEGER))`).
			Bind(dbx.Params{"oldest": strconv.FormatInt(cut, 10)}).Execute()
		return err
	})
	return deleted, err
}

// Page is one page of a pull: the response, and the seq it reached and
// how far that is behind the head (for device_status).
type Page struct {
	syncproto.PullResponse
	Seq, Lag int64
	// Position is the log as this page read it (for the durable cursor).
	Position Position
}

// Pull reads one page of the changes visible to auth after cursor. The
// index rows and the records they name are read in one read transaction,
// so a page is a consistent snapshot even while writes go on.
func Pull(app core.App, auth *core.Record, cursor string, limit int) (Page, error) {
	scopes := UserScopes(app, auth)
	fingerprint := syncproto.Fingerprint(scopes)

	db, ok := app.ConcurrentDB().(*dbx.DB)
	if !ok {
		return Page{}, errors.New("sync pull: unexpected database handle")
	}
	tx, err := db.Begin()
	if err != nil {
		return Page{}, err
	}
	defer tx.Rollback()

	var meta struct {
		Epoch  string
		MaxSeq int64 `db:"maxseq"` // dbx would map MaxSeq to max_seq
		Oldest int64 `db:"oldest"`
	}
	if err := tx.NewQuery(`SELECT (SELECT value FROM _sync_meta WHERE key = 'epoch') AS epoch,
		(SELECT COALESCE(MAX(seq), 0) FROM _sync_log) AS maxseq,
		COALESCE((SELECT CAST(value AS INTEGER) FROM _sync_meta WHERE key = 'oldest_seq'), 0) AS oldest`).One(&meta); err != nil {
		return Page{}, err
	}
	// a cursor older than the pruned tombstones may miss removals: reset
	cur, reset := syncproto.ResolveCursor(cursor, meta.Epoch, fingerprint, meta.Oldest)
	if cur.Seq > meta.MaxSeq {
		reset = true // a cursor from the future: the database was restored from a backup
	}
	if reset {
		cur = syncproto.Cursor{} // from scratch
	}

	// One range scan of the (scope, seq) index per scope, merged in Go:
	// a single "scope IN (…) ORDER BY seq" query would sort every row of
	// every scope after the cursor on each page.
	fetch := syncproto.ScopeFetchLimit(limit)
	perScope := make([]syncproto.ScopeRows, 0, len(scopes))
	for _, sc := range scopes {
		var raw []struct {
			Seq        int64
			Collection string
			RecordID   string `db:"record_id"`
			Removed    bool
		}
		q := tx.Select("seq", "collection", "record_id", "removed").From("_sync_index").
			Where(dbx.HashExp{"scope": string(sc)}).
			AndWhere(dbx.NewExp("seq > {:from}", dbx.Params{"from": cur.Seq}))
		if cur.Seq == 0 {
			// a first sync skips tombstones: there is no replica to remove from
			q = q.AndWhere(dbx.NewExp("removed = 0"))
		}
		if err := q.OrderBy("seq").Limit(int64(fetch)).All(&raw); err != nil {
			return Page{}, err
		}
		rows := make([]syncproto.Row, len(raw))
		for i, r := range raw {
			rows[i] = syncproto.Row{Seq: r.Seq, Collection: r.Collection, ID: r.RecordID, Removed: r.Removed}
		}
		perScope = append(perScope, syncproto.ScopeRows{Rows: rows, Truncated: len(rows) >= fetch})
	}
	page, next, more := syncproto.PageScopes(perScope, cur.Seq, limit)
	if !more {
		next = max(next, meta.MaxSeq) // nothing visible beyond: skip to the head
	}

	records, err := loadRecordsTx(app, tx, auth, page)
	if err != nil {
		return Page{}, err
	}
	changes := make([]syncproto.Change, 0, len(page))
	for _, r := range page {
		c := syncproto.Change{Seq: r.Seq, Collection: r.Collection, ID: r.ID, Op: r.Op()}
		if !r.Removed {
			rec, ok := records[r.Collection+"/"+r.ID]
			if !ok {
				// deleted after this index row: its removal follows
				continue
			}
			c.Record = rec
		}
		changes = append(changes, c)
	}
	out := Page{PullResponse: syncproto.PullResponse{
		Changes: changes, More: more, Reset: reset,
		// Floor: this chain of pages began before the current pruning
		// bound only if it reached it (see syncproto.NeedsReset)
		Cursor: syncproto.EncodeCursor(syncproto.Cursor{Seq: next, Epoch: meta.Epoch, Fingerprint: fingerprint, Floor: meta.Oldest}),
	}, Seq: next, Lag: meta.MaxSeq - next,
		Position: Position{Epoch: meta.Epoch, Head: meta.MaxSeq, Fingerprint: fingerprint, Floor: meta.Oldest}}
	return out, nil
}

// loadRecordsTx reads the records of a page in the pull's read transaction
// and exports them as the REST API would show them to auth.
func loadRecordsTx(app core.App, tx *dbx.Tx, auth *core.Record, page []syncproto.Row) (map[string]map[string]any, error) {
	byCol := map[string][]any{}
	for _, r := range page {
		if !r.Removed {
			byCol[r.Collection] = append(byCol[r.Collection], r.ID)
		}
	}
	out := map[string]map[string]any{}
	for name, ids := range byCol {
		col, err := app.FindCachedCollectionByNameOrId(name)
		if err != nil {
			return nil, err
		}
		var rows []dbx.NullStringMap
		if err := tx.Select("*").From(col.Name).Where(dbx.In("id", ids...)).All(&rows); err != nil {
			return nil, err
		}
		for _, row := range rows {
			rec, err := recordFromRow(col, row)
			if err != nil {
				return nil, err
			}
			if col.IsAuth() && rec.Id == auth.Id {
				rec.IgnoreEmailVisibility(true)
			}
			// an event's clash fields as the user may see them
			clashview.Show(auth, rec)
			out[name+"/"+rec.Id] = rec.PublicExport()
		}
	}
	return out, nil
}

func recordFromRow(col *core.Collection, row dbx.NullStringMap) (*core.Record, error) {
	rec := core.NewRecord(col)
	for _, f := range col.Fields {
		var v any
		if ns, ok := row[f.GetName()]; ok && ns.Valid {
			v = ns.String
		}
		pv, err := f.PrepareValue(rec, v)
		if err != nil {
			return nil, err
		}
		rec.SetRaw(f.GetName(), pv)
	}
	rec.Id = rec.GetString("id")
	return rec, nil
}
