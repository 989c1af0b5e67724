package hooks_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"coprosec/hooks"
	"coprosec/hooks/loadtest"
	"coprosec/hooks/realtime"
	"coprosec/hooks/routes"
	"coprosec/hooks/write"

	"github.com/pocketbase/pocketbase/core"
)

// --- a real SSE client over loopback ----------------------------------

// rtServer serves e over loopback. Its cleanup runs after those of the
// clients opened later (cleanups run last-in first-out): an open SSE
// stream would keep Close waiting.
func rtServer(e *env) *httptest.Server {
	srv := httptest.NewServer(e.mux)
	e.t.Cleanup(srv.Close)
	return srv
}

type rtMsg struct {
	Topic  string
	Action string
	Record map[string]any
	Raw    string
	At     time.Time
}

type rtClient struct {
	t      testing.TB
	name   string
	base   string
	token  string
	id     string
	cancel context.CancelFunc
	done   chan struct{}

	mu   sync.Mutex
	msgs []rtMsg
	note chan struct{}
}

// rtConnect opens GET /api/realtime as as (nil = guest), reads PB_CONNECT
// and subscribes to topics.
func rtConnect(t testing.TB, base string, as *core.Record, name string, topics ...string) *rtClient {
	t.Helper()
	c := &rtClient{t: t, name: name, base: base, note: make(chan struct{}, 1), done: make(chan struct{})}
	if as != nil {
		tok, err := as.NewAuthToken()
		if err != nil {
			t.Fatal(err)
		}
		c.token = tok
	}
	ctx, cancel := context.WithCancel(context.Background())
	c.cancel = cancel
	req, _ := http.NewRequestWithContext(ctx, "GET", base+"/api/realtime", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s: connect: %v", name, err)
	}
	connected := make(chan string, 1)
	go func() {
		defer close(c.done)
		defer resp.Body.Close()
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(make([]byte, 1<<16), 1<<22)
		var event, data string
		for sc.Scan() {
			line := sc.Text()
			switch {
			case strings.HasPrefix(line, "event:"):
				event = strings.TrimSpace(line[len("event:"):])
			case strings.HasPrefix(line, "data:"):
				data = line[len("data:"):]
			case line == "":
				if event == "PB_CONNECT" {
					var m struct{ ClientID string }
					_ = json.Unmarshal([]byte(data), &m)
					connected <- m.ClientID
				} else if event != "" {
					m := rtMsg{Topic: event, Raw: data, At: time.Now()}
					var body struct {
						Action string
						Record map[string]any
					}
					if json.Unmarshal([]byte(data), &body) == nil {
						m.Action, m.Record = body.Action, body.Record
					}
					c.mu.Lock()
					c.msgs = append(c.msgs, m)
					c.mu.Unlock()
					select {
					case c.note <- struct{}{}:
					default:
					}
				}
				event, data = "", ""
			}
		}
	}()
	select {
	case c.id = <-connected:
	case <-time.After(5 * time.Second):
		t.Fatalf("%s: no PB_CONNECT", name)
	}
	t.Cleanup(c.close)
	if len(topics) > 0 {
		if st := c.subscribe(topics...); st != http.StatusNoContent {
			t.Fatalf("%s: subscribe %v: %d", name, topics, st)
		}
	}
	return c
}

func (c *rtClient) subscribe(topics ...string) int {
	body, _ := json.Marshal(map[string]any{"clientId": c.id, "subscriptions": topics})
	req, _ := http.NewRequest("POST", c.base+"/api/realtime", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if c.token != "" {
		req.Header.Set("Authorization", c.token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatalf("%s: subscribe: %v", c.name, err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func (c *rtClient) close() {
	c.cancel()
	<-c.done
}

// received returns the messages so far that match.
func (c *rtClient) received(match func(rtMsg) bool) []rtMsg {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []rtMsg
	for _, m := range c.msgs {
		if match(m) {
			out = append(out, m)
		}
	}
	return out
}

// waitFor waits until a message matches.
func (c *rtClient) waitFor(match func(rtMsg) bool, timeout time.Duration) (rtMsg, bool) {
	deadline := time.After(timeout)
	for {
		if ms := c.received(match); len(ms) > 0 {
			return ms[0], true
		}
		select {
		case <-c.note:
		case <-deadline:
			return rtMsg{}, false
		}
	}
}

func rtIs(topic, action, id string) func(rtMsg) bool {
	return func(m rtMsg) bool {
		return m.Topic == topic && m.Action == action && m.Record["id"] == id
	}
}

// rtSettle waits until every committed change has been fanned out and the
// loopback connections had time to carry it.
func rtSettle(e *env) {
	e.svc.Realtime.WaitIdle()
	time.Sleep(250 * time.Millisecond)
}

// rtParties are the subscribers of the visibility tests.
type rtParties struct {
	names   []string
	clients map[string]*rtClient
}

func (e *env) rtParties(base string, topics ...string) *rtParties {
	w := e.world()
	p := &rtParties{clients: map[string]*rtClient{}}
	for _, u := range []struct {
		name string
		rec  *core.Record
	}{
		{"orgA", w.orgA}, {"orgB", w.orgB}, {"officerCotonou", w.officerCotonou}, {"commanderCotonou", w.commanderCotonou},
		{"officerCalavi", w.officerCalavi}, {"commanderCalavi", w.commanderCalavi}, {"directorLittoral", w.directorLittoral},
		{"directorAtlantique", w.directorAtlantique}, {"ministry", w.ministry}, {"guest", nil},
	} {
		p.names = append(p.names, u.name)
		p.clients[u.name] = rtConnect(e.t, base, u.rec, u.name, topics...)
	}
	return p
}

// check asserts that exactly the parties in want got one message (topic,
// action, id), and the others none.
func (p *rtParties) check(t *testing.T, what, topic, action, id string, want ...string) {
	t.Helper()
	for _, n := range p.names {
		got := len(p.clients[n].received(rtIs(topic, action, id)))
		exp := 0
		for _, w := range want {
			if w == n {
				exp = 1
			}
		}
		if got != exp {
			t.Errorf("%s: %s got %d %s %q message(s) on %s, want %d", what, n, got, action, id, topic, exp)
		}
	}
}

// TestRealtimeDeliversOnlyToViewers: create, update and delete of events,
// assignments and incidents reach exactly the signed-in subscribers who may
// view the record, over real SSE connections, on Coprosec's fan-out and on
// PocketBase's stock broadcast alike (so the scopes agree with the rules).
func TestRealtimeDeliversOnlyToViewers(t *testing.T) {
	for _, mode := range []struct {
		name  string
		stock bool
	}{{"coprosec", false}, {"stock", true}} {
		t.Run(mode.name, func(t *testing.T) {
			e := newEnv(t)
			w := e.world()
			e.svc.Realtime.SetStock(mode.stock)
			srv := rtServer(e)
			p := e.rtParties(srv.URL, "events/*", "assignments/*", "incidents/*")
			expandTopic := `events/*?options={"query":{"expand":"commune,lead_unit"}}`
			expanding := rtConnect(t, srv.URL, w.orgA, "orgA+expand", expandTopic)

			// create
			id := e.mustDeclare(w.orgA, e.meeting(w.partyA, nil))
			as := e.assignments(id)
			lead, oversight := as[w.comCotonou.Id], as[w.ddprLittoral.Id]
			if lead == nil || oversight == nil {
				t.Fatalf("assignments %v", as)
			}
			rtSettle(e)
			cotonouViewers := []string{"orgA", "officerCotonou", "commanderCotonou", "directorLittoral", "ministry"}
			p.check(t, "event create", "events/*", "create", id, cotonouViewers...)
			p.check(t, "lead assignment create", "assignments/*", "create", lead.Id, cotonouViewers...)
			p.check(t, "oversight assignment create", "assignments/*", "create", oversight.Id, "orgA", "directorLittoral", "ministry")

			m, _ := p.clients["officerCotonou"].waitFor(rtIs("events/*", "create", id), 0)
			if m.Record["collectionName"] != "events" || m.Record["commune"] != w.cotonou.Id || m.Record["title"] == nil {
				t.Errorf("event message %s", m.Raw)
			}
			for _, hidden := range []string{"clash_cell", "clash_area", "field_versions"} {
				if _, ok := m.Record[hidden]; ok {
					t.Errorf("hidden field %s sent: %s", hidden, m.Raw)
				}
			}

			if m, ok := expanding.waitFor(rtIs(expandTopic, "create", id), 3*time.Second); !ok {
				t.Error("no create on the expand subscription")
			} else if ex, _ := m.Record["expand"].(map[string]any); ex == nil || ex["commune"] == nil || ex["lead_unit"] == nil {
				t.Errorf("expand not honoured: %s", m.Raw)
			}

			// a subscription to one record, with fields
			if st := p.clients["commanderCalavi"].subscribe("events/" + id); st != http.StatusNoContent {
				t.Fatalf("subscribe: %d", st)
			}
			if st := p.clients["commanderCotonou"].subscribe("events/"+id+`?options={"query":{"fields":"id,title"}}`, "incidents/*"); st != http.StatusNoContent {
				t.Fatalf("subscribe: %d", st)
			}

			// update
			if res := e.do("PATCH", "/api/collections/events/records/"+id, w.orgA, map[string]any{"title": "Meeting déplacé d'une heure"}); res.Status != http.StatusOK {
				t.Fatalf("update: %s", res)
			}
			rtSettle(e)
			p.check(t, "event update", "events/*", "update", id, "orgA", "officerCotonou", "directorLittoral", "ministry")
			if n := len(p.clients["commanderCalavi"].received(func(m rtMsg) bool { return strings.HasPrefix(m.Topic, "events/") })); n != 0 {
				t.Errorf("commanderCalavi got %d message(s) for a Cotonou event on its record topic", n)
			}
			ms := p.clients["commanderCotonou"].received(rtIs("events/"+id+`?options={"query":{"fields":"id,title"}}`, "update", id))
			if len(ms) != 1 || len(ms[0].Record) != 2 || ms[0].Record["title"] != "Meeting déplacé d'une heure" {
				t.Errorf("record topic with fields: %v", ms)
			}

			// incident reported by the Cotonou officer on that event
			res := e.do("POST", "/api/collections/incidents/records", w.officerCotonou, map[string]any{
				"event": id, "kind": "disorder", "severity": 2, "description": "Bousculade", "occurred_at": testNow,
			})
			if res.Status != http.StatusOK {
				t.Fatalf("incident: %s", res)
			}
			inc := res.JSON["id"].(string)
			rtSettle(e)
			incViewers := []string{"officerCotonou", "commanderCotonou", "directorLittoral", "ministry"}
			p.check(t, "incident create", "incidents/*", "create", inc, incViewers...)
			if res := e.do("PATCH", "/api/collections/incidents/records/"+inc, w.commanderCotonou, map[string]any{"status": "verified"}); res.Status != http.StatusOK {
				t.Fatalf("verify incident: %s", res)
			}
			rtSettle(e)
			p.check(t, "incident update", "incidents/*", "update", inc, incViewers...)

			// delete (Go path: events are never deleted through the API)
			rec, _ := e.app.FindRecordById("incidents", inc)
			if err := e.app.Delete(rec); err != nil {
				t.Fatal(err)
			}
			rtSettle(e)
			p.check(t, "incident delete", "incidents/*", "delete", inc, incViewers...)
			ev, _ := e.app.FindRecordById("events", id)
			if err := e.app.Delete(ev); err != nil {
				t.Fatal(err)
			}
			rtSettle(e)
			p.check(t, "event delete", "events/*", "delete", id, "orgA", "officerCotonou", "directorLittoral", "ministry")
			if ms := p.clients["commanderCotonou"].received(rtIs("events/"+id+`?options={"query":{"fields":"id,title"}}`, "delete", id)); len(ms) != 1 {
				t.Errorf("record topic delete: %v", ms)
			}

			// nothing at all reached the parties that see none of it
			for _, n := range []string{"orgB", "officerCalavi", "directorAtlantique", "guest"} {
				if ms := p.clients[n].received(func(rtMsg) bool { return true }); len(ms) != 0 {
					t.Errorf("%s received %d message(s), first %s %s", n, len(ms), ms[0].Topic, ms[0].Raw)
				}
			}

			// a Calavi event reaches Calavi, Atlantique and the ministry only
			id2 := e.mustDeclare(w.orgB, e.meeting(w.partyB, map[string]any{"commune": w.calavi.Id, "title": "Meeting B à Calavi"}))
			rtSettle(e)
			p.check(t, "Calavi event create", "events/*", "create", id2, "orgB", "officerCalavi", "directorAtlantique", "ministry")
		})
	}
}

// rtCursorPull pulls until more is false, from cursor, as auth.
func (e *env) rtCursorPull(as *core.Record, cursor string) (changes []map[string]any, next string) {
	e.t.Helper()
	for {
		res := e.do("GET", "/api/sync/pull?limit=50&cursor="+cursor, as, nil)
		if res.Status != http.StatusOK {
			e.t.Fatalf("pull: %s", res)
		}
		for _, c := range res.JSON["changes"].([]any) {
			changes = append(changes, c.(map[string]any))
		}
		cursor = res.JSON["cursor"].(string)
		if res.JSON["more"] != true {
			return changes, cursor
		}
	}
}

func rtHasChange(changes []map[string]any, collection, id, op string) bool {
	for _, c := range changes {
		if c["collection"] == collection && c["id"] == id && c["op"] == op {
			return true
		}
	}
	return false
}

// rtExit asserts a scope-exit message: a delete naming only the record.
func rtExit(t *testing.T, c *rtClient, topic, id string) {
	t.Helper()
	m, ok := c.waitFor(rtIs(topic, "delete", id), 3*time.Second)
	if !ok {
		t.Errorf("%s: no delete for %s on %s", c.name, id, topic)
		return
	}
	keys := make([]string, 0, len(m.Record))
	for k := range m.Record {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	if strings.Join(keys, ",") != "collectionId,collectionName,id" {
		t.Errorf("%s: scope-exit delete carries %v: %s", c.name, keys, m.Raw)
	}
}

// TestRealtimeScopeExit: when an event leaves a unit (moved, route changed,
// coverage changed), that unit's subscribers get a delete at once, a sync
// poke, and a pull that removes it; the units that gain it get the record.
func TestRealtimeScopeExit(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	srv := rtServer(e)
	topics := []string{"events/*", "assignments/*", "sync"}

	t.Run("moved", func(t *testing.T) {
		id := e.mustDeclare(w.orgA, e.meeting(w.partyA, map[string]any{"title": "Meeting à déplacer"}))
		_, cursor := e.rtCursorPull(w.officerCotonou, "")
		officer := rtConnect(t, srv.URL, w.officerCotonou, "officerCotonou", topics...)
		director := rtConnect(t, srv.URL, w.directorLittoral, "directorLittoral", topics...)
		calavi := rtConnect(t, srv.URL, w.commanderCalavi, "commanderCalavi", topics...)
		lead := e.assignments(id)[w.comCotonou.Id]

		if res := e.do("PATCH", "/api/collections/events/records/"+id, w.orgA, map[string]any{"commune": w.calavi.Id}); res.Status != http.StatusOK {
			t.Fatalf("move: %s", res)
		}
		rtExit(t, officer, "events/*", id)
		rtExit(t, director, "events/*", id)
		if _, ok := officer.waitFor(rtIs("assignments/*", "delete", lead.Id), 3*time.Second); !ok {
			t.Error("the Cotonou officer was not told its assignment went")
		}
		m, ok := calavi.waitFor(rtIs("events/*", "update", id), 3*time.Second)
		if !ok || m.Record["commune"] != w.calavi.Id {
			t.Errorf("Calavi did not get the moved event: %v", m.Raw)
		}
		if _, ok := officer.waitFor(func(m rtMsg) bool { return m.Topic == "sync" }, 3*time.Second); !ok {
			t.Error("no sync poke for the unit that lost the event")
		}
		changes, _ := e.rtCursorPull(w.officerCotonou, cursor)
		if !rtHasChange(changes, "events", id, "remove") {
			t.Errorf("the pull after the poke does not remove the event: %v", changes)
		}
	})

	t.Run("coverage", func(t *testing.T) {
		kpomasse := e.byCode("communes", "BJ0303")
		officerOuidah := e.save("users", map[string]any{"email": "officer.ouidah@test.bj", "password": testPassword, "name": "officer",
			"role": "officer", "phone": "+22997009901", "unit": w.comOuidah.Id, "verified": true})
		if res := e.do("PATCH", "/api/collections/units/records/"+w.comOuidah.Id, w.ministry, map[string]any{"communes": []string{w.ouidah.Id, kpomasse.Id}}); res.Status != http.StatusOK {
			t.Fatalf("coverage: %s", res)
		}
		id := e.mustDeclare(w.orgA, e.meeting(w.partyA, map[string]any{"commune": kpomasse.Id, "title": "Meeting à Kpomassè"}))
		if e.assignments(id)[w.comOuidah.Id] == nil {
			t.Fatal("Ouidah does not lead the Kpomassè event")
		}
		officer := rtConnect(t, srv.URL, officerOuidah, "officerOuidah", topics...)
		// the ministry gives Kpomassè back to the directorate
		if res := e.do("PATCH", "/api/collections/units/records/"+w.comOuidah.Id, w.ministry, map[string]any{"communes": []string{w.ouidah.Id}}); res.Status != http.StatusOK {
			t.Fatalf("coverage: %s", res)
		}
		rtExit(t, officer, "events/*", id)
		if _, ok := officer.waitFor(func(m rtMsg) bool { return m.Topic == "sync" }, 3*time.Second); !ok {
			t.Error("no sync poke after the coverage change")
		}
	})

	t.Run("route", func(t *testing.T) {
		rtBoundaries(e)
		// caravan from Calavi into Cotonou: Calavi leads, Cotonou supports
		body := e.meeting(w.partyA, map[string]any{"title": "Caravane", "kind": "caravan", "commune": w.calavi.Id,
			"starts_at": local(2026, 3, 13, 14, 0), "ends_at": local(2026, 3, 13, 16, 0),
			"route": []map[string]any{{"lat": 6.45, "lon": 2.40}, {"lat": 6.35, "lon": 2.40}}})
		id := e.mustDeclare(w.orgA, body)
		if as := e.assignments(id); as[w.comCotonou.Id] == nil || as[w.comCalavi.Id] == nil {
			t.Fatalf("caravan assignments %v", as)
		}
		officer := rtConnect(t, srv.URL, w.officerCotonou, "officerCotonou", topics...)
		calavi := rtConnect(t, srv.URL, w.officerCalavi, "officerCalavi", topics...)
		res := e.do("PATCH", "/api/collections/events/records/"+id, w.orgA, map[string]any{
			"route": []map[string]any{{"lat": 6.45, "lon": 2.40}, {"lat": 6.50, "lon": 2.41}}})
		if res.Status != http.StatusOK {
			t.Fatalf("route change: %s", res)
		}
		rtExit(t, officer, "events/*", id)
		if _, ok := calavi.waitFor(rtIs("events/*", "update", id), 3*time.Second); !ok {
			t.Error("Calavi did not get the new route")
		}
	})
}

// rtBoundaries loads synthetic squares: Cotonou below latitude 6.40,
// Abomey-Calavi between 6.40 and 6.55.
func rtBoundaries(e *env) {
	w := e.world()
	e.save("arrondissements", map[string]any{"code": "BJ0800-91", "name": "Cotonou test", "commune": w.cotonou.Id, "departement": w.depLittoral.Id})
	e.save("arrondissements", map[string]any{"code": "BJ0301-91", "name": "Calavi test", "commune": w.calavi.Id, "departement": w.depAtlantique.Id})
	square := func(latS, latN float64) map[string]any {
		return map[string]any{"type": "MultiPolygon", "coordinates": [][][][2]float64{{{
			{2.30, latS}, {2.50, latS}, {2.50, latN}, {2.30, latN}, {2.30, latS},
		}}}}
	}
	for _, b := range []struct {
		level, code string
		latS, latN  float64
	}{
		{"departement", "BJ08", 6.30, 6.40}, {"commune", "BJ0800", 6.30, 6.40}, {"arrondissement", "BJ0800-91", 6.30, 6.40},
		{"departement", "BJ03", 6.40, 6.70}, {"commune", "BJ0301", 6.40, 6.55}, {"arrondissement", "BJ0301-91", 6.40, 6.55},
	} {
		e.save("boundaries", map[string]any{"level": b.level, "code": b.code, "geometry": square(b.latS, b.latN), "source": "test"})
	}
	e.svc.Write.InvalidateGeography()
}

// TestRealtimeSyncTopic: the `sync` topic pokes only the subscribers whose
// scope changed, coalesced, and refuses guests.
func TestRealtimeSyncTopic(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	srv := rtServer(e)

	rtSettle(e)
	time.Sleep(500 * time.Millisecond) // the fixture's own pokes are out

	guest := rtConnect(t, srv.URL, nil, "guest")
	if st := guest.subscribe("sync"); st != http.StatusForbidden {
		t.Errorf("guest subscribed to sync: %d", st)
	}
	cotonou := rtConnect(t, srv.URL, w.officerCotonou, "officerCotonou", "sync")
	calavi := rtConnect(t, srv.URL, w.officerCalavi, "officerCalavi", "sync")
	orgB := rtConnect(t, srv.URL, w.orgB, "orgB", "sync")

	start := time.Now()
	for i := 0; i < 100; i++ {
		e.mustDeclare(w.orgA, e.meeting(w.partyA, map[string]any{"title": fmt.Sprintf("Meeting %d", i),
			"starts_at": local(2026, 3, 14, 8+i%12, 0), "ends_at": local(2026, 3, 14, 9+i%12, 0)}))
	}
	elapsed := time.Since(start)
	rtSettle(e)
	time.Sleep(500 * time.Millisecond) // the trailing poke

	pokes := cotonou.received(func(m rtMsg) bool { return m.Topic == "sync" })
	limit := int(elapsed/(400*time.Millisecond)) + 2
	t.Logf("100 events in %v: %d pokes to the Cotonou officer", elapsed.Round(time.Millisecond), len(pokes))
	if len(pokes) == 0 || len(pokes) > limit {
		t.Errorf("%d pokes for 100 events in %v, want 1..%d", len(pokes), elapsed, limit)
	}
	for _, c := range []*rtClient{calavi, orgB} {
		if n := len(c.received(func(rtMsg) bool { return true })); n != 0 {
			t.Errorf("%s poked %d time(s) for changes outside its scope", c.name, n)
		}
	}
	// the last poke names the head: a pull from scratch ends there
	var last struct{ Cursor string }
	if err := json.Unmarshal([]byte(pokes[len(pokes)-1].Raw), &last); err != nil || last.Cursor == "" {
		t.Fatalf("poke %q", pokes[len(pokes)-1].Raw)
	}
	changes, cursor := e.rtCursorPull(w.officerCotonou, "")
	n := 0
	for _, c := range changes {
		if c["collection"] == "events" {
			n++
		}
	}
	if n != 100 || cursor != last.Cursor {
		t.Errorf("pull: %d events, cursor %q vs poke %q", n, cursor, last.Cursor)
	}
}

// TestRealtimeReconnectMissesNothing: a client that pulls on every poke,
// loses its SSE connection while events are being declared and pulls with
// its cursor on reconnection ends up with every event.
func TestRealtimeReconnectMissesNothing(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	srv := rtServer(e)

	replica := map[string]bool{}
	changes, cursor := e.rtCursorPull(w.officerCotonou, "")
	apply := func(changes []map[string]any) {
		for _, c := range changes {
			if c["collection"] != "events" {
				continue
			}
			if c["op"] == "put" {
				replica[c["id"].(string)] = true
			} else {
				delete(replica, c["id"].(string))
			}
		}
	}
	apply(changes)

	const total = 40
	declared := make(chan string, total)
	go func() {
		defer close(declared)
		for i := 0; i < total; i++ {
			res := e.do("POST", "/api/collections/events/records", w.orgA, e.meeting(w.partyA, map[string]any{
				"title": fmt.Sprintf("Meeting %d", i), "starts_at": local(2026, 3, 14, 8+i%12, 0), "ends_at": local(2026, 3, 14, 9+i%12, 0)}))
			if res.Status != http.StatusOK {
				t.Errorf("declare %d: %s", i, res)
				return
			}
			declared <- res.JSON["id"].(string)
			time.Sleep(25 * time.Millisecond)
		}
	}()

	// follow pokes; pull only on a poke or a reconnection
	follow := func(c *rtClient, until func() bool) {
		seen := 0
		for !until() {
			select {
			case <-c.note:
			case <-time.After(50 * time.Millisecond):
			}
			pokes := c.received(func(m rtMsg) bool { return m.Topic == "sync" })
			if len(pokes) > seen {
				seen = len(pokes)
				var got []map[string]any
				got, cursor = e.rtCursorPull(w.officerCotonou, cursor)
				apply(got)
			}
		}
	}
	var ids []string
	collect := func() {
		for {
			select {
			case id, ok := <-declared:
				if !ok {
					return
				}
				ids = append(ids, id)
			default:
				return
			}
		}
	}

	c := rtConnect(t, srv.URL, w.officerCotonou, "first", "sync", "events/*")
	follow(c, func() bool { collect(); return len(ids) >= 10 })
	c.close() // the connection drops; declarations go on
	gapStart := len(ids)
	time.Sleep(400 * time.Millisecond)
	collect()
	if len(ids) <= gapStart {
		t.Fatal("no event declared during the gap")
	}
	t.Logf("%d events declared while disconnected", len(ids)-gapStart)

	c2 := rtConnect(t, srv.URL, w.officerCotonou, "second", "sync", "events/*")
	got, next := e.rtCursorPull(w.officerCotonou, cursor) // catch up on reconnection
	cursor = next
	apply(got)
	deadline := time.Now().Add(10 * time.Second)
	follow(c2, func() bool {
		collect()
		if time.Now().After(deadline) {
			return true
		}
		if len(ids) < total {
			return false
		}
		for _, id := range ids {
			if !replica[id] {
				return false
			}
		}
		return true
	})
	var missing []string
	for _, id := range ids {
		if !replica[id] {
			missing = append(missing, id)
		}
	}
	if len(ids) != total || len(missing) > 0 {
		t.Fatalf("declared %d/%d, replica misses %d: %v", len(ids), total, len(missing), missing)
	}
}

// TestRealtimeLoadSmoke runs `coprosec loadtest realtime` in miniature: both
// modes deliver every event to exactly the officers of its unit.
func TestRealtimeLoadSmoke(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a server")
	}
	var out strings.Builder
	res, err := loadtest.Run(context.Background(), loadtest.Config{
		Units: 4, Officers: 3, Organizers: 2, Events: 6, Warmup: 1, Pause: 10 * time.Millisecond,
		Modes: []string{"stock", "coprosec"}, Out: &out,
		Bind: func(app core.App) (*write.Engine, *realtime.Hub) {
			p := hooks.MustRegister(app, nil, hooks.Config{})
			return p.Write, p.Realtime
		},
	})
	if err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	t.Log("\n" + out.String())
	if len(res) != 2 {
		t.Fatalf("results %v", res)
	}
	for _, r := range res {
		if r.Delivered != r.Expected || r.Expected != 6*3 || r.Unexpected != 0 {
			t.Errorf("%s: delivered %d/%d, unexpected %d", r.Mode, r.Delivered, r.Expected, r.Unexpected)
		}
	}
}

// TestRealtimeScopesFollowTheAccount: a connected officer moved to another
// unit receives that unit's events and no longer its old unit's; a
// disabled account receives nothing.
func TestRealtimeScopesFollowTheAccount(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	srv := rtServer(e)
	officer := rtConnect(t, srv.URL, w.officerCotonou, "officer", "events/*")
	commander := rtConnect(t, srv.URL, w.commanderCalavi, "commanderCalavi", "events/*")

	before := e.mustDeclare(w.orgA, e.meeting(w.partyA, map[string]any{"title": "Avant la mutation"}))
	if _, ok := officer.waitFor(rtIs("events/*", "create", before), 3*time.Second); !ok {
		t.Fatal("the Cotonou officer missed a Cotonou event")
	}
	// the ministry moves the officer to Abomey-Calavi
	if res := e.do("PATCH", "/api/collections/users/records/"+w.officerCotonou.Id, w.ministry, map[string]any{"unit": w.comCalavi.Id}); res.Status != http.StatusOK {
		t.Fatalf("move officer: %s", res)
	}
	cotonou := e.mustDeclare(w.orgA, e.meeting(w.partyA, map[string]any{"title": "Après la mutation, Cotonou"}))
	calavi := e.mustDeclare(w.orgA, e.meeting(w.partyA, map[string]any{"title": "Après la mutation, Calavi", "commune": w.calavi.Id}))
	if _, ok := officer.waitFor(rtIs("events/*", "create", calavi), 3*time.Second); !ok {
		t.Error("the moved officer does not receive its new unit's events")
	}
	rtSettle(e)
	if n := len(officer.received(rtIs("events/*", "create", cotonou))); n != 0 {
		t.Error("the moved officer still receives its old unit's events")
	}

	// the ministry disables the Calavi commander: nothing more reaches it
	if res := e.do("PATCH", "/api/collections/users/records/"+w.commanderCalavi.Id, w.ministry, map[string]any{"disabled": true}); res.Status != http.StatusOK {
		t.Fatalf("disable: %s", res)
	}
	later := e.mustDeclare(w.orgA, e.meeting(w.partyA, map[string]any{"title": "Après la désactivation", "commune": w.calavi.Id}))
	if _, ok := officer.waitFor(rtIs("events/*", "create", later), 3*time.Second); !ok {
		t.Error("the Calavi officer missed an event")
	}
	rtSettle(e)
	if n := len(commander.received(rtIs("events/*", "create", later))); n != 0 {
		t.Error("a disabled account still receives events")
	}
}

// Subscriptions are capped per connection and per account (a flood of
// filtered subscriptions slows every other subscriber's delivery).
func TestRealtimeSubscriptionCaps(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	srv := rtServer(e)
	topics := func(n, from int) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = fmt.Sprintf("events/*?options=%d", from+i)
		}
		return out
	}
	c := rtConnect(t, srv.URL, w.officerCotonou, "officer-1")
	if st := c.subscribe(topics(routes.MaxSubscriptionsPerConnection+1, 0)...); st != http.StatusBadRequest {
		t.Fatalf("%d subscriptions on one connection: %d", routes.MaxSubscriptionsPerConnection+1, st)
	}
	// the same topic twice counts once
	if st := c.subscribe(append(topics(routes.MaxSubscriptionsPerConnection, 0), "events/*?options=0")...); st != http.StatusNoContent {
		t.Fatalf("%d subscriptions: %d", routes.MaxSubscriptionsPerConnection, st)
	}
	n := routes.MaxSubscriptionsPerConnection
	for i := 2; n+routes.MaxSubscriptionsPerConnection <= routes.MaxSubscriptionsPerAccount; i++ {
		ci := rtConnect(t, srv.URL, w.officerCotonou, fmt.Sprintf("officer-%d", i))
		if st := ci.subscribe(topics(routes.MaxSubscriptionsPerConnection, n)...); st != http.StatusNoContent {
			t.Fatalf("connection %d within the account's cap: %d", i, st)
		}
		n += routes.MaxSubscriptionsPerConnection
	}
	over := rtConnect(t, srv.URL, w.officerCotonou, "officer-over")
	if st := over.subscribe(topics(routes.MaxSubscriptionsPerConnection, n)...); st != http.StatusBadRequest {
		t.Fatalf("over the account's cap: %d", st)
	}
	// replacing a connection's subscriptions is not counted twice
	if st := c.subscribe(topics(routes.MaxSubscriptionsPerConnection, 0)...); st != http.StatusNoContent {
		t.Fatalf("resubscribing the same connection: %d", st)
	}
	// another account is not limited by this one's
	other := rtConnect(t, srv.URL, w.officerCalavi, "calavi")
	if st := other.subscribe(topics(5, 0)...); st != http.StatusNoContent {
		t.Fatalf("another account: %d", st)
	}
}
