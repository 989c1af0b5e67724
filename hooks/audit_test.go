package hooks_test

import (
	"net/http"
	"net/url"
	"testing"
	"time"

	"coprosec/hooks/write"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
)

// auditRows are the audit rows of one record, oldest first (the server
// gives them ids that sort by creation).
func (e *env) auditRows(collection, id string) []*core.Record {
	e.t.Helper()
	rows, err := e.app.FindRecordsByFilter("audit", "collection = {:c} && record = {:r}", "id", 0, 0,
		dbx.Params{"c": collection, "r": id})
	if err != nil {
		e.t.Fatal(err)
	}
	return rows
}

// auditActor is the actor part of an audit row.
type auditActor struct {
	Kind, User, Superuser, Name, Role, Unit, UnitName, Party, PartyName string
}

func actorOfRow(r *core.Record) auditActor {
	return auditActor{
		Kind: r.GetString("actor_kind"), User: r.GetString("actor"), Superuser: r.GetString("actor_superuser"),
		Name: r.GetString("actor_name"), Role: r.GetString("actor_role"),
		Unit: r.GetString("actor_unit"), UnitName: r.GetString("actor_unit_name"),
		Party: r.GetString("actor_party"), PartyName: r.GetString("actor_party_name"),
	}
}

// An account's deletion clears the `actor` relation of its audit rows; the
// snapshot taken at write time still says who acted.
func TestAuditActorSurvivesAccountDeletion(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	org := e.save("users", map[string]any{"email": "awa.dossou@test.bj", "password": testPassword, "name": "Awa Dossou",
		"role": "organizer", "party": w.partyA.Id, "phone": "+22997001122", "verified": true})
	cmd := e.save("users", map[string]any{"email": "koffi.agossou@test.bj", "password": testPassword, "name": "Koffi Agossou",
		"role": "commander", "unit": w.comCotonou.Id, "phone": "+22997001133", "verified": true})

	id := e.mustDeclare(org, e.meeting(w.partyA, nil))
	if res := e.do("PATCH", "/api/collections/events/records/"+id, org, map[string]any{"title": "Meeting au stade"}); res.Status != http.StatusOK {
		t.Fatalf("update: %s", res)
	}
	lead := e.assignments(id)[w.comCotonou.Id]
	if res := e.do("PATCH", "/api/collections/assignments/records/"+lead.Id, cmd, map[string]any{"status": "acknowledged", "officers": 4}); res.Status != http.StatusOK {
		t.Fatalf("ack: %s", res)
	}

	// the party admin deletes its organizer, the ministry the commander
	if res := e.do("DELETE", "/api/collections/users/records/"+org.Id, w.adminA, nil); res.Status != http.StatusNoContent {
		t.Fatalf("delete organizer: %s", res)
	}
	if res := e.do("DELETE", "/api/collections/users/records/"+cmd.Id, w.ministry, nil); res.Status != http.StatusNoContent {
		t.Fatalf("delete commander: %s", res)
	}

	wantOrg := auditActor{Kind: "user", Name: "Awa Dossou", Role: "organizer", Party: w.partyA.Id, PartyName: "Parti A"}
	wantCmd := auditActor{Kind: "user", Name: "Koffi Agossou", Role: "commander", Unit: w.comCotonou.Id, UnitName: "Commissariat central de Cotonou"}
	rows := e.auditRows("events", id)
	if len(rows) < 2 {
		t.Fatalf("%d audit rows for the event", len(rows))
	}
	for i, r := range rows[:2] { // create, update (then created_by cleared by the deletion)
		if got := actorOfRow(r); got != wantOrg {
			t.Errorf("event audit row %d (%s): actor %+v, want %+v", i, r.GetString("action"), got, wantOrg)
		}
	}
	// the assignment written by the organizer's declaration names it too,
	// its acknowledgement the commander, and the clearing of
	// acknowledged_by by the deletion the ministry
	arows := e.auditRows("assignments", lead.Id)
	if len(arows) != 3 {
		t.Fatalf("%d audit rows for the lead assignment, want create, ack, acknowledged_by cleared", len(arows))
	}
	for i, want := range []auditActor{wantOrg, wantCmd} {
		if got := actorOfRow(arows[i]); got != want {
			t.Errorf("assignment audit row %d (%s): actor %+v, want %+v", i, arows[i].GetString("action"), got, want)
		}
	}
	if got := actorOfRow(arows[2]); got.Kind != "user" || got.User != w.ministry.Id || got.Role != "ministry" {
		t.Errorf("acknowledged_by cleared by the deletion: actor %+v", got)
	}
	// the deletion's own consequence (created_by cleared) names who deleted
	last := rows[len(rows)-1]
	if got := actorOfRow(last); last.GetString("action") != "update" || got.Kind != "user" || got.User != w.adminA.Id || got.Role != "party_admin" {
		t.Errorf("created_by cleared by the deletion: %s, actor %+v", last.GetString("action"), got)
	}

	// the party still edits the event of its deleted organizer
	if res := e.do("PATCH", "/api/collections/events/records/"+id, w.adminA, map[string]any{"notes": "Repris par l'administrateur du parti"}); res.Status != http.StatusOK {
		t.Errorf("edit after the organizer's deletion: %s", res)
	}

	// the ministry reads the snapshot; nobody else reads the audit
	res := e.do("GET", "/api/collections/audit/records?filter="+url.QueryEscape("actor_name = 'Awa Dossou'"), w.ministry, nil)
	if res.Status != http.StatusOK || len(ids(res)) < 2 {
		t.Fatalf("ministry filter on actor_name: %s", res)
	}
	for _, u := range []*core.Record{w.adminA, w.orgB, w.commanderCotonou, w.directorLittoral} {
		if res := e.do("GET", "/api/collections/audit/records?filter="+url.QueryEscape("actor_name != ''"), u, nil); len(ids(res)) != 0 {
			t.Errorf("%s reads the audit: %s", u.Email(), res)
		}
		if res := e.do("GET", "/api/collections/audit/records/"+rows[0].Id, u, nil); res.Status != http.StatusNotFound {
			t.Errorf("%s views an audit row: %s", u.Email(), res)
		}
	}
}

// A superuser's write from the dashboard (REST with a superuser token)
// names that superuser.
func TestAuditNamesTheDashboardSuperuser(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	su := e.rcSuperuser()
	token, err := su.NewAuthToken()
	if err != nil {
		t.Fatal(err)
	}
	id := e.mustDeclare(w.orgA, e.meeting(w.partyA, nil))
	if res := e.doToken("PATCH", "/api/collections/events/records/"+id, token, map[string]any{"title": "Corrigé par l'administrateur"}); res.Status != http.StatusOK {
		t.Fatalf("superuser PATCH: %s", res)
	}
	rows := e.auditRows("events", id)
	update := rows[len(rows)-1]
	want := auditActor{Kind: "superuser", Superuser: su.Id, Name: su.Email()}
	if got := actorOfRow(update); update.GetString("action") != "update" || got != want {
		t.Fatalf("dashboard update: %s by %+v, want %+v", update.GetString("action"), got, want)
	}
	// and what the write causes: a superuser's move replans the event
	if res := e.doToken("PATCH", "/api/collections/events/records/"+id, token, map[string]any{"commune": w.calavi.Id}); res.Status != http.StatusOK {
		t.Fatalf("superuser move: %s", res)
	}
	created := e.assignments(id)[w.comCalavi.Id]
	if created == nil {
		t.Fatal("no Calavi assignment after the move")
	}
	for _, r := range e.auditRows("assignments", created.Id) {
		if got := actorOfRow(r); got != want {
			t.Errorf("assignment written by the move (%s): actor %+v, want %+v", r.GetString("action"), got, want)
		}
	}

	// a ministry user's coverage edit (a collection with no checks of its
	// own) names it on the events it replans
	other := e.mustDeclare(w.orgA, e.meeting(w.partyA, map[string]any{"commune": w.ouidah.Id}))
	if res := e.do("PATCH", "/api/collections/units/records/"+w.comOuidah.Id, w.ministry, map[string]any{"communes": []string{}}); res.Status != http.StatusOK {
		t.Fatalf("coverage edit: %s", res)
	}
	rows = e.auditRows("events", other)
	last := rows[len(rows)-1]
	if got := actorOfRow(last); last.GetString("action") != "update" || got.Kind != "user" || got.User != w.ministry.Id || got.Role != "ministry" {
		t.Fatalf("event replanned by a coverage edit: %s by %+v", last.GetString("action"), got)
	}
}

// Go code's writes (the escalation job, a save with no request) say
// "system".
func TestAuditNamesSystemWrites(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	id := e.mustDeclare(w.orgA, e.meeting(w.partyA, nil))
	lead := e.assignments(id)[w.comCotonou.Id]
	e.now = lead.GetDateTime("due_at").Time().Add(time.Minute)
	if n, err := e.svc.Write.EscalateOverdue(e.app); err != nil || n != 1 {
		t.Fatalf("escalated %d, %v", n, err)
	}
	rows := e.auditRows("assignments", lead.Id)
	last := rows[len(rows)-1]
	want := auditActor{Kind: "system", Name: write.EscalationActor}
	if got := actorOfRow(last); last.GetString("action") != "update" || got != want {
		t.Fatalf("escalation: %s by %+v, want %+v", last.GetString("action"), got, want)
	}

	ev, err := e.app.FindRecordById("events", id)
	if err != nil {
		t.Fatal(err)
	}
	ev.Set("notes", "Note ajoutée par un script")
	if err := e.app.Save(ev); err != nil {
		t.Fatal(err)
	}
	rows = e.auditRows("events", id)
	last = rows[len(rows)-1]
	if got := actorOfRow(last); last.GetString("action") != "update" || got != (auditActor{Kind: "system", Name: "server"}) {
		t.Fatalf("Go save: %s by %+v", last.GetString("action"), got)
	}
}

// The migration fills the snapshot of the rows written before it from
// their actor's account; rows without an actor stay unattributed.
func TestAuditActorBackfill(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	id := e.mustDeclare(w.orgA, e.meeting(w.partyA, nil))
	lead := e.assignments(id)[w.comCotonou.Id]
	if res := e.do("PATCH", "/api/collections/assignments/records/"+lead.Id, w.commanderCotonou, map[string]any{"status": "acknowledged"}); res.Status != http.StatusOK {
		t.Fatalf("ack: %s", res)
	}
	var mig *core.Migration
	for _, m := range core.AppMigrations.Items() {
		if m.File == "1700000007_audit_actor_snapshot.go" {
			mig = m
		}
	}
	if mig == nil || mig.Down == nil {
		t.Fatal("migration 1700000007_audit_actor_snapshot.go (with its down) not registered")
	}
	// as before the migration: no snapshot, a row without an actor
	if err := mig.Down(e.app); err != nil {
		t.Fatal(err)
	}
	if _, err := e.app.DB().NewQuery("UPDATE audit SET actor = '' WHERE collection = 'assignments' AND action = 'create'").Execute(); err != nil {
		t.Fatal(err)
	}
	if err := mig.Up(e.app); err != nil {
		t.Fatal(err)
	}
	for _, r := range e.auditRows("events", id) {
		want := auditActor{Kind: "user", User: w.orgA.Id, Name: "organizer", Role: "organizer", Party: w.partyA.Id, PartyName: "Parti A"}
		if got := actorOfRow(r); got != want {
			t.Errorf("event row backfilled as %+v, want %+v", got, want)
		}
	}
	for _, r := range e.auditRows("assignments", lead.Id) {
		want := auditActor{} // no actor known
		if r.GetString("action") == "update" {
			want = auditActor{Kind: "user", User: w.commanderCotonou.Id, Name: "commander", Role: "commander",
				Unit: w.comCotonou.Id, UnitName: "Commissariat central de Cotonou"}
		}
		if got := actorOfRow(r); got != want {
			t.Errorf("assignment %s row backfilled as %+v, want %+v", r.GetString("action"), got, want)
		}
	}
}
