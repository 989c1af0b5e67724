package hooks_test

import (
	"fmt"
	"math"
	"slices"
	"sync"
	"testing"
	"time"

	"coprosec/hooks/write"
	"coprosec/internal/syncproto"
)

// caravanBody is a lawful caravan leaving Cotonou for Abomey-Calavi on a
// route of n points (real geography: every point is located).
func (g *realGeo) caravanBody(title string, n int, day int) map[string]any {
	route := make([]map[string]any, n)
	for i := range route {
		f := float64(i) / float64(n-1)
		route[i] = map[string]any{"lat": 6.365 + 0.085*f + 0.002*math.Sin(float64(i)), "lon": 2.43 - 0.08*f}
	}
	start := campaignHour(2026, 3, 3+day%10, 8+day/10%4)
	return map[string]any{"party": g.party.Id, "election": g.election.Id, "kind": "caravan", "title": title,
		"place": "Cotonou → Abomey-Calavi", "location": route[0], "route": route,
		"starts_at": start, "ends_at": start.Add(2 * time.Hour)}
}

// pushHoldEnv is real geography with commune commissariats, an organizer
// who pushes caravans and a commander acknowledging meanwhile.
type pushHoldEnv struct {
	*realGeo
	orgTok, cmdTok string
	lead           string // an assignment of the commander's unit
}

func newPushHoldEnv(tb testing.TB) *pushHoldEnv {
	g := newRealGeo(tb)
	byCom := g.communeCommissariats()
	org := g.save("users", map[string]any{"email": "caravanes@test.bj", "password": testPassword, "name": "Organisateur",
		"role": "organizer", "party": g.party.Id, "phone": "+22997100001", "verified": true})
	cmd := g.save("users", map[string]any{"email": "commandant@test.bj", "password": testPassword, "name": "Commandant",
		"role": "commander", "unit": byCom["BJ0800"], "phone": "+22997100002", "verified": true})
	ev := g.meetingAt("Meeting à acquitter", "6.3654", "2.4183")
	var lead string
	if err := g.app.DB().NewQuery("SELECT id FROM assignments WHERE event = {:e} AND role = 'lead'").Bind(map[string]any{"e": ev.Id}).Row(&lead); err != nil {
		tb.Fatal(err)
	}
	p := &pushHoldEnv{realGeo: g, lead: lead}
	p.orgTok, _ = org.NewAuthToken()
	p.cmdTok, _ = cmd.NewAuthToken()
	return p
}

// pushWhileAcknowledging pushes the caravans in one request while the
// commander writes its assignment again and again; it returns the waits
// of those writes and how long the push took.
func (p *pushHoldEnv) pushWhileAcknowledging(muts []syncMutation) (waits []time.Duration, push time.Duration) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-done:
				return
			default:
			}
			t0 := time.Now()
			res := p.doToken("PATCH", "/api/collections/assignments/records/"+p.lead, p.cmdTok, map[string]any{"officers": i%50 + 1})
			waits = append(waits, time.Since(t0))
			if res.Status != 200 {
				panic(res.String())
			}
		}
	}()
	time.Sleep(20 * time.Millisecond)
	t0 := time.Now()
	resp, res := p.syncPush(p.orgTok, "phone-caravanes", muts)
	push = time.Since(t0)
	close(done)
	wg.Wait()
	if res.Status != 200 {
		panic(res.String())
	}
	for _, r := range resp.Results {
		if r.Status != syncproto.StatusApplied {
			panic(resultString(r))
		}
	}
	return waits, push
}

// BenchmarkPushHoldsTheWriterBriefly: one push of 45 caravans with
// 480-point routes while a commander writes its assignment; the metric is
// the longest wait of those writes, with the writer hold bounded by time
// (PushHoldBudget) and, for comparison, by count only.
func BenchmarkPushHoldsTheWriterBriefly(b *testing.B) {
	for _, c := range []struct {
		name   string
		budget time.Duration
	}{{"bounded", write.PushHoldBudget}, {"count_only", time.Hour}} {
		b.Run(c.name, func(b *testing.B) {
			defer func(old time.Duration) { write.PushHoldBudget = old }(write.PushHoldBudget)
			write.PushHoldBudget = c.budget
			p := newPushHoldEnv(b)
			var all []time.Duration
			var pushes time.Duration
			for i := 0; b.Loop(); i++ {
				muts := make([]syncMutation, 45)
				for j := range muts {
					id := fmt.Sprintf("caravan%02d%06d", i%100, j)
					muts[j] = mCreate("m-"+id, "events", id, p.caravanBody("Caravane "+id, 480, j))
				}
				waits, push := p.pushWhileAcknowledging(muts)
				all = append(all, waits...)
				pushes += push
			}
			slices.Sort(all)
			b.ReportMetric(float64(all[len(all)-1].Milliseconds()), "max-wait-ms")
			b.ReportMetric(float64(all[len(all)/2].Microseconds())/1000, "p50-wait-ms")
			b.ReportMetric(float64(pushes.Milliseconds())/float64(b.N), "push-ms")
		})
	}
}
