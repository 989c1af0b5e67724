package hooks_test

// The visibility matrix (DESIGN §2 roles × §3 collections × list, view,
// create, update, delete), the leak checks (expand, filters on relations
// and back-relations, counts) and the server-set field checks on every
// client write path (REST create/update, /api/batch).

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
)

// visWorld extends the shared world with field data in two départements:
// events of parties A and B in Cotonou (Littoral) and Abomey-Calavi
// (Atlantique), two of them clashing across the département border, a
// caravan of A from Cotonou into Calavi, itineraries, incidents, receipts,
// device rows and (automatically) audit rows.
type visWorld struct {
	*world
	arrCotonou, arrCalavi *core.Record

	itA, itB *core.Record
	// evA1: A, Cotonou (point near the border), clashes with evB2.
	// evB2: B, Calavi (point near the border), clashes with evA1.
	// evA2: A, Calavi (commune only). evB1: B, Cotonou (commune only).
	// evA3: A, caravan Cotonou → Calavi (lead Cotonou, support Calavi).
	evA1, evA2, evA3, evB1, evB2 *core.Record

	// incA: orgA on evA1 (Cotonou). incB: orgB on evB1, severity 3.
	// incCalavi: officerCalavi by location in Calavi.
	// incX: officerCotonou by location in Calavi (routed to Calavi).
	incA, incB, incCalavi, incX *core.Record

	// receipts of evA1 (acked by commanderCotonou), evB2 (acked by
	// commanderCalavi) and evA3 (acked by commanderCotonou).
	rcA1, rcB2, rcA3 *core.Record

	devOfficerCotonou, devOrgA, devOfficerCalavi *core.Record
}

// Synthetic boundaries (lon, lat squares): Littoral = Cotonou = its one
// arrondissement below latitude 6.40, Atlantique above; Abomey-Calavi
// and its arrondissement between 6.40 and 6.55.
const (
	visLonW, visLonE = 2.30, 2.50
)

func visSquare(latS, latN float64) map[string]any {
	return map[string]any{"type": "MultiPolygon", "coordinates": [][][][2]float64{{{
		{visLonW, latS}, {visLonE, latS}, {visLonE, latN}, {visLonW, latN}, {visLonW, latS},
	}}}}
}

func point(lat, lon float64) map[string]any { return map[string]any{"lat": lat, "lon": lon} }

func (e *env) visWorld() *visWorld {
	e.t.Helper()
	w := &visWorld{world: e.world()}
	w.arrCotonou = e.save("arrondissements", map[string]any{"code": "BJ0800-01", "name": "1er arrondissement de Cotonou",
		"commune": w.cotonou.Id, "departement": w.depLittoral.Id})
	w.arrCalavi = e.save("arrondissements", map[string]any{"code": "BJ0301-01", "name": "Abomey-Calavi centre",
		"commune": w.calavi.Id, "departement": w.depAtlantique.Id})
	for _, b := range []struct {
		level, code string
		latS, latN  float64
	}{
		{"departement", "BJ08", 6.30, 6.40}, {"commune", "BJ0800", 6.30, 6.40}, {"arrondissement", "BJ0800-01", 6.30, 6.40},
		{"departement", "BJ03", 6.40, 6.70}, {"commune", "BJ0301", 6.40, 6.55}, {"arrondissement", "BJ0301-01", 6.40, 6.55},
	} {
		e.save("boundaries", map[string]any{"level": b.level, "code": b.code, "geometry": visSquare(b.latS, b.latN), "source": "test"})
	}
	e.svc.InvalidateGeography()

	post := func(collection string, as *core.Record, body map[string]any) *core.Record {
		e.t.Helper()
		res := e.do("POST", "/api/collections/"+collection+"/records", as, body)
		if res.Status != http.StatusOK {
			e.t.Fatalf("fixture: %s create by %s: %s", collection, as.GetString("role"), res)
		}
		r, err := e.app.FindRecordById(collection, res.JSON["id"].(string))
		if err != nil {
			e.t.Fatal(err)
		}
		return r
	}
	w.itA = post("itineraries", w.orgA, map[string]any{"party": w.partyA.Id, "election": w.election.Id, "title": "Tournée A", "leader": "Leader A"})
	w.itB = post("itineraries", w.orgB, map[string]any{"party": w.partyB.Id, "election": w.election.Id, "title": "Tournée B"})

	day15 := map[string]any{"starts_at": local(2026, 3, 15, 10, 0), "ends_at": local(2026, 3, 15, 12, 0)}
	with := func(base map[string]any, more map[string]any) map[string]any {
		for k, v := range more {
			base[k] = v
		}
		return base
	}
	w.evA1 = post("events", w.orgA, e.meeting(w.partyA, map[string]any{"title": "A1 Cotonou frontière", "itinerary": w.itA.Id,
		"commune": "", "location": point(6.399, 2.40)}))
	w.evB2 = post("events", w.orgB, e.meeting(w.partyB, map[string]any{"title": "B2 secret Calavi frontière", "itinerary": w.itB.Id,
		"commune": "", "location": point(6.401, 2.40)}))
	w.evA2 = post("events", w.orgA, e.meeting(w.partyA, with(map[string]any{"title": "A2 Calavi", "commune": w.calavi.Id}, day15)))
	w.evB1 = post("events", w.orgB, e.meeting(w.partyB, with(map[string]any{"title": "B1 Cotonou", "commune": w.cotonou.Id}, day15)))
	w.evA3 = post("events", w.adminA, e.meeting(w.partyA, map[string]any{"title": "A3 caravane", "kind": "caravan",
		"starts_at": local(2026, 3, 13, 14, 0), "ends_at": local(2026, 3, 13, 16, 0),
		"route": []map[string]any{point(6.39, 2.40), point(6.45, 2.40)}}))

	w.incA = post("incidents", w.orgA, map[string]any{"event": w.evA1.Id, "kind": "disorder", "severity": 1,
		"description": "incA: bousculade au meeting A1", "occurred_at": testNow})
	w.incB = post("incidents", w.orgB, map[string]any{"event": w.evB1.Id, "kind": "threat", "severity": 3,
		"description": "incB: menaces au meeting B1", "occurred_at": testNow})
	w.incCalavi = post("incidents", w.officerCalavi, map[string]any{"kind": "accident", "severity": 2,
		"description": "incCalavi: accident à Calavi", "location": point(6.45, 2.41), "occurred_at": testNow})
	w.incX = post("incidents", w.officerCotonou, map[string]any{"kind": "obstruction", "severity": 1,
		"description": "incX: barrage vu à Calavi", "location": point(6.46, 2.42), "occurred_at": testNow})

	ack := func(ev, as *core.Record) *core.Record {
		e.t.Helper()
		lead, err := e.app.FindFirstRecordByFilter("assignments", "event = {:e} && role = 'lead'", dbx.Params{"e": ev.Id})
		if err != nil {
			e.t.Fatal(err)
		}
		res := e.do("PATCH", "/api/collections/assignments/records/"+lead.Id, as, map[string]any{"status": "acknowledged"})
		if res.Status != http.StatusOK {
			e.t.Fatalf("fixture: acknowledge %s: %s", ev.GetString("title"), res)
		}
		rc, err := e.app.FindFirstRecordByFilter("receipts", "event = {:e}", dbx.Params{"e": ev.Id})
		if err != nil {
			e.t.Fatalf("fixture: no receipt for %s: %v", ev.GetString("title"), err)
		}
		return rc
	}
	w.rcA1 = ack(w.evA1, w.commanderCotonou)
	w.rcB2 = ack(w.evB2, w.commanderCalavi)
	w.rcA3 = ack(w.evA3, w.commanderCotonou)

	w.devOfficerCotonou = e.save("device_status", map[string]any{"user": w.officerCotonou.Id, "device": "tel-cotonou"})
	w.devOrgA = e.save("device_status", map[string]any{"user": w.orgA.Id, "device": "tel-orga"})
	w.devOfficerCalavi = e.save("device_status", map[string]any{"user": w.officerCalavi.Id, "device": "tel-calavi"})

	// reload what later saves changed (clash links, versions)
	for _, p := range []**core.Record{&w.evA1, &w.evA2, &w.evA3, &w.evB1, &w.evB2, &w.incA, &w.incB, &w.incCalavi, &w.incX} {
		r, err := e.app.FindRecordById((*p).Collection().Name, (*p).Id)
		if err != nil {
			e.t.Fatal(err)
		}
		*p = r
	}
	return w
}

func TestVisibilityFixture(t *testing.T) {
	e := newEnv(t)
	w := e.visWorld()
	for _, ev := range []*core.Record{w.evA1, w.evA2, w.evA3, w.evB1, w.evB2} {
		as, _ := e.app.FindAllRecords("assignments", dbx.HashExp{"event": ev.Id})
		var s []string
		for _, a := range as {
			u, _ := e.app.FindRecordById("units", a.GetString("unit"))
			s = append(s, u.GetString("name")+"/"+a.GetString("role")+"/"+a.GetString("status"))
		}
		t.Logf("%s lead=%s dir=%s arr=%s clash=%v %v :: %v", ev.GetString("title"), ev.GetString("lead_unit"), ev.GetString("directorate"),
			ev.GetString("arrondissement"), ev.GetBool("clash"), ev.GetStringSlice("clash_with"), s)
	}
	for _, inc := range []*core.Record{w.incA, w.incB, w.incCalavi, w.incX} {
		t.Logf("%s unit=%s dep=%s", inc.GetString("description"), inc.GetString("unit"), inc.GetString("departement"))
	}
	_ = fmt.Sprint
	_ = json.Marshal
	_ = httptest.NewRecorder
	_ = url.QueryEscape
	_ = sort.Strings
	_ = strings.ToLower
	_ = atomic.AddInt64
}
