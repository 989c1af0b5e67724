package hooks_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/tools/types"
)

// realGeo is an env on the real geography of ../shared/data/benin: the
// three layers imported, one directorate (DDPR) per département, and one
// party admitted to an active election. It has no world() fixture, whose
// units would overlap the coverage each test builds.
type realGeo struct {
	*env
	party, election *recordT
	arrs, coms      []map[string]string // arrondissements.csv, communes.csv rows
	id              map[string]string   // division code → record id
	ddpr            map[string]string   // département code → directorate id
}

func newRealGeo(t testing.TB) *realGeo {
	t.Helper()
	e := newEnv(t)
	start := time.Now()
	e.importBenin()
	t.Logf("import of the 12/77/546 divisions: %v", time.Since(start))
	g := &realGeo{env: e, arrs: geoCSV(t, "arrondissements.csv"), coms: geoCSV(t, "communes.csv"),
		id: map[string]string{}, ddpr: map[string]string{}}
	for _, c := range []string{"departements", "communes", "arrondissements"} {
		for id, code := range e.codesByID(c) {
			g.id[code] = id
		}
	}
	for _, row := range geoCSV(t, "departements.csv") {
		g.ddpr[row["code"]] = e.save("units", map[string]any{"name": "DDPR " + row["name"], "kind": "directorate",
			"departement": g.id[row["code"]]}).Id
	}
	g.party = e.save("parties", map[string]any{"name": "Parti de la géographie réelle", "acronym": "PGR"})
	start = campaignHour(2026, 3, 1, 0)
	g.election = e.save("elections", map[string]any{"name": "Législatives (géographie réelle)",
		"campaign_start": start, "campaign_end": start.AddDate(0, 0, 15), "election_day": start.AddDate(0, 0, 16),
		"parties": []string{g.party.Id}, "active": true})
	return g
}

// campaignHour is a Porto-Novo wall-clock hour (UTC+1) as UTC.
func campaignHour(y int, m time.Month, d, h int) time.Time {
	return time.Date(y, m, d, h, 0, 0, 0, time.UTC).Add(-time.Hour)
}

// commissariat creates a commissariat of département dep covering the
// given communes (commune level) or arrondissements (codes).
func (g *realGeo) commissariat(name, dep string, communes, arrondissements []string) string {
	g.t.Helper()
	ids := func(codes []string) []string {
		out := make([]string, len(codes))
		for i, c := range codes {
			out[i] = g.id[c]
		}
		return out
	}
	return g.save("units", map[string]any{"name": name, "kind": "commissariat", "departement": g.id[dep],
		"parent": g.ddpr[dep], "communes": ids(communes), "arrondissements": ids(arrondissements)}).Id
}

// communeCommissariats creates one commissariat central per commune.
func (g *realGeo) communeCommissariats() map[string]string {
	out := map[string]string{}
	for _, c := range g.coms {
		out[c["code"]] = g.commissariat("Commissariat central de "+c["name"], c["parent_code"], []string{c["code"]}, nil)
	}
	return out
}

// meetingAt declares (Go path: every hook runs) a lawful meeting at a point,
// four days after the test clock, 10:00–12:00 local.
func (g *realGeo) meetingAt(title, lat, lon string) *recordT {
	g.t.Helper()
	return g.save("events", map[string]any{"party": g.party.Id, "election": g.election.Id, "kind": "meeting",
		"title": title, "place": title, "location": types.GeoPoint{Lat: mustFloat(g.t, lat), Lon: mustFloat(g.t, lon)},
		"starts_at": campaignHour(2026, 3, 14, 10), "ends_at": campaignHour(2026, 3, 14, 12)})
}

// roles maps event id → unit id → role, from every stored assignment.
func (g *realGeo) roles() map[string]map[string]string {
	g.t.Helper()
	var rows []struct{ Event, Unit, Role string }
	if err := g.app.DB().NewQuery(`SELECT event, unit, role FROM assignments`).All(&rows); err != nil {
		g.t.Fatal(err)
	}
	out := map[string]map[string]string{}
	for _, r := range rows {
		if out[r.Event] == nil {
			out[r.Event] = map[string]string{}
		}
		out[r.Event][r.Unit] = r.Role
	}
	return out
}

// placementWant is who must protect the event declared at one inner point.
type placementWant struct {
	row         map[string]string // arrondissements.csv row
	event       *recordT
	lead        string
	uncovered   bool
	assignments map[string]string // unit → role
}

// declareAll declares a meeting at the inner point of every arrondissement
// and checks each against want(row), reporting n/546.
func (g *realGeo) declareAll(label string, want func(row map[string]string) placementWant) {
	g.t.Helper()
	start := time.Now()
	exps := make([]placementWant, 0, len(g.arrs))
	for i, row := range g.arrs {
		x := want(row)
		x.row = row
		x.event = g.meetingAt(fmt.Sprintf("Meeting %d à %s (%s)", i, row["name"], row["code"]), row["inner_lat"], row["inner_lon"])
		exps = append(exps, x)
	}
	took := time.Since(start)
	g.t.Logf("%s: %d events declared in %v (%v per event)", label, len(exps), took, took/time.Duration(len(exps)))
	if took > time.Minute {
		g.t.Errorf("%s: declaring %d events took %v", label, len(exps), took)
	}

	roles := g.roles()
	ok := 0
	for _, x := range exps {
		ev, row := x.event, x.row
		dep := row["departement_code"]
		got := fmt.Sprint(ev.GetString("arrondissement") == g.id[row["code"]], ev.GetString("commune") == g.id[row["parent_code"]],
			ev.GetString("departement") == g.id[dep], ev.GetString("lead_unit") == x.lead,
			ev.GetString("directorate") == g.ddpr[dep], ev.GetBool("uncovered") == x.uncovered, sameRoles(roles[ev.Id], x.assignments))
		if got != "true true true true true true true" {
			g.t.Errorf("%s: %s (%s) [arrondissement commune département lead directorate uncovered assignments]: %s; lead %s, uncovered %v, assignments %v, want lead %s, assignments %v",
				label, row["code"], row["name"], got, ev.GetString("lead_unit"), ev.GetBool("uncovered"), roles[ev.Id], x.lead, x.assignments)
			continue
		}
		ok++
	}
	g.t.Logf("%s: %d/%d events placed in their arrondissement with the expected lead, directorate and assignments", label, ok, len(exps))
	if ok != len(g.arrs) {
		g.t.Errorf("%s: %d/%d right", label, ok, len(g.arrs))
	}
}

func sameRoles(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func TestRealGeoArrondissementCommissariats(t *testing.T) {
	g := newRealGeo(t)
	start := time.Now()
	byArr := map[string]string{}
	for _, row := range g.arrs {
		byArr[row["code"]] = g.commissariat("Commissariat de "+row["name"]+" ("+row["code"]+")", row["departement_code"], nil, []string{row["code"]})
	}
	t.Logf("546 arrondissement commissariats created in %v", time.Since(start))
	g.declareAll("one commissariat per arrondissement", func(row map[string]string) placementWant {
		lead, dir := byArr[row["code"]], g.ddpr[row["departement_code"]]
		return placementWant{lead: lead, assignments: map[string]string{lead: "lead", dir: "oversight"}}
	})
}

func TestRealGeoCommuneCommissariats(t *testing.T) {
	g := newRealGeo(t)
	byCom := g.communeCommissariats()
	g.declareAll("commune-level coverage only", func(row map[string]string) placementWant {
		lead, dir := byCom[row["parent_code"]], g.ddpr[row["departement_code"]]
		return placementWant{lead: lead, assignments: map[string]string{lead: "lead", dir: "oversight"}}
	})
}

func TestRealGeoNoCoverage(t *testing.T) {
	g := newRealGeo(t)
	g.declareAll("no commissariat", func(row map[string]string) placementWant {
		dir := g.ddpr[row["departement_code"]]
		// the directorate leads; it gets no second (oversight) assignment
		return placementWant{lead: dir, uncovered: true, assignments: map[string]string{dir: "lead"}}
	})
}

// TestRealGeoArrondissementBeatsCommune: with both levels of coverage in
// Littoral and Atlantique, an arrondissement's own commissariat leads and
// the commune's commissariat central leads everywhere else.
func TestRealGeoArrondissementBeatsCommune(t *testing.T) {
	g := newRealGeo(t)
	byCom := g.communeCommissariats()
	byArr := map[string]string{}
	for _, row := range g.arrs {
		// Cotonou's arrondissements, and every other one of Abomey-Calavi
		if row["parent_code"] == "BJ0800" || row["parent_code"] == "BJ0301" && strings.HasSuffix(row["code"], "1") {
			byArr[row["code"]] = g.commissariat("Commissariat de "+row["name"], row["departement_code"], nil, []string{row["code"]})
		}
	}
	t.Logf("%d arrondissement commissariats beside the 77 commissariats centraux", len(byArr))
	g.declareAll("both levels", func(row map[string]string) placementWant {
		lead, dir := byArr[row["code"]], g.ddpr[row["departement_code"]]
		if lead == "" {
			lead = byCom[row["parent_code"]]
		}
		return placementWant{lead: lead, assignments: map[string]string{lead: "lead", dir: "oversight"}}
	})
}

// TestRealGeoCaravanAcrossDepartements: a caravan whose route crosses three
// communes in two départements gets one lead (where it starts), support
// from the other communes' commissariats, and both directorates.
func TestRealGeoCaravanAcrossDepartements(t *testing.T) {
	g := newRealGeo(t)
	byCom := g.communeCommissariats()
	point := map[string]types.GeoPoint{}
	for _, rows := range [][]map[string]string{g.arrs, g.coms} {
		for _, r := range rows {
			point[r["code"]] = types.GeoPoint{Lat: mustFloat(t, r["inner_lat"]), Lon: mustFloat(t, r["inner_lon"])}
		}
	}
	route := func(codes ...string) []map[string]float64 {
		var out []map[string]float64
		for _, c := range codes {
			p, ok := point[c]
			if !ok {
				t.Fatalf("no inner point for %s", c)
			}
			out = append(out, map[string]float64{"lat": p.Lat, "lon": p.Lon})
		}
		return out
	}
	caravan := func(title string, start string, r []map[string]float64) map[string]any {
		return map[string]any{"party": g.party.Id, "election": g.election.Id, "kind": "caravan", "title": title,
			"location": point[start], "route": r, "starts_at": campaignHour(2026, 3, 14, 9), "ends_at": campaignHour(2026, 3, 14, 17)}
	}
	check := func(ev *recordT, lead string, want map[string]string) {
		t.Helper()
		got := g.roles()[ev.Id]
		var leads []string
		for u, r := range got {
			if r == "lead" {
				leads = append(leads, u)
			}
		}
		if ev.GetString("lead_unit") != lead || len(leads) != 1 || !sameRoles(got, want) {
			t.Errorf("%s: lead_unit %s, assignments %v; want lead %s and %v", ev.GetString("title"), ev.GetString("lead_unit"), got, lead, want)
		}
	}

	// Cotonou (Littoral) → Godomey (Abomey-Calavi) → Pahou → Ouidah I
	// (Ouidah), along the coastal road: Cotonou leads.
	coastal := route("BJ0800", "BJ0301-03", "BJ0304-09", "BJ0304-05")
	ev := g.save("events", caravan("Caravane Cotonou–Ouidah", "BJ0800", coastal))
	check(ev, byCom["BJ0800"], map[string]string{
		byCom["BJ0800"]: "lead", g.ddpr["BJ08"]: "oversight",
		byCom["BJ0301"]: "support", byCom["BJ0304"]: "support", g.ddpr["BJ03"]: "oversight",
	})
	if ev.GetString("departement") != g.id["BJ08"] || ev.GetString("commune") != g.id["BJ0800"] || ev.GetBool("uncovered") {
		t.Errorf("caravan placed in %s/%s uncovered=%v", ev.GetString("departement"), ev.GetString("commune"), ev.GetBool("uncovered"))
	}

	// The same road the other way: Ouidah leads, Littoral oversees.
	back := slices.Clone(coastal)
	slices.Reverse(back)
	ev2 := g.save("events", caravan("Caravane Ouidah–Cotonou", "BJ0304-05", back))
	check(ev2, byCom["BJ0304"], map[string]string{
		byCom["BJ0304"]: "lead", g.ddpr["BJ03"]: "oversight",
		byCom["BJ0301"]: "support", byCom["BJ0800"]: "support", g.ddpr["BJ08"]: "oversight",
	})

	// Porto-Novo → Sèmè-Kpodji (Ouémé) → Cotonou (Littoral).
	ev3 := g.save("events", caravan("Caravane Porto-Novo–Cotonou", "BJ1008", route("BJ1008", "BJ1009-04", "BJ1009", "BJ0800")))
	check(ev3, byCom["BJ1008"], map[string]string{
		byCom["BJ1008"]: "lead", g.ddpr["BJ10"]: "oversight",
		byCom["BJ1009"]: "support", byCom["BJ0800"]: "support", g.ddpr["BJ08"]: "oversight",
	})

	// Re-routed to stop at Godomey: Ouidah's commissariat loses its
	// support assignment, the others stay (J6).
	ev.Set("route", route("BJ0800", "BJ0301-03"))
	if err := g.app.Save(ev); err != nil {
		t.Fatal(err)
	}
	check(ev, byCom["BJ0800"], map[string]string{
		byCom["BJ0800"]: "lead", g.ddpr["BJ08"]: "oversight", byCom["BJ0301"]: "support", g.ddpr["BJ03"]: "oversight",
	})

	// A route leaving Benin is refused, naming the route.
	_, err := g.trySave("events", caravan("Caravane vers Lomé", "BJ0304-05", append(route("BJ0304-05"), map[string]float64{"lat": 6.13, "lon": 1.22})))
	if err == nil || !strings.Contains(apiErrorData(err), `"route":{"code":"outside_territory"`) {
		t.Errorf("route to Lomé: %v %s", err, apiErrorData(err))
	}
}

// TestRealGeoMovingThePin: moving an event's pin (J1) derives its commune
// and arrondissement again, whatever path saves it; only a commune or
// arrondissement changed in the same write may contradict the new point.
func TestRealGeoMovingThePin(t *testing.T) {
	g := newRealGeo(t)
	byCom := g.communeCommissariats()
	var cotonou, calavi []map[string]string
	for _, row := range g.arrs {
		switch row["parent_code"] {
		case "BJ0800":
			cotonou = append(cotonou, row)
		case "BJ0301":
			calavi = append(calavi, row)
		}
	}
	if len(cotonou) < 2 || len(calavi) < 1 {
		t.Fatalf("%d arrondissements in Cotonou, %d in Abomey-Calavi", len(cotonou), len(calavi))
	}
	ev := g.meetingAt("Meeting qui bouge", cotonou[0]["inner_lat"], cotonou[0]["inner_lon"])
	move := func(row map[string]string, extra map[string]any) error {
		r, err := g.app.FindRecordById("events", ev.Id)
		if err != nil {
			t.Fatal(err)
		}
		r.Set("location", types.GeoPoint{Lat: mustFloat(t, row["inner_lat"]), Lon: mustFloat(t, row["inner_lon"])})
		for k, v := range extra {
			r.Set(k, v)
		}
		return g.app.Save(r)
	}
	placed := func(row map[string]string) {
		t.Helper()
		r, _ := g.app.FindRecordById("events", ev.Id)
		if r.GetString("arrondissement") != g.id[row["code"]] || r.GetString("commune") != g.id[row["parent_code"]] ||
			r.GetString("lead_unit") != byCom[row["parent_code"]] {
			t.Fatalf("after the move to %s: arrondissement %s, commune %s, lead %s", row["name"],
				r.GetString("arrondissement"), r.GetString("commune"), r.GetString("lead_unit"))
		}
	}
	// the pin alone, to another arrondissement of the city, then to another commune
	if err := move(cotonou[1], nil); err != nil {
		t.Fatalf("pin moved within Cotonou: %v %s", err, apiErrorData(err))
	}
	placed(cotonou[1])
	if err := move(calavi[0], nil); err != nil {
		t.Fatalf("pin moved to Abomey-Calavi: %v %s", err, apiErrorData(err))
	}
	placed(calavi[0])
	// a commune changed in the same write that contradicts the new point
	err := move(cotonou[0], map[string]any{"commune": g.id["BJ0101"]}) // Banikoara
	if data := apiErrorData(err); !strings.Contains(data, "location_mismatch") {
		t.Fatalf("contradicting commune: %v %s", err, data)
	}
	placed(calavi[0])
}
