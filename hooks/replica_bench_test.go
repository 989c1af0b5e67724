package hooks_test

import (
	"fmt"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
)

// The cost of replication (docs/BENCHMARKS.md "Replication"): push and
// pull throughput of the real server without a replica, replicating to a
// directory and to an S3-protocol server on 127.0.0.1, in one run, each
// mode three times, alternating. Run with COPROSEC_BENCH=1.
func TestReplicaThroughput(t *testing.T) {
	if os.Getenv("COPROSEC_BENCH") == "" {
		t.Skip("set COPROSEC_BENCH=1 to measure")
	}
	const n, batch = 3000, 100
	backend := s3mem.New()
	ts := httptest.NewServer(gofakes3.New(backend).Server())
	defer ts.Close()
	if err := backend.CreateBucket("bench"); err != nil {
		t.Fatal(err)
	}
	bin := coprosecBinary(t)
	type result struct {
		mode               string
		push, pull         float64 // per second
		durableAfter       time.Duration
		pushTook, pullTook time.Duration
		changes            int
	}
	var results []result
	modes := []string{"none", "file", "s3"}
	for round := 0; round < 3; round++ {
		for _, mode := range modes {
			tmp := t.TempDir()
			s := &crashServer{t: t, bin: bin, dir: filepath.Join(tmp, "pb_data"), args: []string{"--dev=false"}}
			switch mode {
			case "file":
				s.args = append(s.args, "--replica", "file://"+filepath.Join(tmp, "replica"))
			case "s3":
				s.args = append(s.args, "--replica", fmt.Sprintf("s3://bench/r%d?endpoint=%s&region=us-east-1", round, url.QueryEscape(ts.URL)))
				s.env = []string{"AWS_ACCESS_KEY_ID=k", "AWS_SECRET_ACCESS_KEY=s", "AWS_CA_BUNDLE="}
			}
			s.start()
			p := &replicaPhone{name: "bn", email: "organisateur.br@demo.coprosec.bj"}
			p.token, p.user = s.signIn(p.email)
			p.applied, p.recordOf, p.replica = map[string]time.Time{}, map[string]string{}, map[string]map[string]any{}
			world := loadDrillWorld(t, s, p.token)
			p.commune = world.communes["BJ0800"]
			for i := 0; i < n; i++ {
				p.outbox = append(p.outbox, world.event(p, i))
			}
			start := time.Now()
			for len(p.outbox) > 0 {
				if err := p.push(s, batch); err != nil {
					t.Fatal(err)
				}
			}
			pushTook := time.Since(start)
			// until the server says all of it is replicated
			for deadline := time.Now().Add(60 * time.Second); len(p.kept) > 0; time.Sleep(20 * time.Millisecond) {
				var a durableAnswer
				if _, err := s.call("GET", "/api/sync/pull?limit=1", p.token, nil, &a); err != nil {
					t.Fatal(err)
				}
				p.settle(a)
				if time.Now().After(deadline) {
					t.Fatalf("%s: not durable after 60 s", mode)
				}
			}
			durableAfter := time.Since(start) - pushTook
			m := &replicaPhone{name: "ministry", email: "dppae@demo.coprosec.bj", replica: map[string]map[string]any{}}
			m.token, _ = s.signIn(m.email)
			start = time.Now()
			changes := 0
			for cursor := ""; ; {
				var page struct {
					Changes []any  `json:"changes"`
					Cursor  string `json:"cursor"`
					More    bool   `json:"more"`
				}
				if _, err := s.call("GET", "/api/sync/pull?limit=1000&cursor="+url.QueryEscape(cursor), m.token, nil, &page); err != nil {
					t.Fatal(err)
				}
				changes += len(page.Changes)
				cursor = page.Cursor
				if !page.More {
					break
				}
			}
			pullTook := time.Since(start)
			s.kill()
			r := result{mode: mode, push: float64(n) / pushTook.Seconds(), pull: float64(changes) / pullTook.Seconds(),
				durableAfter: durableAfter, pushTook: pushTook, pullTook: pullTook, changes: changes}
			results = append(results, r)
			t.Logf("round %d %-4s push %d in %v (%.0f/s), durable %v after the last answer; pull %d changes in %v (%.0f/s)",
				round+1, mode, n, pushTook.Round(time.Millisecond), r.push, durableAfter.Round(time.Millisecond), changes, pullTook.Round(time.Millisecond), r.pull)
		}
	}
}
