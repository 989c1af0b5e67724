package hooks_test

import (
	"coprosec/hooks/demo"
	"testing"

	"github.com/pocketbase/dbx"
)

func TestDemoSeedIsOptInAndOnce(t *testing.T) {
	e := newEnv(t) // serve without --demo
	for _, c := range []string{"parties", "elections", "units"} {
		if n, _ := e.app.CountRecords(c); n != 0 {
			t.Fatalf("without --demo: %d %s", n, c)
		}
	}
	if n, _ := e.app.CountRecords("users"); n != 0 {
		t.Fatalf("without --demo: %d users", n)
	}

	logins, err := demo.Seed(e.app, testNow)
	if err != nil {
		t.Fatal(err)
	}
	counts := map[string]int64{}
	for _, c := range []string{"parties", "elections", "users"} {
		counts[c], _ = e.app.CountRecords(c)
	}
	directorates, _ := e.app.CountRecords("units", dbx.HashExp{"kind": "directorate"})
	commissariats, _ := e.app.CountRecords("units", dbx.HashExp{"kind": "commissariat"})
	if counts["parties"] != 7 || counts["elections"] != 1 || directorates != 12 || commissariats != 77 || counts["users"] != int64(len(logins)) {
		t.Fatalf("demo seed: %v, %d directorates, %d commissariats, %d logins", counts, directorates, commissariats, len(logins))
	}
	// French names (elision), and police in the north too
	for _, name := range []string{"Commissariat central d'Abomey-Calavi", "Commissariat central de Ouidah", "Commissariat central de Kandi"} {
		if _, err := e.app.FindFirstRecordByData("units", "name", name); err != nil {
			t.Errorf("no unit %q: %v", name, err)
		}
	}
	north := 0
	for _, l := range logins {
		if l.Attached == "BJ0103" || l.Attached == "BJ01" {
			north++
		}
	}
	if north < 2 {
		t.Errorf("%d demo accounts in Alibori", north)
	}
	roles := map[string]bool{}
	for _, l := range logins {
		roles[l.Role] = true
		res := e.do("POST", "/api/collections/users/auth-with-password", nil, map[string]any{"identity": l.Phone, "password": demo.Password})
		if res.Status != 200 {
			t.Errorf("demo login %s: %s", l.Email, res)
		}
	}
	for _, r := range []string{"organizer", "party_admin", "officer", "commander", "director", "ministry"} {
		if !roles[r] {
			t.Errorf("no demo account for %s", r)
		}
	}
	el, _ := e.app.FindFirstRecordByData("elections", "name", demo.ElectionName)
	start, end := el.GetDateTime("campaign_start").Time(), el.GetDateTime("campaign_end").Time()
	if !el.GetBool("active") || !start.Before(testNow) || !end.After(testNow) || end.Sub(start).Hours() != 15*24 {
		t.Fatalf("demo election %v – %v active %v", start, end, el.GetBool("active"))
	}
	// every commune has its commissariat: an event anywhere has a lead
	cotonou := e.byCode("communes", "BJ0800")
	if n, _ := e.app.CountRecords("units", dbx.NewExp("communes LIKE {:c}", dbx.Params{"c": "%" + cotonou.Id + "%"})); n != 1 {
		t.Fatalf("%d units cover Cotonou", n)
	}

	// a second start seeds nothing more
	if _, err := demo.Seed(e.app, testNow); err != nil {
		t.Fatal(err)
	}
	if n, _ := e.app.CountRecords("parties"); n != 7 {
		t.Fatalf("second seed: %d parties", n)
	}
	if n, _ := e.app.CountRecords("users"); n != counts["users"] {
		t.Fatalf("second seed: %d users", n)
	}
}
