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
