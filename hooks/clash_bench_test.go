package hooks_test

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"coprosec/internal/geo"
	"coprosec/internal/jurisdiction"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"
)

// Benin's bounding box, for events spread across the country.
const (
	beninMinLat, beninMaxLat = 6.2, 12.4
	beninMinLon, beninMaxLon = 0.8, 3.8
)

// seedEvents inserts n declared events at random places and times of the
// campaign straight into the table, with the columns the clash search
// reads; it stands for a campaign already under way.
func seedEvents(b *testing.B, e *env, n int, rng *rand.Rand) {
	w := e.world()
	deps, _ := e.app.FindAllRecords("departements")
	for _, d := range deps {
		if d.Id != w.depLittoral.Id && d.Id != w.depAtlantique.Id {
			e.save("units", map[string]any{"name": "DDPR " + d.GetString("name"), "kind": "directorate", "departement": d.Id})
		}
	}
	communes, _ := e.app.FindAllRecords("communes")
	start := w.election.GetDateTime("campaign_start").Time()
	parties := []string{w.partyA.Id, w.partyB.Id}
	err := e.app.RunInTransaction(func(tx core.App) error {
		for i := range n {
			p := geo.Point{Lat: beninMinLat + rng.Float64()*(beninMaxLat-beninMinLat), Lon: beninMinLon + rng.Float64()*(beninMaxLon-beninMinLon)}
			s := start.Add(time.Duration(rng.IntN(14*24)) * time.Hour)
			sdt, _ := types.ParseDateTime(s)
			edt, _ := types.ParseDateTime(s.Add(2 * time.Hour))
			_, err := tx.DB().Insert("events", dbx.Params{
				"id": fmt.Sprintf("seed%011d", i), "party": parties[i%2], "election": w.election.Id, "kind": "meeting",
				"title": "seed", "commune": communes[rng.IntN(len(communes))].Id, "status": "declared",
				"location":  fmt.Sprintf(`{"lon":%f,"lat":%f}`, p.Lon, p.Lat),
				"starts_at": sdt.String(), "ends_at": edt.String(), "clash_cell": jurisdiction.CellKey(p),
			}).Execute()
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
}

// BenchmarkDeclareWithExistingEvents measures one declaration (rules,
// assignments, clash search through the index, audit, change log) with
// 1k, 10k and 20k events already in the campaign: the cost per event must
// stay flat as the table grows.
//
//	go test ./hooks -run '^$' -bench DeclareWithExistingEvents -benchtime 300x
func BenchmarkDeclareWithExistingEvents(b *testing.B) {
	for _, existing := range []int{1000, 10000, 20000} {
		b.Run(fmt.Sprintf("existing=%d", existing), func(b *testing.B) {
			e := newEnv(b)
			rng := rand.New(rand.NewPCG(1, uint64(existing)))
			seedEvents(b, e, existing, rng)
			w := e.world()
			communes, _ := e.app.FindAllRecords("communes")
			b.ResetTimer()
			for i := range b.N {
				p := geo.Point{Lat: beninMinLat + rng.Float64()*(beninMaxLat-beninMinLat), Lon: beninMinLon + rng.Float64()*(beninMaxLon-beninMinLon)}
				day := 4 + i%9
				_, err := e.trySave("events", map[string]any{
					"party": w.partyA.Id, "election": w.election.Id, "kind": "meeting", "title": "bench",
					"commune": communes[rng.IntN(len(communes))].Id, "location": map[string]any{"lat": p.Lat, "lon": p.Lon},
					"starts_at": local(2026, 3, day, 10, 0), "ends_at": local(2026, 3, day, 12, 0),
				})
				if err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkDeclareInADenseCity measures one declaration in Cotonou with 0,
// 30,000 and 100,000 events of party A already declared there (39 places,
// 9 days, 07:00–22:00 local): by party A itself, whose own events never
// clash with it, and by party B, whose meeting clashes with A's few events
// at the same place and hour. Issue 16.2: within 1.5× of the empty city.
//
//	go test ./hooks -run '^$' -bench DeclareInADenseCity -benchtime 100x
func BenchmarkDeclareInADenseCity(b *testing.B) {
	places := make([]geo.Point, 39)
	for i := range places {
		places[i] = geo.Point{Lat: 6.345 + float64(i%13)*0.004, Lon: 2.36 + float64(i/13)*0.03}
	}
	for _, existing := range []int{0, 30000, 100000} {
		e := newEnv(b)
		w := e.world()
		start := w.election.GetDateTime("campaign_start").Time()
		err := e.app.RunInTransaction(func(tx core.App) error {
			for i := range existing {
				p := places[i%len(places)]
				day := 4 + (i/len(places))%9
				hour := 7 + (i/(len(places)*9))%13 // 07:00 … 19:00 local starts, 2 h each
				s := start.AddDate(0, 0, day-1).Add(time.Duration(hour) * time.Hour)
				sdt, _ := types.ParseDateTime(s)
				edt, _ := types.ParseDateTime(s.Add(2 * time.Hour))
				if _, err := tx.DB().Insert("events", dbx.Params{
					"id": fmt.Sprintf("dense%010d", i), "party": w.partyA.Id, "election": w.election.Id, "kind": "meeting",
					"title": "dense", "commune": w.cotonou.Id, "status": "declared",
					"location":  fmt.Sprintf(`{"lon":%f,"lat":%f}`, p.Lon, p.Lat),
					"starts_at": sdt.String(), "ends_at": edt.String(), "clash_cell": jurisdiction.CellKey(p),
				}).Execute(); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
		for _, by := range []struct {
			name  string
			party *core.Record
		}{{"own", w.partyA}, {"rival", w.partyB}} {
			b.Run(fmt.Sprintf("existing=%d/by=%s", existing, by.name), func(b *testing.B) {
				i := 0
				for b.Loop() {
					p := places[i%len(places)]
					day := 4 + i%9
					i++
					if _, err := e.trySave("events", map[string]any{
						"party": by.party.Id, "election": w.election.Id, "kind": "meeting", "title": "bench",
						"commune": w.cotonou.Id, "location": map[string]any{"lat": p.Lat, "lon": p.Lon},
						"starts_at": local(2026, 3, day, 15, 0), "ends_at": local(2026, 3, day, 17, 0),
					}); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
