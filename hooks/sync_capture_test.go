package hooks_test

import (
	"net/http"
	"slices"
	"testing"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
)

// syncIndex is the sync index of one record: live scopes and removed
// scopes, with the seqs of its rows.
type syncIndex struct {
	live, removed []string
	seqs          []int64
}

func (e *env) syncIndexOf(col, id string) syncIndex {
	e.t.Helper()
	var rows []struct {
		Scope   string `db:"scope"`
		Seq     int64  `db:"seq"`
		Removed bool   `db:"removed"`
	}
	err := e.app.DB().NewQuery("SELECT scope, seq, removed FROM _sync_index WHERE collection = {:c} AND record_id = {:id} ORDER BY scope").
		Bind(dbx.Params{"c": col, "id": id}).All(&rows)
	if err != nil {
		e.t.Fatal(err)
	}
	var out syncIndex
	for _, r := range rows {
		if r.Removed {
			out.removed = append(out.removed, r.Scope)
		} else {
			out.live = append(out.live, r.Scope)
		}
		out.seqs = append(out.seqs, r.Seq)
	}
	return out
}

func (e *env) syncLogCount(col, id string) int {
	e.t.Helper()
	var n int
	if err := e.app.DB().NewQuery("SELECT COUNT(*) FROM _sync_log WHERE collection = {:c} AND record_id = {:id}").
		Bind(dbx.Params{"c": col, "id": id}).Row(&n); err != nil {
		e.t.Fatal(err)
	}
	return n
}

func scopes(parts ...string) []string {
	out := slices.Clone(parts)
	slices.Sort(out)
	return out
}

func (w *world) eventScopesCotonou(party *core.Record) []string {
	return scopes("all", "party:"+party.Id, "unit:"+w.comCotonou.Id, "unit:"+w.ddprLittoral.Id, "departement:"+w.depLittoral.Id)
}

func (w *world) eventScopesCalavi(party *core.Record) []string {
	return scopes("all", "party:"+party.Id, "unit:"+w.comCalavi.Id, "unit:"+w.ddprAtlantique.Id, "departement:"+w.depAtlantique.Id)
}

func superToken(t testing.TB, e *env) string {
	t.Helper()
	su, err := e.app.FindAuthRecordByEmail(core.CollectionNameSuperusers, "root@test.bj")
	if err != nil {
		col, _ := e.app.FindCollectionByNameOrId(core.CollectionNameSuperusers)
		su = core.NewRecord(col)
		su.SetEmail("root@test.bj")
		su.SetPassword("root-password-123")
		if err := e.app.Save(su); err != nil {
			t.Fatal(err)
		}
	}
	tok, err := su.NewAuthToken()
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// Every write path records the change, with the scopes of the rules.
func TestSyncCaptureEveryWritePath(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	want := w.eventScopesCotonou(w.partyA)
	check := func(path, id string, changes int) {
		t.Helper()
		if got := e.syncIndexOf("events", id); !slices.Equal(got.live, want) || len(got.removed) != 0 {
			t.Errorf("%s: index %v / removed %v, want %v", path, got.live, got.removed, want)
		}
		if n := e.syncLogCount("events", id); n != changes {
			t.Errorf("%s: %d changes logged, want %d", path, n, changes)
		}
	}
	// REST
	restID := e.syncDeclare(w.orgA, e.meeting(w.partyA, nil))
	check("REST", restID, 1)
	// batch
	tok, _ := w.orgA.NewAuthToken()
	res := e.doToken("POST", "/api/batch", tok, map[string]any{"requests": []map[string]any{
		{"method": "POST", "url": "/api/collections/events/records", "body": e.meeting(w.partyA, map[string]any{"id": "batchevent00001", "title": "Lot"})},
	}})
	if res.Status != http.StatusOK {
		t.Fatalf("batch: %s", res)
	}
	check("batch", "batchevent00001", 1)
	// dashboard (a superuser through the REST API)
	res = e.doToken("PATCH", "/api/collections/events/records/"+restID, superToken(t, e), map[string]any{"title": "Corrigé par l'administrateur"})
	if res.Status != http.StatusOK {
		t.Fatalf("dashboard: %s", res)
	}
	check("dashboard", restID, 2)
	// Go code
	goEv := e.save("events", e.meeting(w.partyA, map[string]any{"title": "Go"}))
	check("Go", goEv.Id, 1)
	// push
	if rs := e.pushAs(w.orgA, "d", mCreate("m", "events", "pushedevent0001", e.meeting(w.partyA, nil))); statuses(rs) != "applied" {
		t.Fatal(statuses(rs))
	}
	check("push", "pushedevent0001", 1)

	// assignments, itineraries, incidents, reference data, own account
	for _, a := range e.assignmentsOf(restID) {
		unitDep := w.depLittoral.Id
		want := scopes("all", "party:"+w.partyA.Id, "unit:"+a.GetString("unit"), "departement:"+unitDep)
		if got := e.syncIndexOf("assignments", a.Id).live; !slices.Equal(got, want) {
			t.Errorf("assignment of %s: %v, want %v", a.GetString("unit"), got, want)
		}
	}
	it := e.do("POST", "/api/collections/itineraries/records", w.orgA, map[string]any{"party": w.partyA.Id, "election": w.election.Id, "title": "Tournée"})
	if got := e.syncIndexOf("itineraries", it.JSON["id"].(string)).live; !slices.Equal(got, scopes("all", "party:"+w.partyA.Id)) {
		t.Errorf("itinerary: %v", got)
	}
	inc := e.do("POST", "/api/collections/incidents/records", w.officerCotonou, map[string]any{"event": restID, "kind": "threat", "severity": 2, "description": "Menaces", "occurred_at": testNow})
	if inc.Status != http.StatusOK {
		t.Fatal(inc)
	}
	if got := e.syncIndexOf("incidents", inc.JSON["id"].(string)).live; !slices.Equal(got, scopes("all", "user:"+w.officerCotonou.Id, "unit:"+w.comCotonou.Id, "departement:"+w.depLittoral.Id)) {
		t.Errorf("incident: %v", got)
	}
	if res := e.do("PATCH", "/api/collections/communes/records/"+w.ouidah.Id, w.ministry, map[string]any{"name": "Ouidah (Glexwe)"}); res.Status != http.StatusOK {
		t.Fatal(res)
	}
	if got := e.syncIndexOf("communes", w.ouidah.Id).live; !slices.Equal(got, []string{"ref"}) {
		t.Errorf("commune: %v", got)
	}
	if got := e.syncIndexOf("users", w.orgA.Id).live; !slices.Equal(got, []string{"user:" + w.orgA.Id}) {
		t.Errorf("account: %v", got)
	}
}

func (e *env) assignmentsOf(eventID string) []*core.Record {
	e.t.Helper()
	rs, err := e.app.FindAllRecords("assignments", dbx.HashExp{"event": eventID})
	if err != nil {
		e.t.Fatal(err)
	}
	return rs
}

// The change log is written in the transaction of the write: a write
// rolled back leaves no change, and a change that cannot be logged undoes
// the write.
func TestSyncCaptureSameTransaction(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	tok, _ := w.orgA.NewAuthToken()
	res := e.doToken("POST", "/api/batch", tok, map[string]any{"requests": []map[string]any{
		{"method": "POST", "url": "/api/collections/events/records", "body": e.meeting(w.partyA, map[string]any{"id": "rolledback00001"})},
		{"method": "POST", "url": "/api/collections/events/records", "body": e.meeting(w.partyA, map[string]any{"starts_at": local(2026, 3, 14, 2, 0)})},
	}})
	if res.Status != http.StatusBadRequest {
		t.Fatalf("batch with an unlawful event: %s", res)
	}
	if n := e.syncLogCount("events", "rolledback00001"); n != 0 {
		t.Fatalf("%d changes logged for a rolled back event", n)
	}
	var idx int
	_ = e.app.DB().NewQuery("SELECT COUNT(*) FROM _sync_index WHERE record_id = 'rolledback00001'").Row(&idx)
	if idx != 0 {
		t.Fatal("index rows of a rolled back event")
	}

	// the log cannot be written: the event is not stored either
	if _, err := e.app.DB().NewQuery("ALTER TABLE _sync_log RENAME TO _sync_log_away").Execute(); err != nil {
		t.Fatal(err)
	}
	_, err := e.trySave("events", e.meeting(w.partyA, map[string]any{"id": "notlogged000001"}))
	if _, rerr := e.app.DB().NewQuery("ALTER TABLE _sync_log_away RENAME TO _sync_log").Execute(); rerr != nil {
		t.Fatal(rerr)
	}
	if err == nil {
		t.Fatal("an event was saved without its change")
	}
	if _, err := e.app.FindRecordById("events", "notlogged000001"); err == nil {
		t.Fatal("the event is stored without its change")
	}
	var audits int
	_ = e.app.DB().NewQuery("SELECT COUNT(*) FROM assignments WHERE event = 'notlogged000001'").Row(&audits)
	if audits != 0 {
		t.Fatal("its assignments are stored")
	}
}

// A move takes the event (and its assignments and receipt) out of exactly
// the scopes that lose it; a delete out of all of them.
func TestSyncCaptureScopeExitsAndDeletes(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	id := e.syncDeclare(w.orgA, e.meeting(w.partyA, nil))
	lead := e.syncLead(id)
	if res := e.do("PATCH", "/api/collections/assignments/records/"+lead.Id, w.commanderCotonou, map[string]any{"status": "acknowledged"}); res.Status != http.StatusOK {
		t.Fatal(res)
	}
	receipts, _ := e.app.FindAllRecords("receipts", dbx.HashExp{"event": id})
	if len(receipts) != 1 {
		t.Fatalf("%d receipts", len(receipts))
	}
	receipt := receipts[0]
	oldAssignments := e.assignmentsOf(id)

	if res := e.do("PATCH", "/api/collections/events/records/"+id, w.orgA, map[string]any{"commune": w.calavi.Id}); res.Status != http.StatusOK {
		t.Fatal(res)
	}
	lost := scopes("unit:"+w.comCotonou.Id, "unit:"+w.ddprLittoral.Id, "departement:"+w.depLittoral.Id)
	for _, c := range []struct{ col, id string }{{"events", id}, {"receipts", receipt.Id}} {
		got := e.syncIndexOf(c.col, c.id)
		if !slices.Equal(got.live, w.eventScopesCalavi(w.partyA)) || !slices.Equal(got.removed, lost) {
			t.Errorf("%s after the move: live %v removed %v", c.col, got.live, got.removed)
		}
		if slices.Min(got.seqs) != slices.Max(got.seqs) {
			t.Errorf("%s: one change, several seqs %v", c.col, got.seqs)
		}
	}
	for _, a := range oldAssignments {
		got := e.syncIndexOf("assignments", a.Id)
		if len(got.live) != 0 || len(got.removed) != 4 {
			t.Errorf("old assignment of %s: live %v removed %v", a.GetString("unit"), got.live, got.removed)
		}
	}

	// a superuser deletes it (dashboard): every scope loses it and its
	// children
	if res := e.doToken("DELETE", "/api/collections/events/records/"+id, superToken(t, e), nil); res.Status != http.StatusNoContent {
		t.Fatalf("delete: %s", res)
	}
	for _, c := range []struct{ col, id string }{{"events", id}, {"receipts", receipt.Id}} {
		if got := e.syncIndexOf(c.col, c.id); len(got.live) != 0 || len(got.removed) != 8 {
			t.Errorf("%s after delete: live %v removed %v", c.col, got.live, got.removed)
		}
	}
	var live int
	_ = e.app.DB().NewQuery("SELECT COUNT(*) FROM _sync_index i JOIN _sync_log l ON l.seq = i.seq WHERE i.removed = 0 AND l.collection = 'assignments'").Row(&live)
	if live != 0 {
		t.Errorf("%d live assignment rows after the delete", live)
	}
}

// Assignments written outside an event save (dashboard) and a unit moved
// to another département re-scope the records that depend on them.
func TestSyncCaptureDependentScopes(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	su := superToken(t, e)
	id := e.syncDeclare(w.orgA, e.meeting(w.partyA, nil))
	brigade := e.save("units", map[string]any{"name": "Brigade mobile", "kind": "commissariat", "departement": w.depLittoral.Id, "parent": w.ddprLittoral.Id})

	res := e.doToken("POST", "/api/collections/assignments/records", su, map[string]any{
		"event": id, "unit": w.comOuidah.Id, "role": "support", "status": "pending"})
	if res.Status != http.StatusOK {
		t.Fatalf("dashboard assignment: %s", res)
	}
	extra := res.JSON["id"].(string)
	want := scopes(append(w.eventScopesCotonou(w.partyA), "unit:"+w.comOuidah.Id, "departement:"+w.depAtlantique.Id)...)
	if got := e.syncIndexOf("events", id).live; !slices.Equal(got, want) {
		t.Fatalf("event with a dashboard assignment: %v, want %v", got, want)
	}
	// the Atlantique director now sees the event through REST and pull
	d := e.syncDevice("dir", w.directorAtlantique)
	d.pull(0, 0)
	if d.replica["events"][id] == nil {
		t.Fatal("the Atlantique director does not pull the event")
	}
	d.checkConverged(t)

	// moved to the brigade, then the brigade moves to Atlantique
	if res := e.doToken("PATCH", "/api/collections/assignments/records/"+extra, su, map[string]any{"unit": brigade.Id}); res.Status != http.StatusOK {
		t.Fatal(res)
	}
	d.pull(0, 0)
	d.checkConverged(t)
	if d.replica["events"][id] != nil {
		t.Fatal("the Atlantique director still has the event")
	}
	// the dashboard removes the assignment: Atlantique loses the event
	if res := e.doToken("DELETE", "/api/collections/assignments/records/"+extra, su, nil); res.Status != http.StatusNoContent {
		t.Fatal(res)
	}
	d.pull(0, 0)
	d.checkConverged(t)
	if got := e.syncIndexOf("events", id); !slices.Equal(got.live, w.eventScopesCotonou(w.partyA)) {
		t.Fatalf("event scopes %v", got.live)
	}

	// A cancelled event (never replanned) with an assignment of the
	// brigade and an incident routed to it; the brigade then moves to
	// Atlantique: its director gets all three, Littoral's keeps the event
	// (its directorate) but loses the incident.
	if res := e.do("PATCH", "/api/collections/events/records/"+id, w.orgA, map[string]any{"status": "cancelled"}); res.Status != http.StatusOK {
		t.Fatal(res)
	}
	res = e.doToken("POST", "/api/collections/assignments/records", su, map[string]any{
		"event": id, "unit": brigade.Id, "role": "support", "status": "pending"})
	if res.Status != http.StatusOK {
		t.Fatal(res)
	}
	extra = res.JSON["id"].(string)
	inc := e.do("POST", "/api/collections/incidents/records", w.officerCotonou, map[string]any{
		"event": id, "kind": "threat", "severity": 1, "description": "Menaces", "occurred_at": testNow})
	if inc.Status != http.StatusOK {
		t.Fatal(inc)
	}
	incID := inc.JSON["id"].(string)
	if res := e.doToken("PATCH", "/api/collections/incidents/records/"+incID, su, map[string]any{"unit": brigade.Id}); res.Status != http.StatusOK {
		t.Fatal(res)
	}
	dl := e.syncDevice("dirL", w.directorLittoral)
	dl.pull(0, 0)
	if dl.replica["incidents"][incID] == nil {
		t.Fatal("Littoral's director does not have the brigade's incident")
	}
	if res := e.doToken("PATCH", "/api/collections/units/records/"+brigade.Id, su, map[string]any{"departement": w.depAtlantique.Id, "parent": w.ddprAtlantique.Id}); res.Status != http.StatusOK {
		t.Fatal(res)
	}
	d.pull(0, 0)
	d.checkConverged(t)
	if d.replica["events"][id] == nil || d.replica["assignments"][extra] == nil || d.replica["incidents"][incID] == nil {
		t.Fatal("the Atlantique director does not get what the brigade it now directs sees")
	}
	dl.pull(0, 0)
	dl.checkConverged(t)
	if dl.replica["events"][id] == nil || dl.replica["incidents"][incID] != nil {
		t.Fatal("Littoral's director: wrong records after the brigade left")
	}
}
