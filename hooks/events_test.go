package hooks_test

import (
	"net/http"
	"testing"
	"time"
)

// local builds a UTC instant from a Porto-Novo wall-clock time (UTC+1).
func local(y int, m time.Month, d, h, min int) time.Time {
	return time.Date(y, m, d, h, min, 0, 0, time.UTC).Add(-time.Hour)
}

// meeting is a lawful meeting body in Cotonou, four days after testNow.
func (e *env) meeting(party *recordT, extra map[string]any) map[string]any {
	w := e.world()
	body := map[string]any{
		"party": party.Id, "election": w.election.Id, "kind": "meeting", "title": "Meeting à Cotonou",
		"place": "Place de l'Étoile rouge", "commune": w.cotonou.Id,
		"starts_at": local(2026, 3, 14, 10, 0), "ends_at": local(2026, 3, 14, 12, 0),
	}
	for k, v := range extra {
		body[k] = v
	}
	return body
}

func TestDeclareEventAssignsUnits(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	res := e.do("POST", "/api/collections/events/records", w.orgA, e.meeting(w.partyA, nil))
	if res.Status != http.StatusOK {
		t.Fatalf("declare: %s", res)
	}
	j := res.JSON
	if j["lead_unit"] != w.comCotonou.Id || j["directorate"] != w.ddprLittoral.Id || j["departement"] != w.depLittoral.Id {
		t.Fatalf("lead %v directorate %v departement %v", j["lead_unit"], j["directorate"], j["departement"])
	}
	if j["late_notice"] != false || j["uncovered"] != false || j["version"] != float64(1) || j["created_by"] != w.orgA.Id {
		t.Fatalf("flags: %s", res)
	}
	if j["declared_at"] == "" {
		t.Fatal("declared_at not set")
	}
	as, err := e.app.FindAllRecords("assignments")
	if err != nil || len(as) != 2 {
		t.Fatalf("%d assignments (%v), want lead + oversight", len(as), err)
	}
	roles := map[string]string{}
	for _, a := range as {
		roles[a.GetString("unit")] = a.GetString("role") + "/" + a.GetString("status")
	}
	if roles[w.comCotonou.Id] != "lead/pending" || roles[w.ddprLittoral.Id] != "oversight/pending" {
		t.Fatalf("assignments %v", roles)
	}
}
