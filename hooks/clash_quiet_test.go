package hooks_test

import (
	"net/http"
	"slices"
	"testing"
	"time"

	"coprosec/hooks/synclog"
	"coprosec/internal/syncproto"

	"github.com/pocketbase/pocketbase/core"
)

// Issue 12.5, the last channel: a rival's declaration, move or cancellation
// changes the exact clash links of a party's events within reach. That
// change is police-only: the party must not see its own events change
// (version, updated, a pull change, a realtime message), or decoy events
// would tell it when and near which one a rival declares.

// decoy is party A's door-to-door round at lat, 10:00–12:00 in Cotonou.
func (e *env) decoy(lat float64, title string) string {
	w := e.world()
	return e.mustDeclare(w.orgA, map[string]any{
		"party": w.partyA.Id, "election": w.election.Id, "kind": "door_to_door", "title": title,
		"place": "Quartier", "commune": w.cotonou.Id, "location": map[string]any{"lat": lat, "lon": 2.3912},
		"starts_at": local(2026, 3, 14, 10, 0), "ends_at": local(2026, 3, 14, 12, 0),
	})
}

// partyView is what a party reads of its event that would tell a change.
type partyView struct {
	Version float64
	Updated string
}

func viewOf(t *testing.T, rec map[string]any) partyView {
	t.Helper()
	v, ok := rec["version"].(float64)
	if !ok {
		t.Fatalf("no version in %v", rec)
	}
	return partyView{Version: v, Updated: rec["updated"].(string)}
}

func linksOf(rec map[string]any) []string {
	var out []string
	links, _ := rec["clash_with"].([]any)
	for _, l := range links {
		out = append(out, l.(string))
	}
	return out
}

// TestRivalClashLeavesThePartysEventsAlone: party A scatters decoys in
// Cotonou (their notice already on: a party B event in the same slots,
// out of reach), then party B declares within reach of one decoy, moves
// next to another, and cancels. Each time party A's pull from its cursor
// brings nothing, its decoys read the same version and update time (REST
// and a pull from scratch), and its realtime subscribers hear nothing;
// police pull, read and receive the new links, and the audit has them.
// A Go save of a copy read before the links keeps them, and so does the
// party's edit from the version it holds, which merges.
func TestRivalClashLeavesThePartysEventsAlone(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	srv := rtServer(e)

	e.rivalAt(6.4000, 2.3912, 120)
	decoys := []string{e.decoy(6.3300, "Leurre 1"), e.decoy(6.3500, "Leurre 2"), e.decoy(6.3703, "Leurre 3")}
	near, other := decoys[2], decoys[1]
	for _, id := range decoys {
		if r := mustFind(t, e, id); !r.GetBool("clash_notice") || r.GetBool("clash") {
			t.Fatalf("decoy %s: notice %v clash %v", id, r.GetBool("clash_notice"), r.GetBool("clash"))
		}
	}

	// what the party holds and reads, and where police are
	_, partyCursor := e.rtCursorPull(w.orgA, "")
	police := []*core.Record{w.commanderCotonou, w.directorLittoral, w.ministry}
	policeCursor := map[string]string{}
	for _, p := range police {
		_, policeCursor[p.Id] = e.rtCursorPull(p, "")
	}
	seen := map[string]partyView{}
	for _, id := range decoys {
		seen[id] = viewOf(t, e.do("GET", "/api/collections/events/records/"+id, w.orgA, nil).JSON)
	}
	stale, err := e.app.FindRecordById("events", other) // a Go caller's copy, read before any link
	if err != nil {
		t.Fatal(err)
	}

	rtSettle(e)
	time.Sleep(500 * time.Millisecond) // the fixture's own pokes are out
	partyRT := []*rtClient{
		rtConnect(t, srv.URL, w.orgA, "orgA", "events/*", "sync"),
		rtConnect(t, srv.URL, w.adminA, "adminA", "events/*", "sync"),
	}
	policeRT := []*rtClient{
		rtConnect(t, srv.URL, w.commanderCotonou, "commanderCotonou", "events/*", "sync"),
		rtConnect(t, srv.URL, w.ministry, "ministry", "events/*"),
	}

	// the party sees nothing of its own events, on any path
	unchanged := func(step string) {
		t.Helper()
		changes, next := e.rtCursorPull(w.orgA, partyCursor)
		if len(changes) != 0 {
			t.Errorf("%s: the party's pull brings %d change(s): %v", step, len(changes), changes)
		}
		partyCursor = next
		for _, id := range decoys {
			if got := viewOf(t, e.do("GET", "/api/collections/events/records/"+id, w.orgA, nil).JSON); got != seen[id] {
				t.Errorf("%s: decoy %s reads %+v, before %+v", step, id, got, seen[id])
			}
		}
		all, _ := e.rtCursorPull(w.orgA, "")
		for _, c := range all {
			if want, ok := seen[c["id"].(string)]; ok && c["collection"] == "events" {
				if got := viewOf(t, c["record"].(map[string]any)); got != want {
					t.Errorf("%s: a pull from scratch gives decoy %s as %+v, before %+v", step, c["id"], got, want)
				}
			}
		}
		rtSettle(e)
		time.Sleep(500 * time.Millisecond) // a poke would be out by now
		for _, c := range partyRT {
			if got := c.received(func(rtMsg) bool { return true }); len(got) != 0 {
				t.Errorf("%s: %s received %d realtime message(s), first %s %s", step, c.name, len(got), got[0].Topic, got[0].Raw)
			}
		}
	}
	// police pull, read and receive the links of each decoy in want
	linked := func(step string, want map[string][]string) {
		t.Helper()
		for _, p := range police {
			changes, next := e.rtCursorPull(p, policeCursor[p.Id])
			policeCursor[p.Id] = next
			for id, links := range want {
				var got []string
				found := false
				for _, c := range changes {
					if c["collection"] == "events" && c["id"] == id && c["op"] == "put" {
						got, found = linksOf(c["record"].(map[string]any)), true
					}
				}
				if !found || !slices.Equal(got, links) {
					t.Errorf("%s: %s pulls %s: found %v, clash_with %v, want %v", step, p.GetString("role"), id, found, got, links)
				}
				rec := e.do("GET", "/api/collections/events/records/"+id, p, nil).JSON
				if got := linksOf(rec); !slices.Equal(got, links) || rec["clash"] != (len(links) > 0) || rec["clash_count"] != float64(len(links)) {
					t.Errorf("%s: %s reads %s as clash=%v clash_with=%v clash_count=%v", step, p.GetString("role"), id, rec["clash"], got, rec["clash_count"])
				}
			}
		}
		for id, links := range want {
			for _, c := range policeRT {
				if _, ok := c.waitFor(func(m rtMsg) bool {
					return m.Topic == "events/*" && m.Action == "update" && m.Record["id"] == id && slices.Equal(linksOf(m.Record), links)
				}, 3*time.Second); !ok {
					t.Errorf("%s: %s received no update of %s with clash_with %v", step, c.name, id, links)
				}
			}
		}
	}

	// party B declares within reach of one decoy
	rival := e.mustDeclare(w.orgB, map[string]any{
		"party": w.partyB.Id, "election": w.election.Id, "kind": "door_to_door", "title": "Porte-à-porte B",
		"place": "Quartier", "commune": w.cotonou.Id, "location": map[string]any{"lat": 6.3708, "lon": 2.3912},
		"starts_at": local(2026, 3, 14, 10, 30), "ends_at": local(2026, 3, 14, 11, 30),
	})
	if r := mustFind(t, e, near); !slices.Equal(r.GetStringSlice("clash_with"), []string{rival}) {
		t.Fatalf("the decoy is not linked: %v", r.GetStringSlice("clash_with"))
	}
	unchanged("declared")
	linked("declared", map[string][]string{near: {rival}})
	// the audit (the ministry's) records the links
	if n := e.auditCountWhere("events", near, "changes LIKE '%clash_with%'"); n != 1 {
		t.Errorf("%d audit rows of the decoy's links, want 1", n)
	}
	if res := e.do("GET", "/api/collections/audit/records?filter=record%3D%22"+near+"%22", w.ministry, nil); res.Status != http.StatusOK || res.JSON["totalItems"] == float64(0) {
		t.Errorf("the ministry's audit of the decoy: %s", res)
	}

	// the party edits the decoy from the version it holds: the edit
	// applies, and the links stay
	res := e.pushAs(w.orgA, "phone-a", mUpdate("edit-1", "events", near, int(seen[near].Version), map[string]any{"notes": "équipe de 4"}))
	if res[0].Status != syncproto.StatusApplied {
		t.Fatalf("the party's edit from its version: %+v", res[0])
	}
	if v := res[0].Record["version"]; v != float64(seen[near].Version+1) {
		t.Errorf("edited decoy at version %v, want %v", v, seen[near].Version+1)
	}
	if r := mustFind(t, e, near); !slices.Equal(r.GetStringSlice("clash_with"), []string{rival}) || !r.GetBool("clash") ||
		r.GetInt("clash_count") != 1 || r.GetString("notes") != "équipe de 4" {
		t.Errorf("after the party's edit: clash=%v clash_with=%v count=%d notes=%q", r.GetBool("clash"),
			r.GetStringSlice("clash_with"), r.GetInt("clash_count"), r.GetString("notes"))
	}
	// the party's own edits are its to see
	ownEdits := func(id string) {
		t.Helper()
		_, partyCursor = e.rtCursorPull(w.orgA, partyCursor)
		seen[id] = viewOf(t, e.do("GET", "/api/collections/events/records/"+id, w.orgA, nil).JSON)
		for _, p := range police {
			_, policeCursor[p.Id] = e.rtCursorPull(p, policeCursor[p.Id])
		}
		rtSettle(e)
		time.Sleep(500 * time.Millisecond)
		for _, c := range slices.Concat(partyRT, policeRT) {
			c.mu.Lock()
			c.msgs = nil
			c.mu.Unlock()
		}
	}
	ownEdits(near)

	// party B moves next to another decoy, then cancels
	if r := e.do("PATCH", "/api/collections/events/records/"+rival, w.orgB, map[string]any{"location": map[string]any{"lat": 6.3504, "lon": 2.3912}}); r.Status != http.StatusOK {
		t.Fatalf("move: %s", r)
	}
	unchanged("moved")
	linked("moved", map[string][]string{near: nil, other: {rival}})
	// a Go save of a copy read before the links (the same version) is
	// rebased: it keeps them
	stale.Set("title", "Leurre 2 (renommé)")
	if err := e.app.Save(stale); err != nil {
		t.Fatal(err)
	}
	if r := mustFind(t, e, other); !slices.Equal(r.GetStringSlice("clash_with"), []string{rival}) || r.GetInt("clash_count") != 1 ||
		r.GetString("title") != "Leurre 2 (renommé)" {
		t.Errorf("after a stale save: clash_with=%v clash_count=%d title=%q", r.GetStringSlice("clash_with"), r.GetInt("clash_count"), r.GetString("title"))
	}
	ownEdits(other)
	if r := e.do("PATCH", "/api/collections/events/records/"+rival, w.orgB, map[string]any{"status": "cancelled"}); r.Status != http.StatusOK {
		t.Fatalf("cancel: %s", r)
	}
	unchanged("cancelled")
	linked("cancelled", map[string][]string{other: nil})
}

// TestPushCursorStopsBeforeQuietClashLinks: the links a rival's
// declaration gives an event keep its version, so a police device whose
// push answered the event just before them (same version, no links) must
// not adopt a push cursor past them (synclog.PushCursor compares the
// police-only fields it holds too).
func TestPushCursorStopsBeforeQuietClashLinks(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	e.rivalAt(6.4000, 2.3912, 120) // the decoy's notice is on already
	near := e.decoy(6.3703, "Leurre")
	before, cursor := e.rtCursorPull(w.commanderCotonou, "")
	var stale map[string]any
	for _, c := range before {
		if c["collection"] == "events" && c["id"] == near {
			stale = c["record"].(map[string]any)
		}
	}
	if stale == nil {
		t.Fatal("the commander does not hold the decoy")
	}
	version := stale["version"]

	e.mustDeclare(w.orgB, map[string]any{
		"party": w.partyB.Id, "election": w.election.Id, "kind": "door_to_door", "title": "Porte-à-porte B",
		"place": "Quartier", "commune": w.cotonou.Id, "location": map[string]any{"lat": 6.3708, "lon": 2.3912},
		"starts_at": local(2026, 3, 14, 10, 30), "ends_at": local(2026, 3, 14, 11, 30),
	})
	// the device holds every change since its cursor as it now is, but the
	// decoy as it was
	since, _ := e.rtCursorPull(w.commanderCotonou, cursor)
	held := map[string]synclog.Held{"events/" + near: {Record: stale}}
	for _, c := range since {
		if c["id"] == near {
			if rec := c["record"].(map[string]any); rec["version"] != version || len(linksOf(rec)) != 1 {
				t.Fatalf("the decoy changed to version %v, links %v (was %v)", rec["version"], rec["clash_with"], version)
			}
			continue
		}
		rec, _ := c["record"].(map[string]any)
		held[c["collection"].(string)+"/"+c["id"].(string)] = synclog.Held{Record: rec, Removed: c["op"] == "remove"}
	}
	next, err := synclog.PushCursor(e.app, w.commanderCotonou, cursor, held)
	if err != nil {
		t.Fatal(err)
	}
	after, _ := e.rtCursorPull(w.commanderCotonou, next)
	if !rtHasChange(after, "events", near, "put") {
		t.Fatalf("a pull from the push cursor skips the decoy's links (%d changes)", len(after))
	}
}
