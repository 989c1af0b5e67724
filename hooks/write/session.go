package write

import (
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"

	"coprosec/internal/jurisdiction"
	"coprosec/internal/syncproto"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"
)

// writeSession is what the server keeps for the length of one write
// transaction: the reads that only a write in the same transaction could
// change (unit coverage, elections, related ids known to exist), the event
// saves in progress, and the side rows that are written together just
// before the transaction ends (audit rows, change log of new records).
//
// A REST write is a session of one record and its follow-ups; a sync push
// batch is one session for all its mutations, which is where the caches
// and the grouped writes pay off. SQLite has a single writer and
// PocketBase a single write connection, so nothing outside the
// transaction can change what the session has read while it runs.
type writeSession struct {
	eng       *Engine
	saves     []*eventSave
	coverage  *jurisdiction.Coverage
	elections map[string]*core.Record
	known     map[string]bool // collectionId + "/" + id, seen to exist in this transaction
	preloaded map[string]bool // ids whose existence known tells (preloadCreates)
	// API rules that read only the request, and their outcomes (CanAccess)
	ruleShapes   map[string]ruleShape
	ruleOutcomes map[string]bool
	audit        []*core.Record
	created      []pendingChange
	// who is acting for the audit rows being written (beginActing), and
	// the snapshots of the accounts met in the session
	acting         []*auditActor
	actorSnapshots map[string]*auditActor
	// the parties' ids by the party they are rivals of (rivalParties), and
	// the rival events an event's own notice was computed from, kept for
	// the notices that event turns on in the same save (ownNotice)
	rivals     map[string][]any
	lastNotice *noticeRead
	// accounts' name and phone by id (accountContact)
	contacts map[string][2]string
}

// pendingChange is the change-log entry of a record created in the
// session: it has no index rows to read or remove, so it is written with
// the others at the end (or before anything reads the index).
type pendingChange struct {
	col, id string
	rec     *core.Record // for the realtime fan-out, which copies it at flush
	scopes  []syncproto.Scope
}

// sessions holds the open sessions by transaction (a transaction runs in
// one goroutine at a time; the mutex guards the map).
var sessions = struct {
	sync.Mutex
	byTx map[dbx.Builder]*writeSession
}{byTx: map[dbx.Builder]*writeSession{}}

// sessionOf is the session of transaction tx, or nil outside one.
func sessionOf(tx core.App) *writeSession {
	if !tx.IsTransactional() {
		return nil
	}
	sessions.Lock()
	defer sessions.Unlock()
	return sessions.byTx[tx.DB()]
}

// inSession runs fn in a write session: the caller's when app is already
// in one, else a new one that is flushed when fn succeeds. A transaction
// opened by other code (Go code, a migration) gets a session for the
// length of fn only, so that its side rows are never left unwritten.
func (s *Engine) inSession(app core.App, fn func(tx core.App, ws *writeSession) error) error {
	if ws := sessionOf(app); ws != nil {
		return fn(app, ws)
	}
	run := func(tx core.App) error {
		ws := &writeSession{eng: s}
		sessions.Lock()
		sessions.byTx[tx.DB()] = ws
		sessions.Unlock()
		defer func() {
			sessions.Lock()
			delete(sessions.byTx, tx.DB())
			sessions.Unlock()
		}()
		if err := fn(tx, ws); err != nil {
			return err
		}
		return ws.flush(tx)
	}
	if app.IsTransactional() {
		return run(app)
	}
	return app.RunInTransaction(func(tx core.App) error {
		if err := LockWriter(tx); err != nil {
			return err
		}
		return run(tx)
	})
}

// LockWriter takes SQLite's write lock at the start of a transaction, as
// BEGIN IMMEDIATE would: a transaction that reads first takes its snapshot
// then, and if another connection commits before it writes (Litestream's
// replication commits a row of its own after each checkpoint) its first
// write fails at once with SQLITE_BUSY_SNAPSHOT instead of waiting. A
// statement that writes nothing still begins the write, and waits for the
// lock with the busy timeout.
func LockWriter(tx core.App) error {
	_, err := tx.DB().NewQuery("UPDATE _sync_meta SET value = value WHERE 0").Execute()
	return err
}

// flush writes the buffered side rows.
func (ws *writeSession) flush(tx core.App) error {
	if err := ws.flushChanges(tx); err != nil {
		return err
	}
	return ws.flushAudit(tx)
}

// unitCoverage is the coverage of every unit as tx sees it, read once per
// session.
func unitCoverage(tx core.App) (*jurisdiction.Coverage, error) {
	ws := sessionOf(tx)
	if ws != nil && ws.coverage != nil {
		return ws.coverage, nil
	}
	units, err := LoadUnits(tx)
	if err != nil {
		return nil, err
	}
	cov := jurisdiction.NewCoverage(units)
	if ws != nil {
		ws.coverage = cov
	}
	return cov, nil
}

// findElection is the election record id as tx sees it, read once per
// session. The record is shared: read it, never change it.
func findElection(tx core.App, id string) (*core.Record, error) {
	ws := sessionOf(tx)
	if ws == nil {
		return tx.FindRecordById("elections", id)
	}
	if r, ok := ws.elections[id]; ok {
		return r, nil
	}
	r, err := tx.FindRecordById("elections", id)
	if err == nil {
		if ws.elections == nil {
			ws.elections = map[string]*core.Record{}
		}
		ws.elections[id] = r
	}
	return r, err
}

// written forgets what a write of r may have made stale.
func (ws *writeSession) written(r *core.Record, deleted bool) {
	switch r.Collection().Name {
	case "units":
		ws.coverage = nil
	case "elections":
		delete(ws.elections, r.Id)
	}
	if deleted {
		delete(ws.known, r.Collection().Id+"/"+r.Id)
		return
	}
	ws.markKnown(r.Collection().Id, r.Id)
}

// preloadCreates reads at once which of the records that muts create
// already exist, for recordExists.
func (ws *writeSession) preloadCreates(tx core.App, muts []syncproto.Mutation) error {
	byCol := map[string][]any{}
	for _, m := range muts {
		if m.Op == syncproto.OpCreate && m.Invalid == nil {
			byCol[m.Collection] = append(byCol[m.Collection], m.RecordID)
		}
	}
	for name, ids := range byCol {
		col, err := tx.FindCachedCollectionByNameOrId(name)
		if err != nil {
			continue // refused by the mutation itself
		}
		var found []string
		if err := tx.DB().Select("id").From(col.Name).Where(dbx.In("id", ids...)).Column(&found); err != nil {
			return err
		}
		for _, id := range found {
			ws.markKnown(col.Id, id)
		}
		if ws.preloaded == nil {
			ws.preloaded = map[string]bool{}
		}
		for _, id := range ids {
			ws.preloaded[col.Id+"/"+id.(string)] = true
		}
	}
	return nil
}

// recordExists reports whether col has a record id, from the session when
// preloadCreates read it: writeSession.written keeps it true to the
// session's creates and deletes, and nothing else writes meanwhile.
func recordExists(tx core.App, col *core.Collection, id string) (bool, error) {
	if ws := sessionOf(tx); ws != nil && ws.preloaded[col.Id+"/"+id] {
		return ws.known[col.Id+"/"+id], nil
	}
	var n int
	err := tx.DB().Select("COUNT(*)").From(col.Name).Where(dbx.HashExp{"id": id}).Row(&n)
	return n > 0, err
}

// bindSessionTracking keeps every session's caches true to its own
// writes, on every write path.
func (s *Engine) bindSessionTracking() {
	track := func(deleted bool) func(e *core.RecordEvent) error {
		return func(e *core.RecordEvent) error {
			if err := e.Next(); err != nil {
				return err
			}
			if ws := sessionOf(e.App); ws != nil {
				ws.written(e.Record, deleted)
			}
			return nil
		}
	}
	s.app.OnRecordCreateExecute().BindFunc(track(false))
	s.app.OnRecordUpdateExecute().BindFunc(track(false))
	s.app.OnRecordDeleteExecute().BindFunc(track(true))
}

// addAudit queues an audit row.
func (ws *writeSession) addAudit(row *core.Record) { ws.audit = append(ws.audit, row) }

// flushAudit writes the queued audit rows.
func (ws *writeSession) flushAudit(tx core.App) error {
	rows := ws.audit
	ws.audit = nil
	if len(rows) == 0 {
		return nil
	}
	return insertRecordRows(tx, rows)
}

// insertRecordRows inserts new records of one collection, with an id and
// timestamps as PocketBase's create would give them, by one statement
// reading them from a JSON array (see flushChanges). They are written as
// rows, not through app.Save: they are built by the server from a change
// it has just validated (audit rows), nothing hooks on them, and a record
// save per row was a third of the cost of an event write.
func insertRecordRows(tx core.App, rows []*core.Record) error {
	col := rows[0].Collection()
	now := types.NowDateTime()
	var cols []string
	table := make([][]any, len(rows))
	for i, r := range rows {
		if r.Id == "" {
			r.Id = sortableID(now.Time())
		}
		for _, f := range col.Fields {
			if f.Type() == core.FieldTypeAutodate {
				r.SetRaw(f.GetName(), now)
			}
		}
		data, err := r.DBExport(tx)
		if err != nil {
			return err
		}
		if cols == nil {
			cols = slices.Sorted(maps.Keys(data))
		}
		row := make([]any, len(cols))
		for j, c := range cols {
			v := data[c]
			if dv, ok := v.(driver.Valuer); ok {
				if v, err = dv.Value(); err != nil {
					return err
				}
			}
			if b, ok := v.([]byte); ok {
				v = string(b)
			}
			row[j] = v
		}
		table[i] = row
	}
	names := make([]string, len(cols))
	values := make([]string, len(cols))
	for j, c := range cols {
		names[j] = "[[" + c + "]]"
		values[j] = "value->>" + strconv.Itoa(j)
	}
	_, err := tx.DB().NewQuery(fmt.Sprintf("INSERT INTO {{%s}} (%s) SELECT %s FROM json_each({:rows})",
		col.Name, strings.Join(names, ", "), strings.Join(values, ", "))).
		Bind(dbx.Params{"rows": jsonText(table)}).Execute()
	return err
}

// addCreated queues the change of a record created in this session.
func (ws *writeSession) addCreated(col, id string, r *core.Record, scopes []syncproto.Scope) {
	ws.created = append(ws.created, pendingChange{col: col, id: id, rec: r, scopes: scopes})
}

// flushChanges writes the queued changes: their log rows, then their index
// rows, each by one statement that reads its rows from a JSON array (the
// SQLite driver binds parameters in time quadratic in their number, which
// made a statement with one parameter per value slower than one statement
// per row). The log rows of one INSERT get consecutive seqs in the order
// of the array (AUTOINCREMENT under the transaction's write lock), so each
// change gets its own seq, in order.
func (ws *writeSession) flushChanges(tx core.App) error {
	pending := ws.created
	ws.created = nil
	if len(pending) == 0 {
		return nil
	}
	logRows := make([][2]string, len(pending))
	for i, c := range pending {
		logRows[i] = [2]string{c.col, c.id}
	}
	var seqs []int64
	err := tx.DB().NewQuery(`INSERT INTO _sync_log (collection, record_id, op)
		SELECT value->>0, value->>1, 'put' FROM json_each({:rows}) ORDER BY key RETURNING seq`).
		Bind(dbx.Params{"rows": jsonText(logRows)}).Column(&seqs)
	if err != nil {
		return err
	}
	if len(seqs) != len(pending) {
		return fmt.Errorf("sync log: %d seqs for %d changes", len(seqs), len(pending))
	}
	slices.Sort(seqs) // RETURNING gives no order; the seqs were assigned in array order

	var indexRows [][4]any
	for i, c := range pending {
		for _, sc := range c.scopes {
			indexRows = append(indexRows, [4]any{string(sc), c.col, c.id, seqs[i]})
		}
	}
	if len(indexRows) > 0 {
		_, err := tx.DB().NewQuery(`INSERT INTO _sync_index (scope, collection, record_id, seq, removed)
			SELECT value->>0, value->>1, value->>2, value->>3, 0 FROM json_each({:rows}) WHERE true
			ON CONFLICT (scope, collection, record_id) DO UPDATE SET seq = excluded.seq, removed = 0`).
			Bind(dbx.Params{"rows": jsonText(indexRows)}).Execute()
		if err != nil {
			return err
		}
	}
	for i, c := range pending {
		ws.eng.feed.publish(tx, Change{Record: c.rec, Seq: seqs[i], Scopes: c.scopes})
	}
	return nil
}

// jsonText is v as JSON text, for a json_each parameter.
func jsonText(v any) string {
	raw, _ := json.Marshal(v) // arrays of strings and numbers
	return string(raw)
}

// InSession runs fn in a write session, as a push batch does: the caller's
// when app is already in one, else a new transaction whose side rows are
// written when fn succeeds (Go code that writes many records at once).
func (s *Engine) InSession(app core.App, fn func(tx core.App) error) error {
	return s.inSession(app, func(tx core.App, _ *writeSession) error { return fn(tx) })
}
