package hooks_test

import (
	"net/http"
	"testing"
)

// TestEventCarriesItsContacts (issue 13.4): the police see, on the event
// itself and so offline, whom to call: the organizer who declared it and
// the itinerary's leader with the contact phone the party gave. The
// contacts are the server's; a leader's change on the itinerary reaches
// its events (a new version, in the police's pull); a contact phone that
// is not a phone number is refused.
func TestEventCarriesItsContacts(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	it := e.do("POST", "/api/collections/itineraries/records", w.orgA, map[string]any{
		"party": w.partyA.Id, "election": w.election.Id, "title": "Tournée du Sud", "leader": "M. Adjovi", "leader_phone": "97 11 22 33"})
	if it.Status != http.StatusOK || it.JSON["leader_phone"] != "+22997112233" {
		t.Fatalf("itinerary: %s", it)
	}
	itID := it.JSON["id"].(string)
	ev := e.do("POST", "/api/collections/events/records", w.orgA, e.meeting(w.partyA, map[string]any{"itinerary": itID}))
	if ev.Status != http.StatusOK {
		t.Fatalf("declare: %s", ev)
	}
	id := ev.JSON["id"].(string)
	want := map[string]any{"organizer_name": w.orgA.GetString("name"), "organizer_phone": w.orgA.GetString("phone"),
		"leader": "M. Adjovi", "leader_phone": "+22997112233"}
	seen := e.do("GET", "/api/collections/events/records/"+id, w.commanderCotonou, nil)
	for k, v := range want {
		if seen.JSON[k] != v {
			t.Errorf("the commander reads %s = %v, want %v", k, seen.JSON[k], v)
		}
	}
	if w.orgA.GetString("phone") == "" {
		t.Fatal("the fixture organizer has no phone")
	}

	// the server's fields: a client cannot write them
	if res := e.do("PATCH", "/api/collections/events/records/"+id, w.orgA, map[string]any{"organizer_phone": "+22990000000"}); res.Status != http.StatusBadRequest || res.code() != "server_field" {
		t.Errorf("organizer writes organizer_phone: %s", res)
	}

	// the leader's phone changes on the itinerary: the event follows, in the police's pull
	tok, _ := w.commanderCotonou.NewAuthToken()
	before, _ := e.syncPull(tok, "c", "", 1000)
	version := seen.JSON["version"].(float64)
	if res := e.do("PATCH", "/api/collections/itineraries/records/"+itID, w.orgA, map[string]any{"leader_phone": "+229 66 00 00 01"}); res.Status != http.StatusOK {
		t.Fatalf("itinerary update: %s", res)
	}
	after := e.do("GET", "/api/collections/events/records/"+id, w.commanderCotonou, nil)
	if after.JSON["leader_phone"] != "+22966000001" || after.JSON["version"].(float64) != version+1 {
		t.Errorf("after the itinerary changed: leader_phone %v, version %v (was %v)", after.JSON["leader_phone"], after.JSON["version"], version)
	}
	page, _ := e.syncPull(tok, "c", before.Cursor, 1000)
	got := false
	for _, c := range page.Changes {
		got = got || (c.Collection == "events" && c.ID == id && c.Record["leader_phone"] == "+22966000001")
	}
	if !got {
		t.Error("the commander's pull does not bring the event's new leader phone")
	}

	for _, bad := range []string{"appelez le QG", "123", "chef@parti.bj"} {
		res := e.do("PATCH", "/api/collections/itineraries/records/"+itID, w.orgA, map[string]any{"leader_phone": bad})
		if res.Status != http.StatusBadRequest || res.code() != "invalid_phone" {
			t.Errorf("leader_phone %q: %s", bad, res)
		}
	}
}
