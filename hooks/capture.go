package hooks

import (
	"slices"

	"coprosec/internal/syncproto"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"
)

// captureHookPriority makes the capture handler the outermost one: it opens
// the transaction, lets every other handler (rules, assignments, clash
// links) run inside it, then records the change once the record and its
// side rows are final.
const captureHookPriority = -100

// auditedCollections get an audit row for every change (DESIGN §3).
var auditedCollections = map[string]bool{"events": true, "assignments": true}

func (s *Service) bindCapture() {
	for _, action := range []string{"create", "update", "delete"} {
		h := &hook.Handler[*core.RecordEvent]{Priority: captureHookPriority, Func: s.captureWrite(action)}
		switch action {
		case "create":
			s.app.OnRecordCreate().Bind(h)
		case "update":
			s.app.OnRecordUpdate().Bind(h)
		case "delete":
			s.app.OnRecordDelete().Bind(h)
		}
	}
}

// captureWrite wraps every write of a synced or audited collection in one
// transaction with its change-log and audit rows, on every write path.
func (s *Service) captureWrite(action string) func(e *core.RecordEvent) error {
	return func(e *core.RecordEvent) error {
		name := e.Record.Collection().Name
		synced, audited := syncproto.IsSynced(name), auditedCollections[name]
		if !synced && !audited {
			return e.Next()
		}
		var before map[string]any
		if action != "create" {
			before = e.Record.Original().FieldsData()
		}
		return withTx(e, func(tx core.App) error {
			if err := e.Next(); err != nil {
				return err
			}
			if audited {
				if err := s.writeAudit(tx, e.Record, action, before); err != nil {
					return err
				}
			}
			if !synced {
				return nil
			}
			if err := s.captureChange(tx, e.Record, action == "delete", true); err != nil {
				return err
			}
			// Assignments and receipts inherit the visibility of their
			// event: when the event's units change, so do theirs.
			if name == "events" && action != "delete" {
				return s.recaptureChildren(tx, e.Record.Id)
			}
			return nil
		})
	}
}

func (s *Service) recaptureChildren(tx core.App, eventID string) error {
	for _, col := range []string{"assignments", "receipts"} {
		children, err := tx.FindAllRecords(col, dbx.HashExp{"event": eventID})
		if err != nil {
			return err
		}
		for _, c := range children {
			if err := s.captureChange(tx, c, false, false); err != nil {
				return err
			}
		}
	}
	return nil
}

// captureChange writes r's change to the sync log: a new seq, a live row in
// each scope that may see r now, and a removed row in each scope that saw
// it before and no longer does (DESIGN §5, J6). When the record itself did
// not change (modified false) and its scopes are the same, nothing is
// written.
func (s *Service) captureChange(tx core.App, r *core.Record, deleted, modified bool) error {
	var scopes []syncproto.Scope
	if !deleted {
		facts, err := recordFacts(tx, r)
		if err != nil {
			return err
		}
		scopes = syncproto.RecordScopes(facts)
	}
	col := r.Collection().Name
	var live []string
	err := tx.DB().NewQuery("SELECT scope FROM _sync_index WHERE collection = {:c} AND record_id = {:id} AND removed = 0").
		Bind(dbx.Params{"c": col, "id": r.Id}).Column(&live)
	if err != nil {
		return err
	}
	if !modified && sameScopes(live, scopes) {
		return nil
	}
	op := "put"
	if deleted {
		op = "remove"
	}
	res, err := tx.DB().NewQuery("INSERT INTO _sync_log (collection, record_id, op) VALUES ({:c}, {:id}, {:op})").
		Bind(dbx.Params{"c": col, "id": r.Id, "op": op}).Execute()
	if err != nil {
		return err
	}
	seq, err := res.LastInsertId()
	if err != nil {
		return err
	}
	for _, sc := range scopes {
		_, err := tx.DB().NewQuery(`INSERT INTO _sync_index (scope, collection, record_id, seq, removed)
			VALUES ({:s}, {:c}, {:id}, {:seq}, 0)
			ON CONFLICT (scope, collection, record_id) DO UPDATE SET seq = excluded.seq, removed = 0`).
			Bind(dbx.Params{"s": string(sc), "c": col, "id": r.Id, "seq": seq}).Execute()
		if err != nil {
			return err
		}
	}
	for _, sc := range live {
		if slices.Contains(scopes, syncproto.Scope(sc)) {
			continue
		}
		_, err := tx.DB().NewQuery(`UPDATE _sync_index SET seq = {:seq}, removed = 1
			WHERE scope = {:s} AND collection = {:c} AND record_id = {:id}`).
			Bind(dbx.Params{"s": sc, "c": col, "id": r.Id, "seq": seq}).Execute()
		if err != nil {
			return err
		}
	}
	s.notifyChange(tx, r, deleted, seq, scopes, toScopes(live))
	return nil
}

func toScopes(ss []string) []syncproto.Scope {
	out := make([]syncproto.Scope, len(ss))
	for i, s := range ss {
		out[i] = syncproto.Scope(s)
	}
	return out
}

func sameScopes(live []string, scopes []syncproto.Scope) bool {
	if len(live) != len(scopes) {
		return false
	}
	for _, s := range scopes {
		if !slices.Contains(live, string(s)) {
			return false
		}
	}
	return true
}

// recordFacts gathers what decides who may see r (DESIGN §3 Visibility),
// mirroring the list rules of migrations/1700000001_collections.go.
func recordFacts(tx core.App, r *core.Record) (syncproto.RecordFacts, error) {
	f := syncproto.RecordFacts{Collection: r.Collection().Name, ID: r.Id}
	unitDeps := func(units ...string) ([]string, error) {
		var deps []string
		if len(units) == 0 {
			return nil, nil
		}
		ids := make([]any, len(units))
		for i, u := range units {
			ids[i] = u
		}
		err := tx.DB().Select("departement").From("units").Where(dbx.In("id", ids...)).Column(&deps)
		return deps, err
	}
	eventFacts := func(eventID string, onlyUnit string) error {
		ev, err := tx.FindRecordById("events", eventID)
		if err != nil {
			return nil // the event is being deleted: no scope but the removal
		}
		f.Party = ev.GetString("party")
		if onlyUnit != "" {
			f.Units = []string{onlyUnit}
		} else if err := tx.DB().Select("unit").From("assignments").Where(dbx.HashExp{"event": eventID}).Column(&f.Units); err != nil {
			return err
		}
		deps, err := unitDeps(append(slices.Clone(f.Units), ev.GetString("directorate"))...)
		f.Departements = deps
		return err
	}
	var err error
	switch f.Collection {
	case "events":
		err = eventFacts(r.Id, "")
	case "receipts":
		err = eventFacts(r.GetString("event"), "")
	case "assignments":
		// its own unit only; the departements are those of that unit and
		// of the event's directorate (list rule: event.directorate)
		err = eventFacts(r.GetString("event"), r.GetString("unit"))
	case "incidents":
		f.ReportedBy = r.GetString("reported_by")
		if u := r.GetString("unit"); u != "" {
			f.Units = []string{u}
			f.Departements, err = unitDeps(u)
		}
	case "itineraries":
		f.Party = r.GetString("party")
	}
	return f, err
}
