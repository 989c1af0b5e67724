package hooks_test

import (
	"bytes"
	"compress/gzip"
	"coprosec/hooks/demo"
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
	if _, err := demo.Seed(e.app, e.now); err != nil {
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
	el, err := e.app.FindFirstRecordByData("elections", "name", demo.ElectionName)
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

// BenchmarkSyncPushVsREST creates the same events (SYNC_BENCH_CREATES,
// default 10,000, lawful meetings in Cotonou, client ids) on two fresh
// demo databases: by sync push in batches of 100, and one by one through
// POST /api/collections/events/records. Rate limits are off on both. The
// two sides alternate batch by batch (push 100, then the same 100 over
// REST), so a change in the machine's load while the benchmark runs
// weighs on both alike, and both databases grow together.
func BenchmarkSyncPushVsREST(b *testing.B) {
	n := benchN("SYNC_BENCH_CREATES", 10000)
	const batch = 100
	for b.Loop() {
		d, r := newDemoEnv(b), newDemoEnv(b)
		pushTok, _ := d.org.NewAuthToken()
		restTok, _ := r.org.NewAuthToken()
		var pushDur, restDur time.Duration
		for i := 0; i < n; i += batch {
			var muts []map[string]any
			rest := make([][]byte, 0, batch)
			for j := i; j < min(i+batch, n); j++ {
				muts = append(muts, map[string]any{"id": fmt.Sprintf("m%d", j), "collection": "events", "op": "create",
					"record_id": recID("ev", j), "data": d.lawfulEvent(j)})
				body := r.lawfulEvent(j)
				body["id"] = recID("ev", j)
				raw, _ := json.Marshal(body)
				rest = append(rest, raw)
			}
			raw, _ := json.Marshal(map[string]any{"device": "bench", "mutations": muts})

			start := time.Now()
			res := d.doToken("POST", "/api/sync/push", pushTok, raw)
			pushDur += time.Since(start)
			if res.Status != http.StatusOK || strings.Contains(string(res.Body), `"rejected"`) {
				b.Fatal(res)
			}

			start = time.Now()
			for _, body := range rest {
				if res := r.doToken("POST", "/api/collections/events/records", restTok, body); res.Status != http.StatusOK {
					b.Fatal(res)
				}
			}
			restDur += time.Since(start)
		}
		for _, x := range []*demoEnv{d, r} {
			if c, _ := x.app.CountRecords("events"); int(c) != n {
				b.Fatalf("%d events, want %d", c, n)
			}
		}
		fmt.Fprintf(os.Stderr, "push %d creates in batches of %d: %v (%.0f creates/s); REST one by one: %v (%.0f creates/s); push/REST %.2fx\n",
			n, batch, pushDur.Round(time.Millisecond), float64(n)/pushDur.Seconds(), restDur.Round(time.Millisecond), float64(n)/restDur.Seconds(), restDur.Seconds()/pushDur.Seconds())
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

func gzipLen(b []byte) int {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	_, _ = zw.Write(b)
	_ = zw.Close()
	return buf.Len()
}

// seedClones creates n events (and their assignments) by copying the
// template event's rows in SQL, varying the title, place, notes, times,
// attendance and timestamps, with the change-log rows the capture hook
// would have written for them (one seq per record, an index row in each
// scope of the template record), so that both sides of a benchmark read
// the same data without paying the hooks n times. No audit rows.
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
	shift := func(col, by string) string {
		return `strftime('%Y-%m-%d %H:%M:%fZ', t.` + col + `, ` + by + `)`
	}
	exec(fmt.Sprintf(`CREATE TEMP TABLE seq_n AS WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n+1 FROM c WHERE n < %d) SELECT n FROM c`, n))
	evID := `printf('bn%013d', s.n)`
	names, exprs := sel("events", map[string]string{
		"id": evID, "title": `'Meeting n°' || s.n || ' du parti'`, "place": `'Quartier ' || (s.n % 97) || ', place ' || (s.n % 13)`,
		"notes":               `'Rassemblement de ' || (s.n * 37 % 5000) || ' militants, sonorisation prévue.'`,
		"expected_attendance": `s.n * 37 % 5000`,
		"starts_at":           shift("starts_at", `'+' || (s.n % 600) || ' minutes'`),
		"ends_at":             shift("ends_at", `'+' || (s.n % 600) || ' minutes'`),
		"created":             shift("created", `'+' || s.n || ' seconds'`),
		"updated":             shift("updated", `'+' || s.n || ' seconds'`),
		"declared_at":         shift("declared_at", `'+' || s.n || ' seconds'`),
	})
	exec(fmt.Sprintf(`INSERT INTO events (%s) SELECT %s FROM seq_n s, events t WHERE t.id = '%s'`, names, exprs, templateID))
	names, exprs = sel("assignments", map[string]string{
		"id": `printf('ba%s%012d', substr(t.role,1,1), s.n)`, "event": evID,
		"created": shift("created", `'+' || s.n || ' seconds'`), "updated": shift("updated", `'+' || s.n || ' seconds'`),
		"due_at": shift("due_at", `'+' || s.n || ' seconds'`),
	})
	exec(fmt.Sprintf(`INSERT INTO assignments (%s) SELECT %s FROM seq_n s, assignments t WHERE t.event = '%s'`, names, exprs, templateID))
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

// BenchmarkSyncPullVsREST reads what the Littoral director sees of
// SYNC_BENCH_EVENTS (default 50,000) events of Cotonou and their 100,000
// assignments, in one database: by sync pull from scratch (gzip, as a
// phone asks), and by paging PocketBase's list API over the same records
// (perPage=500&skipTotal=1, events then assignments). Both decode every
// page as a client would.
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

		type pullRun struct {
			dur                     time.Duration
			pages, records, gzBytes int
		}
		pull := func(limit int) pullRun {
			var r pullRun
			start := time.Now()
			cursor, events := "", 0
			for {
				code, body, enc := d.rawGet(fmt.Sprintf("/api/sync/pull?limit=%d&cursor=%s", limit, cursor), dtok, true)
				if code != 200 || enc != "gzip" {
					b.Fatalf("pull %d %s", code, body)
				}
				r.gzBytes += len(body)
				var page syncPage
				if err := json.Unmarshal(gunzip(b, body), &page); err != nil {
					b.Fatal(err)
				}
				r.pages++
				r.records += len(page.Changes)
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
			r.dur = time.Since(start)
			if events != n {
				b.Fatalf("pulled %d events, want %d", events, n)
			}
			return r
		}
		type listRun struct {
			dur                        time.Duration
			pages, records, raw, gzLen int
		}
		list := func(col string) listRun {
			var r listRun
			var bodies [][]byte
			start := time.Now()
			for page := 1; ; page++ {
				code, body, _ := d.rawGet(fmt.Sprintf("/api/collections/%s/records?perPage=500&skipTotal=1&page=%d", col, page), dtok, false)
				if code != 200 {
					b.Fatalf("list %d %s", code, body)
				}
				var l struct {
					Items []map[string]any `json:"items"`
				}
				if err := json.Unmarshal(body, &l); err != nil {
					b.Fatal(err)
				}
				bodies = append(bodies, body)
				r.pages++
				r.records += len(l.Items)
				if len(l.Items) < 500 {
					break
				}
			}
			r.dur = time.Since(start)
			for _, body := range bodies { // not timed
				r.raw += len(body)
				r.gzLen += gzipLen(body)
			}
			return r
		}

		p500, p1000 := pull(500), pull(1000)
		ev, as := list("events"), list("assignments")
		if ev.records != n || as.records != 2*n {
			b.Fatalf("REST listed %d events, %d assignments", ev.records, as.records)
		}
		restDur, restRecords := ev.dur+as.dur, ev.records+as.records
		for _, x := range []struct {
			name string
			r    pullRun
		}{{"limit=500", p500}, {"limit=1000", p1000}} {
			fmt.Fprintf(os.Stderr, "pull %s: %d pages, %d records in %v: %.0f records/s, %.1f gzipped bytes/event\n",
				x.name, x.r.pages, x.r.records, x.r.dur.Round(time.Millisecond), float64(x.r.records)/x.r.dur.Seconds(), float64(x.r.gzBytes)/float64(n))
		}
		fmt.Fprintf(os.Stderr, "REST events: %d pages, %d records in %v: %.0f records/s, %.1f bytes/event (%.1f if gzipped)\n",
			ev.pages, ev.records, ev.dur.Round(time.Millisecond), float64(ev.records)/ev.dur.Seconds(), float64(ev.raw)/float64(n), float64(ev.gzLen)/float64(n))
		fmt.Fprintf(os.Stderr, "REST assignments: %d pages, %d records in %v: %.0f records/s\n",
			as.pages, as.records, as.dur.Round(time.Millisecond), float64(as.records)/as.dur.Seconds())
		fmt.Fprintf(os.Stderr, "REST events+assignments: %d records in %v: %.0f records/s, %.1f bytes/event (%.1f if gzipped)\n",
			restRecords, restDur.Round(time.Millisecond), float64(restRecords)/restDur.Seconds(), float64(ev.raw+as.raw)/float64(n), float64(ev.gzLen+as.gzLen)/float64(n))
		fmt.Fprintf(os.Stderr, "pull/REST records/s: %.2fx (limit=500), %.2fx (limit=1000)\n",
			float64(p500.records)/p500.dur.Seconds()/(float64(restRecords)/restDur.Seconds()),
			float64(p1000.records)/p1000.dur.Seconds()/(float64(restRecords)/restDur.Seconds()))
		b.ReportMetric(float64(p500.records)/p500.dur.Seconds(), "pull500_records/s")
		b.ReportMetric(float64(p1000.records)/p1000.dur.Seconds(), "pull1000_records/s")
		b.ReportMetric(float64(restRecords)/restDur.Seconds(), "rest_records/s")
		b.ReportMetric(float64(p500.gzBytes)/float64(n), "pull500_gz_bytes/event")
	}
}
