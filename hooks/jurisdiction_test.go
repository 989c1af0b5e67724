package hooks_test

import (
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
)

// declare creates an event through REST as the given organizer.
func (e *env) declare(as *recordT, body map[string]any) response {
	e.t.Helper()
	return e.do("POST", "/api/collections/events/records", as, body)
}

func (e *env) mustDeclare(as *recordT, body map[string]any) string {
	e.t.Helper()
	res := e.declare(as, body)
	if res.Status != http.StatusOK {
		e.t.Fatalf("declare: %s", res)
	}
	return res.JSON["id"].(string)
}

func (e *env) assignments(eventID string) map[string]*core.Record {
	e.t.Helper()
	rs, err := e.app.FindAllRecords("assignments", dbx.HashExp{"event": eventID})
	if err != nil {
		e.t.Fatal(err)
	}
	out := map[string]*core.Record{}
	for _, r := range rs {
		out[r.GetString("unit")] = r
	}
	return out
}

// TestRuleCodesOnEveryWritePath checks that each rule's refusal carries its
// stable code whether the write comes through REST, /api/batch or Go.
func TestRuleCodesOnEveryWritePath(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	cases := []struct {
		name  string
		extra map[string]any
		party *recordT
		code  string
	}{
		{"no location", map[string]any{"commune": ""}, w.partyA, "location_required"},
		{"outside campaign", map[string]any{"starts_at": local(2026, 3, 20, 10, 0), "ends_at": local(2026, 3, 20, 12, 0)}, w.partyA, "outside_campaign"},
		{"window reversed", map[string]any{"starts_at": local(2026, 3, 14, 12, 0), "ends_at": local(2026, 3, 14, 10, 0)}, w.partyA, "invalid_window"},
		{"party not admitted", nil, w.partyC, "party_not_admitted"},
		{"meeting past 23:00", map[string]any{"starts_at": local(2026, 3, 14, 21, 0), "ends_at": local(2026, 3, 14, 23, 30)}, w.partyA, "quiet_hours"},
		{"meeting before 07:00", map[string]any{"starts_at": local(2026, 3, 14, 6, 30), "ends_at": local(2026, 3, 14, 9, 0)}, w.partyA, "quiet_hours"},
		{"rally across midnight", map[string]any{"kind": "rally", "starts_at": local(2026, 3, 13, 22, 0), "ends_at": local(2026, 3, 14, 1, 0)}, w.partyA, "quiet_hours"},
		{"sound vehicle at 14:00", map[string]any{"kind": "door_to_door", "sound_vehicle": true, "starts_at": local(2026, 3, 14, 12, 0), "ends_at": local(2026, 3, 14, 14, 0)}, w.partyA, "sound_hours"},
		{"commune and arrondissement disagree", map[string]any{"arrondissement": "", "commune": "nosuchcommune00"}, w.partyA, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			body := e.meeting(c.party, c.extra)
			// REST
			res := e.declare(w.orgA, body)
			if c.party == w.partyC {
				// an organizer of A cannot declare for C: the API rule
				// refuses first; use the Go path for the rule itself
				if res.Status == http.StatusOK {
					t.Fatalf("REST accepted a foreign party: %s", res)
				}
			} else if res.Status != http.StatusBadRequest || (c.code != "" && res.code() != c.code) {
				t.Fatalf("REST: %s, want 400 %s", res, c.code)
			}
			// batch
			if c.party != w.partyC {
				br := e.do("POST", "/api/batch", w.orgA, map[string]any{"requests": []any{
					map[string]any{"method": "POST", "url": "/api/collections/events/records", "body": body},
				}})
				if br.Status != http.StatusBadRequest || (c.code != "" && !strings.Contains(string(br.Body), `"`+c.code+`"`)) {
					t.Fatalf("batch: %s, want 400 with %s", br, c.code)
				}
			}
			// Go (dashboard and server code)
			_, err := e.trySave("events", body)
			if err == nil || (c.code != "" && !strings.Contains(errorCode(err), c.code)) {
				t.Fatalf("Go save: %v, want %s", err, c.code)
			}
		})
	}
	if n, _ := e.app.CountRecords("events"); n != 0 {
		t.Fatalf("%d events written by refused requests", n)
	}
}

// errorCode digs the stable code out of an error returned by app.Save.
func errorCode(err error) string {
	var coded interface{ Code() string }
	if errors.As(err, &coded) {
		return coded.Code()
	}
	return err.Error() + " " + apiErrorData(err)
}

func TestLateNoticeIsAcceptedAndEscalated(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	// starts in 2 days: fewer than the 72 h of notice
	id := e.mustDeclare(w.orgA, e.meeting(w.partyA, map[string]any{"starts_at": local(2026, 3, 12, 10, 0), "ends_at": local(2026, 3, 12, 12, 0)}))
	ev, _ := e.app.FindRecordById("events", id)
	if !ev.GetBool("late_notice") {
		t.Fatal("late notice not flagged")
	}
	as := e.assignments(id)
	if got := as[w.ddprLittoral.Id].GetString("status"); got != "escalated" {
		t.Fatalf("directorate assignment %q, want escalated", got)
	}
	// the notice counts from server receive time: a phone clock set back
	// does not matter, and the server time exactly 72 h ahead is on time
	e.now = local(2026, 3, 11, 10, 0)
	id = e.mustDeclare(w.orgA, e.meeting(w.partyA, map[string]any{"starts_at": local(2026, 3, 14, 10, 0), "ends_at": local(2026, 3, 14, 12, 0),
		"declared_at": ""}))
	ev, _ = e.app.FindRecordById("events", id)
	if ev.GetBool("late_notice") {
		t.Fatal("exactly 72 h of notice flagged late")
	}
}

func TestUncoveredEventIsLedByTheDirectorate(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	kpomasse := e.byCode("communes", "BJ0303") // Atlantique, no commissariat in the fixture
	id := e.mustDeclare(w.orgA, e.meeting(w.partyA, map[string]any{"commune": kpomasse.Id}))
	ev, _ := e.app.FindRecordById("events", id)
	if !ev.GetBool("uncovered") || ev.GetString("lead_unit") != w.ddprAtlantique.Id {
		t.Fatalf("uncovered=%v lead=%s", ev.GetBool("uncovered"), ev.GetString("lead_unit"))
	}
	if as := e.assignments(id); len(as) != 1 || as[w.ddprAtlantique.Id].GetString("role") != "lead" {
		t.Fatalf("assignments %v, want the directorate alone as lead", as)
	}
}

// TestEventWriteIsAtomic forces a failure after the event row is written
// (while its assignments are created) and checks that nothing remains.
func TestEventWriteIsAtomic(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	boom := errors.New("forced failure after the event row")
	e.app.OnRecordCreate("assignments").BindFunc(func(re *core.RecordEvent) error {
		if re.Record.GetString("role") == "oversight" {
			return boom
		}
		return re.Next()
	})
	res := e.declare(w.orgA, e.meeting(w.partyA, nil))
	if res.Status == http.StatusOK {
		t.Fatalf("declare succeeded despite the failure: %s", res)
	}
	for _, c := range []string{"events", "assignments", "audit"} {
		if n, _ := e.app.CountRecords(c); n != 0 {
			t.Errorf("%d %s rows left behind", n, c)
		}
	}
	var logged int
	_ = e.app.DB().NewQuery("SELECT COUNT(*) FROM _sync_log WHERE collection IN ('events','assignments')").Row(&logged)
	if logged != 0 {
		t.Errorf("%d sync log rows left behind", logged)
	}
}

func TestMovingAnEventReassignsIt(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	id := e.mustDeclare(w.orgA, e.meeting(w.partyA, nil))
	lead := e.assignments(id)[w.comCotonou.Id]
	if res := e.do("PATCH", "/api/collections/assignments/records/"+lead.Id, w.commanderCotonou, map[string]any{"status": "acknowledged"}); res.Status != http.StatusOK {
		t.Fatalf("acknowledge: %s", res)
	}
	if res := e.do("GET", "/api/collections/events/records/"+id, w.officerCotonou, nil); res.Status != http.StatusOK {
		t.Fatalf("Cotonou cannot see its event: %s", res)
	}

	// move it to Abomey-Calavi (another département)
	res := e.do("PATCH", "/api/collections/events/records/"+id, w.orgA, map[string]any{"commune": w.calavi.Id})
	if res.Status != http.StatusOK {
		t.Fatalf("move: %s", res)
	}
	if res.JSON["lead_unit"] != w.comCalavi.Id || res.JSON["directorate"] != w.ddprAtlantique.Id || res.JSON["version"] != float64(2) {
		t.Fatalf("after move: %s", res)
	}
	as := e.assignments(id)
	if len(as) != 2 || as[w.comCalavi.Id] == nil || as[w.ddprAtlantique.Id] == nil {
		t.Fatalf("assignments after move: %v", as)
	}
	// the units that lost the event lose it at once
	for _, u := range []*recordT{w.officerCotonou, w.commanderCotonou, w.directorLittoral} {
		if res := e.do("GET", "/api/collections/events/records/"+id, u, nil); res.Status != http.StatusNotFound {
			t.Errorf("%s still sees the moved event: %d", u.Email(), res.Status)
		}
	}
	if res := e.do("GET", "/api/collections/events/records/"+id, w.commanderCalavi, nil); res.Status != http.StatusOK {
		t.Errorf("Calavi does not see the moved event: %s", res)
	}
	// and their sync scope records the removal
	var removed int
	_ = e.app.DB().NewQuery("SELECT removed FROM _sync_index WHERE scope = {:s} AND collection = 'events' AND record_id = {:id}").
		Bind(dbx.Params{"s": "unit:" + w.comCotonou.Id, "id": id}).Row(&removed)
	if removed != 1 {
		t.Error("no sync remove for the unit that lost the event")
	}
	// the receipt of the old acknowledgement no longer stands
	rs, _ := e.app.FindAllRecords("receipts", dbx.HashExp{"event": id})
	if len(rs) != 1 || rs[0].GetString("revoked_at") == "" {
		t.Fatalf("receipt after move: %v", rs)
	}
}

func TestTimeChangeResetsAcknowledgement(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	id := e.mustDeclare(w.orgA, e.meeting(w.partyA, nil))
	lead := e.assignments(id)[w.comCotonou.Id]
	if res := e.do("PATCH", "/api/collections/assignments/records/"+lead.Id, w.commanderCotonou, map[string]any{"status": "acknowledged", "officers": 12, "plan": "Deux équipes"}); res.Status != http.StatusOK {
		t.Fatalf("acknowledge: %s", res)
	}
	res := e.do("PATCH", "/api/collections/events/records/"+id, w.orgA, map[string]any{"starts_at": local(2026, 3, 14, 15, 0), "ends_at": local(2026, 3, 14, 17, 0)})
	if res.Status != http.StatusOK {
		t.Fatalf("reschedule: %s", res)
	}
	lead, _ = e.app.FindRecordById("assignments", lead.Id)
	if lead.GetString("status") != "pending" || lead.GetString("acknowledged_by") != "" || lead.GetInt("officers") != 12 {
		t.Fatalf("lead after time change: status %s by %q officers %d", lead.GetString("status"), lead.GetString("acknowledged_by"), lead.GetInt("officers"))
	}
	// a title change alone keeps the acknowledgement
	e.do("PATCH", "/api/collections/assignments/records/"+lead.Id, w.commanderCotonou, map[string]any{"status": "acknowledged"})
	e.do("PATCH", "/api/collections/events/records/"+id, w.orgA, map[string]any{"title": "Nouveau titre"})
	lead, _ = e.app.FindRecordById("assignments", lead.Id)
	if lead.GetString("status") != "acknowledged" {
		t.Fatalf("title change reset the acknowledgement: %s", lead.GetString("status"))
	}
}

func TestCoverageChangeReassignsFutureEvents(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	kpomasse := e.byCode("communes", "BJ0303")
	id := e.mustDeclare(w.orgA, e.meeting(w.partyA, map[string]any{"commune": kpomasse.Id}))
	if ev, _ := e.app.FindRecordById("events", id); !ev.GetBool("uncovered") {
		t.Fatal("expected an uncovered event")
	}
	// the ministry extends Ouidah's commissariat to Kpomassè
	res := e.do("PATCH", "/api/collections/units/records/"+w.comOuidah.Id, w.ministry, map[string]any{"communes": []string{w.ouidah.Id, kpomasse.Id}})
	if res.Status != http.StatusOK {
		t.Fatalf("coverage edit: %s", res)
	}
	ev, _ := e.app.FindRecordById("events", id)
	if ev.GetBool("uncovered") || ev.GetString("lead_unit") != w.comOuidah.Id {
		t.Fatalf("after coverage change: uncovered=%v lead=%s", ev.GetBool("uncovered"), ev.GetString("lead_unit"))
	}
	as := e.assignments(id)
	if as[w.comOuidah.Id].GetString("role") != "lead" || as[w.ddprAtlantique.Id].GetString("role") != "oversight" {
		t.Fatalf("assignments %v", as)
	}
	// a conflicting coverage edit is refused, naming the unit (in the
	// detailed English message)
	ministryTok, _ := w.ministry.NewAuthToken()
	res = e.doHeaders("PATCH", "/api/collections/units/records/"+w.comCalavi.Id, ministryTok, map[string]any{"communes": []string{w.calavi.Id, kpomasse.Id}}, english)
	if res.Status != http.StatusBadRequest || res.code() != "coverage_conflict" || !strings.Contains(string(res.Body), "Ouidah") {
		t.Fatalf("conflicting coverage: %s", res)
	}
	// and coverage stays inside the département
	res = e.do("PATCH", "/api/collections/units/records/"+w.comCalavi.Id, w.ministry, map[string]any{"communes": []string{w.calavi.Id, w.cotonou.Id}})
	if res.Status != http.StatusBadRequest {
		t.Fatalf("coverage across départements: %s", res)
	}
}

func TestClashFlagsBothEvents(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	at := map[string]any{"location": map[string]any{"lat": 6.3703, "lon": 2.3912}}
	a := e.mustDeclare(w.orgA, e.meeting(w.partyA, at))
	// party B, 300 m away, overlapping by the buffer
	b := e.mustDeclare(w.orgB, e.meeting(w.partyB, map[string]any{"location": map[string]any{"lat": 6.3730, "lon": 2.3912},
		"starts_at": local(2026, 3, 14, 12, 30), "ends_at": local(2026, 3, 14, 14, 0)}))
	ea, _ := e.app.FindRecordById("events", a)
	eb, _ := e.app.FindRecordById("events", b)
	if !ea.GetBool("clash") || !eb.GetBool("clash") || ea.GetStringSlice("clash_with")[0] != b || eb.GetStringSlice("clash_with")[0] != a {
		t.Fatalf("clash a=%v %v b=%v %v", ea.GetBool("clash"), ea.GetStringSlice("clash_with"), eb.GetBool("clash"), eb.GetStringSlice("clash_with"))
	}
	// same party: no clash
	c := e.mustDeclare(w.orgA, e.meeting(w.partyA, at))
	if ec, _ := e.app.FindRecordById("events", c); ec.GetBool("clash") && len(ec.GetStringSlice("clash_with")) != 1 {
		t.Fatalf("same-party event clashes with %v", ec.GetStringSlice("clash_with"))
	}
	// cancelling B clears the links on both sides
	if res := e.do("PATCH", "/api/collections/events/records/"+b, w.orgB, map[string]any{"status": "cancelled"}); res.Status != http.StatusOK {
		t.Fatalf("cancel: %s", res)
	}
	ea, _ = e.app.FindRecordById("events", a)
	if ea.GetBool("clash") {
		t.Fatalf("A still clashes after B was cancelled: %v", ea.GetStringSlice("clash_with"))
	}
}

func TestOverdueLeadAssignmentsEscalate(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	id := e.mustDeclare(w.orgA, e.meeting(w.partyA, nil))
	lead := e.assignments(id)[w.comCotonou.Id]
	due := lead.GetDateTime("due_at").Time()
	if want := testNow.Add(12 * time.Hour); !due.Equal(want) {
		t.Fatalf("due_at %v, want declared + 12 h = %v", due, want)
	}
	e.now = due.Add(-time.Minute)
	if n, err := e.svc.Write.EscalateOverdue(e.app); err != nil || n != 0 {
		t.Fatalf("before the deadline: %d escalated, %v", n, err)
	}
	e.now = due.Add(time.Minute)
	if n, err := e.svc.Write.EscalateOverdue(e.app); err != nil || n != 1 {
		t.Fatalf("after the deadline: %d escalated, %v", n, err)
	}
	lead, _ = e.app.FindRecordById("assignments", lead.Id)
	if lead.GetString("status") != "escalated" {
		t.Fatalf("status %s", lead.GetString("status"))
	}
	// the commander may still acknowledge an escalated assignment (J12)
	if res := e.do("PATCH", "/api/collections/assignments/records/"+lead.Id, w.commanderCotonou, map[string]any{"status": "acknowledged"}); res.Status != http.StatusOK {
		t.Fatalf("acknowledge after escalation: %s", res)
	}
	if n, _ := e.svc.Write.EscalateOverdue(e.app); n != 0 {
		t.Fatal("an acknowledged assignment was escalated")
	}
}

func TestPoliceCannotRefuseOrEditEvents(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	id := e.mustDeclare(w.orgA, e.meeting(w.partyA, nil))
	lead := e.assignments(id)[w.comCotonou.Id]
	url := "/api/collections/assignments/records/" + lead.Id
	for _, c := range []struct {
		as   *recordT
		body map[string]any
		code string
	}{
		{w.commanderCotonou, map[string]any{"status": "refused"}, ""},
		{w.commanderCotonou, map[string]any{"status": "adjustment_requested"}, "reason_required"},
		{w.officerCotonou, map[string]any{"status": "acknowledged"}, ""},
		{w.commanderCalavi, map[string]any{"status": "acknowledged"}, ""},
		{w.commanderCotonou, map[string]any{"unit": w.comCalavi.Id}, "server_field"},
		{w.orgA, map[string]any{"status": "acknowledged"}, ""},
	} {
		if res := e.do("PATCH", url, c.as, c.body); res.Status == http.StatusOK || (c.code != "" && res.code() != c.code) {
			t.Errorf("%s %v: %s", c.as.Email(), c.body, res)
		}
	}
	if res := e.do("PATCH", url, w.commanderCotonou, map[string]any{"status": "adjustment_requested", "reason": "Effectifs insuffisants ce jour-là"}); res.Status != http.StatusOK {
		t.Fatalf("adjustment request: %s", res)
	}
	// police change nothing of the event but its progress
	evURL := "/api/collections/events/records/" + id
	if res := e.do("PATCH", evURL, w.commanderCotonou, map[string]any{"title": "Changé"}); res.Status != http.StatusBadRequest || res.code() != "forbidden_field" {
		t.Errorf("police edited the title: %s", res)
	}
	// nor freeze it days ahead (issue 12.8): the event is four days away
	for _, st := range []string{"in_progress", "completed"} {
		if res := e.do("PATCH", evURL, w.officerCotonou, map[string]any{"status": st}); res.Status != http.StatusBadRequest || res.code() != "status_out_of_window" {
			t.Errorf("%s four days ahead: %s", st, res)
		}
	}
	e.now = local(2026, 3, 14, 8, 30) // the crowd gathers
	if res := e.do("PATCH", evURL, w.commanderCotonou, map[string]any{"status": "in_progress"}); res.Status != http.StatusOK {
		t.Errorf("lead unit could not mark in progress: %s", res)
	}
	if res := e.do("PATCH", evURL, w.officerCotonou, map[string]any{"status": "completed"}); res.Status != http.StatusBadRequest || res.code() != "status_out_of_window" {
		t.Errorf("completed before the start: %s", res)
	}
	e.now = local(2026, 3, 14, 12, 30)
	if res := e.do("PATCH", evURL, w.officerCotonou, map[string]any{"status": "completed"}); res.Status != http.StatusOK {
		t.Errorf("completed after the start: %s", res)
	}
	// the lead's commander takes back a mistaken status; an officer cannot
	if res := e.do("PATCH", evURL, w.officerCotonou, map[string]any{"status": "in_progress"}); res.Status != http.StatusBadRequest || res.code() != "event_closed" {
		t.Errorf("officer reopened: %s", res)
	}
	if res := e.do("PATCH", evURL, w.commanderCotonou, map[string]any{"status": "declared"}); res.Status != http.StatusOK {
		t.Errorf("commander could not undo completed: %s", res)
	}
	if res := e.do("PATCH", evURL, w.orgA, map[string]any{"notes": "Toujours modifiable"}); res.Status != http.StatusOK {
		t.Errorf("party could not edit after the undo: %s", res)
	}
	if res := e.do("PATCH", evURL, w.orgA, map[string]any{"lead_unit": w.comCalavi.Id}); res.Status != http.StatusBadRequest || res.code() != "server_field" {
		t.Errorf("organizer wrote lead_unit: %s", res)
	}
}

func TestAuditTrail(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	id := e.mustDeclare(w.orgA, e.meeting(w.partyA, nil))
	e.do("PATCH", "/api/collections/events/records/"+id, w.orgA, map[string]any{"title": "Titre modifié"})
	rows, err := e.app.FindAllRecords("audit", dbx.HashExp{"collection": "events", "record": id})
	if err != nil || len(rows) != 2 {
		t.Fatalf("%d audit rows for the event (%v), want create + update", len(rows), err)
	}
	var update *core.Record
	for _, r := range rows {
		if r.GetString("action") == "update" {
			update = r
		}
	}
	if update == nil || update.GetString("actor") != w.orgA.Id {
		t.Fatalf("update audit: %v", update)
	}
	var changes map[string]map[string]any
	_ = update.UnmarshalJSONField("changes", &changes)
	if changes["title"]["before"] != "Meeting à Cotonou" || changes["title"]["after"] != "Titre modifié" {
		t.Fatalf("changes %v", changes)
	}
	if n, _ := e.app.CountRecords("audit", dbx.HashExp{"collection": "assignments"}); n != 2 {
		t.Fatalf("%d assignment audit rows, want 2", n)
	}
	// readable by the ministry only
	if res := e.do("GET", "/api/collections/audit/records", w.ministry, nil); len(ids(res)) == 0 {
		t.Fatalf("ministry cannot read the audit: %s", res)
	}
	for _, u := range []*recordT{w.orgA, w.commanderCotonou, w.directorLittoral} {
		if res := e.do("GET", "/api/collections/audit/records", u, nil); len(ids(res)) != 0 {
			t.Errorf("%s reads the audit", u.Email())
		}
	}
}

func TestIncidentsAreRouted(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	id := e.mustDeclare(w.orgA, e.meeting(w.partyA, nil))
	res := e.do("POST", "/api/collections/incidents/records", w.orgA, map[string]any{
		"event": id, "kind": "disorder", "severity": 3, "description": "Jets de pierres", "occurred_at": testNow, "status": "verified",
	})
	if res.Status != http.StatusBadRequest {
		t.Fatalf("an organizer verified its own report: %s", res)
	}
	res = e.do("POST", "/api/collections/incidents/records", w.orgA, map[string]any{
		"event": id, "kind": "disorder", "severity": 3, "description": "Jets de pierres", "occurred_at": testNow,
	})
	if res.Status != http.StatusOK {
		t.Fatalf("report: %s", res)
	}
	j := res.JSON
	if j["unit"] != w.comCotonou.Id || j["status"] != "unverified" || j["reported_by"] != w.orgA.Id ||
		j["flagged"] != true || j["directorate"] != w.ddprLittoral.Id || j["departement"] != w.depLittoral.Id {
		t.Fatalf("incident: %s", res)
	}
	// the lead unit and the director see it; the other unit does not
	inc := j["id"].(string)
	for u, want := range map[*recordT]int{w.officerCotonou: 200, w.directorLittoral: 200, w.officerCalavi: 404, w.orgB: 404} {
		if res := e.do("GET", "/api/collections/incidents/records/"+inc, u, nil); res.Status != want {
			t.Errorf("%s: %d, want %d", u.Email(), res.Status, want)
		}
	}
	// without an event, the unit comes from the commune of... a location is
	// needed: none given is a clear 400
	res = e.do("POST", "/api/collections/incidents/records", w.officerCalavi, map[string]any{
		"kind": "threat", "severity": 1, "description": "Menaces", "occurred_at": testNow,
	})
	if res.Status != http.StatusBadRequest || res.code() != "location_required" {
		t.Fatalf("incident without place: %s", res)
	}
}

func TestDeletingAnEventKeepsOthersConsistent(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	at := map[string]any{"location": map[string]any{"lat": 6.3703, "lon": 2.3912}}
	a := e.mustDeclare(w.orgA, e.meeting(w.partyA, at))
	b := e.mustDeclare(w.orgB, e.meeting(w.partyB, at))
	res := e.do("POST", "/api/collections/incidents/records", w.orgA, map[string]any{
		"event": a, "kind": "threat", "severity": 1, "description": "Menaces", "occurred_at": testNow,
	})
	if res.Status != http.StatusOK {
		t.Fatalf("incident: %s", res)
	}
	ev, _ := e.app.FindRecordById("events", a)
	if err := e.app.Delete(ev); err != nil { // a superuser, from the dashboard
		t.Fatalf("delete: %v", err)
	}
	eb, _ := e.app.FindRecordById("events", b)
	if eb.GetBool("clash") || len(eb.GetStringSlice("clash_with")) != 0 {
		t.Fatalf("partner still clashes with a deleted event: %v", eb.GetStringSlice("clash_with"))
	}
	inc, _ := e.app.FindRecordById("incidents", res.JSON["id"].(string))
	if inc == nil || inc.GetString("unit") != w.comCotonou.Id {
		t.Fatalf("incident lost its unit: %v", inc)
	}
}

// Clash searches read a bounded start range (events of at most a day) plus
// the long events' own index: both kinds are still found.
func TestClashFindsLongAndEarlyEvents(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	at := map[string]any{"location": map[string]any{"lat": 6.3703, "lon": 2.3912}}
	// party B: a march of three days, and a door-to-door round of 22 h,
	// both started well before A's meeting of 14 March 10:00–12:00
	long := e.mustDeclare(w.orgB, e.meeting(w.partyB, map[string]any{"kind": "march", "location": at["location"],
		"starts_at": local(2026, 3, 12, 8, 0), "ends_at": local(2026, 3, 15, 8, 0)}))
	early := e.mustDeclare(w.orgB, e.meeting(w.partyB, map[string]any{"kind": "door_to_door", "location": at["location"],
		"starts_at": local(2026, 3, 13, 13, 0), "ends_at": local(2026, 3, 14, 11, 0)}))
	// and one that ended before A begins (beyond the buffer): no clash
	before := e.mustDeclare(w.orgB, e.meeting(w.partyB, map[string]any{"kind": "door_to_door", "location": at["location"],
		"starts_at": local(2026, 3, 13, 7, 0), "ends_at": local(2026, 3, 13, 20, 0)}))
	a := e.mustDeclare(w.orgA, e.meeting(w.partyA, at))
	ea, _ := e.app.FindRecordById("events", a)
	got := ea.GetStringSlice("clash_with")
	if !slices.Contains(got, long) || !slices.Contains(got, early) || slices.Contains(got, before) {
		t.Fatalf("clash_with %v; want %s (3 days) and %s (22 h), not %s", got, long, early, before)
	}
}
