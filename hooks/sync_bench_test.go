package hooks_test

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"coprosec/hooks"
)

// demoEnv is an env seeded with the demo data (89 units, 7 parties).
type demoEnv struct {
	*env
	org, director   *recordT
	election, party string
	cotonou         string
	campaignStart   time.Time
}

func newDemoEnv(t testing.TB) *demoEnv {
	t.Helper()
	e := newEnv(t)
	if _, err := hooks.SeedDemo(e.app, e.now); err != nil {
		t.Fatal(err)
	}
	e.app.Settings().RateLimits.Enabled = false
	d := &demoEnv{env: e}
	var err error
	if d.org, err = e.app.FindAuthRecordByEmail("users", "organisateur.br@demo.coprosec.bj"); err != nil {
		t.Fatal(err)
	}
	if d.director, err = e.app.FindAuthRecordByEmail("users", "ddpr.littoral@demo.coprosec.bj"); err != nil {
		t.Fatal(err)
	}
	el, err := e.app.FindFirstRecordByData("elections", "name", hooks.DemoElectionName)
	if err != nil {
		t.Fatal(err)
	}
	d.election, d.party = el.Id, d.org.GetString("party")
	d.campaignStart = el.GetDateTime("campaign_start").Time()
	d.cotonou = e.byCode("communes", "BJ0800").Id
	return d
}

// lawfulEvent is the i-th of a family of lawful meetings of the organizer's
// party in Cotonou, spread over the campaign days after now.
func (d *demoEnv) lawfulEvent(i int) map[string]any {
	day := 6 + (i/14)%8 // campaign days 6..13 (now is day 5)
	hour := 7 + i%14    // 07:00..20:00 local
	start := d.campaignStart.Add(time.Duration(day)*24*time.Hour + time.Duration(hour)*time.Hour + time.Duration(i%4)*time.Minute)
	return map[string]any{
		"party": d.party, "election": d.election, "kind": "meeting",
		"title": fmt.Sprintf("Meeting %d", i), "place": fmt.Sprintf("Place %d", i), "commune": d.cotonou,
		"starts_at": start.UTC().Format(time.RFC3339), "ends_at": start.Add(2 * time.Hour).UTC().Format(time.RFC3339),
	}
}

func recID(prefix string, i int) string { return fmt.Sprintf("%s%0*d", prefix, 15-len(prefix), i) }

func BenchmarkSyncPushVsREST(b *testing.B) {
	const n, batch = 2000, 100
	for b.Loop() {
		// push side
		d := newDemoEnv(b)
		tok, _ := d.org.NewAuthToken()
		start := time.Now()
		for i := 0; i < n; i += batch {
			var muts []map[string]any
			for j := i; j < i+batch; j++ {
				muts = append(muts, map[string]any{"id": fmt.Sprintf("m%d", j), "collection": "events", "op": "create",
					"record_id": recID("ev", j), "data": d.lawfulEvent(j)})
			}
			res := d.doToken("POST", "/api/sync/push", tok, map[string]any{"device": "bench", "mutations": muts})
			if res.Status != http.StatusOK {
				b.Fatal(res)
			}
		}
		pushDur := time.Since(start)
		// REST side
		r := newDemoEnv(b)
		tok, _ = r.org.NewAuthToken()
		start = time.Now()
		for j := 0; j < n; j++ {
			body := r.lawfulEvent(j)
			body["id"] = recID("ev", j)
			res := r.doToken("POST", "/api/collections/events/records", tok, body)
			if res.Status != http.StatusOK {
				b.Fatal(res)
			}
		}
		restDur := time.Since(start)
		b.ReportMetric(float64(n)/pushDur.Seconds(), "push_creates/s")
		b.ReportMetric(float64(n)/restDur.Seconds(), "rest_creates/s")
		b.ReportMetric(restDur.Seconds()/pushDur.Seconds(), "speedup")
	}
}

// rawGet sends a GET as token and returns the status and raw body, asking
// for gzip when gz is set.
func (e *env) rawGet(url, token string, gz bool) (int, []byte, string) {
	req := httptest.NewRequest("GET", url, nil)
	req.RemoteAddr = "127.0.0.1:5555"
	req.Header.Set("Authorization", token)
	if gz {
		req.Header.Set("Accept-Encoding", "gzip")
	}
	rec := httptest.NewRecorder()
	e.mux.ServeHTTP(rec, req)
	return rec.Code, rec.Body.Bytes(), rec.Header().Get("Content-Encoding")
}

func gunzip(t testing.TB, b []byte) []byte {
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// seedClones creates n events (and their assignments, audit-free) by
// copying the template event's rows in SQL, with the change-log rows the
// capture hook would have written, so that both sides of a benchmark read
// the same data without paying the hooks n times.
func seedClones(t testing.TB, e *env, templateID string, n int) {
	t.Helper()
	db := e.app.DB()
	exec := func(sql string) {
		if _, err := db.NewQuery(sql).Execute(); err != nil {
			t.Fatalf("%v\n%s", err, sql)
		}
	}
	cols := func(table string) []string {
		var out []string
		if err := db.NewQuery("SELECT name FROM pragma_table_info('" + table + "')").Column(&out); err != nil {
			t.Fatal(err)
		}
		return out
	}
	sel := func(table string, repl map[string]string) (string, string) {
		var names, exprs []string
		for _, c := range cols(table) {
			names = append(names, "["+c+"]")
			if r, ok := repl[c]; ok {
				exprs = append(exprs, r)
			} else {
				exprs = append(exprs, "t.["+c+"]")
			}
		}
		return strings.Join(names, ","), strings.Join(exprs, ",")
	}
	exec(fmt.Sprintf(`CREATE TEMP TABLE seq_n AS WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n+1 FROM c WHERE n < %d) SELECT n FROM c`, n))
	evID := `printf('bn%013d', s.n)`
	names, exprs := sel("events", map[string]string{"id": evID, "title": `'Meeting n°' || s.n`, "place": `'Lieu ' || s.n`})
	exec(fmt.Sprintf(`INSERT INTO events (%s) SELECT %s FROM seq_n s, events t WHERE t.id = '%s'`, names, exprs, templateID))
	names, exprs = sel("assignments", map[string]string{"id": `printf('ba%s%012d', substr(t.role,1,1), s.n)`, "event": evID})
	exec(fmt.Sprintf(`INSERT INTO assignments (%s) SELECT %s FROM seq_n s, assignments t WHERE t.event = '%s'`, names, exprs, templateID))
	// one log row per record, in creation order, then its index rows in
	// every scope of the template record
	exec(`CREATE TEMP TABLE clone_rec AS
		SELECT 'events' AS collection, printf('bn%013d', n) AS id, '` + templateID + `' AS tpl, n, 0 AS k FROM seq_n
		UNION ALL SELECT 'assignments', printf('ba%s%012d', substr(a.role,1,1), s.n), a.id, s.n, 1 FROM seq_n s, assignments a WHERE a.event = '` + templateID + `'`)
	exec(`INSERT INTO _sync_log (collection, record_id, op) SELECT collection, id, 'put' FROM clone_rec ORDER BY n, k, id`)
	exec(`INSERT INTO _sync_index (scope, collection, record_id, seq, removed)
		SELECT i.scope, r.collection, r.id, l.seq, 0 FROM clone_rec r
		JOIN _sync_log l ON l.collection = r.collection AND l.record_id = r.id
		JOIN _sync_index i ON i.collection = r.collection AND i.record_id = r.tpl`)
	exec(`DROP TABLE seq_n`)
	exec(`DROP TABLE clone_rec`)
}

// benchN reads a size from the environment (to try the benchmarks small).
func benchN(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

func BenchmarkSyncPullVsREST(b *testing.B) {
	n := benchN("SYNC_BENCH_EVENTS", 50000)
	for b.Loop() {
		d := newDemoEnv(b)
		tok, _ := d.org.NewAuthToken()
		res := d.doToken("POST", "/api/sync/push", tok, map[string]any{"device": "seed", "mutations": []map[string]any{
			{"id": "tpl", "collection": "events", "op": "create", "record_id": "templateevent00", "data": d.lawfulEvent(0)}}})
		if res.Status != 200 || res.JSON["results"].([]any)[0].(map[string]any)["status"] != "applied" {
			b.Fatal(res)
		}
		seedClones(b, d.env, "templateevent00", n-1)
		dtok, _ := d.director.NewAuthToken()

		for _, limit := range []int{500, 1000} {
			start := time.Now()
			cursor, pages, gzBytes, records, events := "", 0, 0, 0, 0
			for {
				code, body, enc := d.rawGet(fmt.Sprintf("/api/sync/pull?limit=%d&cursor=%s", limit, cursor), dtok, true)
				if code != 200 || enc != "gzip" {
					b.Fatalf("pull %d %s", code, body)
				}
				gzBytes += len(body)
				var page struct {
					Changes []struct {
						Collection string         `json:"collection"`
						Record     map[string]any `json:"record"`
					} `json:"changes"`
					Cursor string `json:"cursor"`
					More   bool   `json:"more"`
				}
				if err := json.Unmarshal(gunzip(b, body), &page); err != nil {
					b.Fatal(err)
				}
				pages++
				records += len(page.Changes)
				for _, c := range page.Changes {
					if c.Collection == "events" {
						events++
					}
				}
				cursor = page.Cursor
				if !page.More {
					break
				}
			}
			dur := time.Since(start)
			if events != n {
				b.Fatalf("pulled %d events, want %d", events, n)
			}
			fmt.Fprintf(os.Stderr, "pull limit=%d: %d pages, %d records (%d events) in %v: %.0f records/s, %.0f events/s, %.1f gzipped bytes/event",
				limit, pages, records, events, dur, float64(records)/dur.Seconds(), float64(events)/dur.Seconds(), float64(gzBytes)/float64(events))
			fmt.Fprintln(os.Stderr)
		}
		for _, col := range []string{"events", "assignments"} {
			start := time.Now()
			total, rawBytes := 0, 0
			for page := 1; ; page++ {
				code, body, _ := d.rawGet(fmt.Sprintf("/api/collections/%s/records?perPage=500&skipTotal=1&page=%d", col, page), dtok, false)
				if code != 200 {
					b.Fatalf("list %d %s", code, body)
				}
				rawBytes += len(body)
				var list struct {
					Items []map[string]any `json:"items"`
				}
				if err := json.Unmarshal(body, &list); err != nil {
					b.Fatal(err)
				}
				total += len(list.Items)
				if len(list.Items) < 500 {
					break
				}
			}
			dur := time.Since(start)
			fmt.Fprintf(os.Stderr, "REST %s: %d records in %v: %.0f records/s, %.1f raw bytes/record", col, total, dur, float64(total)/dur.Seconds(), float64(rawBytes)/float64(total))
			fmt.Fprintln(os.Stderr)
		}
	}
}
