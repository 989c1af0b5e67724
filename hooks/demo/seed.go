// Package demo seeds the demonstration data of `serve --demo`.
package demo

import (
	"fmt"
	"os"
	"time"

	"coprosec/internal/accounts"
	"coprosec/internal/jurisdiction"
	"coprosec/internal/refdata"

	"github.com/pocketbase/pocketbase/core"
)

// ElectionName marks the demo seed: when an election of that name exists,
// Seed creates nothing.
const ElectionName = "Législatives (démonstration)"

// Password is the password of every demo account. The demo is only
// seeded with `serve --demo`, never in production.
const Password = "coprosec-demo"

// Login is one demo account, printed at start-up.
type Login struct {
	Role, Email, Phone, Name, Attached string
}

// demoParties are the seven parties of the 2023 legislative elections.
var demoParties = []struct{ Acronym, Name, Color string }{
	{"BR", "Bloc Républicain", "#1565c0"},
	{"UP-R", "Union Progressiste le Renouveau", "#2e7d32"},
	{"FCBE", "Forces Cauris pour un Bénin Émergent", "#f9a825"},
	{"UDBN", "Union Démocratique pour un Bénin Nouveau", "#6a1b9a"},
	{"MOELE-Bénin", "Mouvement des Élites Engagées pour l'Émancipation du Bénin", "#00838f"},
	{"MPL", "Mouvement Populaire de Libération", "#c62828"},
	{"LD", "Les Démocrates", "#ef6c00"},
}

// Seed seeds, once, an active election whose 15-day campaign contains
// now, the seven parties, one directorate per département, one
// commissariat per commune covering it, and one account per role. It runs
// in one transaction: a failure leaves nothing behind.
func Seed(app core.App, now time.Time) ([]Login, error) {
	logins := demoLogins()
	if _, err := app.FindFirstRecordByData("elections", "name", ElectionName); err == nil {
		return logins, nil
	}
	err := app.RunInTransaction(func(tx core.App) error {
		partyIDs := map[string]string{}
		for _, p := range demoParties {
			r, err := upsert(tx, "parties", "acronym", p.Acronym, map[string]any{"name": p.Name, "color": p.Color})
			if err != nil {
				return err
			}
			partyIDs[p.Acronym] = r.Id
		}

		// Campaign: from 5 days ago to 00:00 local on the eve of the vote,
		// 15 days in all (Code électoral).
		local := now.In(jurisdiction.Local)
		today := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, jurisdiction.Local)
		start := today.AddDate(0, 0, -5)
		end := start.AddDate(0, 0, 15)
		ids := make([]string, 0, len(partyIDs))
		for _, p := range demoParties {
			ids = append(ids, partyIDs[p.Acronym])
		}
		if _, err := create(tx, "elections", map[string]any{
			"name": ElectionName, "campaign_start": start.UTC(), "campaign_end": end.UTC(),
			"election_day": end.AddDate(0, 0, 1).UTC(), "parties": ids, "active": true,
		}); err != nil {
			return err
		}

		unitIDs := map[string]string{} // by commune or département code
		for _, d := range refdata.Departements {
			dep, err := tx.FindFirstRecordByData("departements", "code", d.Code)
			if err != nil {
				return fmt.Errorf("département %s: %w", d.Code, err)
			}
			ddpr, err := upsert(tx, "units", "name", "DDPR "+d.Name, map[string]any{"kind": "directorate", "departement": dep.Id})
			if err != nil {
				return err
			}
			unitIDs[d.Code] = ddpr.Id
			for _, c := range d.Communes {
				com, err := tx.FindFirstRecordByData("communes", "code", c.Code)
				if err != nil {
					return fmt.Errorf("commune %s: %w", c.Code, err)
				}
				u, err := upsert(tx, "units", "name", "Commissariat central "+refdata.Of(c.Name), map[string]any{
					"kind": "commissariat", "departement": dep.Id, "parent": ddpr.Id, "communes": []string{com.Id},
				})
				if err != nil {
					return err
				}
				unitIDs[c.Code] = u.Id
			}
		}

		for _, l := range logins {
			data := map[string]any{"name": l.Name, "role": l.Role, "phone": l.Phone, "verified": true}
			switch {
			case accounts.IsParty(l.Role):
				data["party"] = partyIDs[l.Attached]
			case accounts.IsPolice(l.Role):
				data["unit"] = unitIDs[l.Attached]
			}
			r, err := tx.FindAuthRecordByEmail("users", l.Email)
			if err != nil {
				c, _ := tx.FindCollectionByNameOrId("users")
				r = core.NewRecord(c)
				r.SetEmail(l.Email)
			}
			r.SetPassword(Password)
			r.Load(data)
			if err := tx.Save(r); err != nil {
				return fmt.Errorf("demo account %s: %w", l.Email, err)
			}
		}
		return nil
	})
	return logins, err
}

func demoLogins() []Login {
	return []Login{
		{"organizer", "organisateur.br@demo.coprosec.bj", "+22990000001", "Organisateur BR", "BR"},
		{"party_admin", "securite.br@demo.coprosec.bj", "+22990000002", "Responsable sécurité BR", "BR"},
		{"organizer", "organisateur.ld@demo.coprosec.bj", "+22990000003", "Organisateur LD", "LD"},
		{"officer", "agent.cotonou@demo.coprosec.bj", "+22990000004", "Agent, Commissariat central de Cotonou", "BJ0800"},
		{"commander", "commissaire.cotonou@demo.coprosec.bj", "+22990000005", "Commissaire central de Cotonou", "BJ0800"},
		{"commander", "commissaire.calavi@demo.coprosec.bj", "+22990000006", "Commissaire central d'Abomey-Calavi", "BJ0301"},
		{"director", "ddpr.littoral@demo.coprosec.bj", "+22990000007", "DDPR Littoral", "BJ08"},
		{"ministry", "dppae@demo.coprosec.bj", "+22990000008", "DPPAE, ministère de l'Intérieur", ""},
		// the north, so that a northern unit's day can be tried too
		{"commander", "commissaire.kandi@demo.coprosec.bj", "+22990000009", "Commissaire central de Kandi", "BJ0103"},
		{"officer", "agent.kandi@demo.coprosec.bj", "+22990000010", "Agent, Commissariat central de Kandi", "BJ0103"},
		{"director", "ddpr.alibori@demo.coprosec.bj", "+22990000011", "DDPR Alibori", "BJ01"},
	}
}

// PrintLogins prints the demo logins and where to use them.
func PrintLogins(logins []Login, addr string) {
	if addr == "" {
		addr = "127.0.0.1:8090"
	}
	fmt.Fprintf(os.Stderr, "\nCoprosec demo — field app: http://%s/  dashboard: http://%s/_/\n", addr, addr)
	fmt.Fprintf(os.Stderr, "Demo accounts (password %q, sign in by email or phone):\n", Password)
	for _, l := range logins {
		fmt.Fprintf(os.Stderr, "  %-12s %-40s %s  %s\n", l.Role, l.Email, l.Phone, l.Name)
	}
	fmt.Fprintln(os.Stderr, "Dashboard superuser: create one with `./coprosec superuser upsert EMAIL PASSWORD`.")
	fmt.Fprintln(os.Stderr)
}

func create(app core.App, collection string, data map[string]any) (*core.Record, error) {
	c, err := app.FindCachedCollectionByNameOrId(collection)
	if err != nil {
		return nil, err
	}
	r := core.NewRecord(c)
	r.Load(data)
	if err := app.Save(r); err != nil {
		return nil, fmt.Errorf("%s: %w", collection, err)
	}
	return r, nil
}

// upsert finds the record of collection whose key field equals value and
// sets data on it, creating it when absent.
func upsert(app core.App, collection, key, value string, data map[string]any) (*core.Record, error) {
	r, err := app.FindFirstRecordByData(collection, key, value)
	if err != nil {
		return create(app, collection, mergeMap(data, key, value))
	}
	r.Load(data)
	if err := app.Save(r); err != nil {
		return nil, fmt.Errorf("%s %s: %w", collection, value, err)
	}
	return r, nil
}

func mergeMap(m map[string]any, k string, v any) map[string]any {
	out := make(map[string]any, len(m)+1)
	for key, val := range m {
		out[key] = val
	}
	out[k] = v
	return out
}
