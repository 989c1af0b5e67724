package hooks_test

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"coprosec/hooks/synclog"
	"coprosec/internal/syncproto"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
)

// For several random data sets, every user's replica — pulled from
// scratch with a random page size, and pulled incrementally by a device
// that synced before the changes — holds exactly the records the REST
// list API shows that user, field for field.
func TestSyncPullMatchesRulesRandomized(t *testing.T) {
	for seed := uint64(1); seed <= 4; seed++ {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			e.app.Settings().RateLimits.Enabled = false
			wl := e.syncWorkload(seed)
			for i := 0; i < 25; i++ {
				wl.step()
			}
			// devices that synced half way, with small pages
			early := map[string]*syncDevice{}
			for _, u := range wl.everyone() {
				d := e.syncDevice("early-"+u.GetString("email"), u)
				d.pull(1+wl.rng.IntN(20), 0)
				early[u.Id] = d
			}
			for i := 0; i < 40; i++ {
				wl.step()
				if i == 15 {
					wl.moveCoverage()
				}
				if i == 25 {
					wl.moveOfficer()
				}
			}
			if wl.ops < 30 {
				t.Fatalf("only %d writes applied: the workload is too timid", wl.ops)
			}
			for _, u := range wl.everyone() {
				u = wl.fresh(u)
				fresh := e.syncDevice("fresh-"+u.GetString("email"), u)
				fresh.pull(1+wl.rng.IntN(40), 0)
				fresh.checkConverged(t)
				if testing.Verbose() {
					counts := map[string]int{}
					for c, m := range fresh.replica {
						counts[c] = len(m)
					}
					t.Logf("%s sees %v", u.GetString("email"), counts)
				}
				d := early[u.Id]
				d.pull(1+wl.rng.IntN(40), 0)
				d.checkConverged(t)
				if u.Id == wl.w.officerCotonou.Id && d.resets == 0 {
					t.Errorf("the moved officer's device was not told to reset")
				}
			}
		})
	}
}

// A director pulls three changes at a time while others keep writing
// between its pages: no change is lost (the final replica is the REST
// view) and none is sent twice (a (collection, id, seq) comes once, and
// seqs only grow from page to page).
func TestSyncPullPagesWhileWriting(t *testing.T) {
	e := newEnv(t)
	e.app.Settings().RateLimits.Enabled = false
	wl := e.syncWorkload(42)
	for i := 0; i < 20; i++ {
		wl.step()
	}
	for _, u := range []*core.Record{wl.w.directorLittoral, wl.w.orgA, wl.w.commanderCalavi} {
		d := e.syncDevice("paging", u)
		seen := map[string]bool{}
		last := int64(0)
		for page := 0; ; page++ {
			if page > 2000 {
				t.Fatal("pull does not end")
			}
			p, res := e.syncPull(d.token, d.name, d.cursor, 3)
			if res.Status != http.StatusOK {
				t.Fatal(res)
			}
			if len(p.Changes) > 3 {
				t.Fatalf("page of %d changes with limit 3", len(p.Changes))
			}
			for _, c := range p.Changes {
				k := fmt.Sprint(c.Collection, "/", c.ID, "@", c.Seq)
				if seen[k] {
					t.Fatalf("change %s sent twice", k)
				}
				seen[k] = true
				if c.Seq <= last {
					t.Fatalf("change %s after a page that ended at seq %d", k, last)
				}
			}
			for _, c := range p.Changes {
				last = max(last, c.Seq)
			}
			d.apply(p)
			if !p.More {
				break
			}
			if page%2 == 0 {
				wl.step()
			}
		}
		d.pull(0, 0)
		d.checkConverged(t)
	}
}

func TestSyncPullLimitAndCursor(t *testing.T) {
	e := newEnv(t)
	e.app.Settings().RateLimits.Enabled = false
	w := e.world()
	tok, _ := w.orgA.NewAuthToken()

	// 700 events of party A (cloned in SQL with their change-log rows)
	res := e.do("POST", "/api/collections/events/records", w.orgA, e.meeting(w.partyA, map[string]any{"id": "tplevent0000001"}))
	if res.Status != http.StatusOK {
		t.Fatal(res)
	}
	seedClones(t, e, "tplevent0000001", 699)

	p, res := e.syncPull(tok, "", "", 0)
	if res.Status != http.StatusOK || len(p.Changes) != syncproto.DefaultLimit || !p.More {
		t.Fatalf("default page: %d changes, more %v (%d)", len(p.Changes), p.More, res.Status)
	}
	p, _ = e.syncPull(tok, "", "", 5000)
	if len(p.Changes) != syncproto.MaxLimit || !p.More {
		t.Fatalf("limit 5000: %d changes, want the maximum %d", len(p.Changes), syncproto.MaxLimit)
	}
	for _, bad := range []string{"0", "-1", "abc", "1e3", "+5", " 5"} {
		res := e.doToken("GET", "/api/sync/pull?limit="+url.QueryEscape(bad), tok, nil)
		if res.Status != http.StatusBadRequest || res.code() != "invalid_limit" {
			t.Errorf("limit %q: %s", bad, res)
		}
	}

	// the whole replica: every event and assignment of party A once
	d := e.syncDevice("orgA", w.orgA)
	d.pull(317, 0)
	if n := len(d.replica["events"]); n != 700 {
		t.Fatalf("%d events pulled, want 700", n)
	}
	d.checkConverged(t)

	// a garbage or foreign cursor resets; so does a change of scopes
	for _, c := range []string{"garbage", syncproto.EncodeCursor(syncproto.Cursor{Seq: 5, Epoch: "other", Fingerprint: "x"})} {
		p, res := e.syncPull(tok, "", c, 10)
		if res.Status != http.StatusOK || !p.Reset {
			t.Errorf("cursor %q: reset %v (%s)", c, p.Reset, res)
		}
	}
	p, _ = e.syncPull(tok, "", d.cursor, 10)
	if p.Reset || len(p.Changes) != 0 || p.More || p.Cursor != d.cursor {
		t.Fatalf("pull at the head: %+v", p)
	}
	mtok, _ := w.ministry.NewAuthToken()
	if res := e.doToken("PATCH", "/api/collections/users/records/"+w.officerCalavi.Id, mtok, map[string]any{"unit": w.comCotonou.Id}); res.Status != http.StatusOK {
		t.Fatal(res)
	}
	otok, _ := w.officerCalavi.NewAuthToken()
	od := e.syncDevice("officer", w.officerCalavi)
	od.token = otok
	od.pull(50, 0)
	if res := e.doToken("PATCH", "/api/collections/users/records/"+w.officerCalavi.Id, mtok, map[string]any{"unit": w.comCalavi.Id}); res.Status != http.StatusOK {
		t.Fatal(res)
	}
	p, _ = e.syncPull(otok, "", od.cursor, 50)
	if !p.Reset {
		t.Fatal("an officer moved to another unit was not told to reset")
	}
}

// Pull (and push) answers are gzip-compressed for clients that accept it.
func TestSyncPullGzip(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	for i := 0; i < 5; i++ {
		e.do("POST", "/api/collections/events/records", w.orgA, e.meeting(w.partyA, map[string]any{"title": fmt.Sprint("Meeting ", i)}))
	}
	tok, _ := w.directorLittoral.NewAuthToken()
	req := httptest.NewRequest("GET", "/api/sync/pull?limit=1000", nil)
	req.Header.Set("Authorization", tok)
	req.Header.Set("Accept-Encoding", "gzip, deflate")
	rec := httptest.NewRecorder()
	e.mux.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK || rec.Header().Get("Content-Encoding") != "gzip" {
		t.Fatalf("status %d, Content-Encoding %q", rec.Code, rec.Header().Get("Content-Encoding"))
	}
	zr, err := gzip.NewReader(bytes.NewReader(rec.Body.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(zr)
	var p syncPage
	if err := json.Unmarshal(raw, &p); err != nil || len(p.Changes) == 0 {
		t.Fatalf("decoded %d changes (%v)", len(p.Changes), err)
	}
	if len(rec.Body.Bytes())*3 > len(raw) {
		t.Errorf("%d bytes compressed to %d", len(raw), len(rec.Body.Bytes()))
	}
	// without Accept-Encoding, plain JSON
	_, res := e.syncPull(tok, "", "", 10)
	if res.Status != http.StatusOK || res.JSON == nil {
		t.Fatalf("plain pull: %s", res)
	}
}

// Pruned tombstones: a device whose cursor is older than the pruned
// removals resets and converges; one that had seen them goes on.
func TestSyncPullPrunedTombstones(t *testing.T) {
	e := newEnv(t)
	e.app.Settings().RateLimits.Enabled = false
	w := e.world()
	su := superToken(t, e)
	var events []string
	for i := 0; i < 3; i++ {
		events = append(events, e.syncDeclare(w.orgA, e.meeting(w.partyA, map[string]any{"title": fmt.Sprint("Meeting ", i)})))
	}
	stale := e.syncDevice("stale", w.commanderCotonou)
	stale.pull(0, 0)
	// a move and a delete: removal rows for the Cotonou commander
	if res := e.do("PATCH", "/api/collections/events/records/"+events[0], w.orgA, map[string]any{"commune": w.calavi.Id}); res.Status != http.StatusOK {
		t.Fatal(res)
	}
	if res := e.doToken("DELETE", "/api/collections/events/records/"+events[1], su, nil); res.Status != http.StatusNoContent {
		t.Fatal(res)
	}
	current := e.syncDevice("current", w.commanderCotonou)
	current.pull(0, 0)
	seen, err := syncproto.DecodeCursor(current.cursor)
	if err != nil {
		t.Fatal(err)
	}
	// everything so far is old; then one more change
	if _, err := e.app.DB().NewQuery("UPDATE _sync_log SET at = '2020-01-01 00:00:00.000Z' WHERE seq <= {:s}").Bind(dbx.Params{"s": seen.Seq}).Execute(); err != nil {
		t.Fatal(err)
	}
	e.syncDeclare(w.orgA, e.meeting(w.partyA, map[string]any{"title": "Après la purge"}))

	n, err := synclog.PruneTombstones(e.app, time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC))
	if err != nil || n == 0 {
		t.Fatalf("pruned %d rows (%v)", n, err)
	}
	var left int
	_ = e.app.DB().NewQuery("SELECT COUNT(*) FROM _sync_index WHERE removed = 1 AND seq <= {:s}").Bind(dbx.Params{"s": seen.Seq}).Row(&left)
	if left != 0 {
		t.Fatalf("%d old removal rows left", left)
	}

	stale.pull(0, 0)
	if stale.resets != 1 {
		t.Fatalf("the stale device reset %d times", stale.resets)
	}
	stale.checkConverged(t)
	current.pull(0, 0)
	if current.resets != 0 {
		t.Fatal("the device that had seen the removals was reset")
	}
	current.checkConverged(t)
	fresh := e.syncDevice("fresh", w.commanderCotonou)
	fresh.pull(2, 0)
	fresh.checkConverged(t)
	if len(fresh.replica["events"]) != 2 {
		t.Fatalf("%d events", len(fresh.replica["events"]))
	}
	// pruning again changes nothing for the devices
	if _, err := synclog.PruneTombstones(e.app, time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	current.pull(0, 0)
	if current.resets != 0 {
		t.Fatal("a second prune reset an up-to-date device")
	}
}
