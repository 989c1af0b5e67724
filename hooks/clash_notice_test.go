package hooks_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"
)

// What a party learns of J10 (issue 12.5): police will coordinate another
// party's event nearby, never the partner, and nothing that moving or
// re-timing its own events can turn into a locator.

// rivalAt is party B's hidden event: a door-to-door round at lat/lon,
// from 10:00 to endMin minutes past 10:00 local on 14 March.
func (e *env) rivalAt(lat, lon float64, endMin int) string {
	w := e.world()
	return e.mustDeclare(w.orgB, map[string]any{
		"party": w.partyB.Id, "election": w.election.Id, "kind": "door_to_door", "title": "Porte-à-porte B",
		"place": "Quartier", "commune": w.cotonou.Id, "location": map[string]any{"lat": lat, "lon": lon},
		"starts_at": local(2026, 3, 14, 10, 0), "ends_at": local(2026, 3, 14, 10, 0).Add(time.Duration(endMin) * time.Minute),
	})
}

var (
	idLike   = regexp.MustCompile(`^[a-z0-9]{15}$`)
	volatile = []string{"created", "updated", "collectionId"}
)

// canonical is what a party reads in an answer, ids and write times aside
// (they differ between two test apps, not with the rival's placement).
func canonical(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, val := range x {
			if !slices.Contains(volatile, k) {
				out[k] = canonical(val)
			}
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, val := range x {
			out[i] = canonical(val)
		}
		return out
	case string:
		if idLike.MatchString(x) {
			return "<id>"
		}
	}
	return v
}

// clashSignal is what the attacker tests after each move: anything the
// server says of a clash on its own event.
func clashSignal(rec map[string]any) bool {
	if rec["clash"] == true || rec["clash_notice"] == true {
		return true
	}
	links, _ := rec["clash_with"].([]any)
	return len(links) > 0
}

// attackTranscript plays a party that bisects the rival's distance (moving
// its probe by REST and by push) and the rival's end time (re-timing it),
// ten steps per axis as in issue 12.5, reading every answer, a view of its
// event and a final sync pull. It returns everything it read and its
// estimates.
func attackTranscript(t *testing.T, rivalLat float64, rivalEndMin int) (transcript []string, distM, endMin float64) {
	e := newEnv(t)
	w := e.world()
	e.rivalAt(rivalLat, 2.3912, rivalEndMin)
	tok, _ := w.orgA.NewAuthToken()
	const baseLat, metresPerDeg = 6.3703, 111320.0
	probe := e.mustDeclare(w.orgA, map[string]any{
		"party": w.partyA.Id, "election": w.election.Id, "kind": "door_to_door", "title": "Sonde",
		"place": "Quartier", "commune": w.cotonou.Id, "location": map[string]any{"lat": baseLat - 0.03, "lon": 2.3912},
		"starts_at": local(2026, 3, 14, 9, 0), "ends_at": local(2026, 3, 14, 11, 0),
	})
	version := 1
	read := func(step string, rec map[string]any) bool {
		raw, _ := json.Marshal(canonical(rec))
		transcript = append(transcript, step+" "+string(raw))
		if v, ok := rec["version"].(float64); ok {
			version = int(v)
		}
		return clashSignal(rec)
	}
	move := func(step string, viaPush bool, data map[string]any) bool {
		if viaPush {
			res := e.pushAs(w.orgA, "attacker", mUpdate(fmt.Sprintf("m-%s", step), "events", probe, version, data))
			if res[0].Status != "applied" {
				t.Fatalf("%s: %s %+v", step, res[0].Status, res[0].Error)
			}
			read(step+" push", res[0].Record)
		} else {
			res := e.do("PATCH", "/api/collections/events/records/"+probe, w.orgA, data)
			if res.Status != http.StatusOK {
				t.Fatalf("%s: %s", step, res)
			}
			read(step+" patch", res.JSON)
		}
		view := e.do("GET", "/api/collections/events/records/"+probe, w.orgA, nil)
		return read(step+" view", view.JSON)
	}

	// distance: the probe due south of the rival's first place, overlapping
	// its window; a signal means "within reach"
	lo, hi := 0.0, 3000.0
	for i := range 10 {
		d := (lo + hi) / 2
		at := map[string]any{"location": map[string]any{"lat": baseLat - d/metresPerDeg, "lon": 2.3912},
			"starts_at": local(2026, 3, 14, 9, 0), "ends_at": local(2026, 3, 14, 11, 0)}
		if move(fmt.Sprintf("d%d", i), i%2 == 1, at) {
			lo = d
		} else {
			hi = d
		}
	}
	distM = (lo + hi) / 2
	// end time: the probe at its start line, within reach of both rivals, starting x minutes after
	// 10:00; with the 60-minute buffer a signal means "x < end + 60"
	lo, hi = 0, 480
	for i := range 10 {
		x := (lo + hi) / 2
		start := local(2026, 3, 14, 10, 0).Add(time.Duration(x * float64(time.Minute)))
		at := map[string]any{"location": map[string]any{"lat": baseLat, "lon": 2.3912},
			"starts_at": start, "ends_at": start.Add(time.Hour)}
		if move(fmt.Sprintf("t%d", i), i%2 == 0, at) {
			lo = x
		} else {
			hi = x
		}
	}
	endMin = (lo+hi)/2 - 60

	// and what its phone holds
	cursor := ""
	for {
		page, res := e.syncPull(tok, "attacker", cursor, 200)
		if res.Status != http.StatusOK {
			t.Fatalf("pull: %s", res)
		}
		for _, c := range page.Changes {
			if c.Collection == "events" {
				read("pull", c.Record)
			}
		}
		if cursor = page.Cursor; !page.More {
			break
		}
	}
	return transcript, distM, endMin
}

// TestClashSignalCannotLocateARival plays the attacker of issue 12.5
// against two rival events 300 m and 30 minutes apart in the same commune
// and three-hour slot: everything the attacker reads must be the same, so
// bisecting learns nothing finer than that cell. (Before, it found the
// rival's distance to the metre and its end to the minute.)
func TestClashSignalCannotLocateARival(t *testing.T) {
	t1, d1, end1 := attackTranscript(t, 6.3703, 80)               // rival 0 m from the start line, ends 11:20
	t2, d2, end2 := attackTranscript(t, 6.3703+300/111320.0, 110) // 300 m further, ends 11:50
	t.Logf("attacker's estimates: %.1f m / end +%.0f min, then %.1f m / end +%.0f min", d1, end1, d2, end2)
	if len(t1) != len(t2) {
		t.Fatalf("transcripts of %d and %d answers", len(t1), len(t2))
	}
	differ := 0
	for i := range t1 {
		if t1[i] != t2[i] {
			if differ < 3 {
				t.Errorf("the attacker tells the two rivals apart:\n  %s\n  %s", t1[i], t2[i])
			}
			differ++
		}
	}
	if differ > 0 {
		t.Fatalf("%d of %d answers depend on where or when the rival is", differ, len(t1))
	}
	// not vacuous: the party is told that police coordinate, and the
	// notice turns off outside the rival's slots
	if !slices.ContainsFunc(t1, func(s string) bool { return strings.Contains(s, `"clash_notice":true`) }) ||
		!slices.ContainsFunc(t1, func(s string) bool { return strings.Contains(s, `"clash_notice":false`) }) {
		t.Fatalf("the notice never changed: %v", t1)
	}
	for _, s := range t1 {
		for _, f := range []string{`"clash"`, `"clash_with"`, `"clash_count"`} {
			if strings.Contains(s, f+":") {
				t.Fatalf("a party read %s: %s", f, s)
			}
		}
	}
}

// partyRecord fails unless rec (an event as a party account reads it)
// shows neither the exact clash nor a partner.
func partyRecord(t *testing.T, path string, rec map[string]any) {
	t.Helper()
	for _, f := range []string{"clash", "clash_with", "clash_count"} {
		if _, ok := rec[f]; ok {
			t.Errorf("%s: a party reads %s = %v", path, f, rec[f])
		}
	}
	if rec["clash_notice"] != true {
		t.Errorf("%s: clash_notice = %v, want true", path, rec["clash_notice"])
	}
}

// TestClashFieldsNeverReachParties reads a clashing event through every
// path as its party and as police.
func TestClashFieldsNeverReachParties(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	b := e.rivalAt(6.3703, 2.3912, 120)
	body := e.meeting(w.partyA, map[string]any{"location": map[string]any{"lat": 6.3710, "lon": 2.3912}})
	created := e.declare(w.orgA, body)
	if created.Status != http.StatusOK {
		t.Fatalf("declare: %s", created)
	}
	a := created.JSON["id"].(string)
	partyRecord(t, "create answer", created.JSON)

	for _, who := range []*core.Record{w.orgA, w.adminA} {
		role := who.GetString("role")
		partyRecord(t, role+" view", e.do("GET", "/api/collections/events/records/"+a+"?expand=clash_with", who, nil).JSON)
		list := e.do("GET", "/api/collections/events/records?perPage=100", who, nil)
		items, _ := list.JSON["items"].([]any)
		if len(items) != 1 {
			t.Fatalf("%s list: %s", role, list)
		}
		partyRecord(t, role+" list", items[0].(map[string]any))
		// through a relation
		for _, q := range []string{"/api/collections/assignments/records?expand=event"} {
			res := e.do("GET", q, who, nil)
			items, _ := res.JSON["items"].([]any)
			if len(items) == 0 {
				t.Fatalf("%s %s: %s", role, q, res)
			}
			ex := items[0].(map[string]any)["expand"].(map[string]any)["event"].(map[string]any)
			partyRecord(t, role+" expand", ex)
		}
		// filters and sorts on the exact fields are refused, with a code
		for _, q := range []string{"events/records?filter=clash%3Dtrue", "events/records?filter=clash_with%3F%3D%22" + b + "%22",
			"events/records?filter=clash_count%3E0", "events/records?filter=clash_with:length%3E0", "events/records?sort=-clash",
			"assignments/records?filter=event.clash%3Dtrue", "events/records?filter=events_via_clash_with.id%3F!%3D%22%22"} {
			if res := e.do("GET", "/api/collections/"+q, who, nil); res.Status != http.StatusBadRequest || res.code() != "hidden_field" {
				t.Errorf("%s lists %s: %s", role, q, res)
			}
		}
	}
	// REST update and batch answers
	upd := e.do("PATCH", "/api/collections/events/records/"+a, w.orgA, map[string]any{"notes": "x"})
	partyRecord(t, "update answer", upd.JSON)
	batch := e.do("POST", "/api/batch", w.orgA, map[string]any{"requests": []map[string]any{
		{"method": "PATCH", "url": "/api/collections/events/records/" + a, "body": map[string]any{"notes": "y"}}}})
	var parts []struct {
		Body map[string]any `json:"body"`
	}
	if err := json.Unmarshal(batch.Body, &parts); err != nil || len(parts) != 1 {
		t.Fatalf("batch: %s", batch)
	}
	partyRecord(t, "batch answer", parts[0].Body)
	// push answers and pull pages
	res := e.pushAs(w.orgA, "pa", mUpdate("pn1", "events", a, int(upd.JSON["version"].(float64))+1, map[string]any{"notes": "z"}))
	if res[0].Status != "applied" {
		t.Fatalf("push: %+v", res[0])
	}
	partyRecord(t, "push answer", res[0].Record)
	tok, _ := w.orgA.NewAuthToken()
	page, _ := e.syncPull(tok, "pa", "", 500)
	seen := false
	for _, c := range page.Changes {
		if c.Collection == "events" && c.ID == a {
			partyRecord(t, "pull", c.Record)
			seen = true
		}
	}
	if !seen {
		t.Fatal("the pull did not hold the event")
	}

	// police and the ministry read the exact clash
	for _, who := range []*core.Record{w.commanderCotonou, w.directorLittoral, w.ministry} {
		rec := e.do("GET", "/api/collections/events/records/"+a, who, nil).JSON
		links, _ := rec["clash_with"].([]any)
		if rec["clash"] != true || len(links) != 1 || links[0] != b || rec["clash_count"] != float64(1) {
			t.Errorf("%s reads clash=%v clash_with=%v clash_count=%v", who.GetString("role"), rec["clash"], rec["clash_with"], rec["clash_count"])
		}
		ptok, _ := who.NewAuthToken()
		page, _ := e.syncPull(ptok, "police", "", 500)
		for _, c := range page.Changes {
			if c.Collection == "events" && c.ID == a {
				if links, _ := c.Record["clash_with"].([]any); len(links) != 1 {
					t.Errorf("%s pulls clash_with = %v", who.GetString("role"), c.Record["clash_with"])
				}
			}
		}
	}
}

// TestClashNoticeFollowsRivals: the notice stored on a party's event turns
// on when a rival event enters its commune (or arrondissement) and slots,
// and off when the last one leaves, is cancelled or deleted; it ignores
// the party's own events.
func TestClashNoticeFollowsRivals(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	a := e.mustDeclare(w.orgA, e.meeting(w.partyA, nil)) // Cotonou, 10:00–12:00
	notice := func(id string) bool {
		r, err := e.app.FindRecordById("events", id)
		if err != nil {
			t.Fatal(err)
		}
		return r.GetBool("clash_notice")
	}
	if notice(a) {
		t.Fatal("notice without a rival")
	}
	e.mustDeclare(w.orgA, e.meeting(w.partyA, nil))
	if notice(a) {
		t.Fatal("notice from the party's own event")
	}
	// a rival in Calavi, then moved into Cotonou at another slot, then into A's slots
	b := e.mustDeclare(w.orgB, e.meeting(w.partyB, map[string]any{"commune": w.calavi.Id}))
	if notice(a) || notice(b) {
		t.Fatal("notice across communes")
	}
	move := func(data map[string]any) {
		t.Helper()
		if res := e.do("PATCH", "/api/collections/events/records/"+b, w.orgB, data); res.Status != http.StatusOK {
			t.Fatalf("move: %s", res)
		}
	}
	move(map[string]any{"commune": w.cotonou.Id, "starts_at": local(2026, 3, 14, 17, 0), "ends_at": local(2026, 3, 14, 18, 0)})
	if notice(a) || notice(b) {
		t.Fatal("notice across slots")
	}
	// no clash (a gap of an hour), but within A's slots once widened
	move(map[string]any{"starts_at": local(2026, 3, 14, 14, 0), "ends_at": local(2026, 3, 14, 15, 0)})
	if !notice(a) {
		t.Fatal("no notice")
	}
	move(map[string]any{"status": "cancelled"})
	if notice(a) || notice(b) {
		t.Fatal("notice from a cancelled event")
	}
	c := e.mustDeclare(w.orgB, e.meeting(w.partyB, nil))
	if !notice(a) || !notice(c) {
		t.Fatal("no notice after a new rival")
	}
	if err := e.app.Delete(mustFind(t, e, c)); err != nil {
		t.Fatal(err)
	}
	if notice(a) {
		t.Fatal("notice from a deleted event")
	}
}

func mustFind(t *testing.T, e *env, id string) *core.Record {
	t.Helper()
	r, err := e.app.FindRecordById("events", id)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestClashLinksNeverRefuseADeclaration (issue 12.6): one push of more
// door-to-door events than clash_with holds, and as many by REST, are all
// accepted, and so are the rival's events there; clash_count is exact and
// clash_with keeps the first declared, ties by id.
func TestClashLinksNeverRefuseADeclaration(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	const n = 60 // > 50
	door := func(party *core.Record, lat float64, title string) map[string]any {
		return map[string]any{"party": party.Id, "election": w.election.Id, "kind": "door_to_door", "title": title,
			"place": "Quartier", "commune": w.cotonou.Id, "location": map[string]any{"lat": lat, "lon": 2.3912},
			"starts_at": local(2026, 3, 14, 10, 0), "ends_at": local(2026, 3, 14, 12, 0)}
	}
	check := func(where string, rival string, want []string) {
		t.Helper()
		r := mustFind(t, e, rival)
		if r.GetInt("clash_count") != len(want) || !r.GetBool("clash") {
			t.Fatalf("%s: rival clash_count = %d, want %d", where, r.GetInt("clash_count"), len(want))
		}
		kept := slices.Sorted(slices.Values(want))[:min(len(want), 50)] // same declared_at: the smallest ids
		if got := r.GetStringSlice("clash_with"); !slices.Equal(got, kept) {
			t.Fatalf("%s: rival clash_with = %d ids %v\nwant %v", where, len(got), got, kept)
		}
		for _, id := range want {
			if p := mustFind(t, e, id); p.GetInt("clash_count") != 1 || !slices.Equal(p.GetStringSlice("clash_with"), []string{rival}) {
				t.Fatalf("%s: partner %s: %d %v", where, id, p.GetInt("clash_count"), p.GetStringSlice("clash_with"))
			}
		}
	}

	// by push: the rival first, then the flood, then another rival event
	rival := e.mustDeclare(w.orgB, door(w.partyB, 6.3703, "B"))
	var muts []syncMutation
	var flood []string
	for i := range n {
		id := fmt.Sprintf("flood%010d", n-i) // ids not in push order
		flood = append(flood, id)
		muts = append(muts, mCreate(fmt.Sprintf("f%d", i), "events", id, door(w.partyA, 6.3703, fmt.Sprintf("A%d", i))))
	}
	if res := e.pushAs(w.orgA, "flood", muts...); strings.Count(statuses(res), "applied") != n {
		t.Fatalf("flood: %s", statuses(res))
	}
	check("after the push", rival, flood)
	late := e.declare(w.orgB, door(w.partyB, 6.3704, "B late"))
	if late.Status != http.StatusOK {
		t.Fatalf("a rival event after the flood is refused: %s", late)
	}
	lateID := late.JSON["id"].(string)
	if r := mustFind(t, e, lateID); r.GetInt("clash_count") != n || len(r.GetStringSlice("clash_with")) != 50 {
		t.Fatalf("late rival: %d %d", r.GetInt("clash_count"), len(r.GetStringSlice("clash_with")))
	}
	// a listed partner leaves: the next one takes its place
	if res := e.do("PATCH", "/api/collections/events/records/"+flood[n-1], w.orgA, map[string]any{"status": "cancelled"}); res.Status != http.StatusOK {
		t.Fatalf("cancel: %s", res)
	}
	if err := e.app.Delete(mustFind(t, e, flood[n-2])); err != nil {
		t.Fatal(err)
	}
	// an unlisted one moves away, a listed one moves within reach
	if res := e.do("PATCH", "/api/collections/events/records/"+flood[0], w.orgA, map[string]any{"location": map[string]any{"lat": 6.40, "lon": 2.3912}}); res.Status != http.StatusOK {
		t.Fatalf("move: %s", res)
	}
	if res := e.do("PATCH", "/api/collections/events/records/"+flood[5], w.orgA, map[string]any{"location": map[string]any{"lat": 6.3702, "lon": 2.3912}}); res.Status != http.StatusOK {
		t.Fatalf("move: %s", res)
	}
	left := slices.DeleteFunc(slices.Clone(flood), func(id string) bool { return id == flood[n-1] || id == flood[n-2] || id == flood[0] })
	r := mustFind(t, e, rival)
	if r.GetInt("clash_count") != len(left) || !slices.Equal(r.GetStringSlice("clash_with"), slices.Sorted(slices.Values(left))[:50]) {
		t.Fatalf("after leaving partners: %d %v", r.GetInt("clash_count"), r.GetStringSlice("clash_with"))
	}

	// by REST, elsewhere: each declaration is one request
	rival2 := e.mustDeclare(w.orgB, door(w.partyB, 6.3903, "B2"))
	var rest []string
	for i := range n {
		rest = append(rest, e.mustDeclare(w.orgA, door(w.partyA, 6.3903, fmt.Sprintf("A rest %d", i))))
	}
	check("after REST", rival2, rest)
	if res := e.declare(w.orgB, door(w.partyB, 6.3903, "B2 late")); res.Status != http.StatusOK {
		t.Fatalf("a rival event after the REST flood is refused: %s", res)
	}
}
