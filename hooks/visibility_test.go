package hooks_test

// The visibility matrix: every role of DESIGN §2 × every collection of §3
// × list, view, create, update, delete, on a fixture with two parties and
// two units in two départements (visWorld). Beside it:
//
//   - leak checks: every expandable relation and back-relation, filters
//     on relations and back-relations, oracle pairs (a filter must answer
//     the same for a true and a false secret), totalItems;
//   - server-set fields (events, assignments, incidents) refused on REST
//     create/update, /api/batch and sync push, with nothing stored;
//   - nobody changes its own role, party, unit or disabled flag;
//   - no client reference to a record it may not see (itinerary, event);
//   - the sync scopes agree with the list rules.
//
// Helpers are prefixed "vis" to stay out of the other test files' way.

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
	"time"

	"coprosec/internal/accounts"

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

func visPoint(lat, lon float64) map[string]any { return map[string]any{"lat": lat, "lon": lon} }

// visCheapPasswords hashes this app's passwords at bcrypt's minimum cost:
// these tests create a few dozen accounts and the rules under test do not
// depend on it.
func (e *env) visCheapPasswords() {
	e.t.Helper()
	users, err := e.app.FindCollectionByNameOrId("users")
	if err != nil {
		e.t.Fatal(err)
	}
	if pw, ok := users.Fields.GetByName("password").(*core.PasswordField); ok {
		pw.Cost = 4
		if err := e.app.Save(users); err != nil {
			e.t.Fatal(err)
		}
	}
}

func (e *env) visWorld() *visWorld {
	e.t.Helper()
	e.visCheapPasswords()
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
	e.svc.Write.InvalidateGeography()

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
		"commune": "", "location": visPoint(6.399, 2.40)}))
	w.evB2 = post("events", w.orgB, e.meeting(w.partyB, map[string]any{"title": "B2 secret Calavi frontière", "itinerary": w.itB.Id,
		"commune": "", "location": visPoint(6.401, 2.40)}))
	w.evA2 = post("events", w.orgA, e.meeting(w.partyA, with(map[string]any{"title": "A2 Calavi", "commune": w.calavi.Id}, day15)))
	w.evB1 = post("events", w.orgB, e.meeting(w.partyB, with(map[string]any{"title": "B1 Cotonou", "commune": w.cotonou.Id}, day15)))
	w.evA3 = post("events", w.adminA, e.meeting(w.partyA, map[string]any{"title": "A3 caravane", "kind": "caravan",
		"starts_at": local(2026, 3, 13, 14, 0), "ends_at": local(2026, 3, 13, 16, 0),
		"route": []map[string]any{visPoint(6.39, 2.40), visPoint(6.45, 2.40)}}))

	w.incA = post("incidents", w.orgA, map[string]any{"event": w.evA1.Id, "kind": "disorder", "severity": 1,
		"description": "incA: bousculade au meeting A1", "occurred_at": testNow})
	w.incB = post("incidents", w.orgB, map[string]any{"event": w.evB1.Id, "kind": "threat", "severity": 3,
		"description": "incB: menaces au meeting B1", "occurred_at": testNow})
	w.incCalavi = post("incidents", w.officerCalavi, map[string]any{"kind": "accident", "severity": 2,
		"description": "incCalavi: accident à Calavi", "location": visPoint(6.45, 2.41), "occurred_at": testNow})
	w.incX = post("incidents", w.officerCotonou, map[string]any{"kind": "obstruction", "severity": 1,
		"description": "incX: barrage vu à Calavi", "location": visPoint(6.46, 2.42), "occurred_at": testNow})

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

// visIP gives every request of this file its own client address, so that
// PocketBase's randomized throttle of empty filtered lists (3 per 3 s and
// per IP) does not slow the matrix down.
var visIP atomic.Int64

// visDo is e.do from a fresh client address.
func (e *env) visDo(method, path string, as *core.Record, body any) response {
	e.t.Helper()
	var rd *strings.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			e.t.Fatal(err)
		}
		rd = strings.NewReader(string(raw))
	} else {
		rd = strings.NewReader("")
	}
	req := httptest.NewRequest(method, path, rd)
	req.Header.Set("Content-Type", "application/json")
	n := visIP.Add(1)
	req.RemoteAddr = fmt.Sprintf("10.%d.%d.%d:4321", (n>>16)&255, (n>>8)&255, n&255)
	if as != nil {
		token, err := as.NewAuthToken()
		if err != nil {
			e.t.Fatal(err)
		}
		req.Header.Set("Authorization", token)
	}
	rec := httptest.NewRecorder()
	e.mux.ServeHTTP(rec, req)
	res := response{Status: rec.Code, Body: rec.Body.Bytes()}
	_ = json.Unmarshal(res.Body, &res.JSON)
	return res
}

func (e *env) visList(collection string, as *core.Record, query url.Values) response {
	e.t.Helper()
	if query == nil {
		query = url.Values{}
	}
	query.Set("perPage", "500")
	return e.visDo("GET", "/api/collections/"+collection+"/records?"+query.Encode(), as, nil)
}

// --- who is who ------------------------------------------------------

type visUser struct {
	name string
	u    *core.Record
}

func (w *visWorld) everyone() []visUser {
	return []visUser{
		{"orgA", w.orgA}, {"adminA", w.adminA}, {"orgB", w.orgB}, {"adminB", w.adminB},
		{"officerCotonou", w.officerCotonou}, {"commanderCotonou", w.commanderCotonou},
		{"officerCalavi", w.officerCalavi}, {"commanderCalavi", w.commanderCalavi},
		{"directorLittoral", w.directorLittoral}, {"directorAtlantique", w.directorAtlantique},
		{"ministry", w.ministry},
	}
}

var (
	visReference = []string{"departements", "communes", "arrondissements", "units", "parties", "elections"}
	visAll       = append(visClone(visReference), "users", "itineraries", "events", "assignments", "incidents",
		"receipts", "audit", "device_status", "boundaries")
)

func visClone(s []string) []string { return append([]string(nil), s...) }

// visIDSet turns records into a set of ids.
func visIDSet(rs ...*core.Record) map[string]bool {
	out := map[string]bool{}
	for _, r := range rs {
		out[r.Id] = true
	}
	return out
}

// visSets is the expected visibility of DESIGN §3, per collection and
// user, written out for the fixture where it is short and derived from
// the stored records (as a superuser) where it is long. nil means the
// collection is closed to every non-superuser (403).
type visSets map[string]map[*core.Record]map[string]bool

func (e *env) visExpected(w *visWorld) visSets {
	e.t.Helper()
	all := func(collection string) map[string]bool {
		rs, err := e.app.FindAllRecords(collection)
		if err != nil {
			e.t.Fatal(err)
		}
		return visIDSet(rs...)
	}
	v := visSets{}
	people := w.everyone()
	each := func(collection string, f func(u *core.Record) map[string]bool) {
		v[collection] = map[*core.Record]map[string]bool{}
		for _, p := range people {
			v[collection][p.u] = f(p.u)
		}
	}
	table := func(collection string, t map[*core.Record][]*core.Record) {
		each(collection, func(u *core.Record) map[string]bool {
			if u == w.ministry {
				return all(collection)
			}
			return visIDSet(t[u]...)
		})
	}

	// reference data: every signed-in user
	for _, c := range visReference {
		each(c, func(*core.Record) map[string]bool { return all(c) })
	}
	// polygons: superusers only
	v["boundaries"] = nil

	// Party users see their party's itineraries, events and receipts, the
	// incidents they reported; units the events assigned to them, their
	// receipts and their incidents; directors those of their
	// département's units plus the events their directorate oversees.
	A := []*core.Record{w.evA1, w.evA2, w.evA3}
	B := []*core.Record{w.evB1, w.evB2}
	cotonou := []*core.Record{w.evA1, w.evA3, w.evB1}
	calavi := []*core.Record{w.evA2, w.evA3, w.evB2} // evA3 through its route
	table("events", map[*core.Record][]*core.Record{
		w.orgA: A, w.adminA: A, w.orgB: B, w.adminB: B,
		w.officerCotonou: cotonou, w.commanderCotonou: cotonou, w.directorLittoral: cotonou,
		w.officerCalavi: calavi, w.commanderCalavi: calavi, w.directorAtlantique: calavi,
	})
	rcA := []*core.Record{w.rcA1, w.rcA3}
	table("receipts", map[*core.Record][]*core.Record{
		w.orgA: rcA, w.adminA: rcA, w.orgB: {w.rcB2}, w.adminB: {w.rcB2},
		w.officerCotonou: rcA, w.commanderCotonou: rcA, w.directorLittoral: rcA,
		w.officerCalavi: {w.rcB2, w.rcA3}, w.commanderCalavi: {w.rcB2, w.rcA3}, w.directorAtlantique: {w.rcB2, w.rcA3},
	})
	table("incidents", map[*core.Record][]*core.Record{
		w.orgA: {w.incA}, w.orgB: {w.incB}, // a party_admin does not see its organizers' reports
		w.officerCotonou:   {w.incA, w.incB, w.incX}, // incX: reported by it, routed to Calavi
		w.commanderCotonou: {w.incA, w.incB}, w.directorLittoral: {w.incA, w.incB},
		w.officerCalavi: {w.incCalavi, w.incX}, w.commanderCalavi: {w.incCalavi, w.incX}, w.directorAtlantique: {w.incCalavi, w.incX},
	})
	table("itineraries", map[*core.Record][]*core.Record{
		w.orgA: {w.itA}, w.adminA: {w.itA}, w.orgB: {w.itB}, w.adminB: {w.itB},
	})
	table("device_status", map[*core.Record][]*core.Record{
		w.orgA: {w.devOrgA}, w.officerCotonou: {w.devOfficerCotonou}, w.officerCalavi: {w.devOfficerCalavi},
		w.directorLittoral: {w.devOfficerCotonou}, w.directorAtlantique: {w.devOfficerCalavi},
	})
	table("audit", nil) // ministry only

	// assignments: those of the party's events; the unit's own; for a
	// director those of its département's units and those of the events
	// its directorate oversees.
	unitDep := map[string]string{}
	for _, u := range []*core.Record{w.ddprLittoral, w.ddprAtlantique, w.comCotonou, w.comCalavi, w.comOuidah} {
		unitDep[u.Id] = u.GetString("departement")
	}
	assignments, err := e.app.FindAllRecords("assignments")
	if err != nil {
		e.t.Fatal(err)
	}
	each("assignments", func(u *core.Record) map[string]bool {
		out := map[string]bool{}
		for _, a := range assignments {
			ev, err := e.app.FindRecordById("events", a.GetString("event"))
			if err != nil {
				e.t.Fatal(err)
			}
			var ok bool
			switch u.GetString("role") {
			case "organizer", "party_admin":
				ok = ev.GetString("party") == u.GetString("party")
			case "officer", "commander":
				ok = a.GetString("unit") == u.GetString("unit")
			case "director":
				ok = unitDep[a.GetString("unit")] == unitDep[u.GetString("unit")] || ev.GetString("directorate") == u.GetString("unit")
			case "ministry":
				ok = true
			}
			if ok {
				out[a.Id] = true
			}
		}
		return out
	})

	// accounts: oneself; a party_admin its party's; a director its
	// département's police; the ministry everyone.
	users, err := e.app.FindAllRecords("users")
	if err != nil {
		e.t.Fatal(err)
	}
	each("users", func(u *core.Record) map[string]bool {
		out := map[string]bool{u.Id: true}
		for _, o := range users {
			switch {
			case u.GetString("role") == "ministry",
				u.GetString("role") == "party_admin" && o.GetString("party") == u.GetString("party"),
				u.GetString("role") == "director" && o.GetString("unit") != "" && unitDep[o.GetString("unit")] == unitDep[u.GetString("unit")]:
				out[o.Id] = true
			}
		}
		return out
	})
	return v
}

// visibleTo reports whether the record collection/id is visible to u.
func (v visSets) visibleTo(collection, id string, u *core.Record) bool {
	return v[collection] != nil && v[collection][u][id]
}

func visSortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// visDescribe names ids for failure messages (title, description, name…).
func (e *env) visDescribe(collection string, set map[string]bool) string {
	var out []string
	for _, id := range visSortedKeys(set) {
		label := id
		if r, err := e.app.FindRecordById(collection, id); err == nil {
			for _, f := range []string{"title", "description", "name", "number", "device", "code"} {
				if s := r.GetString(f); s != "" {
					label = s
					break
				}
			}
			if collection == "assignments" {
				ev, _ := e.app.FindRecordById("events", r.GetString("event"))
				un, _ := e.app.FindRecordById("units", r.GetString("unit"))
				if ev != nil && un != nil {
					label = ev.GetString("title") + "→" + un.GetString("name") + "/" + r.GetString("role")
				}
			}
		}
		out = append(out, label)
	}
	return "[" + strings.Join(out, "; ") + "]"
}

func visDiff(got, want map[string]bool) (extra, missing map[string]bool) {
	extra, missing = map[string]bool{}, map[string]bool{}
	for id := range got {
		if !want[id] {
			extra[id] = true
		}
	}
	for id := range want {
		if !got[id] {
			missing[id] = true
		}
	}
	return extra, missing
}

// --- read matrix -----------------------------------------------------

// TestVisibilityMatrixRead lists and views every collection as every role
// and compares with the expected visibility: lists return exactly the
// visible records and count only them, every invisible record answers 404
// (403 for superuser-only collections), and no expand, filter on a
// relation or back-relation, or count reveals anything more.
func TestVisibilityMatrixRead(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	w := e.visWorld()
	v := e.visExpected(w)

	t.Run("list and view", func(t *testing.T) {
		for _, p := range w.everyone() {
			for _, c := range visAll {
				res := e.visList(c, p.u, nil)
				if v[c] == nil {
					if res.Status != http.StatusForbidden {
						t.Errorf("%s lists %s: %d, want 403", p.name, c, res.Status)
					}
					continue
				}
				if res.Status != http.StatusOK {
					t.Errorf("%s lists %s: %s", p.name, c, res)
					continue
				}
				want := v[c][p.u]
				got := ids(res)
				if extra, missing := visDiff(got, want); len(extra)+len(missing) > 0 {
					t.Errorf("%s lists %s: sees %s it must not, misses %s", p.name, c, e.visDescribe(c, extra), e.visDescribe(c, missing))
				}
				if n := res.JSON["totalItems"]; n != float64(len(want)) {
					t.Errorf("%s lists %s: totalItems %v, want %d", p.name, c, n, len(want))
				}
			}
		}
		// views: every field record, a sample of reference records
		for _, c := range visAll {
			var targets []*core.Record
			switch c {
			case "departements":
				targets = []*core.Record{w.depLittoral, w.depAtlantique}
			case "communes":
				targets = []*core.Record{w.cotonou, w.calavi, w.ouidah}
			case "arrondissements":
				targets = []*core.Record{w.arrCotonou, w.arrCalavi}
			case "parties":
				targets = []*core.Record{w.partyA, w.partyB, w.partyC}
			case "audit": // one row per kind of change is enough
				for _, f := range []string{"collection = 'events' && action = 'create'", "collection = 'events' && action = 'update'",
					"collection = 'assignments' && action = 'create'", "collection = 'assignments' && action = 'update'"} {
					r, err := e.app.FindFirstRecordByFilter("audit", f)
					if err != nil {
						t.Fatalf("audit %s: %v", f, err)
					}
					targets = append(targets, r)
				}
			default:
				var err error
				if targets, err = e.app.FindAllRecords(c); err != nil {
					t.Fatal(err)
				}
			}
			for _, p := range w.everyone() {
				for _, r := range targets {
					res := e.visDo("GET", "/api/collections/"+c+"/records/"+r.Id, p.u, nil)
					want := http.StatusNotFound
					switch {
					case v[c] == nil:
						want = http.StatusForbidden
					case v.visibleTo(c, r.Id, p.u):
						want = http.StatusOK
					}
					if res.Status != want {
						t.Errorf("%s views %s %s: %d, want %d", p.name, c, e.visDescribe(c, visIDSet(r)), res.Status, want)
					}
				}
			}
		}
	})

	// Every relation and back-relation a client could expand, nested
	// where it crosses parties or units. Whatever comes back under
	// "expand" must be visible to the caller on its own.
	expands := map[string]string{
		"events": "itinerary,party,election,commune,arrondissement,departement,lead_unit,directorate,created_by," +
			"clash_with,clash_with.created_by,clash_with.itinerary,clash_with.assignments_via_event,clash_with.receipts_via_event," +
			"assignments_via_event,assignments_via_event.acknowledged_by,receipts_via_event,incidents_via_event,incidents_via_event.reported_by",
		"assignments": "event,event.clash_with,event.created_by,event.itinerary,unit,acknowledged_by," +
			"event.assignments_via_event,event.receipts_via_event,event.incidents_via_event",
		"incidents":     "event,event.clash_with,event.assignments_via_event,reported_by,unit,directorate,event.receipts_via_event",
		"receipts":      "event,event.clash_with,event.assignments_via_event,event.created_by,event.incidents_via_event",
		"itineraries":   "party,election,created_by,events_via_itinerary,events_via_itinerary.clash_with",
		"users":         "party,unit,incidents_via_reported_by,events_via_created_by,assignments_via_acknowledged_by,device_status_via_user,itineraries_via_created_by",
		"device_status": "user,user.incidents_via_reported_by",
		"units": "parent,assignments_via_unit,incidents_via_unit,users_via_unit,events_via_lead_unit,events_via_directorate," +
			"events_via_lead_unit.clash_with,incidents_via_directorate",
		"parties":         "events_via_party,itineraries_via_party,users_via_party",
		"elections":       "events_via_election,itineraries_via_election,parties",
		"communes":        "departement,events_via_commune,incidents_via_commune",
		"departements":    "events_via_departement,incidents_via_departement",
		"arrondissements": "commune,events_via_arrondissement,incidents_via_arrondissement",
		"audit":           "actor",
	}
	sample := map[string]string{
		"communes":     fmt.Sprintf("id = %q || id = %q || id = %q", w.cotonou.Id, w.calavi.Id, w.ouidah.Id),
		"departements": fmt.Sprintf("id = %q || id = %q", w.depLittoral.Id, w.depAtlantique.Id),
	}
	sampleSize := map[string]int{"communes": 3, "departements": 2}
	t.Run("expand", func(t *testing.T) {
		for _, p := range w.everyone() {
			for c, ex := range expands {
				q := url.Values{"expand": {ex}}
				want := len(v[c][p.u])
				if only, ok := sample[c]; ok { // the fixture's places, not all 77 communes
					q.Set("filter", only)
					want = sampleSize[c]
				}
				res := e.visList(c, p.u, q)
				if res.Status != http.StatusOK {
					t.Errorf("%s lists %s?expand=%s: %s", p.name, c, ex, res)
					continue
				}
				if got := ids(res); len(got) != want {
					t.Errorf("%s lists %s with expand: %d records, want %d", p.name, c, len(got), want)
				}
				items, _ := res.JSON["items"].([]any)
				for _, it := range items {
					visWalkExpand(it, "", func(path, col, id string) {
						if !v.visibleTo(col, id, p.u) {
							t.Errorf("%s lists %s?expand=…: %s expands %s %s it may not see", p.name, c, path, col, e.visDescribe(col, visIDSet(&core.Record{Id: id})))
						}
					})
				}
			}
		}
	})

	// The checks above are not vacuous: expand works, and the clash link
	// between A1 (Cotonou) and B2 (Calavi) is expanded only for those who
	// see both ends.
	t.Run("expand clash partners", func(t *testing.T) {
		for _, c := range []struct {
			who     *core.Record
			event   *core.Record
			partner bool
		}{
			{w.ministry, w.evA1, true}, {w.orgA, w.evA1, false}, {w.orgB, w.evB2, false},
			{w.commanderCotonou, w.evA1, false}, {w.commanderCalavi, w.evB2, false},
			{w.directorLittoral, w.evA1, false}, {w.directorAtlantique, w.evB2, false},
		} {
			res := e.visDo("GET", "/api/collections/events/records/"+c.event.Id+"?expand=clash_with,itinerary,lead_unit", c.who, nil)
			if res.Status != http.StatusOK {
				t.Fatalf("%s views %s: %s", c.who.GetString("role"), c.event.GetString("title"), res)
			}
			// party accounts never see a partner, nor the exact flag (J10)
			party := accounts.IsParty(c.who.GetString("role"))
			for _, f := range []string{"clash", "clash_with", "clash_count"} {
				if _, ok := res.JSON[f]; ok == party {
					t.Fatalf("%s views %s: %s shown = %v: %s", c.who.GetString("role"), c.event.GetString("title"), f, ok, res)
				}
			}
			if links, _ := res.JSON["clash_with"].([]any); !party && len(links) != 1 {
				t.Fatalf("%s: clash_with = %v, want the partner's id", c.event.GetString("title"), res.JSON["clash_with"])
			}
			ex, _ := res.JSON["expand"].(map[string]any)
			if _, ok := ex["lead_unit"]; !ok {
				t.Errorf("%s views %s?expand=lead_unit: nothing expanded: %s", c.who.GetString("role"), c.event.GetString("title"), res)
			}
			if _, ok := ex["clash_with"]; ok != c.partner {
				t.Errorf("%s views %s?expand=clash_with: partner expanded = %v, want %v", c.who.GetString("role"), c.event.GetString("title"), ok, c.partner)
			}
		}
	})

	// Filters on relations and back-relations see only what the caller
	// may list in the related collection. Each case names the records the
	// filter must return (all visible); an oracle pair must answer the
	// same whether its secret is right or wrong.
	phone := w.commanderCotonou.GetString("phone")
	filters := []struct {
		who        *core.Record
		collection string
		filter     string
		want       []*core.Record
	}{
		// "=" on a back-relation means every related record matches
		{w.orgA, "events", fmt.Sprintf(`assignments_via_event.unit = %q`, w.comCalavi.Id), nil},
		{w.orgA, "events", fmt.Sprintf(`assignments_via_event.unit ?= %q`, w.comCalavi.Id), []*core.Record{w.evA2, w.evA3}},
		{w.orgA, "events", `party.acronym = "PB"`, nil},
		{w.orgA, "events", fmt.Sprintf(`party = %q`, w.partyB.Id), nil},
		{w.orgA, "events", `clash_with.title ~ "secret"`, nil},
		{w.orgA, "events", `clash_with.title ?~ "secret"`, nil},
		{w.orgA, "events", fmt.Sprintf(`clash_with.party = %q`, w.partyB.Id), nil},
		{w.orgA, "events", fmt.Sprintf(`clash_with.created_by = %q`, w.orgB.Id), nil},
		{w.orgA, "events", fmt.Sprintf(`assignments_via_event.acknowledged_by.phone = %q`, phone), nil},
		{w.orgA, "events", `@collection.events.title ~ "secret"`, nil},
		{w.orgA, "events", fmt.Sprintf(`@collection.users.phone = %q`, phone), nil},
		{w.orgA, "events", fmt.Sprintf(`@collection.audit.record = %q`, w.evB2.Id), nil},
		{w.orgA, "receipts", `event.clash_with.title ~ "secret"`, nil},
		{w.orgA, "receipts", fmt.Sprintf(`event.party = %q`, w.partyB.Id), nil},
		{w.orgA, "incidents", fmt.Sprintf(`event.party = %q`, w.partyB.Id), nil},
		{w.orgA, "units", fmt.Sprintf(`events_via_lead_unit.party = %q`, w.partyB.Id), nil},
		{w.orgA, "units", `incidents_via_unit.description ~ "incCalavi"`, nil},
		{w.orgA, "parties", `events_via_party.title ~ "secret"`, nil},
		{w.orgA, "parties", `itineraries_via_party.title ~ "Tournée B"`, nil},
		{w.orgA, "communes", `incidents_via_commune.description ~ "incX"`, nil},
		{w.orgB, "assignments", `event.title ~ "A1"`, nil},
		{w.orgB, "events", `assignments_via_event.status ?= "acknowledged"`, []*core.Record{w.evB2}},
		{w.adminA, "users", fmt.Sprintf(`incidents_via_reported_by.event = %q`, w.evA1.Id), nil}, // orgA's report: not the admin's
		{w.commanderCotonou, "events", `receipts_via_event.number ?!= ""`, []*core.Record{w.evA1, w.evA3}},
		{w.commanderCalavi, "events", `receipts_via_event.number ?!= ""`, []*core.Record{w.evA3, w.evB2}},
		{w.commanderCalavi, "events", fmt.Sprintf(`receipts_via_event.number ?= %q`, w.rcA1.GetString("number")), nil},
		{w.commanderCalavi, "events", `clash_with.title ~ "A1"`, nil},
		{w.commanderCalavi, "events", fmt.Sprintf(`party = %q`, w.partyA.Id), []*core.Record{w.evA2, w.evA3}},
		{w.commanderCotonou, "events", fmt.Sprintf(`assignments_via_event.unit ?= %q`, w.comCalavi.Id), nil},
		{w.commanderCotonou, "assignments", fmt.Sprintf(`event.assignments_via_event.unit ?= %q`, w.comCalavi.Id), nil},
		{w.commanderCotonou, "receipts", fmt.Sprintf(`event.assignments_via_event.unit ?= %q`, w.comCalavi.Id), nil},
		{w.officerCalavi, "incidents", `reported_by.name = "officer"`, []*core.Record{w.incCalavi}}, // not incX: its reporter is a Cotonou officer
		{w.officerCalavi, "units", `incidents_via_unit.description ~ "incA"`, nil},
		{w.directorLittoral, "users", `incidents_via_reported_by.description ~ "incX"`, nil},
		{w.directorLittoral, "users", `incidents_via_reported_by.description ~ "incA"`, nil}, // reported by orgA, not its account
		{w.directorAtlantique, "events", fmt.Sprintf(`assignments_via_event.unit ?= %q`, w.comCotonou.Id), nil},
		{w.directorAtlantique, "assignments", fmt.Sprintf(`event.lead_unit = %q`, w.comCotonou.Id),
			visAssignmentsOf(e, w.evA3, w.comCalavi, w.ddprAtlantique)},
		{w.directorAtlantique, "device_status", `user.unit.departement.code = "BJ08"`, nil},
	}
	t.Run("filters", func(t *testing.T) {
		for _, f := range filters {
			res := e.visList(f.collection, f.who, url.Values{"filter": {f.filter}})
			who := f.who.GetString("role") + " " + f.who.GetString("name")
			refused := res.Status == http.StatusBadRequest || res.Status == http.StatusForbidden
			if res.Status != http.StatusOK && !(refused && len(f.want) == 0) {
				t.Errorf("%s filters %s by %s: %s", who, f.collection, f.filter, res)
				continue
			}
			want := visIDSet(f.want...)
			got := ids(res)
			if extra, missing := visDiff(got, want); len(extra)+len(missing) > 0 {
				t.Errorf("%s filters %s by %s: got %s, want %s", f.who.Email(), f.collection, f.filter, e.visDescribe(f.collection, got), e.visDescribe(f.collection, want))
			}
			if n, ok := res.JSON["totalItems"]; ok && n != float64(len(want)) {
				t.Errorf("%s filters %s by %s: totalItems %v, want %d", f.who.Email(), f.collection, f.filter, n, len(want))
			}
		}
	})

	// Oracle pairs: the same filter with a true and a false secret must
	// give the same answer (status, ids and count).
	oracles := []struct {
		who              *core.Record
		collection       string
		format           string
		secret, decoy    string
		explainIfLeaking string
	}{
		{w.orgA, "events", `clash_with.title !~ %q`, "secret", "zzz-none", "title of party B's clashing event"},
		{w.orgA, "events", `clash_with.title != %q`, w.evB2.GetString("title"), "zzz-none", "title of party B's clashing event"},
		{w.orgA, "events", `clash_with.starts_at != %q`, w.evB2.GetString("starts_at"), "2026-03-02 00:00:00.000Z", "time of party B's clashing event"},
		{w.orgA, "events", `assignments_via_event.acknowledged_by.phone != %q`, phone, "+22900000000", "phone of the commander"},
		{w.commanderCotonou, "assignments", `event.assignments_via_event.unit != %q`, w.comCalavi.Id, w.comOuidah.Id, "another unit's assignment"},
		{w.commanderCotonou, "events", `assignments_via_event.unit != %q`, w.comCalavi.Id, w.comOuidah.Id, "another unit's assignment"},
		{w.commanderCalavi, "events", `clash_with.party != %q`, w.partyA.Id, w.partyC.Id, "party of an invisible event"},
		{w.directorLittoral, "users", `incidents_via_reported_by.kind != %q`, "obstruction", "other", "an incident of another département"},
		{w.officerCalavi, "events", `@request.auth.unit.users_via_unit.phone != %q`, w.commanderCalavi.GetString("phone"), "+22900000000", "a colleague's phone"},
		{w.orgA, "units", `events_via_lead_unit.title !~ %q`, "secret", "zzz-none", "title of another party's event"},
	}
	t.Run("oracles", func(t *testing.T) {
		for _, o := range oracles {
			a := e.visList(o.collection, o.who, url.Values{"filter": {fmt.Sprintf(o.format, o.secret)}})
			b := e.visList(o.collection, o.who, url.Values{"filter": {fmt.Sprintf(o.format, o.decoy)}})
			if a.Status != b.Status || fmt.Sprint(visSortedKeys(ids(a))) != fmt.Sprint(visSortedKeys(ids(b))) || a.JSON["totalItems"] != b.JSON["totalItems"] {
				t.Errorf("%s: filter %s on %s answers differently for the true and a false value: it leaks the %s (%s vs %s)",
					o.who.Email(), o.format, o.collection, o.explainIfLeaking, e.visDescribe(o.collection, ids(a)), e.visDescribe(o.collection, ids(b)))
			}
		}
	})

	// All-match comparisons across several related records are refused
	// with a stable code (PocketBase would evaluate them over records the
	// caller may not see); their any-match forms work.
	t.Run("all-match filters across relations", func(t *testing.T) {
		for _, c := range []struct {
			who        *core.Record
			collection string
			refused    string
			allowed    string
		}{
			{w.orgA, "events", `assignments_via_event.acknowledged_by.phone != "x"`, `assignments_via_event.acknowledged_by.phone ?!= "x"`},
			{w.commanderCotonou, "assignments", `event.assignments_via_event.unit != "x"`, `event.assignments_via_event.unit ?!= "x"`},
			{w.commanderCotonou, "events", `assignments_via_event.unit ~ "x"`, `assignments_via_event.unit ?~ "x"`},
			{w.orgA, "events", `(title != "" && receipts_via_event.number < "z")`, `(title != "" && receipts_via_event.number ?< "z")`},
			{w.commanderCalavi, "events", `receipts_via_event.number != ""`, `receipts_via_event.number ?!= ""`},
		} {
			res := e.visList(c.collection, c.who, url.Values{"filter": {c.refused}})
			if res.Status != http.StatusBadRequest || res.code() != "filter_not_allowed" {
				t.Errorf("%s filters %s by %s: %s, want 400 filter_not_allowed", c.who.GetString("role"), c.collection, c.refused, res)
			}
			if res := e.visList(c.collection, c.who, url.Values{"filter": {c.allowed}}); res.Status != http.StatusOK {
				t.Errorf("%s filters %s by %s: %s", c.who.GetString("role"), c.collection, c.allowed, res)
			}
		}
		// filters within the record or through single relations stay open
		for _, f := range []string{`title != "x"`, `security_needs != "escort"`, `party.acronym != "PB"`, `clash_notice = true`,
			`location.lat > 6`, `directorate.departement.code != "BJ03"`} {
			if res := e.visList("events", w.orgA, url.Values{"filter": {f}}); res.Status != http.StatusOK {
				t.Errorf("organizer filters events by %s: %s", f, res)
			}
		}
		// a superuser may filter freely
		su, err := e.app.FindAuthRecordByEmail(core.CollectionNameSuperusers, "vis-admin@test.bj")
		if err != nil {
			col, _ := e.app.FindCollectionByNameOrId(core.CollectionNameSuperusers)
			su = core.NewRecord(col)
			su.SetEmail("vis-admin@test.bj")
			su.SetPassword(testPassword)
			if err := e.app.Save(su); err != nil {
				t.Fatal(err)
			}
		}
		if res := e.visList("events", su, url.Values{"filter": {`assignments_via_event.unit != "x"`}}); res.Status != http.StatusOK {
			t.Errorf("superuser filter: %s", res)
		}
	})

	// Internal fields never reach a client, and cannot be filtered on.
	t.Run("hidden fields", func(t *testing.T) {
		for _, p := range w.everyone() {
			res := e.visList("events", p.u, nil)
			for _, hidden := range []string{"field_versions", "clash_cell", "clash_area"} {
				if strings.Contains(string(res.Body), `"`+hidden+`"`) {
					t.Errorf("%s sees the internal field %s", p.name, hidden)
				}
				f := e.visList("events", p.u, url.Values{"filter": {hidden + ` != ""`}})
				if f.Status == http.StatusOK && len(ids(f)) > 0 {
					t.Errorf("%s filters on the internal field %s: %s", p.name, hidden, f)
				}
			}
		}
	})
}

func visAssignmentsOf(e *env, ev *core.Record, units ...*core.Record) []*core.Record {
	var out []*core.Record
	for _, u := range units {
		a, err := e.app.FindFirstRecordByFilter("assignments", "event = {:e} && unit = {:u}", dbx.Params{"e": ev.Id, "u": u.Id})
		if err != nil {
			e.t.Fatalf("no assignment of %s to %s", ev.GetString("title"), u.GetString("name"))
		}
		out = append(out, a)
	}
	return out
}

// walkExpand calls f for every record found under an "expand" key of a
// JSON record, at any depth.
func visWalkExpand(node any, path string, f func(path, collection, id string)) {
	rec, ok := node.(map[string]any)
	if !ok {
		return
	}
	ex, _ := rec["expand"].(map[string]any)
	for key, val := range ex {
		var list []any
		switch x := val.(type) {
		case []any:
			list = x
		case map[string]any:
			list = []any{x}
		}
		for _, item := range list {
			m, ok := item.(map[string]any)
			if !ok {
				continue
			}
			col, _ := m["collectionName"].(string)
			id, _ := m["id"].(string)
			f(path+"."+key, col, id)
			visWalkExpand(m, path+"."+key, f)
		}
	}
}

// --- write matrix ----------------------------------------------------

// visWriteCase is one write attempted by every role: allowed lists the
// users for whom it must succeed; for everyone else it must be refused and
// change nothing.
type visWriteCase struct {
	op, collection, name string
	allowed              []*core.Record
	// request builds the attempt for u; target is the record an update
	// or delete touches (nil for creates).
	request func(u *core.Record) (body map[string]any, target *core.Record)
}

var visSeq atomic.Int64

func visNext() int64 { return visSeq.Add(1) }

// TestVisibilityMatrixWrite tries create, update and delete on every
// collection as every role (DESIGN §2, §3, J12).
func TestVisibilityMatrixWrite(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	w := e.visWorld()
	party := func(u *core.Record) *core.Record {
		if u.GetString("party") == w.partyB.Id {
			return w.partyB
		}
		return w.partyA
	}
	parties := []*core.Record{w.orgA, w.adminA, w.orgB, w.adminB}
	ministry := []*core.Record{w.ministry}
	lead := func(ev *core.Record) *core.Record {
		return visAssignmentsOf(e, ev, e.mustRecord("units", ev.GetString("lead_unit")))[0]
	}
	fresh := func(collection string, data map[string]any) *core.Record { return e.save(collection, data) }
	freshUser := func(role string, extra map[string]any) *core.Record {
		n := visNext()
		data := map[string]any{"email": fmt.Sprintf("fresh%d@test.bj", n), "password": testPassword, "name": "Fresh", "role": role,
			"phone": fmt.Sprintf("+2299800%04d", n)}
		for k, v := range extra {
			data[k] = v
		}
		return e.save("users", data)
	}
	// codes of new départements and communes have two free digits: a
	// per-test sequence keeps them unique (at most 11 × 4 are drawn)
	codes := 0
	codeSeq := func() int { codes++; return codes }
	start := local(2026, 3, 1, 0, 0)
	anAudit, err := e.app.FindFirstRecordByFilter("audit", "collection = 'events'")
	if err != nil {
		t.Fatal(err)
	}
	aBoundary, err := e.app.FindFirstRecordByFilter("boundaries", "code = 'BJ0301'")
	if err != nil {
		t.Fatal(err)
	}
	// upd makes every attempt a real change (free-text values get a
	// counter), so that a refusal is never mistaken for a no-op.
	// atStart runs a request as the event's start nears (police statuses
	// follow the clock); the loop sets the test clock back before each one.
	atStart := func(ev *core.Record, request func(*core.Record) (map[string]any, *core.Record)) func(*core.Record) (map[string]any, *core.Record) {
		return func(u *core.Record) (map[string]any, *core.Record) {
			e.now = ev.GetDateTime("starts_at").Time().Add(-30 * time.Minute)
			return request(u)
		}
	}
	upd := func(target *core.Record, body map[string]any) func(*core.Record) (map[string]any, *core.Record) {
		return func(*core.Record) (map[string]any, *core.Record) {
			if body == nil {
				return nil, target
			}
			n := visNext()
			out := map[string]any{}
			for k, v := range body {
				switch k {
				case "name", "title", "description", "plan", "revoked_reason", "device", "source":
					v = fmt.Sprintf("%v #%d", v, n)
				case "officers", "lag":
					v = n
				}
				out[k] = v
			}
			return out, target
		}
	}
	del := func(mk func(u *core.Record) *core.Record) func(*core.Record) (map[string]any, *core.Record) {
		return func(u *core.Record) (map[string]any, *core.Record) { return nil, mk(u) }
	}

	cases := []visWriteCase{
		// reference data: the ministry manages it
		{"create", "departements", "", ministry, func(*core.Record) (map[string]any, *core.Record) {
			return map[string]any{"code": fmt.Sprintf("BJ%02d", 20+codeSeq()), "name": "Nouveau"}, nil
		}},
		{"create", "communes", "", ministry, func(*core.Record) (map[string]any, *core.Record) {
			return map[string]any{"code": fmt.Sprintf("BJ08%02d", 10+codeSeq()), "name": "Nouvelle", "departement": w.depLittoral.Id}, nil
		}},
		{"create", "arrondissements", "", ministry, func(*core.Record) (map[string]any, *core.Record) {
			return map[string]any{"code": fmt.Sprintf("BJ0304-%02d", visNext()), "name": "Nouvel", "commune": w.ouidah.Id, "departement": w.depAtlantique.Id}, nil
		}},
		{"create", "units", "", ministry, func(*core.Record) (map[string]any, *core.Record) {
			return map[string]any{"name": fmt.Sprintf("Poste %d", visNext()), "kind": "commissariat", "departement": w.depAtlantique.Id, "parent": w.ddprAtlantique.Id}, nil
		}},
		{"create", "parties", "", ministry, func(*core.Record) (map[string]any, *core.Record) {
			return map[string]any{"name": "Nouveau parti", "acronym": fmt.Sprintf("NP%d", visNext())}, nil
		}},
		{"create", "elections", "", ministry, func(*core.Record) (map[string]any, *core.Record) {
			return map[string]any{"name": "Communales", "campaign_start": start.AddDate(1, 0, 0), "campaign_end": start.AddDate(1, 0, 15),
				"election_day": start.AddDate(1, 0, 16)}, nil
		}},
		{"update", "departements", "", ministry, upd(w.depAtlantique, map[string]any{"name": "Atlantique (mod)"})},
		{"update", "communes", "", ministry, upd(w.ouidah, map[string]any{"name": "Ouidah (mod)"})},
		{"update", "arrondissements", "", ministry, upd(w.arrCalavi, map[string]any{"name": "Calavi centre (mod)"})},
		{"update", "units", "", ministry, upd(w.comOuidah, map[string]any{"phone": "+22921000000"})},
		{"update", "parties", "", ministry, upd(w.partyC, map[string]any{"color": "#000000"})},
		{"update", "elections", "", ministry, upd(w.election, map[string]any{"name": "Législatives (mod)"})},
		{"delete", "departements", "", ministry, del(func(*core.Record) *core.Record {
			return fresh("departements", map[string]any{"code": fmt.Sprintf("BJ%02d", 20+codeSeq()), "name": "À supprimer"})
		})},
		{"delete", "communes", "", ministry, del(func(*core.Record) *core.Record {
			return fresh("communes", map[string]any{"code": fmt.Sprintf("BJ03%02d", 10+codeSeq()), "name": "À supprimer", "departement": w.depAtlantique.Id})
		})},
		{"delete", "arrondissements", "", ministry, del(func(*core.Record) *core.Record {
			return fresh("arrondissements", map[string]any{"code": fmt.Sprintf("BJ0304-9%02d", visNext()), "name": "À supprimer", "commune": w.ouidah.Id, "departement": w.depAtlantique.Id})
		})},
		{"delete", "units", "", ministry, del(func(*core.Record) *core.Record {
			return fresh("units", map[string]any{"name": "À supprimer", "kind": "commissariat", "departement": w.depAtlantique.Id, "parent": w.ddprAtlantique.Id})
		})},
		{"delete", "parties", "", ministry, del(func(*core.Record) *core.Record {
			return fresh("parties", map[string]any{"name": "À supprimer", "acronym": fmt.Sprintf("DEL%d", visNext())})
		})},
		{"delete", "elections", "", ministry, del(func(*core.Record) *core.Record {
			return fresh("elections", map[string]any{"name": "À supprimer", "campaign_start": start, "campaign_end": start.AddDate(0, 0, 15), "election_day": start.AddDate(0, 0, 16)})
		})},

		// accounts: a party_admin its party's organizers, the ministry
		// police accounts; everyone edits its own name
		{"create", "users", "an organizer of one's party", []*core.Record{w.adminA, w.adminB}, func(u *core.Record) (map[string]any, *core.Record) {
			n := visNext()
			return map[string]any{"email": fmt.Sprintf("new%d@test.bj", n), "password": testPassword, "passwordConfirm": testPassword,
				"name": "Nouveau", "role": "organizer", "party": party(u).Id}, nil
		}},
		{"create", "users", "an officer", ministry, func(u *core.Record) (map[string]any, *core.Record) {
			n := visNext()
			return map[string]any{"email": fmt.Sprintf("new%d@test.bj", n), "password": testPassword, "passwordConfirm": testPassword,
				"name": "Nouveau", "role": "officer", "unit": w.comCotonou.Id}, nil
		}},
		{"update", "users", "own name", []*core.Record{w.orgA, w.adminA, w.orgB, w.adminB, w.officerCotonou, w.commanderCotonou,
			w.officerCalavi, w.commanderCalavi, w.directorLittoral, w.directorAtlantique, w.ministry},
			func(u *core.Record) (map[string]any, *core.Record) {
				return map[string]any{"name": fmt.Sprintf("Renommé #%d", visNext())}, u
			}},
		{"update", "users", "organizer A's name", []*core.Record{w.orgA, w.adminA}, upd(w.orgA, map[string]any{"name": "Org A (mod)"})},
		{"update", "users", "officer Cotonou's name", []*core.Record{w.officerCotonou, w.ministry}, upd(w.officerCotonou, map[string]any{"name": "Off (mod)"})},
		{"delete", "users", "an organizer of A", []*core.Record{w.adminA}, del(func(*core.Record) *core.Record {
			return freshUser("organizer", map[string]any{"party": w.partyA.Id})
		})},
		{"delete", "users", "an officer", ministry, del(func(*core.Record) *core.Record {
			return freshUser("officer", map[string]any{"unit": w.comCalavi.Id})
		})},

		// field data
		{"create", "itineraries", "", parties, func(u *core.Record) (map[string]any, *core.Record) {
			return map[string]any{"party": party(u).Id, "election": w.election.Id, "title": "Nouvelle tournée"}, nil
		}},
		{"update", "itineraries", "A's", []*core.Record{w.orgA, w.adminA}, upd(w.itA, map[string]any{"title": "Tournée A (mod)"})},
		{"update", "itineraries", "B's", []*core.Record{w.orgB, w.adminB}, upd(w.itB, map[string]any{"title": "Tournée B (mod)"})},
		{"delete", "itineraries", "A's", []*core.Record{w.orgA, w.adminA}, del(func(*core.Record) *core.Record {
			return fresh("itineraries", map[string]any{"party": w.partyA.Id, "election": w.election.Id, "title": "À supprimer"})
		})},
		{"create", "events", "", parties, func(u *core.Record) (map[string]any, *core.Record) {
			return e.meeting(party(u), map[string]any{"title": "Nouveau meeting", "commune": w.ouidah.Id}), nil
		}},
		{"update", "events", "title of A1", []*core.Record{w.orgA, w.adminA}, upd(w.evA1, map[string]any{"title": "A1 (mod)"})},
		{"update", "events", "B1 in progress", []*core.Record{w.officerCotonou, w.commanderCotonou}, atStart(w.evB1, upd(w.evB1, map[string]any{"status": "in_progress"}))},
		{"update", "events", "A2 in progress", []*core.Record{w.officerCalavi, w.commanderCalavi}, atStart(w.evA2, upd(w.evA2, map[string]any{"status": "in_progress"}))},
		{"delete", "events", "", nil, upd(w.evB2, nil)},
		{"create", "assignments", "", nil, func(u *core.Record) (map[string]any, *core.Record) {
			return map[string]any{"event": w.evA1.Id, "unit": w.comOuidah.Id, "role": "support", "status": "pending"}, nil
		}},
		{"update", "assignments", "acknowledge B1", []*core.Record{w.commanderCotonou, w.directorLittoral}, upd(lead(w.evB1), map[string]any{"status": "acknowledged"})},
		{"update", "assignments", "plan for A2", []*core.Record{w.commanderCalavi}, upd(lead(w.evA2), map[string]any{"plan": "Deux patrouilles", "officers": 6})},
		{"delete", "assignments", "", nil, upd(lead(w.evB2), nil)},
		{"create", "incidents", "", []*core.Record{w.orgA, w.adminA, w.orgB, w.adminB, w.officerCotonou, w.commanderCotonou,
			w.officerCalavi, w.commanderCalavi, w.directorLittoral, w.directorAtlantique, w.ministry},
			func(*core.Record) (map[string]any, *core.Record) {
				return map[string]any{"kind": "other", "severity": 1, "description": "vu sur place", "location": visPoint(6.35, 2.40), "occurred_at": testNow}, nil
			}},
		{"update", "incidents", "incA", []*core.Record{w.orgA, w.officerCotonou, w.commanderCotonou, w.directorLittoral, w.ministry},
			upd(w.incA, map[string]any{"description": "incA (précisé)"})},
		{"update", "incidents", "incCalavi", []*core.Record{w.officerCalavi, w.commanderCalavi, w.directorAtlantique, w.ministry},
			upd(w.incCalavi, map[string]any{"description": "incCalavi (précisé)"})},
		{"delete", "incidents", "", nil, upd(w.incB, nil)},

		// server-written collections: nobody but superusers
		{"create", "receipts", "", nil, func(*core.Record) (map[string]any, *core.Record) {
			return map[string]any{"event": w.evA2.Id, "number": fmt.Sprintf("BJ03-2026-9%04d", visNext()), "token": "x.y.z", "issued_at": testNow}, nil
		}},
		{"update", "receipts", "", nil, upd(w.rcA1, map[string]any{"revoked_at": testNow, "revoked_reason": "test"})},
		{"delete", "receipts", "", nil, upd(w.rcB2, nil)},
		{"create", "audit", "", nil, func(u *core.Record) (map[string]any, *core.Record) {
			return map[string]any{"collection": "events", "record": w.evA1.Id, "action": "update", "actor": u.Id, "at": testNow}, nil
		}},
		{"update", "audit", "", nil, upd(anAudit, map[string]any{"action": "delete"})},
		{"delete", "audit", "", nil, upd(anAudit, nil)},
		{"create", "device_status", "", nil, func(u *core.Record) (map[string]any, *core.Record) {
			return map[string]any{"user": u.Id, "device": fmt.Sprintf("tel-%d", visNext())}, nil
		}},
		{"update", "device_status", "", nil, upd(w.devOrgA, map[string]any{"lag": 0, "device": "autre"})},
		{"delete", "device_status", "", nil, upd(w.devOfficerCalavi, nil)},
		{"create", "boundaries", "", nil, func(*core.Record) (map[string]any, *core.Record) {
			return map[string]any{"level": "commune", "code": fmt.Sprintf("BJ03%02d", visNext()), "geometry": visSquare(6.6, 6.7)}, nil
		}},
		{"update", "boundaries", "", nil, upd(aBoundary, map[string]any{"source": "falsifié"})},
		{"delete", "boundaries", "", nil, upd(aBoundary, nil)},
	}

	v := e.visExpected(w) // before the writes: the fixture's records
	covered := map[string]bool{}
	for _, c := range cases {
		covered[c.op+" "+c.collection] = true
		for _, p := range w.everyone() {
			name := c.op + " " + c.collection
			if c.name != "" {
				name += " (" + c.name + ")"
			}
			want := false
			for _, a := range c.allowed {
				want = want || a == p.u
			}
			e.now = testNow
			body, target := c.request(p.u)
			snapshot := ""
			if target != nil {
				snapshot = e.visSnapshot(target)
			}
			before := e.visCounts()
			var res response
			switch c.op {
			case "create":
				res = e.visDo("POST", "/api/collections/"+c.collection+"/records", p.u, body)
			case "update":
				res = e.visDo("PATCH", "/api/collections/"+c.collection+"/records/"+target.Id, p.u, body)
			case "delete":
				res = e.visDo("DELETE", "/api/collections/"+c.collection+"/records/"+target.Id, p.u, nil)
			}
			got := res.Status == http.StatusOK || res.Status == http.StatusNoContent
			if got != want {
				t.Errorf("%s by %s: %s, want allowed=%v", name, p.name, res, want)
				continue
			}
			if got {
				continue
			}
			if res.Status != http.StatusBadRequest && res.Status != http.StatusForbidden && res.Status != http.StatusNotFound {
				t.Errorf("%s by %s: refused with %d, want 400, 403 or 404", name, p.name, res.Status)
			}
			if after := e.visCounts(); after != before {
				t.Errorf("%s by %s was refused but the record counts changed: %s → %s", name, p.name, before, after)
			}
			if target != nil {
				if now := e.visSnapshot(target); now != snapshot {
					t.Errorf("%s by %s was refused but the record changed:\n  before %s\n  after  %s", name, p.name, snapshot, now)
				}
			}
		}
	}
	for _, c := range visAll {
		for _, op := range []string{"create", "update", "delete"} {
			if !covered[op+" "+c] {
				t.Errorf("the matrix does not cover %s on %s", op, c)
			}
		}
	}

	// A record one may not see answers 404 to an update or a delete, as to
	// a view: a refusal must not confirm that it exists.
	for _, c := range []string{"users", "itineraries", "events", "assignments", "incidents"} {
		col, _ := e.app.FindCollectionByNameOrId(c)
		for _, p := range w.everyone() {
			for _, id := range visSortedKeys(v[c][w.ministry]) {
				r := &core.Record{Id: id}
				if v.visibleTo(c, r.Id, p.u) {
					continue
				}
				if col.UpdateRule != nil {
					if res := e.visDo("PATCH", "/api/collections/"+c+"/records/"+r.Id, p.u, map[string]any{}); res.Status != http.StatusNotFound {
						t.Errorf("%s updates %s %s it cannot see: %d, want 404", p.name, c, r.Id, res.Status)
					}
				}
				if col.DeleteRule != nil {
					if res := e.visDo("DELETE", "/api/collections/"+c+"/records/"+r.Id, p.u, nil); res.Status != http.StatusNotFound {
						t.Errorf("%s deletes %s %s it cannot see: %d, want 404", p.name, c, r.Id, res.Status)
					}
				}
			}
		}
	}
}

func (e *env) mustRecord(collection, id string) *core.Record {
	e.t.Helper()
	r, err := e.app.FindRecordById(collection, id)
	if err != nil {
		e.t.Fatalf("%s %s: %v", collection, id, err)
	}
	return r
}

// visSnapshot is the stored state of r ("gone" once deleted).
func (e *env) visSnapshot(r *core.Record) string {
	fresh, err := e.app.FindRecordById(r.Collection().Name, r.Id)
	if err != nil {
		return "gone"
	}
	raw, _ := json.Marshal(fresh.FieldsData())
	return string(raw)
}

// visCounts counts the records of every collection the matrix writes, and
// the audit and change-log rows a write would add.
func (e *env) visCounts() string {
	e.t.Helper()
	tables := append(visClone(visAll), "_sync_log")
	parts := make([]string, len(tables))
	for i, c := range tables {
		parts[i] = fmt.Sprintf("'%s=' || (SELECT COUNT(*) FROM %s)", c, c)
	}
	var out string
	if err := e.app.DB().NewQuery("SELECT " + strings.Join(parts, " || ' ' || ")).Row(&out); err != nil {
		e.t.Fatal(err)
	}
	return out
}

// --- write paths -----------------------------------------------------

// visWrite sends one create (target nil) or update of collection as u
// through REST, /api/batch or /api/sync/push, and returns whether it was
// applied and the stable error code of a refusal.
func (e *env) visWrite(path string, u *core.Record, collection string, target *core.Record, body map[string]any) (applied bool, code string, res response) {
	e.t.Helper()
	method, url := "POST", "/api/collections/"+collection+"/records"
	if target != nil {
		method, url = "PATCH", url+"/"+target.Id
	}
	switch path {
	case "rest":
		res = e.visDo(method, url, u, body)
		return res.Status == http.StatusOK, res.code(), res
	case "batch":
		res = e.visDo("POST", "/api/batch", u, map[string]any{"requests": []map[string]any{{"method": method, "url": url, "body": body}}})
		if res.Status == http.StatusOK {
			return true, "", res
		}
		// data.requests.0.response is the failed request's own error
		data, _ := res.JSON["data"].(map[string]any)
		reqs, _ := data["requests"].(map[string]any)
		first, _ := reqs["0"].(map[string]any)
		inner, _ := first["response"].(map[string]any)
		return false, response{JSON: inner}.code(), res
	case "push":
		op, id := "create", fmt.Sprintf("vis%012d", visNext())
		if target != nil {
			op, id = "update", target.Id
		}
		res = e.visDo("POST", "/api/sync/push", u, map[string]any{"device": "tel-test", "mutations": []map[string]any{{
			"id": fmt.Sprintf("m-%d", visNext()), "collection": collection, "op": op, "record_id": id, "data": body,
		}}})
		if res.Status != http.StatusOK {
			return false, res.code(), res
		}
		results, _ := res.JSON["results"].([]any)
		if len(results) != 1 {
			e.t.Fatalf("push: %s", res)
		}
		r, _ := results[0].(map[string]any)
		errObj, _ := r["error"].(map[string]any)
		code, _ = errObj["code"].(string)
		return r["status"] == "applied", code, res
	}
	e.t.Fatalf("unknown write path %q", path)
	return
}

var visPaths = []string{"rest", "batch", "push"}

// TestVisibilityServerFields: the server-set fields of events,
// assignments and incidents (DESIGN §3, J12) cannot be written by any
// signed-in user through REST create/update, /api/batch or sync push: the
// write is refused with code server_field and nothing is stored.
func TestVisibilityServerFields(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	w := e.visWorld()
	leadB1 := visAssignmentsOf(e, w.evB1, w.comCotonou)[0]
	incidentBody := func() map[string]any {
		return map[string]any{"kind": "other", "severity": 1, "description": "vu", "location": visPoint(6.35, 2.40), "occurred_at": testNow}
	}
	eventBody := func() map[string]any {
		return e.meeting(w.partyA, map[string]any{"title": "Nouveau", "commune": w.ouidah.Id})
	}
	instant := "2026-03-01 08:00:00.000Z"

	type field struct {
		name  string
		value any
	}
	eventFields := []field{
		{"departement", w.depAtlantique.Id}, {"lead_unit", w.comCalavi.Id}, {"directorate", w.ddprAtlantique.Id},
		{"declared_at", instant}, {"late_notice", true}, {"uncovered", true}, {"clash", nil}, {"clash_with", []string{w.evB1.Id}},
		{"version", 99}, {"created_by", w.orgB.Id},
		// internal, hidden from clients
		{"field_versions", map[string]any{"title": 42}}, {"clash_cell", "c:0:0"}, {"clash_area", "a:zzz"},
	}
	assignmentFields := []field{
		{"event", w.evA1.Id}, {"unit", w.comCalavi.Id}, {"role", "support"}, {"due_at", instant},
		{"acknowledged_by", w.orgA.Id}, {"acknowledged_at", instant}, {"version", 99},
	}
	incidentFields := []field{
		{"reported_by", w.orgB.Id}, {"unit", w.comCalavi.Id}, {"commune", w.calavi.Id}, {"arrondissement", w.arrCalavi.Id},
		{"departement", w.depAtlantique.Id}, {"directorate", w.ddprAtlantique.Id}, {"flagged", true}, {"version", 99},
	}
	cases := []struct {
		who        *core.Record
		collection string
		target     *core.Record // nil: create
		base       func() map[string]any
		fields     []field
	}{
		{w.orgA, "events", nil, eventBody, eventFields},
		{w.adminA, "events", nil, eventBody, eventFields},
		{w.orgA, "events", w.evA1, nil, eventFields},
		{w.commanderCotonou, "events", w.evA1, nil, eventFields}, // its lead unit
		{w.directorLittoral, "events", w.evA1, nil, eventFields},
		{w.commanderCotonou, "assignments", leadB1, nil, assignmentFields},
		{w.directorLittoral, "assignments", leadB1, nil, assignmentFields},
		{w.orgA, "incidents", nil, incidentBody, incidentFields},
		{w.officerCotonou, "incidents", nil, incidentBody, incidentFields},
		{w.orgA, "incidents", w.incA, nil, incidentFields},             // its reporter
		{w.commanderCotonou, "incidents", w.incA, nil, incidentFields}, // its unit
		{w.ministry, "incidents", w.incA, nil, incidentFields},
		{w.orgA, "itineraries", w.itA, nil, []field{{"created_by", w.adminA.Id}}},
	}
	for _, c := range cases {
		for _, f := range c.fields {
			for _, path := range visPaths {
				value := f.value
				if value == nil { // a boolean: the opposite of the stored value
					value = c.target == nil || !c.target.GetBool(f.name)
					if c.target != nil {
						value = !e.mustRecord(c.collection, c.target.Id).GetBool(f.name)
					}
				}
				body := map[string]any{f.name: value}
				if c.base != nil {
					body = c.base()
					body[f.name] = value
				}
				what := fmt.Sprintf("%s %s %s.%s via %s", c.who.GetString("role"), map[bool]string{true: "creating", false: "updating"}[c.target == nil], c.collection, f.name, path)
				before, snapshot := e.visCounts(), ""
				if c.target != nil {
					snapshot = e.visSnapshot(c.target)
				}
				applied, code, res := e.visWrite(path, c.who, c.collection, c.target, body)
				// Two writes are ignored rather than refused: PocketBase
				// drops hidden fields from a client's body, and sync push
				// drops "version" (the server counts versions). The rest
				// of the write may apply; the stored value stays the
				// server's.
				ignored := hiddenField(e, c.collection, f.name) || path == "push" && f.name == "version"
				if applied && ignored {
					id := ""
					if c.target != nil {
						id = c.target.Id
					} else if path == "push" {
						rs, _ := res.JSON["results"].([]any)
						id, _ = rs[0].(map[string]any)["record"].(map[string]any)["id"].(string)
					} else if m, ok := res.JSON["id"].(string); ok {
						id = m
					} else if arr, ok := visBatchBody(res); ok {
						id, _ = arr["id"].(string)
					}
					stored := e.mustRecord(c.collection, id).Get(f.name)
					if raw, _ := json.Marshal(stored); string(raw) == visJSON(value) {
						t.Errorf("%s: the client's value %s was stored", what, raw)
					}
					continue
				}
				if applied || code != "server_field" && !ignored {
					t.Errorf("%s: applied=%v code=%q, want refused with server_field: %s", what, applied, code, res)
				}
				after := e.visCounts()
				if path == "push" { // a device's first push registers it
					before, after = visDropDevices(before), visDropDevices(after)
				}
				if after != before {
					t.Errorf("%s: refused, yet counts changed %s → %s", what, before, after)
				}
				if c.target != nil {
					if now := e.visSnapshot(c.target); now != snapshot {
						t.Errorf("%s: refused, yet the record changed:\n  before %s\n  after  %s", what, snapshot, now)
					}
				}
			}
		}
	}
}

func hiddenField(e *env, collection, name string) bool {
	c, err := e.app.FindCollectionByNameOrId(collection)
	if err != nil {
		e.t.Fatal(err)
	}
	f := c.Fields.GetByName(name)
	return f != nil && f.GetHidden()
}

func visJSON(v any) string {
	raw, _ := json.Marshal(v)
	return string(raw)
}

// visBatchBody is the body of the first result of a successful batch.
func visBatchBody(res response) (map[string]any, bool) {
	var arr []map[string]any
	if json.Unmarshal(res.Body, &arr) != nil || len(arr) == 0 {
		return nil, false
	}
	b, ok := arr[0]["body"].(map[string]any)
	return b, ok
}

func visDropDevices(counts string) string {
	var out []string
	for _, f := range strings.Fields(counts) {
		if !strings.HasPrefix(f, "device_status=") {
			out = append(out, f)
		}
	}
	return strings.Join(out, " ")
}

// TestVisibilityOwnAccountLocked: nobody changes their own role, party,
// unit or disabled flag, on any path (DESIGN §2).
func TestVisibilityOwnAccountLocked(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	w := e.visWorld()
	otherRole := map[string]string{"organizer": "party_admin", "party_admin": "ministry", "officer": "commander",
		"commander": "director", "director": "ministry", "ministry": "director"}
	for _, p := range w.everyone() {
		otherParty, otherUnit := w.partyA.Id, w.comCotonou.Id
		if p.u.GetString("party") == w.partyA.Id {
			otherParty = w.partyB.Id
		}
		if p.u.GetString("unit") == w.comCotonou.Id {
			otherUnit = w.comCalavi.Id
		}
		edits := []map[string]any{
			{"role": otherRole[p.u.GetString("role")]}, {"party": otherParty}, {"unit": otherUnit}, {"disabled": true},
			{"role": "ministry", "party": "", "unit": ""},
		}
		if p.u.GetString("party") != "" {
			edits = append(edits, map[string]any{"party": ""})
		}
		if p.u.GetString("unit") != "" {
			edits = append(edits, map[string]any{"unit": ""}, map[string]any{"role": "director", "unit": w.ddprAtlantique.Id})
		}
		for _, body := range edits {
			same := true
			for k, v := range body {
				same = same && fmt.Sprint(p.u.Get(k)) == fmt.Sprint(v)
			}
			if same {
				continue // not a change
			}
			for _, path := range visPaths {
				snapshot := e.visSnapshot(p.u)
				applied, _, res := e.visWrite(path, p.u, "users", p.u, body)
				if applied {
					t.Errorf("%s changed its own %v via %s: %s", p.name, body, path, res)
				}
				if now := e.visSnapshot(p.u); now != snapshot {
					t.Errorf("%s's own %v via %s: refused, yet the account changed", p.name, body, path)
				}
			}
		}
	}
	// nor through the accounts they manage: a party_admin cannot move or
	// promote its organizers, the ministry cannot move police into a party
	for _, c := range []struct {
		who, target *core.Record
		body        map[string]any
	}{
		{w.adminA, w.orgA, map[string]any{"role": "party_admin"}},
		{w.adminA, w.orgA, map[string]any{"party": w.partyB.Id}},
		{w.adminA, w.orgA, map[string]any{"unit": w.comCotonou.Id}},
		{w.adminA, w.adminA, map[string]any{"role": "ministry"}},
		{w.ministry, w.officerCotonou, map[string]any{"party": w.partyA.Id}},
		{w.ministry, w.officerCotonou, map[string]any{"role": "ministry"}},
		{w.ministry, w.orgA, map[string]any{"role": "party_admin"}},
		{w.directorLittoral, w.officerCotonou, map[string]any{"unit": w.comCalavi.Id}},
		{w.commanderCotonou, w.officerCotonou, map[string]any{"role": "commander"}},
	} {
		for _, path := range visPaths {
			snapshot := e.visSnapshot(c.target)
			if applied, _, res := e.visWrite(path, c.who, "users", c.target, c.body); applied {
				t.Errorf("%s set %v on %s via %s: %s", c.who.GetString("role"), c.body, c.target.Email(), path, res)
			}
			if e.visSnapshot(c.target) != snapshot {
				t.Errorf("%s set %v on %s via %s: refused, yet the account changed", c.who.GetString("role"), c.body, c.target.Email(), path)
			}
		}
	}
}

// TestVisibilityCrossReferences: a client cannot point its own records at
// records it may not see (another party's itinerary, an event of another
// party or unit), which would also reveal their place through the fields
// the server derives from them.
func TestVisibilityCrossReferences(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	w := e.visWorld()
	cases := []struct {
		who        *core.Record
		collection string
		target     *core.Record
		body       map[string]any
	}{
		{w.orgA, "events", nil, e.meeting(w.partyA, map[string]any{"title": "Sur l'itinéraire de B", "itinerary": w.itB.Id})},
		{w.orgA, "events", w.evA1, map[string]any{"itinerary": w.itB.Id}},
		{w.orgA, "incidents", nil, map[string]any{"event": w.evB1.Id, "kind": "other", "severity": 1, "description": "sur B1", "occurred_at": testNow}},
		{w.officerCotonou, "incidents", nil, map[string]any{"event": w.evA2.Id, "kind": "other", "severity": 1, "description": "sur A2", "occurred_at": testNow}},
		{w.orgA, "incidents", w.incA, map[string]any{"event": w.evB1.Id}},
		{w.commanderCotonou, "incidents", w.incA, map[string]any{"event": w.evB2.Id}},
	}
	for _, c := range cases {
		for _, path := range visPaths {
			before, snapshot := e.visCounts(), ""
			if c.target != nil {
				snapshot = e.visSnapshot(c.target)
			}
			if applied, code, res := e.visWrite(path, c.who, c.collection, c.target, c.body); applied {
				t.Errorf("%s wrote %s %v via %s: %s", c.who.GetString("role"), c.collection, c.body, path, res)
			} else if path == "rest" && res.Status == http.StatusBadRequest && code == "" {
				t.Errorf("%s wrote %s %v via %s: refused without a code: %s", c.who.GetString("role"), c.collection, c.body, path, res)
			}
			if visDropDevices(e.visCounts()) != visDropDevices(before) || (c.target != nil && e.visSnapshot(c.target) != snapshot) {
				t.Errorf("%s wrote %s %v via %s: refused, yet something changed", c.who.GetString("role"), c.collection, c.body, path)
			}
		}
	}
	// the lawful references still work
	if res := e.visDo("POST", "/api/collections/events/records", w.orgA, e.meeting(w.partyA, map[string]any{"title": "Sur A", "itinerary": w.itA.Id})); res.Status != http.StatusOK {
		t.Errorf("event on its own itinerary: %s", res)
	}
	if res := e.visDo("POST", "/api/collections/incidents/records", w.officerCalavi, map[string]any{"event": w.evA2.Id, "kind": "other", "severity": 1, "description": "sur A2", "occurred_at": testNow}); res.Status != http.StatusOK {
		t.Errorf("incident on an event of its unit: %s", res)
	}
}

// TestVisibilityRealtimeFilter: a realtime subscription's filter obeys
// the same limit as a list filter.
func TestVisibilityRealtimeFilter(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.visCheapPasswords()
	w := e.world()
	srv := httptest.NewServer(e.mux)
	defer func() { srv.CloseClientConnections(); srv.Close() }()
	resp, err := http.Get(srv.URL + "/api/realtime")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	clientID := ""
	buf := make([]byte, 4096)
	var seen strings.Builder
	for clientID == "" {
		n, err := resp.Body.Read(buf)
		seen.Write(buf[:n])
		for _, line := range strings.Split(seen.String(), "\n") {
			if data, ok := strings.CutPrefix(line, "data:"); ok {
				var m struct {
					ClientID string `json:"clientId"`
				}
				if json.Unmarshal([]byte(strings.TrimSpace(data)), &m) == nil && m.ClientID != "" {
					clientID = m.ClientID
				}
			}
		}
		if err != nil && clientID == "" {
			t.Fatalf("no PB_CONNECT: %v %q", err, seen.String())
		}
	}
	subscribe := func(filter string) response {
		opts, _ := json.Marshal(map[string]any{"query": map[string]any{"filter": filter}})
		// from 127.0.0.1 like the connection (PocketBase checks it)
		return e.do("POST", "/api/realtime", w.commanderCotonou, map[string]any{"clientId": clientID,
			"subscriptions": []string{"events?options=" + url.QueryEscape(string(opts))}})
	}
	if res := subscribe(`assignments_via_event.unit != "x"`); res.Status != http.StatusBadRequest || res.code() != "filter_not_allowed" {
		t.Errorf("realtime subscription with an all-match filter across a back-relation: %s", res)
	}
	if res := subscribe(`assignments_via_event.unit ?!= "x"`); res.Status != http.StatusNoContent {
		t.Errorf("realtime subscription with an any-match filter: %s", res)
	}
	// The guard reads the options as PocketBase does (encoding/json/v2):
	// spellings that another decoder reads otherwise are refused too.
	refused := `assignments_via_event.unit != \"x\"`
	for _, raw := range []string{
		`{"query":{"filter":"` + refused + `","filter":""}}`, // duplicate key: json/v2 keeps the first
		`{"query":{"filter":"` + refused + `"}} trailing`,    // trailing bytes after the JSON
		`{"query":{"filter":"` + refused + `"},"query":{}}`,  // duplicate object
		`{"query":{"filter":"` + refused + `","x":}}`,        // broken after the filter
	} {
		res := e.do("POST", "/api/realtime", w.commanderCotonou, map[string]any{"clientId": clientID,
			"subscriptions": []string{"events?options=" + url.QueryEscape(raw)}})
		if res.Status != http.StatusBadRequest || res.code() != "filter_not_allowed" {
			t.Errorf("options %s: %s", raw, res)
		}
	}
}

// TestVisibilitySyncAgreesWithRules: for every role, a pull from scratch
// yields exactly the records its list rules show (DESIGN §3: list/view
// rules and sync scope must agree), and its own account only.
func TestVisibilitySyncAgreesWithRules(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	w := e.visWorld()
	v := e.visExpected(w)
	synced := append(visClone(visReference), "itineraries", "events", "assignments", "incidents", "receipts")
	for _, p := range w.everyone() {
		got := map[string]map[string]bool{}
		cursor := ""
		for page := 0; ; page++ {
			if page > 50 {
				t.Fatalf("%s: pull does not end", p.name)
			}
			res := e.visDo("GET", "/api/sync/pull?limit=500&cursor="+url.QueryEscape(cursor), p.u, nil)
			if res.Status != http.StatusOK {
				t.Fatalf("%s pulls: %s", p.name, res)
			}
			changes, _ := res.JSON["changes"].([]any)
			for _, c := range changes {
				m := c.(map[string]any)
				col, id := m["collection"].(string), m["id"].(string)
				if got[col] == nil {
					got[col] = map[string]bool{}
				}
				got[col][id] = m["op"] == "put"
			}
			cursor, _ = res.JSON["cursor"].(string)
			if more, _ := res.JSON["more"].(bool); !more {
				break
			}
		}
		for _, c := range synced {
			live := map[string]bool{}
			for id, put := range got[c] {
				if put {
					live[id] = true
				}
			}
			if extra, missing := visDiff(live, v[c][p.u]); len(extra)+len(missing) > 0 {
				t.Errorf("%s pulls %s: gets %s its rules hide, misses %s they show", p.name, c, e.visDescribe(c, extra), e.visDescribe(c, missing))
			}
		}
		if len(got["users"]) != 1 || !got["users"][p.u.Id] {
			t.Errorf("%s pulls accounts %v, want only its own", p.name, got["users"])
		}
		for col := range got {
			if !slicesContains(synced, col) && col != "users" {
				t.Errorf("%s pulls %s, which is not synced", p.name, col)
			}
		}
	}
}

func slicesContains(s []string, x string) bool {
	for _, y := range s {
		if y == x {
			return true
		}
	}
	return false
}

// A sort by a field of related records that the caller may not all see
// would silently drop rows (PocketBase adds their list rule to the
// list's WHERE): it is refused with a stable code; sorts by the list's
// own fields and by reference data answer every row.
func TestVisibilitySortNeverDropsRows(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	for i := 0; i < 3; i++ {
		e.mustDeclare(w.orgA, e.meeting(w.partyA, map[string]any{"title": fmt.Sprint("Meeting ", i)}))
	}
	all := e.do("GET", "/api/collections/events/records", w.commanderCotonou, nil)
	if all.Status != http.StatusOK || all.JSON["totalItems"] != float64(3) {
		t.Fatalf("commander lists %s", all)
	}
	for _, sort := range []string{"created_by.phone", "-created_by.name,title", "lead_unit.users_via_unit.phone", "assignments_via_event.officers"} {
		res := e.do("GET", "/api/collections/events/records?sort="+url.QueryEscape(sort), w.commanderCotonou, nil)
		if res.Status != http.StatusBadRequest || res.code() != "sort_not_allowed" {
			t.Errorf("sort=%s: %s, want 400 sort_not_allowed", sort, res)
		}
	}
	for _, sort := range []string{"-starts_at", "title,-created", "commune.name", "departement.code,-title", "@random"} {
		res := e.do("GET", "/api/collections/events/records?sort="+url.QueryEscape(sort), w.commanderCotonou, nil)
		if res.Status != http.StatusOK || res.JSON["totalItems"] != float64(3) || len(ids(res)) != 3 {
			t.Errorf("sort=%s: %s, want the 3 events", sort, res)
		}
	}
}
