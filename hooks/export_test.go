package hooks_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"maps"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/pocketbase/pocketbase/core"
)

// exportCSV is GET /api/export/events as CSV: the header and the rows
// keyed by column.
func (e *env) exportCSV(as *core.Record, query string) ([]string, []map[string]string) {
	e.t.Helper()
	res := e.do("GET", "/api/export/events?format=csv"+query, as, nil)
	if res.Status != http.StatusOK {
		e.t.Fatalf("export csv%s as %s: %s", query, as.GetString("role"), res)
	}
	rows, err := csv.NewReader(bytes.NewReader(res.Body)).ReadAll()
	if err != nil || len(rows) == 0 {
		e.t.Fatalf("export csv: %v %q", err, res.Body)
	}
	var out []map[string]string
	for _, r := range rows[1:] {
		m := map[string]string{}
		for i, h := range rows[0] {
			m[h] = r[i]
		}
		out = append(out, m)
	}
	return rows[0], out
}

type eventFeature struct {
	ID       string `json:"id"`
	Geometry *struct {
		Type        string          `json:"type"`
		Coordinates json.RawMessage `json:"coordinates"`
	} `json:"geometry"`
	Properties map[string]any `json:"properties"`
}

func (e *env) exportGeoJSON(as *core.Record, query string) []eventFeature {
	e.t.Helper()
	res := e.do("GET", "/api/export/events?format=geojson"+query, as, nil)
	if res.Status != http.StatusOK {
		e.t.Fatalf("export geojson as %s: %s", as.GetString("role"), res)
	}
	var fc struct {
		Type     string         `json:"type"`
		Features []eventFeature `json:"features"`
	}
	if err := json.Unmarshal(res.Body, &fc); err != nil || fc.Type != "FeatureCollection" {
		e.t.Fatalf("export geojson: %v %.300s", err, res.Body)
	}
	return fc.Features
}

func csvIDs(rows []map[string]string) map[string]bool {
	out := map[string]bool{}
	for _, r := range rows {
		out[r["id"]] = true
	}
	return out
}

// TestExportEqualsEachRolesList: every role's export (CSV and GeoJSON) has
// exactly the events of its REST list, and a party's never names the
// exact clash (no column, no property, no partner id anywhere).
func TestExportEqualsEachRolesList(t *testing.T) {
	e := newEnv(t)
	w := e.visWorld()
	hidden := []string{"clash", "clash_with", "clash_count"}
	for _, u := range []*core.Record{w.orgA, w.adminA, w.orgB, w.adminB, w.officerCotonou, w.commanderCotonou,
		w.officerCalavi, w.commanderCalavi, w.directorLittoral, w.directorAtlantique, w.ministry} {
		who := u.GetString("role") + " " + u.GetString("email")
		list := ids(e.do("GET", "/api/collections/events/records?perPage=500", u, nil))
		if len(list) == 0 {
			t.Fatalf("%s sees no event: fixture?", who)
		}
		header, rows := e.exportCSV(u, "")
		if got := csvIDs(rows); !maps.Equal(got, list) {
			t.Errorf("%s: CSV export %v, REST list %v", who, got, list)
		}
		features := e.exportGeoJSON(u, "")
		got := map[string]bool{}
		for _, f := range features {
			got[f.ID] = true
		}
		if !maps.Equal(got, list) {
			t.Errorf("%s: GeoJSON export %v, REST list %v", who, got, list)
		}
		party := u.GetString("party") != ""
		for _, h := range hidden {
			if slices.Contains(header, h) == party {
				t.Errorf("%s: column %s present=%v", who, h, !party)
			}
			for _, f := range features {
				if _, ok := f.Properties[h]; ok == party {
					t.Errorf("%s: property %s present=%v", who, h, ok)
				}
			}
		}
		if party {
			body := e.do("GET", "/api/export/events?format=csv", u, nil).Body
			geo := e.do("GET", "/api/export/events?format=geojson", u, nil).Body
			// the rival event clashing with A1 (and A1 with it) never appears
			for _, id := range []string{w.evB2.Id, w.evA1.Id} {
				if list[id] {
					continue
				}
				if bytes.Contains(body, []byte(id)) || bytes.Contains(geo, []byte(id)) {
					t.Errorf("%s: export names hidden event %s", who, id)
				}
			}
		}
	}

	// police read the exact clash
	_, rows := e.exportCSV(w.ministry, "")
	for _, r := range rows {
		if r["id"] == w.evA1.Id && (r["clash"] != "true" || r["clash_with"] != w.evB2.Id || r["clash_count"] != "1") {
			t.Errorf("ministry: A1 clash columns %v", r)
		}
	}
}

func TestExportColumnsAndGeometry(t *testing.T) {
	e := newEnv(t)
	w := e.visWorld()
	formula := e.mustDeclare(w.orgA, e.meeting(w.partyA, map[string]any{"title": "=HYPERLINK(\"http://x\")", "place": "Église Saint-Michel, « cour »",
		"expected_attendance": 1200, "security_needs": []string{"escort", "traffic"}}))
	_, rows := e.exportCSV(w.orgA, "")
	var a1, f map[string]string
	for _, r := range rows {
		switch r["id"] {
		case w.evA1.Id:
			a1 = r
		case formula:
			f = r
		}
	}
	if a1 == nil || f == nil {
		t.Fatalf("rows: %v", rows)
	}
	if a1["title"] != "A1 Cotonou frontière" || a1["party"] != "PA" || a1["commune"] != "BJ0800" || a1["commune_name"] != "Cotonou" ||
		a1["departement"] != "BJ08" || a1["lat"] != "6.399" || a1["lon"] != "2.4" || a1["local_date"] != "2026-03-14" ||
		a1["local_start"] != "10:00" || a1["starts_at"] != "2026-03-14T09:00:00Z" || a1["status"] != "declared" ||
		a1["lead_unit_name"] != "Commissariat central de Cotonou" {
		t.Errorf("A1 row: %v", a1)
	}
	if f["title"] != "'=HYPERLINK(\"http://x\")" || f["place"] != "Église Saint-Michel, « cour »" ||
		f["expected_attendance"] != "1200" || f["security_needs"] != "escort;traffic" {
		t.Errorf("typed row: %v", f)
	}

	var caravan, point *eventFeature
	features := e.exportGeoJSON(w.ministry, "")
	for i := range features {
		switch features[i].ID {
		case w.evA3.Id:
			caravan = &features[i]
		case w.evA1.Id:
			point = &features[i]
		}
	}
	if caravan == nil || caravan.Geometry == nil || caravan.Geometry.Type != "LineString" ||
		string(caravan.Geometry.Coordinates) != "[[2.4,6.39],[2.4,6.45]]" {
		t.Errorf("caravan geometry: %+v", caravan)
	}
	if point == nil || point.Geometry == nil || point.Geometry.Type != "Point" || string(point.Geometry.Coordinates) != "[2.4,6.399]" ||
		point.Properties["clash"] != true || point.Properties["title"] != "A1 Cotonou frontière" {
		t.Errorf("A1 feature: %+v", point)
	}
}

func TestExportFilters(t *testing.T) {
	e := newEnv(t)
	w := e.visWorld()
	res := e.do("PATCH", "/api/collections/events/records/"+w.evB1.Id, w.orgB, map[string]any{"status": "cancelled"})
	if res.Status != http.StatusOK {
		t.Fatal(res)
	}
	idsOf := func(as *core.Record, q string) []string {
		t.Helper()
		_, rows := e.exportCSV(as, q)
		var out []string
		for _, r := range rows {
			out = append(out, r["id"])
		}
		slices.Sort(out)
		return out
	}
	sorted := func(rs ...*core.Record) []string {
		var out []string
		for _, r := range rs {
			out = append(out, r.Id)
		}
		slices.Sort(out)
		return out
	}
	for _, c := range []struct {
		name string
		as   *core.Record
		q    string
		want []string
	}{
		{"party B", w.ministry, "&party=pb", sorted(w.evB1, w.evB2)},
		{"party by id", w.ministry, "&party=" + w.partyA.Id, sorted(w.evA1, w.evA2, w.evA3)},
		{"cancelled", w.ministry, "&status=cancelled", sorted(w.evB1)},
		{"declared", w.ministry, "&status=declared", sorted(w.evA1, w.evA2, w.evA3, w.evB2)},
		{"commune Calavi", w.ministry, "&commune=BJ0301", sorted(w.evA2, w.evB2)},
		{"departement Littoral", w.ministry, "&departement=BJ08", sorted(w.evA1, w.evA3, w.evB1)},
		{"15 March", w.ministry, "&from=2026-03-15&to=2026-03-15", sorted(w.evA2, w.evB1)},
		{"from 15 March", w.ministry, "&from=2026-03-15", sorted(w.evA2, w.evB1)},
		{"until 13 March", w.ministry, "&to=2026-03-13", sorted(w.evA3)},
		{"unit Calavi", w.ministry, "&unit=" + w.comCalavi.Id, sorted(w.evA2, w.evA3, w.evB2)},
		{"unit Calavi, two parties", w.ministry, "&unit=" + w.comCalavi.Id + "&party=PA,PB&status=declared,in_progress", sorted(w.evA2, w.evA3, w.evB2)},
		// Cotonou's officer sees the caravan but not Calavi's assignments:
		// filtering by another unit finds nothing
		{"other unit, officer", w.officerCotonou, "&unit=" + w.comCalavi.Id, nil},
		{"own unit, officer", w.officerCotonou, "&unit=" + w.comCotonou.Id, sorted(w.evA1, w.evA3, w.evB1)},
		{"party A's Calavi events", w.orgA, "&commune=BJ0301", sorted(w.evA2)},
	} {
		if got := idsOf(c.as, c.q); !slices.Equal(got, c.want) {
			t.Errorf("%s (%s): %v, want %v", c.name, c.q, got, c.want)
		}
	}

	for _, c := range []struct{ q, code string }{
		{"format=xlsx", "invalid_format"},
		{"from=15/03/2026", "invalid_date"},
		{"from=2026-03-16&to=2026-03-15", "invalid_date"},
		{"to=3026-01-01", "invalid_date"},
		{"departement=BJ99", "unknown_division"},
		{"commune=BJ08", "unknown_division"},
		{"party=ZZZ", "unknown_party"},
		{"unit=nosuchunit", "unknown_unit"},
		{"status=done", "invalid_status"},
		{"status=declared,%00", "invalid_status"},
	} {
		res := e.do("GET", "/api/export/events?"+c.q, w.orgA, nil)
		if res.Status != http.StatusBadRequest || res.code() != c.code {
			t.Errorf("%s: %s, want 400 %s", c.q, res, c.code)
		}
	}
	if res := e.do("GET", "/api/export/events?format=csv", nil, nil); res.Status != http.StatusUnauthorized {
		t.Errorf("guest: %s", res)
	}
	// French by default, English on request
	res = e.doHeaders("GET", "/api/export/events?format=pdf", tokenOf(t, w.orgA), nil, map[string]string{"Accept-Language": "en"})
	if !strings.Contains(strings.ToLower(string(res.Body)), "format must be csv or geojson") {
		t.Errorf("English: %s", res)
	}
	if res := e.do("GET", "/api/export/events?format=pdf", w.orgA, nil); !strings.Contains(string(res.Body), "Format non pris en charge") {
		t.Errorf("French: %s", res)
	}
}

func tokenOf(t *testing.T, u *core.Record) string {
	t.Helper()
	tok, err := u.NewAuthToken()
	if err != nil {
		t.Fatal(err)
	}
	return tok
}
