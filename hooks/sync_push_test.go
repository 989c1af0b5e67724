package hooks_test

import (
	"context"
	stdsql "database/sql"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"coprosec/hooks/write"
	"coprosec/internal/syncproto"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
)

func mCreate(id, col, recordID string, data map[string]any) syncMutation {
	return syncMutation{"id": id, "collection": col, "op": "create", "record_id": recordID, "data": data}
}

func mUpdate(id, col, recordID string, base int, data map[string]any) syncMutation {
	m := syncMutation{"id": id, "collection": col, "op": "update", "record_id": recordID, "data": data}
	if base >= 0 {
		m["base_version"] = base
	}
	return m
}

// pushAs pushes muts as u and fails unless the request itself succeeds.
func (e *env) pushAs(u *core.Record, device string, muts ...syncMutation) []syncproto.Result {
	e.t.Helper()
	tok, _ := u.NewAuthToken()
	p, res := e.syncPush(tok, device, muts)
	if res.Status != http.StatusOK {
		e.t.Fatalf("push: %s", res)
	}
	return p.Results
}

func statuses(rs []syncproto.Result) string {
	var out []string
	for _, r := range rs {
		s := r.Status
		if r.Error != nil {
			s += ":" + r.Error.Code
		}
		out = append(out, s)
	}
	return strings.Join(out, ",")
}

func (e *env) auditCount(collection, record string) int {
	var n int
	err := e.app.DB().NewQuery("SELECT COUNT(*) FROM audit WHERE collection = {:c} AND record = {:r}").
		Bind(dbx.Params{"c": collection, "r": record}).Row(&n)
	if err != nil {
		e.t.Fatal(err)
	}
	return n
}

// Mutations apply in order, each on its own, through the event rules;
// creates keep the client's id.
func TestSyncPushAppliesInOrder(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	const id = "clientevent0001"
	rs := e.pushAs(w.orgA, "d1",
		mCreate("m1", "events", id, e.meeting(w.partyA, nil)),
		mUpdate("m2", "events", id, 1, map[string]any{"title": "Nouveau titre"}),
		mUpdate("m3", "events", id, 2, map[string]any{"status": "cancelled"}),
	)
	if statuses(rs) != "applied,applied,applied" {
		t.Fatalf("results %s", statuses(rs))
	}
	ev := e.syncRecord("events", id)
	if ev.GetString("title") != "Nouveau titre" || ev.GetString("status") != "cancelled" || ev.GetInt("version") != 3 {
		t.Fatalf("event %v", ev.FieldsData())
	}
	if ev.GetString("lead_unit") != w.comCotonou.Id || ev.GetString("created_by") != w.orgA.Id {
		t.Fatalf("server fields: lead %q created_by %q", ev.GetString("lead_unit"), ev.GetString("created_by"))
	}
	if rs[2].Record["status"] != "cancelled" || rs[0].Record["id"] != id {
		t.Fatalf("result records %v / %v", rs[0].Record, rs[2].Record)
	}
	var actors []string
	_ = e.app.DB().NewQuery("SELECT actor FROM audit WHERE record = {:r} ORDER BY created").Bind(dbx.Params{"r": id}).Column(&actors)
	if len(actors) != 3 || actors[0] != w.orgA.Id || actors[2] != w.orgA.Id {
		t.Fatalf("audit actors %v", actors)
	}
	// a second create with the same record id but a new mutation id is refused
	rs = e.pushAs(w.orgA, "d1", mCreate("m4", "events", id, e.meeting(w.partyA, nil)))
	if statuses(rs) != "rejected:already_exists" {
		t.Fatalf("duplicate create: %s", statuses(rs))
	}
	// and so is one created earlier in the same batch
	rs = e.pushAs(w.orgA, "d1", mCreate("m5", "events", "clientevent0002", e.meeting(w.partyA, nil)),
		mCreate("m6", "events", "clientevent0002", e.meeting(w.partyA, nil)))
	if statuses(rs) != "applied,rejected:already_exists" {
		t.Fatalf("duplicate create in one batch: %s", statuses(rs))
	}
}

// Push refuses what REST refuses, with the same code.
func TestSyncPushSameRulesAsREST(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	cases := []struct {
		name string
		as   *core.Record
		body map[string]any
	}{
		{"quiet hours", w.orgA, e.meeting(w.partyA, map[string]any{"starts_at": local(2026, 3, 14, 22, 0), "ends_at": local(2026, 3, 14, 23, 30)})},
		{"outside campaign", w.orgA, e.meeting(w.partyA, map[string]any{"starts_at": local(2026, 3, 20, 10, 0), "ends_at": local(2026, 3, 20, 12, 0)})},
		{"party not admitted", w.orgA, e.meeting(w.partyC, nil)},
		{"server field", w.orgA, e.meeting(w.partyA, map[string]any{"lead_unit": w.comCalavi.Id})},
		{"another party", w.orgB, e.meeting(w.partyA, nil)},
		{"police declares", w.officerCotonou, e.meeting(w.partyA, nil)},
		{"no place", w.orgA, e.meeting(w.partyA, map[string]any{"commune": ""})},
		{"bad kind", w.orgA, e.meeting(w.partyA, map[string]any{"kind": "picnic"})},
	}
	for i, c := range cases {
		rest := e.do("POST", "/api/collections/events/records", c.as, c.body)
		rs := e.pushAs(c.as, "d", mCreate(fmt.Sprint("c", i), "events", fmt.Sprintf("rejectedevent%02d", i), c.body))
		if rest.Status < 400 || rs[0].Status != syncproto.StatusRejected {
			t.Errorf("%s: REST %d, push %s", c.name, rest.Status, statuses(rs))
			continue
		}
		if restCode := rest.code(); restCode != "" && restCode != rs[0].Error.Code {
			t.Errorf("%s: REST code %q, push code %q", c.name, restCode, rs[0].Error.Code)
		}
		if rs[0].Error.Code == "" || rs[0].Error.Message == "" {
			t.Errorf("%s: push error %+v", c.name, rs[0].Error)
		}
	}
	if n, _ := e.app.CountRecords("events"); n != 0 {
		t.Fatalf("%d events stored", n)
	}

	// what only the server writes is refused on both paths, not dropped
	for i, extra := range []map[string]any{
		{"field_versions": map[string]any{"title": 99}},
		{"clash_cell": "x"},
		{"version": 7},
		{"created": "2026-01-01 00:00:00.000Z"},
		{"collectionId": "pbc_0000000000"},
		{"collectionName": "incidents"},
	} {
		body := e.meeting(w.partyA, extra)
		rest := e.do("POST", "/api/collections/events/records", w.orgA, body)
		rs := e.pushAs(w.orgA, "d", mCreate(fmt.Sprint("h", i), "events", fmt.Sprintf("serverkeys%05d", i), body))
		if rest.code() != "server_field" || statuses(rs) != "rejected:server_field" {
			t.Errorf("server key %v: REST %d %q, push %s", extra, rest.Status, rest.code(), statuses(rs))
		}
	}
	// a pushed create whose body names another id than record_id
	if rs := e.pushAs(w.orgA, "d", mCreate("hid", "events", "serverkeysid001", e.meeting(w.partyA, map[string]any{"id": "serverkeysid002"}))); statuses(rs) != "rejected:server_field" {
		t.Errorf("pushed body with another id: %s", statuses(rs))
	}
	if n, _ := e.app.CountRecords("events"); n != 0 {
		t.Fatalf("%d events stored", n)
	}
	// the body may repeat the record's own id and collection
	body := e.meeting(w.partyA, map[string]any{"id": "hiddenfields001", "collectionName": "events"})
	if rs := e.pushAs(w.orgA, "d", mCreate("hok", "events", "hiddenfields001", body)); statuses(rs) != "applied" {
		t.Fatalf("create repeating its id: %s %+v", statuses(rs), rs[0].Error)
	}

	// updates: a party cannot touch another's event; police only the status
	// of the events their unit leads
	ev := e.syncRecord("events", "hiddenfields001")
	e.now = ev.GetDateTime("starts_at").Time().Add(-time.Hour) // police may mark it in progress
	for _, c := range []struct {
		as   *core.Record
		data map[string]any
		want string
	}{
		// records hidden from the user answer as missing ones
		{w.orgB, map[string]any{"title": "pirate"}, "rejected:not_found"},
		{w.officerCalavi, map[string]any{"status": "in_progress"}, "rejected:not_found"},
		{w.officerCotonou, map[string]any{"title": "x"}, "rejected:forbidden_field"},
		{w.officerCotonou, map[string]any{"status": "in_progress"}, "applied"},
	} {
		rs := e.pushAs(c.as, "d", mUpdate(fmt.Sprint("u", c.as.Id, c.data), "events", ev.Id, -1, c.data))
		if got := statuses(rs); got != c.want {
			t.Errorf("%s updates %v: %s, want %s", c.as.GetString("email"), c.data, got, c.want)
		}
	}
}

// A record the user may not see answers as a missing one on both paths,
// so that no answer tells which ids exist; a record the user sees but may
// not change answers forbidden on both.
func TestPushAnswersAsREST(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	id := e.syncDeclare(w.orgA, e.meeting(w.partyA, nil))
	lead := e.syncLead(id)
	it := e.do("POST", "/api/collections/itineraries/records", w.orgA, map[string]any{"party": w.partyA.Id, "election": w.election.Id, "title": "Tournée"})
	itID, _ := it.JSON["id"].(string)
	if itID == "" {
		t.Fatal(it)
	}

	for _, c := range []struct {
		name     string
		as       *core.Record
		col, id  string
		data     map[string]any
		rest     int    // REST status
		restCode string // REST code when 400
		push     string
	}{
		{"hidden event", w.orgB, "events", id, map[string]any{"title": "pirate"}, 404, "", "rejected:not_found"},
		{"missing event", w.orgB, "events", "nosuchevent0001", map[string]any{"title": "pirate"}, 404, "", "rejected:not_found"},
		{"hidden assignment", w.commanderCalavi, "assignments", lead.Id, map[string]any{"status": "acknowledged"}, 404, "", "rejected:not_found"},
		{"visible, not theirs to change", w.orgA, "assignments", lead.Id, map[string]any{"status": "acknowledged"}, 400, "forbidden", "rejected:forbidden"},
		{"version", w.orgA, "events", id, map[string]any{"title": "x", "version": 9}, 400, "server_field", "rejected:server_field"},
		{"another id", w.orgA, "events", id, map[string]any{"id": "renamedevent001"}, 400, "server_field", "rejected:server_field"},
		{"timestamp", w.orgA, "events", id, map[string]any{"updated": "2026-01-01 00:00:00.000Z"}, 400, "server_field", "rejected:server_field"},
	} {
		rest := e.do("PATCH", "/api/collections/"+c.col+"/records/"+c.id, c.as, c.data)
		if rest.Status != c.rest || (c.restCode != "" && rest.code() != c.restCode) {
			t.Errorf("%s: REST %d %q, want %d %q", c.name, rest.Status, rest.code(), c.rest, c.restCode)
		}
		rs := e.pushAs(c.as, "d", mUpdate("m-"+c.name, c.col, c.id, -1, c.data))
		if got := statuses(rs); got != c.push {
			t.Errorf("%s: push %s, want %s", c.name, got, c.push)
		}
	}
	if ev := e.syncRecord("events", id); ev.GetInt("version") != 1 || ev.GetString("title") == "pirate" {
		t.Fatalf("event changed: %v", ev.FieldsData())
	}

	// deleting a hidden record answers as deleting a missing one, and
	// deletes nothing
	if res := e.do("DELETE", "/api/collections/itineraries/records/"+itID, w.orgB, nil); res.Status != 404 {
		t.Errorf("REST delete of a hidden itinerary: %s", res)
	}
	rs := e.pushAs(w.orgB, "d", syncMutation{"id": "del1", "collection": "itineraries", "op": "delete", "record_id": itID},
		syncMutation{"id": "del2", "collection": "itineraries", "op": "delete", "record_id": "nosuchitiner01"})
	if got := statuses(rs); got != "applied,applied" {
		t.Errorf("push delete of hidden and missing itineraries: %s", got)
	}
	if _, err := e.app.FindRecordById("itineraries", itID); err != nil {
		t.Fatalf("hidden itinerary deleted: %v", err)
	}

	// one's own phone: the same refusal whether the number is taken or free
	for _, phone := range []string{w.orgB.GetString("phone"), "+22997111111"} {
		res := e.do("PATCH", "/api/collections/users/records/"+w.orgA.Id, w.orgA, map[string]any{"phone": phone})
		if res.Status != 400 || res.code() != "forbidden_field" {
			t.Errorf("own phone to %s: %s", phone, res)
		}
	}
	// the owner still changes its own name and password
	if res := e.do("PATCH", "/api/collections/users/records/"+w.orgA.Id, w.orgA, map[string]any{"name": "Nouveau nom"}); res.Status != 200 {
		t.Errorf("own name: %s", res)
	}
	if res := e.do("PATCH", "/api/collections/users/records/"+w.orgA.Id, w.orgA, map[string]any{"oldPassword": testPassword, "password": "nouveau-mot-de-passe", "passwordConfirm": "nouveau-mot-de-passe"}); res.Status != 200 {
		t.Errorf("own password: %s", res)
	}
}

// Permissions are those of push time, not of the offline edit.
func TestSyncPushRechecksPermissionsNow(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	id := e.syncDeclare(w.orgA, e.meeting(w.partyA, nil))
	lead := e.syncLead(id)
	// offline, the Cotonou commander acknowledges; meanwhile the event
	// moves to Calavi: Cotonou no longer has that assignment
	ack := mUpdate("ack1", "assignments", lead.Id, lead.GetInt("version"), map[string]any{"status": "acknowledged"})
	if res := e.do("PATCH", "/api/collections/events/records/"+id, w.orgA, map[string]any{"commune": w.calavi.Id}); res.Status != http.StatusOK {
		t.Fatal(res)
	}
	if rs := e.pushAs(w.commanderCotonou, "d", ack); rs[0].Status != syncproto.StatusRejected {
		t.Fatalf("stale acknowledgement: %s", statuses(rs))
	}
	// offline, the Calavi commander acknowledges; meanwhile it is moved to
	// Cotonou's commissariat
	lead = e.syncLead(id)
	if lead.GetString("unit") != w.comCalavi.Id {
		t.Fatalf("lead %s", lead.GetString("unit"))
	}
	ack = mUpdate("ack2", "assignments", lead.Id, lead.GetInt("version"), map[string]any{"status": "acknowledged"})
	if res := e.do("PATCH", "/api/collections/users/records/"+w.commanderCalavi.Id, w.ministry, map[string]any{"unit": w.comCotonou.Id}); res.Status != http.StatusOK {
		t.Fatal(res)
	}
	// the Calavi assignment is no longer the commander's to see
	if rs := e.pushAs(w.commanderCalavi, "d", ack); rs[0].Status != syncproto.StatusRejected || rs[0].Error.Code != "not_found" {
		t.Fatalf("acknowledgement by a commander moved away: %s", statuses(rs))
	}
	if e.syncLead(id).GetString("status") != "pending" {
		t.Fatal("the assignment was acknowledged")
	}
}

// A mutation id seen before answers its first result and changes
// nothing, whether it was applied, conflicting or rejected, and even when
// the retry races the first attempt.
func TestSyncPushIsIdempotent(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	const id = "idempotentev001"
	batch := []syncMutation{
		mUpdate("u0", "events", id, 1, map[string]any{"title": "trop tôt"}), // not there yet
		mCreate("c1", "events", id, e.meeting(w.partyA, nil)),
		mUpdate("u1", "events", id, 1, map[string]any{"notes": "a"}),
		mCreate("bad", "events", "quiethoursev001", e.meeting(w.partyA, map[string]any{"starts_at": local(2026, 3, 14, 5, 0)})),
	}
	first := e.pushAs(w.orgA, "d", batch...)
	if statuses(first) != "rejected:not_found,applied,applied,rejected:quiet_hours" {
		t.Fatalf("first: %s", statuses(first))
	}
	audits, version := e.auditCount("events", id), e.syncRecord("events", id).GetInt("version")
	var logRows int
	_ = e.app.DB().NewQuery("SELECT COUNT(*) FROM _sync_log").Row(&logRows)

	again := e.pushAs(w.orgA, "d", batch...)
	for i := range first {
		if !sameResult(first[i], again[i]) {
			t.Errorf("mutation %s: first %s, again %s", first[i].ID, resultString(first[i]), resultString(again[i]))
		}
	}
	var logRows2 int
	_ = e.app.DB().NewQuery("SELECT COUNT(*) FROM _sync_log").Row(&logRows2)
	if e.auditCount("events", id) != audits || e.syncRecord("events", id).GetInt("version") != version || logRows2 != logRows {
		t.Fatal("the retry changed something")
	}
	// the stored rejection of u0 stands although the event exists now
	if again[0].Status != syncproto.StatusRejected {
		t.Fatalf("u0 again: %s", resultString(again[0]))
	}
	// mutation ids are per user: another user's m1 is another mutation
	if rs := e.pushAs(w.orgB, "d", mUpdate("u1", "events", id, 1, map[string]any{"notes": "b"})); rs[0].Status != syncproto.StatusRejected {
		t.Fatalf("orgB u1: %s", statuses(rs))
	}

	// the same batch sent twice at once applies once
	tok, _ := w.orgA.NewAuthToken()
	var muts []syncMutation
	for i := 0; i < 20; i++ {
		muts = append(muts, mCreate(fmt.Sprint("race", i), "events", fmt.Sprintf("raceevent%06d", i), e.meeting(w.partyA, map[string]any{"title": fmt.Sprint("course ", i)})))
	}
	var wg sync.WaitGroup
	out := make([]syncPushResp, 3)
	for k := range out {
		wg.Add(1)
		go func() {
			defer wg.Done()
			raw, _ := json.Marshal(map[string]any{"device": "d", "mutations": muts})
			res := e.doToken("POST", "/api/sync/push", tok, raw)
			_ = json.Unmarshal(res.Body, &out[k])
		}()
	}
	wg.Wait()
	for k := range out {
		if len(out[k].Results) != len(muts) {
			t.Fatalf("attempt %d: %d results", k, len(out[k].Results))
		}
		for i, r := range out[k].Results {
			if r.Status != syncproto.StatusApplied || !sameResult(r, out[0].Results[i]) {
				t.Fatalf("attempt %d mutation %d: %s vs %s", k, i, resultString(r), resultString(out[0].Results[i]))
			}
		}
	}
	for i := range muts {
		if n := e.auditCount("events", fmt.Sprintf("raceevent%06d", i)); n != 1 {
			t.Fatalf("event %d created %d times", i, n)
		}
	}
}

// Edits of different fields since the same version merge; an edit of a
// field changed since its base version is a conflict that returns the
// server record, and never blocks the mutations after it.
func TestSyncPushMergesAndConflicts(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	id := e.syncDeclare(w.orgA, e.meeting(w.partyA, nil))
	base := e.syncRecord("events", id).GetInt("version")

	rs := e.pushAs(w.orgA, "phone", mUpdate("p1", "events", id, base, map[string]any{"title": "Titre du téléphone"}))
	if statuses(rs) != "applied" {
		t.Fatal(statuses(rs))
	}
	rs = e.pushAs(w.adminA, "tablet",
		mUpdate("t1", "events", id, base, map[string]any{"notes": "Notes de la tablette"}),       // other field: merges
		mUpdate("t2", "events", id, base, map[string]any{"title": "Titre de la tablette"}),       // same field: conflict
		mUpdate("t3", "events", id, base, map[string]any{"title": "Titre du téléphone"}),         // same value: nothing to do
		mUpdate("t4", "events", id, base, map[string]any{"starts_at": local(2026, 3, 14, 3, 0)}), // unlawful: rejected
		mUpdate("t5", "events", id, base, map[string]any{"expected_attendance": 300}),            // still applies
	)
	if got := statuses(rs); got != "applied,conflict:conflict,applied,rejected:quiet_hours,applied" {
		t.Fatalf("results %s", got)
	}
	ev := e.syncRecord("events", id)
	if ev.GetString("title") != "Titre du téléphone" || ev.GetString("notes") != "Notes de la tablette" || ev.GetInt("expected_attendance") != 300 {
		t.Fatalf("merged event %v", ev.FieldsData())
	}
	c := rs[1]
	if c.Record["title"] != "Titre du téléphone" || c.Error.Fields["title"] != "Titre du téléphone" {
		t.Fatalf("conflict result %s", resultString(c))
	}
	// the conflict's record is the record as the user's REST view shows it
	view := e.do("GET", "/api/collections/events/records/"+id, w.adminA, nil)
	if view.JSON["title"] != c.Record["title"] || view.JSON["id"] != c.Record["id"] {
		t.Fatalf("conflict record %v, REST %v", c.Record, view.JSON)
	}
	// a base version the server never produced is refused
	rs = e.pushAs(w.orgA, "phone", mUpdate("p2", "events", id, 999, map[string]any{"title": "x"}))
	if statuses(rs) != "rejected:invalid_base_version" {
		t.Fatal(statuses(rs))
	}
}

// Malformed requests are refused whole with a stable code; a malformed
// mutation is refused alone.
func TestSyncPushLimits(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	tok, _ := w.orgA.NewAuthToken()
	var many []syncMutation
	for i := 0; i <= syncproto.MaxMutations; i++ {
		many = append(many, mUpdate(fmt.Sprint("m", i), "events", "nosuchevent0000", -1, map[string]any{"notes": "x"}))
	}
	if _, res := e.syncPush(tok, "d", many); res.Status != http.StatusBadRequest || res.code() != "too_many_mutations" {
		t.Errorf("501 mutations: %s", res)
	}
	if p, res := e.syncPush(tok, "d", many[:syncproto.MaxMutations]); res.Status != http.StatusOK || len(p.Results) != syncproto.MaxMutations {
		t.Errorf("500 mutations: %d", res.Status)
	}
	big := strings.Repeat("x", syncproto.MaxRequestBytes)
	if _, res := e.syncPush(tok, "d", []syncMutation{mUpdate("big", "events", "nosuchevent0000", -1, map[string]any{"notes": big})}); res.Status != http.StatusBadRequest || res.code() != "too_large" {
		t.Errorf("over the body cap: %s", res)
	}
	for body, code := range map[string]string{
		`{`:                "invalid_json",
		`[]`:               "invalid_request",
		`{"mutations":[]}`: "invalid_request",
		`{"device":"d","mutations":[{"id":"a","collection":"events","op":"create","record_id":"x","data":{}},{"id":"a"}]}`: "invalid_request",
		`{"device":"d","mutations":"x"}`: "invalid_request",
	} {
		res := e.doToken("POST", "/api/sync/push", tok, body)
		if res.Status != http.StatusBadRequest || res.code() != code {
			t.Errorf("%s: %s, want %s", body, res, code)
		}
	}
	rs := e.pushAs(w.orgA, "d",
		syncMutation{"id": "x1", "collection": "events", "op": "upsert", "record_id": "r", "data": map[string]any{}},
		syncMutation{"id": "x2", "collection": "receipts", "op": "create", "record_id": "abcdefghijklmno", "data": map[string]any{}},
		syncMutation{"id": "x3", "collection": "events", "op": "create", "record_id": "BAD ID", "data": map[string]any{}},
		mCreate("x4", "events", "goodevent000001", e.meeting(w.partyA, nil)),
	)
	if got := statuses(rs); got != "rejected:invalid_mutation,rejected:invalid_mutation,rejected:invalid_mutation,applied" {
		t.Fatalf("results %s", got)
	}
	if res := e.doToken("POST", "/api/sync/push", "", `{"device":"d","mutations":[]}`); res.Status != http.StatusUnauthorized {
		t.Errorf("guest push: %s", res)
	}
	if res := e.doToken("GET", "/api/sync/pull", "", nil); res.Status != http.StatusUnauthorized {
		t.Errorf("guest pull: %s", res)
	}
}

// Assignments and incidents merge field by field too.
func TestSyncPushMergesAssignmentsAndIncidents(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	id := e.syncDeclare(w.orgA, e.meeting(w.partyA, nil))
	lead := e.syncLead(id)
	base := lead.GetInt("version")
	// offline from the same version: the commander plans, the director
	// asks for an adjustment; both apply
	if rs := e.pushAs(w.commanderCotonou, "c", mUpdate("plan", "assignments", lead.Id, base, map[string]any{"plan": "Deux patrouilles", "officers": 12})); statuses(rs) != "applied" {
		t.Fatalf("plan: %s", statuses(rs))
	}
	if rs := e.pushAs(w.directorLittoral, "d", mUpdate("adj", "assignments", lead.Id, base, map[string]any{"status": "adjustment_requested", "reason": "Décaler d'une heure"})); statuses(rs) != "applied" {
		t.Fatalf("adjustment: %s", statuses(rs))
	}
	a := e.syncRecord("assignments", lead.Id)
	if a.GetString("plan") != "Deux patrouilles" || a.GetInt("officers") != 12 || a.GetString("status") != "adjustment_requested" {
		t.Fatalf("merged assignment %v", a.FieldsData())
	}
	// the commander's offline acknowledgement from that version conflicts
	// on the status only
	rs := e.pushAs(w.commanderCotonou, "c", mUpdate("ack", "assignments", lead.Id, base, map[string]any{"status": "acknowledged"}))
	if statuses(rs) != "conflict:conflict" || len(rs[0].Error.Fields) != 1 || rs[0].Error.Fields["status"] != "adjustment_requested" {
		t.Fatalf("stale acknowledgement: %s", resultString(rs[0]))
	}

	inc := e.do("POST", "/api/collections/incidents/records", w.orgA, map[string]any{"event": id, "kind": "threat", "severity": 2, "description": "Menaces", "occurred_at": testNow})
	if inc.Status != http.StatusOK {
		t.Fatal(inc)
	}
	incID, v := inc.JSON["id"].(string), int(inc.JSON["version"].(float64))
	if rs := e.pushAs(w.orgA, "o", mUpdate("desc", "incidents", incID, v, map[string]any{"description": "Menaces verbales répétées"})); statuses(rs) != "applied" {
		t.Fatalf("description: %s", statuses(rs))
	}
	if rs := e.pushAs(w.officerCotonou, "p", mUpdate("verify", "incidents", incID, v, map[string]any{"status": "verified"})); statuses(rs) != "applied" {
		t.Fatalf("verification: %s", statuses(rs))
	}
	got := e.syncRecord("incidents", incID)
	if got.GetString("description") != "Menaces verbales répétées" || got.GetString("status") != "verified" {
		t.Fatalf("merged incident %v", got.FieldsData())
	}
	if rs := e.pushAs(w.officerCotonou, "p", mUpdate("desc2", "incidents", incID, v, map[string]any{"status": "closed"})); statuses(rs) != "conflict:conflict" {
		t.Fatalf("stale status: %s", statuses(rs))
	}
}

// A mutation that fails after it wrote (here a hook refusing an event once
// its row is in) cannot be dropped from the batch transaction: the batch is
// applied again one mutation per transaction, so the others are applied
// once and the failed one leaves no row, change or audit behind.
func TestSyncPushFailureAfterWritingIsIsolated(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	const bad = "failsafterwrite"
	e.app.OnRecordCreateExecute("events").BindFunc(func(ev *core.RecordEvent) error {
		if err := ev.Next(); err != nil {
			return err
		}
		if ev.Record.Id == bad {
			return apis.NewBadRequestError("Refused after writing.", nil)
		}
		return nil
	})
	muts := []syncMutation{
		mCreate("m1", "events", "isolatedbefore1", e.meeting(w.partyA, nil)),
		mCreate("m2", "events", bad, e.meeting(w.partyA, nil)),
		mCreate("m3", "events", "isolatedafter01", e.meeting(w.partyA, nil)),
		mUpdate("m4", "events", "isolatedbefore1", 1, map[string]any{"title": "Renommé"}),
	}
	for attempt := 0; attempt < 2; attempt++ { // the retry answers the same
		if got := statuses(e.pushAs(w.orgA, "d1", muts...)); got != "applied,rejected:rejected,applied,applied" {
			t.Fatalf("attempt %d: results %s", attempt, got)
		}
	}
	if _, err := e.app.FindRecordById("events", bad); err == nil {
		t.Fatal("the refused event is stored")
	}
	if n := e.syncLogCount("events", bad); n != 0 {
		t.Fatalf("%d changes logged for the refused event", n)
	}
	if n := e.auditCount("events", bad); n != 0 {
		t.Fatalf("%d audit rows for the refused event", n)
	}
	for id, want := range map[string]int{"isolatedbefore1": 2, "isolatedafter01": 1} {
		if n := e.syncLogCount("events", id); n != want {
			t.Fatalf("%s: %d changes logged, want %d", id, n, want)
		}
		if n := e.auditCount("events", id); n != want {
			t.Fatalf("%s: %d audit rows, want %d", id, n, want)
		}
	}
	if ev := e.syncRecord("events", "isolatedbefore1"); ev.GetString("title") != "Renommé" || ev.GetInt("version") != 2 {
		t.Fatalf("event %v", ev.FieldsData())
	}
}

// Refusals before writing do not interrupt the batch transaction: with a
// refused create in the middle, the batch still reads the unit coverage
// once, where one mutation per transaction reads it for every event.
func TestSyncPushRefusalsKeepTheBatchTogether(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	reads := 0
	e.app.NonconcurrentDB().(*dbx.DB).QueryLogFunc = func(_ context.Context, _ time.Duration, sql string, _ *stdsql.Rows, _ error) {
		if strings.HasPrefix(sql, "SELECT id, name, kind, departement, parent, communes, arrondissements FROM units") {
			reads++
		}
	}
	var muts []syncMutation
	for i := range 6 {
		data := e.meeting(w.partyA, nil)
		if i == 3 {
			data["party"] = w.partyB.Id // not the organizer's party
		}
		muts = append(muts, mCreate(fmt.Sprint("m", i), "events", fmt.Sprintf("together%07d", i), data))
	}
	if got := statuses(e.pushAs(w.orgA, "d1", muts...)); got != "applied,applied,applied,rejected:forbidden,applied,applied" {
		t.Fatalf("results %s", got)
	}
	if reads != 1 {
		t.Fatalf("the unit coverage was read %d times for one batch", reads)
	}
}

// A request larger than one transaction's chunk is applied chunk after
// chunk, in order (a later chunk updates what an earlier one created), and
// sending it again answers every first result and changes nothing.
func TestSyncPushLargeRequestInChunks(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	var muts []syncMutation
	for i := range 229 {
		muts = append(muts, mCreate(fmt.Sprint("m", i), "events", fmt.Sprintf("chunkevent%05d", i), e.meeting(w.partyA, nil)))
	}
	muts = append(muts, mUpdate("m229", "events", "chunkevent00000", 1, map[string]any{"title": "Après trois lots"}))
	first := e.pushAs(w.orgA, "d1", muts...)
	again := e.pushAs(w.orgA, "d1", muts...)
	if len(first) != len(muts) || len(again) != len(muts) {
		t.Fatalf("%d and %d results for %d mutations", len(first), len(again), len(muts))
	}
	for i := range muts {
		if first[i].Status != syncproto.StatusApplied || first[i].ID != muts[i]["id"] {
			t.Fatalf("result %d: %s", i, resultString(first[i]))
		}
		if resultString(again[i]) != resultString(first[i]) || again[i].Record["version"] != first[i].Record["version"] {
			t.Fatalf("result %d on the resend: %s, first %s", i, resultString(again[i]), resultString(first[i]))
		}
	}
	if n, _ := e.app.CountRecords("events"); n != 229 {
		t.Fatalf("%d events, want 229", n)
	}
	if ev := e.syncRecord("events", "chunkevent00000"); ev.GetString("title") != "Après trois lots" || ev.GetInt("version") != 2 {
		t.Fatalf("the last mutation: title %q, version %d", ev.GetString("title"), ev.GetInt("version"))
	}
}

// Push batches and REST writes running at once (the server serializes them
// on SQLite's single writer, each in its own session) apply every create
// once, with its assignments, audit row and change, and a director's
// replica pulled afterwards equals what the rules show.
func TestSyncPushConcurrentWithREST(t *testing.T) {
	e := newEnv(t)
	e.app.Settings().RateLimits.Enabled = false
	w := e.world()
	type job struct {
		user  *core.Record
		party *core.Record
		name  string
	}
	jobs := []job{{w.orgA, w.partyA, "pa"}, {w.orgB, w.partyB, "pb"}, {w.adminA, w.partyA, "aa"}}
	var wg sync.WaitGroup
	errs := make(chan string, 100)
	var ids []string
	for _, j := range jobs {
		tok, _ := j.user.NewAuthToken()
		var bodies [][]byte
		for b := range 4 {
			var muts []syncMutation
			for i := range 15 {
				id := fmt.Sprintf("conc%s%09d", j.name, b*100+i)
				ids = append(ids, id)
				// party B elsewhere: a rival's event in the same commune
				// and slots writes the others' clash_notice again
				var extra map[string]any
				if j.party == w.partyB {
					extra = map[string]any{"commune": w.calavi.Id}
				}
				muts = append(muts, mCreate(fmt.Sprint(id, "-m"), "events", id, e.meeting(j.party, extra)))
			}
			raw, _ := json.Marshal(map[string]any{"device": j.name, "mutations": muts})
			bodies = append(bodies, raw)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, body := range bodies {
				res := e.doToken("POST", "/api/sync/push", tok, body)
				if res.Status != http.StatusOK || strings.Contains(string(res.Body), `"rejected"`) {
					errs <- fmt.Sprintf("push by %s: %s", j.name, res)
				}
			}
		}()
	}
	tok, _ := w.orgA.NewAuthToken()
	var rest [][]byte
	for i := range 30 {
		id := fmt.Sprintf("concrest%07d", i)
		ids = append(ids, id)
		body := e.meeting(w.partyA, nil)
		body["id"] = id
		raw, _ := json.Marshal(body)
		rest = append(rest, raw)
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for _, body := range rest {
			if res := e.doToken("POST", "/api/collections/events/records", tok, body); res.Status != http.StatusOK {
				errs <- fmt.Sprintf("REST create: %s", res)
			}
		}
	}()
	wg.Wait()
	close(errs)
	for msg := range errs {
		t.Error(msg)
	}
	for _, id := range ids {
		ev := e.syncRecord("events", id)
		if n := e.syncLogCount("events", id); n != 1 {
			t.Errorf("%s: %d changes logged", id, n)
		}
		if n := e.auditCount("events", id); n != 1 {
			t.Errorf("%s: %d audit rows", id, n)
		}
		if as, _ := e.app.FindAllRecords("assignments", dbx.HashExp{"event": id}); len(as) == 0 || ev.GetString("lead_unit") == "" {
			t.Errorf("%s: %d assignments, lead %q", id, len(as), ev.GetString("lead_unit"))
		}
	}
	d := e.syncDevice("director", w.directorLittoral)
	d.pull(200, 0)
	d.checkConverged(t)
}

// Sync answers are safe to act on: a reused mutation id is refused rather
// than answered with another mutation's result, the same value in another
// spelling is no conflict, and the push answer's cursor never skips
// another user's change.
func TestSyncAnswersSafeToActOn(t *testing.T) {
	e := newEnv(t)
	w := e.world()

	// the same mutation id from two devices of one user, for two records
	rs := e.pushAs(w.orgA, "phone-1", mCreate("shared-id", "events", "reusedmutation1", e.meeting(w.partyA, nil)))
	if statuses(rs) != "applied" {
		t.Fatalf("first: %s", statuses(rs))
	}
	rs = e.pushAs(w.orgA, "phone-2", mCreate("shared-id", "events", "reusedmutation2", e.meeting(w.partyA, map[string]any{"title": "Autre"})))
	if statuses(rs) != "rejected:mutation_id_reused" {
		t.Fatalf("reused id: %s", statuses(rs))
	}
	if _, err := e.app.FindRecordById("events", "reusedmutation2"); err == nil {
		t.Fatal("the second create was applied")
	}
	// a true retry still answers the first result
	rs = e.pushAs(w.orgA, "phone-1", mCreate("shared-id", "events", "reusedmutation1", e.meeting(w.partyA, nil)))
	if statuses(rs) != "applied" || rs[0].Record["id"] != "reusedmutation1" {
		t.Fatalf("retry: %s %v", statuses(rs), rs[0].Record["id"])
	}

	// the same instant and the same set in another spelling are no edit
	id := "reusedmutation1"
	starts := local(2026, 3, 14, 9, 0)
	if res := e.do("PATCH", "/api/collections/events/records/"+id, w.adminA, map[string]any{
		"starts_at": starts.Format("2006-01-02 15:04:05.000Z"), "security_needs": []string{"escort", "traffic"}}); res.Status != 200 {
		t.Fatal(res)
	}
	rs = e.pushAs(w.orgA, "phone-1", mUpdate("same-values", "events", id, 1, map[string]any{
		"starts_at": starts.Format(time.RFC3339), "security_needs": []string{"traffic", "escort"}}))
	if statuses(rs) != "applied" {
		t.Fatalf("same values, other spelling: %s %+v", statuses(rs), rs[0].Error)
	}
	// a real concurrent edit is still a conflict
	rs = e.pushAs(w.orgA, "phone-1", mUpdate("other-values", "events", id, 1, map[string]any{"security_needs": []string{"medical"}}))
	if statuses(rs) != "conflict:conflict" {
		t.Fatalf("concurrent edit: %s", statuses(rs))
	}

	// the push answer's cursor
	tok, _ := w.orgA.NewAuthToken()
	pullAll := func(cursor string) (ids []string, next string) {
		for {
			p, res := e.syncPull(tok, "phone-1", cursor, 100)
			if res.Status != 200 {
				t.Fatal(res)
			}
			for _, c := range p.Changes {
				ids = append(ids, c.Collection+"/"+c.ID)
			}
			cursor = p.Cursor
			if !p.More {
				return ids, cursor
			}
		}
	}
	push := func(cursor string, muts ...syncMutation) syncPushResp {
		res := e.doToken("POST", "/api/sync/push", tok, map[string]any{"device": "phone-1", "mutations": muts, "cursor": cursor})
		var p syncPushResp
		if res.Status != 200 || json.Unmarshal(res.Body, &p) != nil {
			t.Fatal(res)
		}
		return p
	}
	_, cursor := pullAll("")
	// another user changes an event the device sees, then the device pushes
	other := e.syncDeclare(w.adminA, e.meeting(w.partyA, map[string]any{"title": "Par l'administrateur"}))
	ev := e.syncRecord("events", id)
	p := push(cursor, mUpdate("own-edit", "events", id, int(ev.GetInt("version")), map[string]any{"title": "Mon titre"}))
	if statuses(p.Results) != "applied" {
		t.Fatalf("own edit: %s", statuses(p.Results))
	}
	got, _ := pullAll(p.Cursor)
	if !slices.Contains(got, "events/"+other) {
		t.Fatalf("pulling from the push cursor skips another user's event: %v", got)
	}
	// when nothing else changed, the cursor moves over the push's own change
	_, cursor = pullAll(cursor)
	ev = e.syncRecord("events", id)
	p = push(cursor, mUpdate("own-edit-2", "events", id, int(ev.GetInt("version")), map[string]any{"title": "Mon titre 2"}))
	if got, _ := pullAll(p.Cursor); len(got) != 0 {
		t.Fatalf("pulling after the push cursor: %v", got)
	}
	if p.Cursor == cursor {
		t.Fatal("the push cursor did not move over the push's own change")
	}
	// no cursor sent, none answered
	if p := push("", mUpdate("own-edit-3", "events", id, -1, map[string]any{"title": "Mon titre 3"})); p.Cursor != "" {
		t.Fatalf("cursor %q without one sent", p.Cursor)
	}
}

// Stored push results are kept for MutationResultRetention: a retry
// inside it answers its first result and changes nothing; the daily job
// prunes what is older.
func TestPushResultsRetention(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	first := e.pushAs(w.orgA, "d", mCreate("kept", "events", "retainedevent01", e.meeting(w.partyA, nil)))
	if statuses(first) != "applied" {
		t.Fatalf("push: %s", statuses(first))
	}
	e.now = e.now.Add(write.MutationResultRetention - time.Hour)
	e.pushAs(w.orgA, "d", mUpdate("later", "events", "retainedevent01", -1, map[string]any{"title": "Plus tard"}))
	if n, err := write.PruneMutationResults(e.app, e.now.Add(-write.MutationResultRetention)); err != nil || n != 0 {
		t.Fatalf("pruned %d inside the retention: %v", n, err)
	}
	// the retry answers the first result (not already_exists) and writes nothing
	again := e.pushAs(w.orgA, "d", mCreate("kept", "events", "retainedevent01", e.meeting(w.partyA, nil)))
	if !sameResult(again[0], first[0]) || e.auditCount("events", "retainedevent01") != 2 {
		t.Fatalf("retry inside the retention: %s (audit rows %d)", resultString(again[0]), e.auditCount("events", "retainedevent01"))
	}
	// past it, the old result goes and the newer one stays
	e.now = e.now.Add(2 * time.Hour)
	if n, err := write.PruneMutationResults(e.app, e.now.Add(-write.MutationResultRetention)); err != nil || n != 1 {
		t.Fatalf("pruned %d past the retention: %v", n, err)
	}
	var left []string
	_ = e.app.DB().NewQuery("SELECT mutation_id FROM _sync_mutations").Column(&left)
	if !slices.Equal(left, []string{"later"}) {
		t.Fatalf("stored results left: %v", left)
	}
}

// A push cut into several transactions by the writer-hold budget answers
// exactly as one transaction would: results in order, refusals and
// retries included.
func TestPushSplitByHoldBudget(t *testing.T) {
	defer func(old time.Duration) { write.PushHoldBudget = old }(write.PushHoldBudget)
	batch := func(e *env, w *world) []syncMutation {
		return []syncMutation{
			mCreate("s1", "events", "splitevent00001", e.meeting(w.partyA, nil)),
			mUpdate("s2", "events", "splitevent00001", 1, map[string]any{"title": "Deux"}),
			mCreate("s3", "events", "splitevent00002", e.meeting(w.partyA, map[string]any{"starts_at": local(2026, 3, 14, 23, 30), "ends_at": local(2026, 3, 15, 1, 0)})),
			mUpdate("s4", "events", "splitevent00001", 2, map[string]any{"status": "cancelled"}),
			mCreate("s5", "events", "splitevent00003", e.meeting(w.partyA, nil)),
		}
	}
	answers := map[time.Duration]string{}
	for _, budget := range []time.Duration{time.Hour, 0} {
		write.PushHoldBudget = budget // 0: every mutation in its own transaction
		e := newEnv(t)
		w := e.world()
		rs := e.pushAs(w.orgA, "d", batch(e, w)...)
		again := e.pushAs(w.orgA, "d", batch(e, w)...)
		if statuses(again) != statuses(rs) {
			t.Errorf("budget %v: retry %s, first %s", budget, statuses(again), statuses(rs))
		}
		ev := e.syncRecord("events", "splitevent00001")
		answers[budget] = statuses(rs) + fmt.Sprint(" version ", ev.GetInt("version"), " ", ev.GetString("status"), " audit ", e.auditCount("events", "splitevent00001"))
	}
	want := "applied,applied,rejected:quiet_hours,applied,applied version 3 cancelled audit 3"
	for budget, got := range answers {
		if got != want {
			t.Errorf("budget %v: %s, want %s", budget, got, want)
		}
	}
}
