package write

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"coprosec/hooks/apierr"
	"coprosec/hooks/clashview"
	"coprosec/hooks/synclog"
	"coprosec/internal/jurisdiction"
	"coprosec/internal/syncproto"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/list"
)

// Push applies the mutations of req in order, each atomically with the
// record of its result, so that a mutation is applied exactly once even if
// the server dies mid-batch and the phone sends the batch again.
//
// The batch is first applied in one transaction and write session
// (pushTogether), which reads the unit coverage, election and related
// records once and writes the side rows of all its mutations together. A
// mutation refused before it wrote anything leaves nothing to undo, so the
// batch goes on. One that failed after writing, or any internal error,
// rolls the whole attempt back, and the batch is applied again one
// mutation per transaction (applyMutation).
//
// A request is applied chunk by chunk: a chunk ends after pushChunk
// mutations or once its transaction has held SQLite's single writer for
// PushHoldBudget, whichever comes first, so that a push of costly
// mutations (caravans with long routes) makes other writers wait about
// that long at most, not for the whole request.
func (s *Engine) Push(app core.App, auth *core.Record, req *syncproto.Request) (syncproto.PushResponse, error) {
	resp := syncproto.PushResponse{Results: make([]syncproto.Result, 0, len(req.Mutations))}
	for rest := req.Mutations; len(rest) > 0; {
		muts := rest[:min(pushChunk, len(rest))]
		results, err := s.pushTogether(app, auth, req.Device, muts)
		if err != nil {
			if !errors.Is(err, errPushIsolate) {
				app.Logger().Warn("sync push: batch applied one mutation at a time", "error", err)
			}
			results = make([]syncproto.Result, 0, len(muts))
			for _, m := range muts {
				results = append(results, s.applyMutation(app, auth, req.Device, m))
			}
		}
		resp.Results = append(resp.Results, results...)
		rest = rest[len(results):]
	}
	cursor, err := synclog.PushCursor(app, auth, req.Cursor, heldAfter(req.Mutations, resp.Results))
	if err != nil {
		// the mutations are applied and their results must reach the
		// device: it keeps the cursor it sent, which skips nothing
		app.Logger().Error("sync push: advancing the cursor", "error", err)
		cursor = req.Cursor
	}
	resp.Cursor = cursor
	return resp, nil
}

// heldAfter is what the results of a push gave the device: the last
// applied state of each record it wrote.
func heldAfter(muts []syncproto.Mutation, results []syncproto.Result) map[string]synclog.Held {
	held := make(map[string]synclog.Held, len(results))
	for i, res := range results {
		if i >= len(muts) || res.Status != syncproto.StatusApplied {
			continue
		}
		m := muts[i]
		key := m.Collection + "/" + m.RecordID
		switch {
		case m.Op == syncproto.OpDelete:
			held[key] = synclog.Held{Removed: true}
		case res.Record != nil:
			held[key] = synclog.Held{Record: res.Record}
		}
	}
	return held
}

// pushChunk is the most mutations applied in one transaction (see Push):
// about 0.1 s of plain event creates.
const pushChunk = 100

// PushHoldBudget is how long one push transaction may hold the writer
// before its chunk ends (after the mutation under way): the wait a
// concurrent acknowledgement may see is about this plus one mutation. A
// variable so that tests can force a chunk per mutation.
var PushHoldBudget = 50 * time.Millisecond

// errPushIsolate: a mutation of the batch failed after writing; the batch
// is applied again one mutation per transaction.
var errPushIsolate = errors.New("a mutation failed after writing")

// pushTogether applies the batch in one transaction (see Push), or its
// first mutations, up to PushHoldBudget: it returns their results, at
// least one. The results of mutations seen before, of this batch's and
// of earlier ones, are answered from _sync_mutations, read once.
func (s *Engine) pushTogether(app core.App, auth *core.Record, device string, muts []syncproto.Mutation) ([]syncproto.Result, error) {
	var results []syncproto.Result
	err := s.inSession(app, func(tx core.App, ws *writeSession) error {
		began := time.Now() // the writer is held from here (wall time, not the service clock)
		results = make([]syncproto.Result, 0, len(muts))
		ids := make([]string, len(muts))
		for i, m := range muts {
			ids[i] = m.ID
		}
		seen, err := loadMutationResults(tx, auth.Id, ids)
		if err != nil {
			return err
		}
		if err := ws.preloadCreates(tx, muts); err != nil {
			return err
		}
		changes := newChangeCounter(tx)
		defer changes.close()
		var fresh []storedResult
		for i, m := range muts {
			if i > 0 && time.Since(began) >= PushHoldBudget {
				break // the rest goes in the next transaction
			}
			fp := m.Fingerprint()
			prior, ok := seen[m.ID]
			if ok {
				results = append(results, prior.answer(m, fp))
				continue
			}
			res, err := s.mutateAlone(tx, changes, auth, m)
			if err != nil {
				return err
			}
			results = append(results, res)
			fresh = append(fresh, storedResult{mutationID: m.ID, fingerprint: fp, result: res})
		}
		return storeMutationResults(tx, auth.Id, device, s.Now(), fresh)
	})
	return results, err
}

// mutateAlone applies m inside the batch transaction. A refusal is its
// result when m wrote nothing before it; otherwise the error is
// errPushIsolate (or the internal error), which ends the attempt.
func (s *Engine) mutateAlone(tx core.App, changes changeCounter, auth *core.Record, m syncproto.Mutation) (syncproto.Result, error) {
	if m.Invalid != nil {
		return syncproto.Result{ID: m.ID, Status: syncproto.StatusRejected, Error: m.Invalid}, nil
	}
	before, err := changes.read()
	if err != nil {
		return syncproto.Result{}, err
	}
	res, err := s.mutate(tx, auth, m)
	if err == nil {
		return res, nil
	}
	res = syncproto.Result{ID: m.ID, Status: syncproto.StatusRejected, Error: apierr.ToSync(err)}
	if res.Error.Code == apierr.CodeInternal {
		return res, err
	}
	if after, cerr := changes.read(); cerr != nil || after != before {
		return res, errPushIsolate
	}
	return res, nil
}

// changeCounter reads SQLite's count of rows written by the connection,
// which in a transaction is the transaction's: equal before and after a
// mutation, the mutation wrote nothing. The statement is prepared once per
// batch (it runs before every mutation).
type changeCounter struct{ q *dbx.Query }

func newChangeCounter(tx core.App) changeCounter {
	return changeCounter{tx.DB().NewQuery("SELECT total_changes()").Prepare()}
}

func (c changeCounter) read() (int64, error) {
	var n int64
	err := c.q.Row(&n)
	return n, err
}

func (c changeCounter) close() { _ = c.q.Close() }

func (s *Engine) applyMutation(app core.App, auth *core.Record, device string, m syncproto.Mutation) syncproto.Result {
	var res syncproto.Result
	fp := m.Fingerprint()
	err := s.inSession(app, func(tx core.App, _ *writeSession) error {
		// Checked in the mutation's transaction, which holds the write
		// lock once it writes: the same batch may be running in another
		// request (a retry sent while the first attempt still runs).
		if prior, ok := loadMutationResult(tx, auth.Id, m.ID); ok {
			res = prior.answer(m, fp)
			return nil
		}
		if m.Invalid != nil {
			res = syncproto.Result{ID: m.ID, Status: syncproto.StatusRejected, Error: m.Invalid}
		} else {
			var err error
			if res, err = s.mutate(tx, auth, m); err != nil {
				return err
			}
		}
		// The result is stored in the mutation's own transaction: it is
		// applied and remembered together, or neither.
		return storeMutationResults(tx, auth.Id, device, s.Now(), []storedResult{{m.ID, fp, res}})
	})
	if err == nil {
		return res
	}
	res = syncproto.Result{ID: m.ID, Status: syncproto.StatusRejected, Error: apierr.ToSync(err)}
	if res.Error.Code == apierr.CodeInternal {
		app.Logger().Error("sync push: applying a mutation", "mutation", m.ID, "error", err)
		return res // transient: nothing stored, the device retries it
	}
	// A refusal is final: remember it so that a retry answers the same,
	// unless a concurrent attempt stored a result first.
	serr := app.RunInTransaction(func(tx core.App) error {
		if prior, ok := loadMutationResult(tx, auth.Id, m.ID); ok {
			res = prior.answer(m, fp)
			return nil
		}
		return storeMutationResults(tx, auth.Id, device, s.Now(), []storedResult{{m.ID, fp, res}})
	})
	if serr != nil {
		app.Logger().Error("sync push: storing a rejection", "error", serr)
	}
	return res
}

// clientDataSkip are fields a client replica carries but never writes.
var clientDataSkip = map[string]bool{"id": true, "created": true, "updated": true, "version": true}

// clientData keeps the fields of data a client may send, as the REST API
// reads a request body: fields of the collection only (replica extras
// such as collectionId or expand are ignored) and never hidden fields,
// which only superusers write.
func clientData(col *core.Collection, data map[string]any) map[string]any {
	out := make(map[string]any, len(data))
	for k, v := range data {
		f := col.Fields.GetByName(k)
		if f == nil || f.GetHidden() || clientDataSkip[k] {
			continue
		}
		out[k] = v
	}
	return out
}

// mutate applies one mutation through the same rules as REST: the API
// rule of the collection, the J12 field checks and every model hook.
func (s *Engine) mutate(tx core.App, auth *core.Record, m syncproto.Mutation) (syncproto.Result, error) {
	col, err := tx.FindCachedCollectionByNameOrId(m.Collection)
	if err != nil {
		return syncproto.Result{}, err
	}
	if err := CheckServerKeys(col, m.Data, m.RecordID); err != nil {
		return syncproto.Result{}, err
	}
	data := clientData(col, m.Data)
	if err := CheckBodyTypes(col, data); err != nil {
		return syncproto.Result{}, err
	}
	info := &core.RequestInfo{Auth: auth, Body: data, Context: core.RequestInfoContextDefault}
	applied := func(r *core.Record) (syncproto.Result, error) {
		return syncproto.Result{ID: m.ID, Status: syncproto.StatusApplied, Record: exportFor(auth, r)}, nil
	}

	switch m.Op {
	case syncproto.OpCreate:
		info.Method = http.MethodPost
		if exists, err := recordExists(tx, col, m.RecordID); err != nil {
			return syncproto.Result{}, err
		} else if exists {
			return syncproto.Result{}, apierr.Rule(syncproto.CodeAlreadyExists, "record_id", "A record with this id already exists.")
		}
		r := core.NewRecord(col)
		r.Id = m.RecordID
		r.Load(data)
		if err := s.CreateAs(tx, auth, r, data); err != nil {
			return syncproto.Result{}, err
		}
		return applied(r)

	case syncproto.OpUpdate:
		info.Method = http.MethodPatch
		r, err := tx.FindRecordById(col, m.RecordID)
		if err != nil || !CanView(tx, r, auth) {
			// a record hidden from the user answers as a missing one: the
			// answer must not tell which ids exist
			return syncproto.Result{}, apierr.Rule(syncproto.CodeNotFound, "record_id", "The record does not exist or is not visible to you.")
		}
		if ok, err := CanAccess(tx, r, info, col.UpdateRule); err != nil || !ok {
			return syncproto.Result{}, apierr.Rule(jurisdiction.CodeForbidden, "", "You may not update this record.")
		}
		apply := data
		if m.BaseVersion != nil && col.Fields.GetByName("version") != nil {
			var conflicts []string
			var changed map[string]any
			changed, conflicts, err = syncproto.Merge(comparableValues(r, r.FieldsData()), fieldVersions(r), int64(r.GetInt("version")), *m.BaseVersion, comparableValues(r, data))
			if err != nil {
				return syncproto.Result{}, apierr.Rule(syncproto.CodeInvalidBaseVersion, "base_version", err.Error())
			}
			apply = make(map[string]any, len(changed))
			for f := range changed {
				apply[f] = data[f] // as sent: the comparable form is for comparing only
			}
			if len(conflicts) > 0 {
				fields := map[string]any{}
				for _, f := range conflicts {
					fields[f] = r.Get(f)
				}
				return syncproto.Result{ID: m.ID, Status: syncproto.StatusConflict, Record: exportFor(auth, r),
					Error: &syncproto.Error{Code: syncproto.CodeConflict, Message: "Changed on the server since your version: " + fmt.Sprint(conflicts), Fields: fields}}, nil
			}
		}
		if len(apply) == 0 {
			return applied(r)
		}
		r.Load(apply)
		if err := s.AuthorizeWrite(tx, auth, r); err != nil {
			return syncproto.Result{}, err
		}
		if err := s.saveAs(tx, auth, r); err != nil {
			return syncproto.Result{}, err
		}
		return applied(r)

	default: // delete
		info.Method = http.MethodDelete
		r, err := tx.FindRecordById(col, m.RecordID)
		if err != nil || !CanView(tx, r, auth) {
			// already gone (deleting is idempotent), or hidden from the
			// user, which must answer as a missing record
			return syncproto.Result{ID: m.ID, Status: syncproto.StatusApplied}, nil
		}
		if ok, err := CanAccess(tx, r, info, col.DeleteRule); err != nil || !ok {
			return syncproto.Result{}, apierr.Rule(jurisdiction.CodeForbidden, "", "You may not delete this record.")
		}
		defer s.Acting(r, auth)()
		if err := tx.Delete(r); err != nil {
			return syncproto.Result{}, err
		}
		return syncproto.Result{ID: m.ID, Status: syncproto.StatusApplied}, nil
	}
}

// CanView reports whether auth may view r (the collection's view rule).
func CanView(tx core.App, r *core.Record, auth *core.Record) bool {
	info := &core.RequestInfo{Auth: auth, Method: http.MethodGet, Context: core.RequestInfoContextDefault}
	ok, err := CanAccess(tx, r, info, r.Collection().ViewRule)
	return err == nil && ok
}

// saveAs saves r on behalf of auth, so that the audit names the actor.
func (s *Engine) saveAs(tx core.App, auth, r *core.Record) error {
	defer s.Acting(r, auth)()
	return tx.Save(r)
}

// exportFor is the record as the REST API shows it to auth after a write
// (the saved record itself, as PocketBase's create and update answer),
// an event's clash fields as auth may see them (clashview).
func exportFor(auth, r *core.Record) map[string]any {
	if r.Collection().IsAuth() && r.Id == auth.Id {
		r.IgnoreEmailVisibility(true)
	}
	return clashview.Export(auth, r)
}

// storedResult is the first result of a mutation id and what that
// mutation asked for (syncproto.Mutation.Fingerprint).
type storedResult struct {
	mutationID  string
	fingerprint string
	result      syncproto.Result
}

// answer is what a mutation m (fingerprint fp) sent under an id already
// seen gets: the first result when it asks for the same change (a retry),
// a refusal when the id was reused for another change, which must not be
// told it was applied. Rows stored before fingerprints answer as retries.
func (p storedResult) answer(m syncproto.Mutation, fp string) syncproto.Result {
	if p.fingerprint == "" || p.fingerprint == fp {
		return p.result
	}
	return syncproto.Result{ID: m.ID, Status: syncproto.StatusRejected, Error: &syncproto.Error{
		Code:    syncproto.CodeMutationReused,
		Message: "This mutation id was already used for another change; send this one under a new id.",
	}}
}

// loadMutationResults are the stored results of the mutations ids of
// userID, by mutation id.
func loadMutationResults(app core.App, userID string, ids []string) (map[string]storedResult, error) {
	out := make(map[string]storedResult, len(ids))
	var rows []struct {
		ID          string `db:"mutation_id"`
		Fingerprint string `db:"fingerprint"`
		Result      string `db:"result"`
	}
	err := app.DB().Select("mutation_id", "fingerprint", "result").From("_sync_mutations").
		Where(dbx.HashExp{"user_id": userID}).AndWhere(dbx.In("mutation_id", list.ToInterfaceSlice(ids)...)).All(&rows)
	if err != nil {
		return nil, err
	}
	for _, r := range rows {
		var res syncproto.Result
		if json.Unmarshal([]byte(r.Result), &res) == nil {
			out[r.ID] = storedResult{mutationID: r.ID, fingerprint: r.Fingerprint, result: res}
		}
	}
	return out, nil
}

// storeMutationResults stores the results of a batch in one statement,
// stamped with the service clock (what PruneMutationResults reads).
func storeMutationResults(app core.App, userID, device string, at time.Time, results []storedResult) error {
	if len(results) == 0 {
		return nil
	}
	rows := make([][3]string, len(results))
	for i, r := range results {
		raw, err := json.Marshal(r.result)
		if err != nil {
			return err
		}
		rows[i] = [3]string{r.mutationID, string(raw), r.fingerprint}
	}
	// one statement from a JSON array, as the session's side rows
	// (flushChanges)
	_, err := app.DB().NewQuery(`INSERT INTO _sync_mutations (user_id, mutation_id, device, result, fingerprint, at)
		SELECT {:u}, value->>0, {:d}, value->>1, value->>2, {:at} FROM json_each({:rows}) WHERE true
		ON CONFLICT (user_id, mutation_id) DO NOTHING`).
		Bind(dbx.Params{"u": userID, "d": device, "at": dbTime(at), "rows": jsonText(rows)}).Execute()
	return err
}

// MutationResultRetention is how long the first result of a pushed
// mutation is kept, so that a retry answers it and changes nothing. It
// outlasts a session (30 days: a phone offline longer must sign in again
// before it can retry) with a margin; a retry after it is applied anew,
// which the protocol tolerates (a create finds already_exists, an update
// its base version, a delete nothing).
const MutationResultRetention = 60 * 24 * time.Hour

// pruneChunk bounds the rows one pruning transaction deletes, so that it
// holds the writer briefly.
const pruneChunk = 5000

// PruneMutationResults deletes the stored mutation results older than
// before, chunk by chunk, and returns how many it deleted.
func PruneMutationResults(app core.App, before time.Time) (int64, error) {
	var total int64
	for {
		res, err := app.DB().NewQuery(`DELETE FROM _sync_mutations WHERE (user_id, mutation_id) IN
			(SELECT user_id, mutation_id FROM _sync_mutations WHERE at < {:t} LIMIT {:n})`).
			Bind(dbx.Params{"t": dbTime(before), "n": pruneChunk}).Execute()
		if err != nil {
			return total, err
		}
		n, _ := res.RowsAffected()
		total += n
		if n < pruneChunk {
			return total, nil
		}
	}
}

func loadMutationResult(app core.App, userID, mutationID string) (storedResult, bool) {
	results, err := loadMutationResults(app, userID, []string{mutationID})
	if err != nil {
		app.Logger().Error("sync push: reading a prior result", "error", err)
	}
	res, ok := results[mutationID]
	return res, ok
}
