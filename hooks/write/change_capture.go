package write

import (
	"database/sql"
	"errors"
	"maps"
	"slices"
	"strconv"
	"strings"

	"coprosec/hooks/priority"
	"coprosec/internal/syncproto"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"
)

// auditedCollections get an audit row for every change (DESIGN §3).
var auditedCollections = map[string]bool{"events": true, "assignments": true}

func (s *Engine) bindCapture() {
	for _, action := range []string{"create", "update", "delete"} {
		h := &hook.Handler[*core.RecordEvent]{Priority: priority.WriteTransaction, Func: s.captureWrite(action)}
		switch action {
		case "create":
			s.app.OnRecordCreate().Bind(h)
		case "update":
			s.app.OnRecordUpdate().Bind(h)
		case "delete":
			s.app.OnRecordDelete().Bind(h)
		}
	}
	// push merges field by field: keep the versions it reads
	s.bindVersions()
}

// captureWrite wraps every write of a synced or audited collection in one
// transaction with its change-log and audit rows, on every write path.
func (s *Engine) captureWrite(action string) func(e *core.RecordEvent) error {
	return func(e *core.RecordEvent) error {
		name := e.Record.Collection().Name
		synced, audited := syncproto.IsSynced(name), auditedCollections[name]
		if !synced && !audited {
			return e.Next()
		}
		return s.withTx(e, func(tx core.App) error {
			r, deleted := e.Record, action == "delete"
			defer s.beginActing(tx, r, e.Context)()
			if action == "update" && !isSystemWrite(e.Context) {
				if err := rebase(tx, r); err != nil {
					return err
				}
			}
			var before map[string]any
			if action != "create" {
				before = r.Original().FieldsData()
			}
			var save *eventSave
			if name == "events" && !deleted {
				save = beginEventSave(tx, r)
				defer endEventSave(tx, save)
			}
			if err := e.Next(); err != nil {
				return err
			}
			if audited {
				if err := s.writeAudit(tx, r, action, before); err != nil {
					return err
				}
			}
			if !synced {
				return nil
			}
			switch {
			case name == "events" && !deleted:
				// Assignments and receipts inherit the visibility of
				// their event: when the event's units change, so do theirs.
				return s.recaptureEvent(tx, r.Id, r, kindOf(action), save)
			case name == "assignments" && isSystemWrite(e.Context) && !deleted:
				// Written by the save of its event (J2–J6): captured with
				// the event once all its assignments are final.
				if ev := findEventSave(tx, r.GetString("event")); ev != nil {
					ev.written[r.Id] = r
					if action == "create" {
						ev.created[r.Id] = true
					}
					return nil
				}
			case name == "assignments" && !isSystemWrite(e.Context):
				if err := s.captureChange(tx, r, kindOf(action)); err != nil {
					return err
				}
				// Written outside an event save (dashboard, Go code): who
				// sees the event (and its receipts) follows its
				// assignments. The event save recaptures its own.
				ev, old := r.GetString("event"), ""
				if action == "update" {
					old = r.Original().GetString("event")
					if old == ev && r.Original().GetString("unit") == r.GetString("unit") {
						return nil
					}
				}
				for _, id := range slices.Compact([]string{ev, old}) {
					if id == "" {
						continue
					}
					if err := s.recaptureEvent(tx, id, nil, changeRescope, nil); err != nil {
						return err
					}
				}
				return nil
			case name == "units" && action == "update" &&
				r.Original().GetString("departement") != r.GetString("departement"):
				if err := s.captureChange(tx, r, changeModified); err != nil {
					return err
				}
				// A director's scope is its unit's département: a unit
				// moved to another one moves what it sees.
				return s.recaptureUnit(tx, r.Id)
			}
			return s.captureChange(tx, r, kindOf(action))
		})
	}
}

// changeKind is what happened to a record, for writeChange.
type changeKind int

const (
	// changeRescope: the record did not change, its scopes may have; a
	// change is logged only if they did.
	changeRescope changeKind = iota
	changeCreated            // created in this transaction: no live index rows yet
	changeModified
	changeDeleted
	// changePoliceOnly: the record changed in fields that only police read
	// (an event's exact clash, event_followup.go): the change is logged in
	// its police scopes (syncproto.PoliceScopes) and the others keep their
	// rows as they were, so no party's pull, poke or realtime subscription
	// hears of it. Its scopes are unchanged.
	changePoliceOnly
)

func kindOf(action string) changeKind {
	switch action {
	case "create":
		return changeCreated
	case "delete":
		return changeDeleted
	}
	return changeModified
}

// eventSave is an event being saved in a transaction, with the ids of the
// assignments its save wrote: they are captured with the event, once its
// assignments are final, rather than each on its own.
type eventSave struct {
	rec     *core.Record
	written map[string]*core.Record
	created map[string]bool
}

func beginEventSave(tx core.App, r *core.Record) *eventSave {
	es := &eventSave{rec: r, written: map[string]*core.Record{}, created: map[string]bool{}}
	ws := sessionOf(tx)
	ws.saves = append(ws.saves, es)
	return es
}

func endEventSave(tx core.App, es *eventSave) {
	ws := sessionOf(tx)
	ws.saves = slices.DeleteFunc(ws.saves, func(x *eventSave) bool { return x == es })
}

// findEventSave is the save of event id in progress in tx, if any (a new
// event has its id only once its row is written, so ids are compared at
// lookup time).
func findEventSave(tx core.App, id string) *eventSave {
	if ws := sessionOf(tx); ws != nil {
		for _, es := range ws.saves {
			if es.rec.Id == id {
				return es
			}
		}
	}
	return nil
}

// eventScope is what decides who sees an event and the records that
// inherit its visibility (assignments, receipts), read with two light
// queries rather than full records: every event write reads it.
type eventScope struct {
	found       bool
	party       string
	dirDep      string // département of the event's directorate
	assignments []assignmentScope
}

type assignmentScope struct {
	ID   string `db:"id"`
	Unit string `db:"unit"`
	Dep  string `db:"dep"` // département of the unit
}

func loadEventScope(tx core.App, eventID string) (eventScope, error) {
	var rows []struct {
		Party  string         `db:"party"`
		DirDep string         `db:"dirdep"`
		ID     sql.NullString `db:"id"`
		Unit   sql.NullString `db:"unit"`
		Dep    sql.NullString `db:"dep"`
	}
	err := tx.DB().NewQuery(`SELECT e.party AS party, COALESCE(d.departement, '') AS dirdep,
			a.id AS id, a.unit AS unit, u.departement AS dep
		FROM events e
		LEFT JOIN units d ON d.id = e.directorate
		LEFT JOIN assignments a ON a.event = e.id
		LEFT JOIN units u ON u.id = a.unit
		WHERE e.id = {:id} ORDER BY a.id`).
		Bind(dbx.Params{"id": eventID}).All(&rows)
	if err != nil || len(rows) == 0 {
		return eventScope{}, err // not found: deleted, nobody sees it any more
	}
	f := eventScope{found: true, party: rows[0].Party, dirDep: rows[0].DirDep}
	for _, r := range rows {
		if r.ID.Valid {
			f.assignments = append(f.assignments, assignmentScope{ID: r.ID.String, Unit: r.Unit.String, Dep: r.Dep.String})
		}
	}
	return f, nil
}

// newEventScope is loadEventScope for an event created by save, from what
// the save wrote (every assignment of a new event is written by its save)
// and the session's unit coverage, without reading the rows back.
func newEventScope(tx core.App, save *eventSave) (eventScope, error) {
	cov, err := unitCoverage(tx)
	if err != nil {
		return eventScope{}, err
	}
	dep := func(unit string) string {
		u, _ := cov.Unit(unit)
		return u.Departement
	}
	f := eventScope{found: true, party: save.rec.GetString("party"), dirDep: dep(save.rec.GetString("directorate"))}
	for _, id := range slices.Sorted(maps.Keys(save.written)) {
		unit := save.written[id].GetString("unit")
		f.assignments = append(f.assignments, assignmentScope{ID: id, Unit: unit, Dep: dep(unit)})
	}
	return f, nil
}

// facts of the event itself, or of a receipt (same visibility): the
// party, every assigned unit, their départements and the directorate's.
func (f eventScope) facts(collection, id string) syncproto.RecordFacts {
	out := syncproto.RecordFacts{Collection: collection, ID: id}
	if !f.found {
		return out
	}
	out.Party = f.party
	out.Departements = []string{f.dirDep}
	for _, a := range f.assignments {
		out.Units = append(out.Units, a.Unit)
		out.Departements = append(out.Departements, a.Dep)
	}
	return out
}

// assignmentFacts: its own unit only; the départements are that unit's and
// the event directorate's (list rule: unit.departement or
// event.directorate.departement).
func (f eventScope) assignmentFacts(a assignmentScope) syncproto.RecordFacts {
	out := syncproto.RecordFacts{Collection: "assignments", ID: a.ID}
	if !f.found {
		return out
	}
	out.Party, out.Units, out.Departements = f.party, []string{a.Unit}, []string{a.Dep, f.dirDep}
	return out
}

// recaptureEvent captures the event (a change of the given kind, which is
// not changeDeleted) and re-indexes its assignments and receipts when their
// scopes changed; the assignments its save wrote (save, when the event is
// being saved) get a change of their own. r is the event when the caller
// has it.
func (s *Engine) recaptureEvent(tx core.App, eventID string, r *core.Record, kind changeKind, save *eventSave) error {
	var f eventScope
	var err error
	if kind == changeCreated && save != nil {
		f, err = newEventScope(tx, save)
	} else {
		f, err = loadEventScope(tx, eventID)
	}
	if err != nil {
		return err
	}
	if !f.found && kind == changeRescope {
		return nil // deleted in this transaction: its own delete captured it
	}
	if err := s.writeChange(tx, "events", eventID, r, syncproto.RecordScopes(f.facts("events", eventID)), kind); err != nil {
		return err
	}
	if kind == changePoliceOnly {
		return nil // who sees the event, its assignments and receipts is as it was
	}
	for _, a := range f.assignments {
		ak, w := changeRescope, (*core.Record)(nil)
		if save != nil && save.written[a.ID] != nil {
			ak, w = changeModified, save.written[a.ID]
			if save.created[a.ID] {
				ak = changeCreated
			}
		}
		if err := s.writeChange(tx, "assignments", a.ID, w, syncproto.RecordScopes(f.assignmentFacts(a)), ak); err != nil {
			return err
		}
	}
	if kind == changeCreated {
		return nil // a new event has no receipt yet
	}
	var receipts []string
	if err := tx.DB().NewQuery("SELECT id FROM receipts WHERE event = {:id}").Bind(dbx.Params{"id": eventID}).Column(&receipts); err != nil {
		return err
	}
	for _, id := range receipts {
		if err := s.writeChange(tx, "receipts", id, nil, syncproto.RecordScopes(f.facts("receipts", id)), changeRescope); err != nil {
			return err
		}
	}
	return nil
}

// recaptureUnit re-indexes what a unit's département decides: the events
// it is assigned to or directs (with their assignments and receipts) and
// its incidents.
func (s *Engine) recaptureUnit(tx core.App, unitID string) error {
	var events []string
	err := tx.DB().NewQuery(`SELECT event FROM assignments WHERE unit = {:u}
		UNION SELECT id FROM events WHERE directorate = {:u}`).Bind(dbx.Params{"u": unitID}).Column(&events)
	if err != nil {
		return err
	}
	for _, id := range events {
		if err := s.recaptureEvent(tx, id, nil, changeRescope, nil); err != nil {
			return err
		}
	}
	var incidents []string
	if err := tx.DB().NewQuery("SELECT id FROM incidents WHERE unit = {:u}").Bind(dbx.Params{"u": unitID}).Column(&incidents); err != nil {
		return err
	}
	for _, id := range incidents {
		r, err := tx.FindRecordById("incidents", id)
		if err != nil {
			return err
		}
		if err := s.captureChange(tx, r, changeRescope); err != nil {
			return err
		}
	}
	return nil
}

// captureChange writes r's change to the sync log: a new seq, a live row in
// each scope that may see r now, and a removed row in each scope that saw
// it before and no longer does (DESIGN §5, J6). When the record itself did
// not change (changeRescope) and its scopes are the same, nothing is
// written.
func (s *Engine) captureChange(tx core.App, r *core.Record, kind changeKind) error {
	var scopes []syncproto.Scope
	if kind != changeDeleted {
		facts, err := recordFacts(tx, r)
		if err != nil {
			return err
		}
		scopes = syncproto.RecordScopes(facts)
	}
	return s.writeChange(tx, r.Collection().Name, r.Id, r, scopes, kind)
}

// writeChange writes one change of the record col/id whose scopes are now
// scopes (nil when deleted). It uses one seq for the change, so that a
// seq names exactly one record change (syncproto.PageScopes relies on it),
// and at most four statements whatever the number of scopes; the change
// of a record created in the transaction is queued in the write session
// and written with the others before commit. r may be nil; it is then
// read only if something is written (the realtime fan-out needs it).
func (s *Engine) writeChange(tx core.App, col, id string, r *core.Record, scopes []syncproto.Scope, kind changeKind) error {
	ws := sessionOf(tx)
	if kind == changeCreated && ws != nil {
		// a record created in this transaction has no index rows to
		// read or remove: its change is written with the session's others
		r, err := recordOrFind(tx, col, id, r)
		if err != nil {
			return err
		}
		ws.addCreated(col, id, r, scopes)
		return nil
	}
	if ws != nil {
		// what is read next must include the changes still queued
		if err := ws.flushChanges(tx); err != nil {
			return err
		}
	}
	var live []string
	if kind != changeCreated { // a record created in this transaction has no live rows
		err := tx.DB().NewQuery("SELECT scope FROM _sync_index WHERE collection = {:c} AND record_id = {:id} AND removed = 0").
			Bind(dbx.Params{"c": col, "id": id}).Column(&live)
		if err != nil {
			return err
		}
	}
	if kind == changeRescope && sameScopes(live, scopes) {
		return nil
	}
	if kind == changePoliceOnly {
		// the other scopes keep their rows, at the seq of the change they
		// last heard of: none of them is lost
		scopes = syncproto.PoliceScopes(scopes)
		live = slices.DeleteFunc(live, func(sc string) bool { return !syncproto.IsPoliceScope(syncproto.Scope(sc)) })
	}
	deleted := kind == changeDeleted
	r, err := recordOrFind(tx, col, id, r)
	if err != nil {
		return err
	}
	op := "put"
	if deleted {
		op = "remove"
	}
	res, err := tx.DB().NewQuery("INSERT INTO _sync_log (collection, record_id, op) VALUES ({:c}, {:id}, {:op})").
		Bind(dbx.Params{"c": col, "id": id, "op": op}).Execute()
	if err != nil {
		return err
	}
	seq, err := res.LastInsertId()
	if err != nil {
		return err
	}
	params := dbx.Params{"c": col, "id": id, "seq": seq}
	if len(scopes) > 0 {
		values := make([]string, len(scopes))
		for i, sc := range scopes {
			p := "s" + strconv.Itoa(i)
			params[p] = string(sc)
			values[i] = "({:" + p + "}, {:c}, {:id}, {:seq}, 0)"
		}
		_, err := tx.DB().NewQuery(`INSERT INTO _sync_index (scope, collection, record_id, seq, removed)
			VALUES ` + strings.Join(values, ", ") + `
			ON CONFLICT (scope, collection, record_id) DO UPDATE SET seq = excluded.seq, removed = 0`).
			Bind(params).Execute()
		if err != nil {
			return err
		}
	}
	var lost []string
	for _, sc := range live {
		if !slices.Contains(scopes, syncproto.Scope(sc)) {
			p := "l" + strconv.Itoa(len(lost))
			params[p] = sc
			lost = append(lost, "{:"+p+"}")
		}
	}
	if len(lost) > 0 {
		_, err := tx.DB().NewQuery(`UPDATE _sync_index SET seq = {:seq}, removed = 1
			WHERE collection = {:c} AND record_id = {:id} AND scope IN (` + strings.Join(lost, ", ") + `)`).
			Bind(params).Execute()
		if err != nil {
			return err
		}
	}
	s.feed.publish(tx, Change{Record: r, Deleted: deleted, Seq: seq, Scopes: scopes, Before: toScopes(live)})
	return nil
}

// recordOrFind is r, or the record col/id when r is nil.
func recordOrFind(tx core.App, col, id string, r *core.Record) (*core.Record, error) {
	if r != nil {
		return r, nil
	}
	return tx.FindRecordById(col, id)
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
	switch f.Collection {
	case "events", "receipts":
		eventID := r.Id
		if f.Collection == "receipts" {
			eventID = r.GetString("event")
		}
		ev, err := loadEventScope(tx, eventID)
		return ev.facts(f.Collection, r.Id), err
	case "assignments":
		ev, err := loadEventScope(tx, r.GetString("event"))
		if err != nil {
			return f, err
		}
		a := assignmentScope{ID: r.Id, Unit: r.GetString("unit")}
		if a.Dep, err = unitDepartement(tx, a.Unit); err != nil {
			return f, err
		}
		return ev.assignmentFacts(a), nil
	case "incidents":
		f.ReportedBy = r.GetString("reported_by")
		if u := r.GetString("unit"); u != "" {
			dep, err := unitDepartement(tx, u)
			if err != nil {
				return f, err
			}
			f.Units, f.Departements = []string{u}, []string{dep}
		}
	case "itineraries":
		f.Party = r.GetString("party")
	}
	return f, nil
}

// unitDepartement is the département of unit id ("" if there is none).
func unitDepartement(tx core.App, id string) (string, error) {
	var dep string
	err := tx.DB().NewQuery("SELECT departement FROM units WHERE id = {:id}").Bind(dbx.Params{"id": id}).Row(&dep)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return dep, err
}
