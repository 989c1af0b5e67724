package hooks_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"coprosec/internal/syncproto"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
)

// This file is a small offline-first client of the sync protocol for the
// tests: a replica filled by pulls, an outbox drained by pushes, and the
// comparison of a replica with what the REST API shows the same user.

// syncRecords is a replica or a server view: collection → id → record.
type syncRecords map[string]map[string]map[string]any

func (r syncRecords) put(col, id string, rec map[string]any) {
	if r[col] == nil {
		r[col] = map[string]map[string]any{}
	}
	r[col][id] = rec
}

func (r syncRecords) count() int {
	n := 0
	for _, m := range r {
		n += len(m)
	}
	return n
}

// syncPage is a decoded pull response.
type syncPage struct {
	Changes []syncproto.Change `json:"changes"`
	Cursor  string             `json:"cursor"`
	More    bool               `json:"more"`
	Reset   bool               `json:"reset"`
}

// syncPull sends one pull as token.
func (e *env) syncPull(token, device, cursor string, limit int) (syncPage, response) {
	e.t.Helper()
	u := "/api/sync/pull?cursor=" + url.QueryEscape(cursor)
	if limit > 0 {
		u += fmt.Sprintf("&limit=%d", limit)
	}
	if device != "" {
		u += "&device=" + url.QueryEscape(device)
	}
	res := e.doToken("GET", u, token, nil)
	var p syncPage
	if res.Status == http.StatusOK {
		if err := json.Unmarshal(res.Body, &p); err != nil {
			e.t.Fatalf("pull body: %v: %s", err, res.Body)
		}
	}
	return p, res
}

// syncMutation is one outbox entry, as sent.
type syncMutation = map[string]any

// syncPushResp is a decoded push response.
type syncPushResp struct {
	Results []syncproto.Result `json:"results"`
	Cursor  string             `json:"cursor"`
}

func (e *env) syncPush(token, device string, muts []syncMutation) (syncPushResp, response) {
	e.t.Helper()
	if muts == nil {
		muts = []syncMutation{}
	}
	res := e.doToken("POST", "/api/sync/push", token, map[string]any{"device": device, "mutations": muts})
	var p syncPushResp
	if res.Status == http.StatusOK {
		if err := json.Unmarshal(res.Body, &p); err != nil {
			e.t.Fatalf("push body: %v: %s", err, res.Body)
		}
	}
	return p, res
}

// syncDevice is one phone: a user, its replica, cursor and outbox.
type syncDevice struct {
	e       *env
	name    string
	user    *core.Record
	token   string
	cursor  string
	replica syncRecords
	outbox  []syncMutation
	// results are the final results the device received, by mutation id.
	results map[string]syncproto.Result
	// known holds the records push results returned (the server's state
	// after the device's own writes), apart from the replica so that they
	// never hide a change a pull failed to bring.
	known syncRecords
	// firstSeen are results of responses the device never received
	// (dropped on the way back): a retry must answer the same.
	firstSeen map[string]syncproto.Result
	resets    int
	pages     int
}

func (e *env) syncDevice(name string, user *core.Record) *syncDevice {
	e.t.Helper()
	tok, err := user.NewAuthToken()
	if err != nil {
		e.t.Fatal(err)
	}
	return &syncDevice{e: e, name: name, user: user, token: tok, replica: syncRecords{}, known: syncRecords{},
		results: map[string]syncproto.Result{}, firstSeen: map[string]syncproto.Result{}}
}

// apply applies one page to the replica and moves the cursor, as a client
// does once the page is safely stored.
func (d *syncDevice) apply(p syncPage) {
	if p.Reset {
		d.replica = syncRecords{} // never the outbox
		d.resets++
	}
	for _, c := range p.Changes {
		switch c.Op {
		case syncproto.OpPut:
			d.replica.put(c.Collection, c.ID, c.Record)
		case syncproto.OpRemove:
			delete(d.replica[c.Collection], c.ID)
		default:
			d.e.t.Fatalf("%s: change with op %q", d.name, c.Op)
		}
	}
	d.cursor = p.Cursor
	d.pages++
}

// pull fetches at most maxPages pages (0: until more is false) with the
// given page size, and reports whether it reached the end.
func (d *syncDevice) pull(limit, maxPages int) bool {
	d.e.t.Helper()
	for n := 0; maxPages == 0 || n < maxPages; n++ {
		if n > 100000 {
			d.e.t.Fatalf("%s: pull does not end", d.name)
		}
		p, res := d.e.syncPull(d.token, d.name, d.cursor, limit)
		if res.Status != http.StatusOK {
			d.e.t.Fatalf("%s pulls: %s", d.name, res)
		}
		d.apply(p)
		if !p.More {
			return true
		}
	}
	return false
}

// push sends up to max outbox entries. With drop set the server applies
// them but the response is lost: the outbox keeps them and the results
// are remembered to compare with the retry's. Final results (applied,
// conflict, rejected) leave the outbox; internal errors stay for a retry.
func (d *syncDevice) push(max int, drop bool) {
	d.e.t.Helper()
	if len(d.outbox) == 0 {
		return
	}
	batch := d.outbox[:min(max, len(d.outbox))]
	p, res := d.e.syncPush(d.token, d.name, batch)
	if res.Status != http.StatusOK {
		d.e.t.Fatalf("%s pushes: %s", d.name, res)
	}
	if len(p.Results) != len(batch) {
		d.e.t.Fatalf("%s: %d results for %d mutations", d.name, len(p.Results), len(batch))
	}
	for i, r := range p.Results {
		if id := batch[i]["id"].(string); r.ID != id {
			d.e.t.Fatalf("%s: result %d is for %q, want %q", d.name, i, r.ID, id)
		}
	}
	if drop {
		for _, r := range p.Results {
			if _, seen := d.firstSeen[r.ID]; !seen && errCode(r) != "internal_error" {
				d.firstSeen[r.ID] = r
			}
		}
		return
	}
	kept := []syncMutation{}
	for i, r := range p.Results {
		if r.Status == syncproto.StatusApplied || r.Status == syncproto.StatusConflict || r.Status == syncproto.StatusRejected && errCode(r) != "internal_error" {
			if first, ok := d.firstSeen[r.ID]; ok && !sameResult(first, r) {
				d.e.t.Fatalf("%s: retried mutation %s answers %s, first answered %s", d.name, r.ID, resultString(r), resultString(first))
			}
			d.results[r.ID] = r
			if r.Record != nil {
				d.known.put(batch[i]["collection"].(string), batch[i]["record_id"].(string), r.Record)
			}
			continue
		}
		kept = append(kept, batch[i])
	}
	d.outbox = append(kept, d.outbox[len(batch):]...)
}

// pending reports whether the outbox holds a mutation of record id.
func (d *syncDevice) pending(id string) bool {
	for _, m := range d.outbox {
		if m["record_id"] == id {
			return true
		}
	}
	return false
}

// latest is the newest state of a record the device knows: from its
// replica or from a push result, whichever has the higher version.
func (d *syncDevice) latest(col, id string) map[string]any {
	r, k := d.replica[col][id], d.known[col][id]
	if k != nil && (r == nil || versionOf(k) > versionOf(r)) {
		return k
	}
	return r
}

func versionOf(r map[string]any) int {
	v, _ := r["version"].(float64)
	return int(v)
}

// drain pushes until the outbox is empty.
func (d *syncDevice) drain() {
	d.e.t.Helper()
	for i := 0; len(d.outbox) > 0; i++ {
		if i > 100 {
			d.e.t.Fatalf("%s: outbox does not drain: %v", d.name, d.outbox)
		}
		d.push(syncproto.MaxMutations, false)
	}
}

// errCode is the code of a result's error ("" when none).
func errCode(r syncproto.Result) string {
	if r.Error == nil {
		return ""
	}
	return r.Error.Code
}

func sameResult(a, b syncproto.Result) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return string(ja) == string(jb)
}

func resultString(r syncproto.Result) string {
	b, _ := json.Marshal(r)
	return string(b)
}

// syncListAll pages a REST list as token and returns its items by id.
func (e *env) syncListAll(token, collection string) map[string]map[string]any {
	e.t.Helper()
	out := map[string]map[string]any{}
	for page := 1; ; page++ {
		res := e.doToken("GET", fmt.Sprintf("/api/collections/%s/records?perPage=500&skipTotal=1&page=%d", collection, page), token, nil)
		if res.Status != http.StatusOK {
			e.t.Fatalf("list %s: %s", collection, res)
		}
		var list struct {
			Items []map[string]any `json:"items"`
		}
		if err := json.Unmarshal(res.Body, &list); err != nil {
			e.t.Fatal(err)
		}
		for _, it := range list.Items {
			out[it["id"].(string)] = it
		}
		if len(list.Items) < 500 {
			return out
		}
	}
}

// syncServerView is what the REST API shows token's user of every synced
// collection: the list of each, and for users its own record only.
func (e *env) syncServerView(token, userID string) syncRecords {
	e.t.Helper()
	view := syncRecords{}
	for _, col := range syncproto.SyncedCollections() {
		if col == "users" {
			res := e.doToken("GET", "/api/collections/users/records/"+userID, token, nil)
			if res.Status != http.StatusOK {
				e.t.Fatalf("view own account: %s", res)
			}
			var rec map[string]any
			_ = json.Unmarshal(res.Body, &rec)
			view.put("users", userID, rec)
			continue
		}
		for id, rec := range e.syncListAll(token, col) {
			view.put(col, id, rec)
		}
	}
	return view
}

// syncDiff describes how replica differs from want ("" if equal). Records
// are compared as JSON values.
func syncDiff(replica, want syncRecords) string {
	var out []string
	cols := map[string]bool{}
	for c := range replica {
		cols[c] = true
	}
	for c := range want {
		cols[c] = true
	}
	names := make([]string, 0, len(cols))
	for c := range cols {
		names = append(names, c)
	}
	sort.Strings(names)
	for _, c := range names {
		got, exp := replica[c], want[c]
		for id, r := range exp {
			g, ok := got[id]
			switch {
			case !ok:
				out = append(out, fmt.Sprintf("%s/%s missing", c, id))
			case !jsonEqual(g, r):
				out = append(out, fmt.Sprintf("%s/%s differs:\n   replica %s\n   server  %s", c, id, jsonString(g), jsonString(r)))
			}
		}
		for id := range got {
			if _, ok := exp[id]; !ok {
				out = append(out, fmt.Sprintf("%s/%s should not be there", c, id))
			}
		}
	}
	if len(out) > 12 {
		out = append(out[:12], fmt.Sprintf("… and %d more", len(out)-12))
	}
	return strings.Join(out, "\n")
}

func jsonString(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func jsonEqual(a, b any) bool {
	var x, y any
	_ = json.Unmarshal([]byte(jsonString(a)), &x)
	_ = json.Unmarshal([]byte(jsonString(b)), &y)
	return reflect.DeepEqual(x, y)
}

// syncCheckConverged fails the test unless d's replica equals the REST
// view of its user.
func (d *syncDevice) checkConverged(t testing.TB) {
	t.Helper()
	want := d.e.syncServerView(d.token, d.user.Id)
	if diff := syncDiff(d.replica, want); diff != "" {
		t.Errorf("%s (%s): replica differs from the REST view:\n%s", d.name, d.user.GetString("role"), diff)
	}
}

// syncCollections lists the collections of r with at least one record.
func syncCollections(r syncRecords) []string {
	var out []string
	for c, m := range r {
		if len(m) > 0 {
			out = append(out, c)
		}
	}
	slices.Sort(out)
	return out
}

// syncRecord reads a record, failing the test if it is not there.
func (e *env) syncRecord(collection, id string) *core.Record {
	e.t.Helper()
	r, err := e.app.FindRecordById(collection, id)
	if err != nil {
		e.t.Fatalf("%s %s: %v", collection, id, err)
	}
	return r
}

// syncDeclare declares an event through REST and returns its id.
func (e *env) syncDeclare(as *core.Record, body map[string]any) string {
	e.t.Helper()
	res := e.do("POST", "/api/collections/events/records", as, body)
	if res.Status != http.StatusOK {
		e.t.Fatalf("declare: %s", res)
	}
	return res.JSON["id"].(string)
}

// syncLead is the lead assignment of an event.
func (e *env) syncLead(eventID string) *core.Record {
	e.t.Helper()
	r, err := e.app.FindFirstRecordByFilter("assignments", "event = {:e} && role = 'lead'", dbx.Params{"e": eventID})
	if err != nil {
		e.t.Fatalf("lead assignment of %s: %v", eventID, err)
	}
	return r
}
