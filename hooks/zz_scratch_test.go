package hooks_test

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"testing"
	"time"

	"coprosec/hooks"
	"github.com/pocketbase/pocketbase/tools/types"
	"strconv"
)

func TestGeoScratchTiming(t *testing.T) {
	dir := sharedData(t)
	e := newEnv(t)
	for _, f := range []string{"departements", "communes", "arrondissements"} {
		if _, err := hooks.ImportBoundaries(e.app, filepath.Join(dir, f+".geojson")); err != nil {
			t.Fatal(err)
		}
	}
	start := time.Now()
	dirs := map[string]string{}
	deps, _ := e.app.FindAllRecords("departements")
	for _, d := range deps {
		dirs[d.Id] = e.save("units", map[string]any{"name": "DDPR " + d.GetString("name"), "kind": "directorate", "departement": d.Id}).Id
	}
	arrs, _ := e.app.FindAllRecords("arrondissements")
	for _, a := range arrs {
		e.save("units", map[string]any{"name": "CA " + a.GetString("name"), "kind": "commissariat", "departement": a.GetString("departement"), "parent": dirs[a.GetString("departement")], "arrondissements": []string{a.Id}})
	}
	t.Logf("units in %v", time.Since(start))
	party := e.save("parties", map[string]any{"name": "P", "acronym": "P"})
	cs := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC).Add(-time.Hour)
	el := e.save("elections", map[string]any{"name": "E", "campaign_start": cs, "campaign_end": cs.AddDate(0, 0, 15), "election_day": cs.AddDate(0, 0, 16), "parties": []string{party.Id}, "active": true})
	f, _ := os.Open(filepath.Join(dir, "arrondissements.csv"))
	rows, _ := csv.NewReader(f).ReadAll()
	start = time.Now()
	for i, r := range rows[1:] {
		lat, _ := strconv.ParseFloat(r[12], 64)
		lon, _ := strconv.ParseFloat(r[13], 64)
		e.save("events", map[string]any{"party": party.Id, "election": el.Id, "kind": "meeting", "title": "m", "location": types.GeoPoint{Lat: lat, Lon: lon},
			"starts_at": time.Date(2026, 3, 14, 9, 0, 0, 0, time.UTC), "ends_at": time.Date(2026, 3, 14, 11, 0, 0, 0, time.UTC)})
		if i == 99 {
			t.Logf("100 events in %v", time.Since(start))
		}
	}
	t.Logf("546 events in %v", time.Since(start))
}
