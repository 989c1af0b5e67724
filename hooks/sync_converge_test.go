package hooks_test

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"coprosec/hooks/synclog"
	"coprosec/internal/syncproto"

	"github.com/pocketbase/dbx"
)

// convergeDevice is a device of the convergence test with the marker
// field it writes on each edit: a unique "mut:<id>" value there lets the
// test count, in the audit trail, how many times a mutation took effect.
type convergeDevice struct {
	*syncDevice
	marker string // events field ("notes" or "place") for party devices
	muts   []syncMutation
}

// TestSyncConverges runs seven offline devices — two of party A (one
// organizer, one admin, editing the same events), one of party B, the
// commanders of two units, an officer moved to the other unit half way,
// and the Littoral director — through random offline creates, edits,
// cancellations, acknowledgements and incident reports, pushes whose
// response is lost and retried, pulls cut between pages, a coverage change,
// the officer's move and a tombstone prune. At the end every replica is what the REST API
// shows its user, every mutation has a final result on its device, and
// every applied mutation took effect exactly once (none of the others did).
func TestSyncConverges(t *testing.T) {
	for _, seed := range []uint64{1, 2, 3, 4} {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			t.Parallel()
			syncConverge(t, seed, 300)
		})
	}
}

func syncConverge(t *testing.T, seed uint64, steps int) {
	e := newEnv(t)
	e.app.Settings().RateLimits.Enabled = false
	wl := e.syncWorkload(seed)
	w, rng := wl.w, wl.rng
	devices := []*convergeDevice{
		{syncDevice: e.syncDevice("orgA-phone", w.orgA), marker: "notes"},
		{syncDevice: e.syncDevice("adminA-tablet", w.adminA), marker: "place"},
		{syncDevice: e.syncDevice("orgB-phone", w.orgB), marker: "notes"},
		{syncDevice: e.syncDevice("commander-cotonou", w.commanderCotonou)},
		{syncDevice: e.syncDevice("commander-calavi", w.commanderCalavi)},
		{syncDevice: e.syncDevice("officer-cotonou", w.officerCotonou)},
		{syncDevice: e.syncDevice("director-littoral", w.directorLittoral)},
	}
	// a few events exist before the devices first sync
	for i := 0; i < 6; i++ {
		u := wl.pick(w.orgA, w.orgB)
		wl.write("POST", "/api/collections/events/records", u, wl.eventBody(e.syncRecord("parties", u.GetString("party"))))
	}
	for _, d := range devices {
		d.pull(1+rng.IntN(50), 0)
	}
	n := 0
	newID := func(d *convergeDevice) string {
		n++
		return fmt.Sprintf("%s-%d", d.name, n)
	}
	queue := func(d *convergeDevice, m syncMutation) {
		d.outbox = append(d.outbox, m)
		d.muts = append(d.muts, m)
	}
	recordIDs := func(d *convergeDevice, col string, keep func(map[string]any) bool) []string {
		var out []string
		for id, r := range d.replica[col] {
			if keep == nil || keep(r) {
				out = append(out, id)
			}
		}
		slices.Sort(out)
		return out
	}
	// a device edits a record again only once its previous edit of it is
	// answered, and bases the edit on the newest state it knows
	editable := func(d *convergeDevice, col string, keep func(map[string]any) bool) []string {
		var out []string
		for _, id := range recordIDs(d, col, nil) {
			if !d.pending(id) && (keep == nil || keep(d.latest(col, id))) {
				out = append(out, id)
			}
		}
		return out
	}
	version := func(d *convergeDevice, col, id string) int { return versionOf(d.latest(col, id)) }

	for step := 0; step < steps; step++ {
		switch step {
		case steps / 3:
			wl.moveCoverage()
		case steps / 2:
			wl.moveOfficer()
		case 2 * steps / 3:
			// the nightly prune, early: every tombstone so far goes, and
			// the devices that had not seen them all reset
			if _, err := synclog.PruneTombstones(e.app, time.Now().Add(time.Hour)); err != nil {
				t.Fatal(err)
			}
		}
		d := devices[rng.IntN(len(devices))]
		role := d.user.GetString("role")
		switch k := rng.IntN(100); {
		case k < 20: // push, sometimes losing the answer
			d.push(1+rng.IntN(12), rng.IntN(4) == 0)
		case k < 38: // pull, sometimes cut between pages
			if rng.IntN(2) == 0 {
				d.pull(1+rng.IntN(8), 1+rng.IntN(3))
			} else {
				d.pull(1+rng.IntN(200), 0)
			}
		case k < 43: // someone else writes through REST meanwhile
			wl.step()
		default: // offline work
			id := newID(d)
			switch role {
			case "organizer", "party_admin":
				party := e.syncRecord("parties", d.user.GetString("party"))
				own := editable(d, "events", func(r map[string]any) bool { return r["status"] == "declared" })
				switch c := rng.IntN(10); {
				case c < 3 || len(own) == 0:
					queue(d, mCreate(id, "events", syncClientID(rng), wl.eventBody(party)))
				case c < 8:
					evID := own[rng.IntN(len(own))]
					data := map[string]any{d.marker: "mut:" + id}
					switch rng.IntN(4) {
					case 0:
						data["title"] = fmt.Sprint("Titre ", rng.IntN(1000))
					case 1:
						b := wl.eventBody(party)
						data["starts_at"], data["ends_at"] = b["starts_at"], b["ends_at"]
					case 2:
						data["commune"] = wl.pick(w.cotonou, w.calavi, w.ouidah).Id
					}
					queue(d, mUpdate(id, "events", evID, version(d, "events", evID), data))
				case c < 9:
					evID := own[rng.IntN(len(own))]
					queue(d, mUpdate(id, "events", evID, version(d, "events", evID), map[string]any{"status": "cancelled", d.marker: "mut:" + id}))
				default:
					queue(d, mCreate(id, "itineraries", syncClientID(rng), map[string]any{
						"party": party.Id, "election": w.election.Id, "title": "Tournée " + id}))
				}
			default: // police
				events := editable(d, "events", nil)
				assignments := editable(d, "assignments", nil)
				switch c := rng.IntN(10); {
				case c < 5 && len(assignments) > 0:
					aID := assignments[rng.IntN(len(assignments))]
					var data map[string]any
					if role == "commander" && rng.IntN(3) > 0 {
						data = map[string]any{"status": "acknowledged", "plan": "mut:" + id, "officers": 1 + rng.IntN(30)}
					} else {
						data = map[string]any{"status": "adjustment_requested", "reason": "mut:" + id}
					}
					queue(d, mUpdate(id, "assignments", aID, version(d, "assignments", aID), data))
				case c < 7 && len(events) > 0:
					evID := events[rng.IntN(len(events))]
					queue(d, mUpdate(id, "events", evID, version(d, "events", evID), map[string]any{"status": "in_progress"}))
				case len(events) > 0:
					evID := events[rng.IntN(len(events))]
					queue(d, mCreate(id, "incidents", syncClientID(rng), map[string]any{
						"event": evID, "kind": "disorder", "severity": 1 + rng.IntN(4), "description": "Signalé hors ligne " + id,
						"occurred_at": testNow}))
				}
			}
		}
	}

	// everyone comes back online: drain the outboxes, then pull
	for _, d := range devices {
		d.drain()
	}
	for _, d := range devices {
		d.pull(1+rng.IntN(300), 0)
		d.user = wl.fresh(d.user)
		d.checkConverged(t)
	}

	// every mutation has a final result on its device, and took effect
	// exactly once if applied, never otherwise
	tally := map[string]int{}
	type pair struct{ user, record string }
	statusChanges := map[pair][]bool{} // unmarked police status changes: applied or not
	for _, d := range devices {
		for _, m := range d.muts {
			id := m["id"].(string)
			r, ok := d.results[id]
			if !ok {
				t.Errorf("%s: mutation %s has no result", d.name, id)
				continue
			}
			tally[r.Status]++
			if testing.Verbose() && r.Error != nil {
				fields := slices.Sorted(maps.Keys(r.Error.Fields))
				tally[fmt.Sprint(m["collection"], " ", r.Error.Code, " ", fields)]++
			}
			if r.Status != syncproto.StatusApplied && r.Error == nil {
				t.Errorf("%s: %s is %s without an error", d.name, id, r.Status)
			}
			applied := r.Status == syncproto.StatusApplied
			if !syncMarked(m) && m["op"] == "update" {
				k := pair{d.user.Id, m["record_id"].(string)}
				statusChanges[k] = append(statusChanges[k], applied)
				continue
			}
			if got := e.syncEffects(m); (applied && got != 1) || (!applied && got != 0) {
				t.Errorf("%s: mutation %s (%s %s) is %s and took effect %d times", d.name, id, m["op"], m["collection"], resultString(r), got)
			}
		}
	}
	// a status transition happens at most once per user and event, and
	// never when none of that user's mutations for it applied
	for k, applied := range statusChanges {
		got := e.auditCountWhere("events", k.record, `actor = {:a} AND changes LIKE '%"status":{"after":"in_progress"%'`, dbx.Params{"a": k.user})
		if got > 1 || (got == 1 && !slices.Contains(applied, true)) {
			t.Errorf("event %s put in progress %d times by %s (results %v)", k.record, got, k.user, applied)
		}
	}
	if tally[syncproto.StatusApplied] < 20 || tally[syncproto.StatusConflict]+tally[syncproto.StatusRejected] == 0 {
		t.Errorf("too easy a run: %v", tally)
	}
	resets := 0
	for _, d := range devices {
		resets += d.resets
	}
	if resets == 0 {
		t.Error("no device was reset although an officer moved")
	}
	t.Logf("seed results %v, %d REST writes, %d resets", tally, wl.ops, resets)
}

// syncClientID makes a PocketBase-shaped record id on the device.
func syncClientID(rng *rand.Rand) string {
	const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
	var b strings.Builder
	for i := 0; i < syncproto.RecordIDLen; i++ {
		b.WriteByte(alphabet[rng.IntN(len(alphabet))])
	}
	return b.String()
}

// syncEffects counts how many times mutation m took effect on the server:
// for a create, whether its record exists (and for events its audited
// creations); for a marked update, how many audit rows set its marker.
func (e *env) syncEffects(m syncMutation) int {
	e.t.Helper()
	col, id, rid := m["collection"].(string), m["id"].(string), m["record_id"].(string)
	if m["op"] == "create" {
		if _, err := e.app.FindRecordById(col, rid); err != nil {
			return 0
		}
		if col == "events" {
			return e.auditCountWhere(col, rid, `action = 'create'`)
		}
		return 1
	}
	return e.auditCountWhere(col, rid, `changes LIKE {:marker}`, dbx.Params{"marker": `%"after":"mut:` + id + `"%`})
}

// syncMarked reports whether m writes its "mut:<id>" marker.
func syncMarked(m syncMutation) bool {
	data, _ := m["data"].(map[string]any)
	for _, v := range data {
		if v == "mut:"+m["id"].(string) {
			return true
		}
	}
	return false
}

func (e *env) auditCountWhere(col, record, cond string, params ...dbx.Params) int {
	e.t.Helper()
	p := dbx.Params{"c": col, "r": record}
	for _, extra := range params {
		for k, v := range extra {
			p[k] = v
		}
	}
	var n int
	if err := e.app.DB().NewQuery("SELECT COUNT(*) FROM audit WHERE collection = {:c} AND record = {:r} AND " + cond).Bind(p).Row(&n); err != nil {
		e.t.Fatal(err)
	}
	return n
}
