package hooks_test

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"time"

	"github.com/pocketbase/pocketbase/core"
)

// syncWorkload drives random but lawful-looking activity on the world
// through the REST API, as every role would: declarations, edits, moves,
// cancellations, acknowledgements (receipts), status changes, incidents,
// itineraries, a coverage change and an officer moved to another unit.
type syncWorkload struct {
	e   *env
	w   *world
	rng *rand.Rand
	// ops counts the writes that were applied (2xx).
	ops int
}

func (e *env) syncWorkload(seed uint64) *syncWorkload {
	return &syncWorkload{e: e, w: e.world(), rng: rand.New(rand.NewPCG(seed, seed^0x5eed))}
}

func (wl *syncWorkload) pick(rs ...*core.Record) *core.Record { return rs[wl.rng.IntN(len(rs))] }

// communeCenters are rough centres, so that nearby events of two parties
// clash (J10) now and then.
var syncCommuneCenter = map[string][2]float64{
	"BJ0800": {6.3654, 2.4183},
	"BJ0301": {6.4486, 2.3557},
	"BJ0304": {6.3621, 2.0851},
}

// eventBody is a random lawful event of party in one of the three
// communes, between March 11 and 15 (testNow is March 10).
func (wl *syncWorkload) eventBody(party *core.Record) map[string]any {
	w, rng := wl.w, wl.rng
	commune := wl.pick(w.cotonou, w.calavi, w.ouidah)
	day, hour, dur := 11+rng.IntN(5), 7+rng.IntN(13), 1+rng.IntN(3)
	body := map[string]any{
		"party": party.Id, "election": w.election.Id, "kind": []string{"meeting", "rally", "door_to_door"}[rng.IntN(3)],
		"title": fmt.Sprintf("Événement %d", rng.IntN(1e6)), "place": "Place publique", "commune": commune.Id,
		"starts_at": local(2026, 3, day, hour, 0), "ends_at": local(2026, 3, day, hour+dur, 0),
		"expected_attendance": rng.IntN(2000),
	}
	if rng.IntN(2) == 0 {
		c := syncCommuneCenter[commune.GetString("code")]
		body["location"] = map[string]any{"lat": c[0] + (rng.Float64()-0.5)*0.004, "lon": c[1] + (rng.Float64()-0.5)*0.004}
	}
	return body
}

func (wl *syncWorkload) partyUsers() []*core.Record {
	w := wl.w
	return []*core.Record{w.orgA, w.adminA, w.orgB, w.adminB}
}

func (wl *syncWorkload) everyone() []*core.Record {
	w := wl.w
	return []*core.Record{w.orgA, w.adminA, w.orgB, w.adminB, w.officerCotonou, w.commanderCotonou,
		w.officerCalavi, w.commanderCalavi, w.directorLittoral, w.directorAtlantique, w.ministry}
}

// fresh re-reads a user (its unit may have changed).
func (wl *syncWorkload) fresh(u *core.Record) *core.Record {
	r, err := wl.e.app.FindRecordById("users", u.Id)
	if err != nil {
		wl.e.t.Fatal(err)
	}
	return r
}

func (wl *syncWorkload) records(collection, filter string) []*core.Record {
	rs, err := wl.e.app.FindRecordsByFilter(collection, filter, "id", 0, 0)
	if err != nil {
		wl.e.t.Fatal(err)
	}
	return rs
}

func (wl *syncWorkload) write(method, url string, as *core.Record, body any) response {
	wl.e.t.Helper()
	res := wl.e.do(method, url, as, body)
	if res.Status >= 500 {
		wl.e.t.Fatalf("%s %s: %s", method, url, res)
	}
	if res.Status < 300 {
		wl.ops++
	}
	return res
}

// step does one random write.
func (wl *syncWorkload) step() {
	w, rng := wl.w, wl.rng
	events := wl.records("events", "")
	switch k := rng.IntN(100); {
	case k < 30 || len(events) == 0:
		u := wl.pick(wl.partyUsers()...)
		body := wl.eventBody(wl.e.syncRecord("parties", u.GetString("party")))
		if its := wl.records("itineraries", fmt.Sprintf("party = '%s'", u.GetString("party"))); len(its) > 0 && rng.IntN(2) == 0 {
			body["itinerary"] = wl.pick(its...).Id
		}
		wl.write("POST", "/api/collections/events/records", u, body)
	case k < 45:
		ev := wl.pick(events...)
		u := wl.pick(wl.partyUsers()...)
		patch := map[string]any{"notes": fmt.Sprintf("note %d", rng.IntN(1e6))}
		switch rng.IntN(5) {
		case 0: // move
			b := wl.eventBody(wl.e.syncRecord("parties", ev.GetString("party")))
			patch["commune"], patch["location"] = b["commune"], b["location"]
			if patch["location"] == nil {
				patch["location"] = map[string]any{"lat": 0, "lon": 0}
			}
		case 1: // reschedule
			b := wl.eventBody(wl.e.syncRecord("parties", ev.GetString("party")))
			patch["starts_at"], patch["ends_at"] = b["starts_at"], b["ends_at"]
		case 2:
			patch["status"] = "cancelled"
		}
		wl.write("PATCH", "/api/collections/events/records/"+ev.Id, u, patch)
	case k < 60:
		as := wl.records("assignments", "")
		if len(as) == 0 {
			return
		}
		a := wl.pick(as...)
		u := wl.pick(w.commanderCotonou, w.commanderCalavi, w.directorLittoral, w.directorAtlantique)
		patch := map[string]any{"status": "acknowledged"}
		if rng.IntN(3) == 0 {
			patch = map[string]any{"status": "adjustment_requested", "reason": "Effectifs insuffisants"}
		}
		wl.write("PATCH", "/api/collections/assignments/records/"+a.Id, wl.fresh(u), patch)
	case k < 68:
		ev := wl.pick(events...)
		u := wl.pick(w.officerCotonou, w.officerCalavi, w.commanderCotonou, w.commanderCalavi)
		wl.write("PATCH", "/api/collections/events/records/"+ev.Id, wl.fresh(u), map[string]any{"status": "in_progress"})
	case k < 85:
		ev := wl.pick(events...)
		u := wl.pick(wl.everyone()...)
		wl.write("POST", "/api/collections/incidents/records", wl.fresh(u), map[string]any{
			"event": ev.Id, "kind": "disorder", "severity": 1 + rng.IntN(4), "description": "Bousculade",
			"occurred_at": testNow.Add(-time.Duration(rng.IntN(600)) * time.Minute),
		})
	case k < 92:
		u := wl.pick(wl.partyUsers()...)
		wl.write("POST", "/api/collections/itineraries/records", u, map[string]any{
			"party": u.GetString("party"), "election": w.election.Id, "title": fmt.Sprintf("Tournée %d", rng.IntN(1000)),
		})
	default:
		its := wl.records("itineraries", "")
		if len(its) == 0 {
			return
		}
		it := wl.pick(its...)
		u := wl.pick(wl.partyUsers()...)
		wl.write("PATCH", "/api/collections/itineraries/records/"+it.Id, u, map[string]any{"leader": fmt.Sprintf("Leader %d", rng.IntN(100))})
	}
}

// moveCoverage hands Ouidah from its commissariat to Calavi's (J5 needs
// the first to let go before the second takes it).
func (wl *syncWorkload) moveCoverage() {
	w := wl.w
	for _, step := range []struct {
		unit     *core.Record
		communes []string
	}{{w.comOuidah, []string{}}, {w.comCalavi, []string{w.calavi.Id, w.ouidah.Id}}} {
		res := wl.e.do("PATCH", "/api/collections/units/records/"+step.unit.Id, w.ministry, map[string]any{"communes": step.communes})
		if res.Status != http.StatusOK {
			wl.e.t.Fatalf("coverage change: %s", res)
		}
	}
}

// moveOfficer moves the Cotonou officer to Calavi's commissariat.
func (wl *syncWorkload) moveOfficer() {
	w := wl.w
	res := wl.e.do("PATCH", "/api/collections/users/records/"+w.officerCotonou.Id, w.ministry, map[string]any{"unit": w.comCalavi.Id})
	if res.Status != http.StatusOK {
		wl.e.t.Fatalf("moving the officer: %s", res)
	}
}
