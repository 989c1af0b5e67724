package hooks_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"coprosec/internal/receipts"

	"github.com/golang-jwt/jwt/v5"
	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
)

// racePlace is what the server derives for an event placed in a commune.
type racePlace struct {
	commune, departement, lead, directorate string
	units                                   []string // "unit/role" of its assignments, sorted
}

// raceExpected declares a reference event in each commune once and reads
// what the server derived for it, so the invariants do not restate J2–J6.
func (e *env) raceExpected(communes ...*core.Record) map[string]racePlace {
	e.t.Helper()
	w := e.world()
	out := map[string]racePlace{}
	for i, c := range communes {
		id := e.mustDeclare(w.orgB, e.meeting(w.partyB, map[string]any{"commune": c.Id,
			"starts_at": local(2026, 3, 15, 8+2*i, 0), "ends_at": local(2026, 3, 15, 9+2*i, 0)}))
		ev, err := e.app.FindRecordById("events", id)
		if err != nil {
			e.t.Fatal(err)
		}
		out[c.Id] = racePlace{commune: c.Id, departement: ev.GetString("departement"),
			lead: ev.GetString("lead_unit"), directorate: ev.GetString("directorate"), units: e.raceUnits(id)}
	}
	return out
}

func (e *env) raceUnits(eventID string) []string {
	e.t.Helper()
	var units []string
	for _, a := range e.assignments(eventID) {
		units = append(units, a.GetString("unit")+"/"+a.GetString("role"))
	}
	sort.Strings(units)
	return units
}

// raceAuditChain checks that the audit rows of a record tell its history
// one write after another: each row's "before" values are the "after"
// values of the rows before it, and the record's version counts the rows.
// A status change by a user of leads[actor] happened while that unit led
// the event.
func (e *env) raceAuditChain(collection, id string, leads map[string]string) error {
	var rows []struct {
		Action  string `db:"action"`
		Actor   string `db:"actor"`
		Changes string `db:"changes"`
	}
	err := e.app.DB().NewQuery("SELECT action, actor, changes FROM audit WHERE collection = {:c} AND record = {:r} ORDER BY rowid").
		Bind(dbx.Params{"c": collection, "r": id}).All(&rows)
	if err != nil {
		return err
	}
	state := map[string]string{}
	for i, row := range rows {
		var changes map[string]struct{ Before, After json.RawMessage }
		if err := json.Unmarshal([]byte(row.Changes), &changes); err != nil {
			return err
		}
		if unit, police := leads[row.Actor]; police && changes["status"].After != nil {
			if lead := state["lead_unit"]; lead != `"`+unit+`"` {
				return fmt.Errorf("%s %s audit row %d: status set by a user of unit %s while the lead was %s", collection, id, i, unit, lead)
			}
		}
		for f, c := range changes {
			if row.Action != "create" {
				if want, ok := state[f]; ok && want != string(c.Before) {
					return fmt.Errorf("%s %s audit row %d: %s before = %s, but the row before left %s", collection, id, i, f, c.Before, want)
				}
			}
			state[f] = string(c.After)
		}
	}
	r, err := e.app.FindRecordById(collection, id)
	if err != nil {
		return nil // deleted: its history ends with it
	}
	if len(rows) == 0 || rows[0].Action != "create" {
		return fmt.Errorf("%s %s: audit does not start with its creation", collection, id)
	}
	if v := r.GetInt("version"); v != len(rows) {
		return fmt.Errorf("%s %s: version %d after %d audited writes", collection, id, v, len(rows))
	}
	return nil
}

// raceCheckEvent checks the invariants of one event after concurrent
// writes: placement, assignments, audit and versions, receipts.
func (e *env) raceCheckEvent(id string, places map[string]racePlace, leads map[string]string) error {
	ev, err := e.app.FindRecordById("events", id)
	if err != nil {
		return err
	}
	want, ok := places[ev.GetString("commune")]
	if !ok {
		return fmt.Errorf("event in unexpected commune %s", ev.GetString("commune"))
	}
	if got := (racePlace{commune: ev.GetString("commune"), departement: ev.GetString("departement"),
		lead: ev.GetString("lead_unit"), directorate: ev.GetString("directorate")}); got.departement != want.departement ||
		got.lead != want.lead || got.directorate != want.directorate {
		return fmt.Errorf("event fields disagree with its commune: %+v, want %+v", got, want)
	}
	assignments := e.assignments(id)
	var units []string
	for _, a := range assignments {
		units = append(units, a.GetString("unit")+"/"+a.GetString("role"))
	}
	sort.Strings(units)
	if !slices.Equal(units, want.units) {
		return fmt.Errorf("assignments %v for an event in commune %s, want %v", units, want.commune, want.units)
	}
	if err := e.raceAuditChain("events", id, leads); err != nil {
		return err
	}
	for _, a := range assignments {
		if err := e.raceAuditChain("assignments", a.Id, nil); err != nil {
			return err
		}
	}
	lead := assignments[want.lead]
	standing := 0
	for _, r := range e.rcReceipts(id) {
		if !r.GetDateTime("revoked_at").IsZero() {
			continue
		}
		standing++
		var c receipts.Claims
		if _, _, err := jwt.NewParser().ParseUnverified(r.GetString("token"), &c); err != nil {
			return err
		}
		if c.Unit != ev.GetString("lead_unit") || c.Commune == "" {
			return fmt.Errorf("standing receipt %s names unit %s, the lead is %s", c.Number, c.Unit, ev.GetString("lead_unit"))
		}
		if lead == nil || lead.GetString("status") != "acknowledged" {
			return fmt.Errorf("standing receipt %s while the lead assignment is not acknowledged", c.Number)
		}
	}
	if standing > 1 {
		return fmt.Errorf("%d standing receipts", standing)
	}
	return nil
}

// TestConcurrentEventWritesAreSerialised fires, for many rounds, parallel
// writes of every kind at one event — moves between Cotonou and
// Abomey-Calavi and note edits through REST, /api/batch, sync push and Go,
// and the acknowledgement and status writes of both communes' commanders —
// and checks that the outcome is one the same writes run one after another
// could give (issue 12.2, 12.3).
func TestConcurrentEventWritesAreSerialised(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	places := e.raceExpected(w.cotonou, w.calavi)
	orgToken, err := w.orgA.NewAuthToken()
	if err != nil {
		t.Fatal(err)
	}
	leads := map[string]string{w.commanderCotonou.Id: w.comCotonou.Id, w.commanderCalavi.Id: w.comCalavi.Id}
	const rounds = 25
	for round := range rounds {
		starts := local(2026, 3, 12+round%3, 8+round/3, 0)
		e.now = starts.Add(-time.Hour) // police may mark it in progress
		id := e.mustDeclare(w.orgA, e.meeting(w.partyA, map[string]any{"starts_at": starts, "ends_at": starts.Add(50 * time.Minute)}))
		lead := e.rcLead(id)
		stale, err := e.app.FindRecordById("events", id)
		if err != nil {
			t.Fatal(err)
		}
		url := "/api/collections/events/records/" + id
		var writes []func() response
		for i := range 6 {
			commune := w.cotonou.Id
			if i%2 == 0 {
				commune = w.calavi.Id
			}
			writes = append(writes,
				func() response { return e.do("PATCH", url, w.orgA, map[string]any{"commune": commune}) },
				func() response { return e.do("PATCH", url, w.orgA, map[string]any{"notes": fmt.Sprintf("rest %d", i)}) })
		}
		writes = append(writes,
			func() response {
				return e.do("POST", "/api/batch", w.orgA, map[string]any{"requests": []any{
					map[string]any{"method": "PATCH", "url": url, "body": map[string]any{"notes": "batch"}}}})
			},
			func() response {
				_, res := e.syncPush(orgToken, "race-phone", []syncMutation{{"id": fmt.Sprintf("race-%d", round),
					"collection": "events", "op": "update", "record_id": id, "data": map[string]any{"notes": "push"}}})
				return res
			},
			func() response {
				// Go code saving a record it read before the others wrote
				r := stale.Fresh()
				r.Set("notes", "go")
				if err := e.app.Save(r); err != nil {
					return response{Status: 400, Body: []byte(err.Error())}
				}
				return response{Status: 200}
			},
			func() response {
				return e.do("PATCH", "/api/collections/assignments/records/"+lead.Id, w.commanderCotonou, map[string]any{"status": "acknowledged"})
			},
			func() response {
				return e.do("PATCH", url, w.commanderCotonou, map[string]any{"status": "in_progress"})
			},
			func() response { return e.do("PATCH", url, w.commanderCalavi, map[string]any{"status": "in_progress"}) })
		var wg sync.WaitGroup
		results := make([]response, len(writes))
		for i, write := range writes {
			wg.Go(func() { results[i] = write() })
		}
		wg.Wait()
		for i, res := range results {
			if res.Status >= 500 {
				t.Fatalf("round %d write %d: %s", round, i, res)
			}
		}
		if err := e.raceCheckEvent(id, places, leads); err != nil {
			var answers []string
			for _, res := range results {
				answers = append(answers, fmt.Sprint(res.Status))
			}
			t.Fatalf("round %d (answers %s): %v", round, strings.Join(answers, " "), err)
		}
	}
}
