package hooks_test

import (
	"time"

	"github.com/pocketbase/pocketbase/core"
)

// world is the fixture most tests share: two parties, an active election,
// two départements (Littoral, Atlantique) with their directorates, three
// commissariats, and one account per role and place.
type world struct {
	partyA, partyB, partyC *core.Record
	election               *core.Record

	depLittoral, depAtlantique       *core.Record
	cotonou, calavi, ouidah          *core.Record // communes
	ddprLittoral, ddprAtlantique     *core.Record
	comCotonou, comCalavi, comOuidah *core.Record // commissariats

	orgA, adminA, orgB, adminB           *core.Record
	officerCotonou, commanderCotonou     *core.Record
	officerCalavi, commanderCalavi       *core.Record
	directorLittoral, directorAtlantique *core.Record
	ministry                             *core.Record
}

const testPassword = "correct-horse-42"

func (e *env) world() *world {
	if e.w != nil {
		return e.w
	}
	w := &world{}
	w.partyA = e.save("parties", map[string]any{"name": "Parti A", "acronym": "PA", "color": "#112233"})
	w.partyB = e.save("parties", map[string]any{"name": "Parti B", "acronym": "PB", "color": "#445566"})
	w.partyC = e.save("parties", map[string]any{"name": "Parti C (non admis)", "acronym": "PC"})

	start := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC).Add(-time.Hour) // 00:00 local
	w.election = e.save("elections", map[string]any{
		"name": "Législatives test", "campaign_start": start, "campaign_end": start.AddDate(0, 0, 15),
		"election_day": start.AddDate(0, 0, 16), "parties": []string{w.partyA.Id, w.partyB.Id}, "active": true,
	})

	w.depLittoral, w.depAtlantique = e.byCode("departements", "BJ08"), e.byCode("departements", "BJ03")
	w.cotonou, w.calavi, w.ouidah = e.byCode("communes", "BJ0800"), e.byCode("communes", "BJ0301"), e.byCode("communes", "BJ0304")

	w.ddprLittoral = e.save("units", map[string]any{"name": "DDPR Littoral", "kind": "directorate", "departement": w.depLittoral.Id})
	w.ddprAtlantique = e.save("units", map[string]any{"name": "DDPR Atlantique", "kind": "directorate", "departement": w.depAtlantique.Id})
	w.comCotonou = e.save("units", map[string]any{"name": "Commissariat central de Cotonou", "kind": "commissariat",
		"departement": w.depLittoral.Id, "parent": w.ddprLittoral.Id, "communes": []string{w.cotonou.Id}})
	w.comCalavi = e.save("units", map[string]any{"name": "Commissariat central d'Abomey-Calavi", "kind": "commissariat",
		"departement": w.depAtlantique.Id, "parent": w.ddprAtlantique.Id, "communes": []string{w.calavi.Id}})
	w.comOuidah = e.save("units", map[string]any{"name": "Commissariat central de Ouidah", "kind": "commissariat",
		"departement": w.depAtlantique.Id, "parent": w.ddprAtlantique.Id, "communes": []string{w.ouidah.Id}})

	n := 0
	user := func(role string, extra map[string]any) *core.Record {
		n++
		data := map[string]any{"email": role + "." + string(rune('a'+n)) + "@test.bj", "password": testPassword,
			"name": role, "role": role, "phone": "+229970000" + string(rune('0'+n/10)) + string(rune('0'+n%10)), "verified": true}
		for k, v := range extra {
			data[k] = v
		}
		return e.save("users", data)
	}
	w.orgA = user("organizer", map[string]any{"party": w.partyA.Id})
	w.adminA = user("party_admin", map[string]any{"party": w.partyA.Id})
	w.orgB = user("organizer", map[string]any{"party": w.partyB.Id})
	w.adminB = user("party_admin", map[string]any{"party": w.partyB.Id})
	w.officerCotonou = user("officer", map[string]any{"unit": w.comCotonou.Id})
	w.commanderCotonou = user("commander", map[string]any{"unit": w.comCotonou.Id})
	w.officerCalavi = user("officer", map[string]any{"unit": w.comCalavi.Id})
	w.commanderCalavi = user("commander", map[string]any{"unit": w.comCalavi.Id})
	w.directorLittoral = user("director", map[string]any{"unit": w.ddprLittoral.Id})
	w.directorAtlantique = user("director", map[string]any{"unit": w.ddprAtlantique.Id})
	w.ministry = user("ministry", nil)
	e.w = w
	return w
}
