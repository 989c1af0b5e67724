package hooks_test

import (
	"fmt"
	"net/http"
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
