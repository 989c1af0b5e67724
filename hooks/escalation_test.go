package hooks_test

import (
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
)

// cloneOverdueLeads makes n copies of event id, each with a copy of its
// lead assignment, straight in SQL: a backlog of n overdue leads in about
// a second.
func (e *env) cloneOverdueLeads(id string, n int) {
	e.t.Helper()
	cols := func(table string) []string {
		var names []string
		if err := e.app.DB().NewQuery("SELECT name FROM pragma_table_info({:t})").Bind(dbx.Params{"t": table}).Column(&names); err != nil {
			e.t.Fatal(err)
		}
		return names
	}
	clone := func(table, where string, set map[string]string) {
		var dst, src []string
		for _, c := range cols(table) {
			dst = append(dst, "["+c+"]")
			if v, ok := set[c]; ok {
				src = append(src, v)
			} else {
				src = append(src, "t.["+c+"]")
			}
		}
		q := `WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < {:n})
			INSERT INTO ` + table + ` (` + strings.Join(dst, ",") + `) SELECT ` + strings.Join(src, ",") +
			` FROM seq, ` + table + ` t WHERE ` + where
		if _, err := e.app.DB().NewQuery(q).Bind(dbx.Params{"n": n, "id": id}).Execute(); err != nil {
			e.t.Fatal(err)
		}
	}
	clone("events", "t.id = {:id}", map[string]string{"id": "printf('e%014d', i)"})
	clone("assignments", "t.event = {:id} AND t.role = 'lead'", map[string]string{
		"id": "printf('a%014d', i)", "event": "printf('e%014d', i)",
		// deadlines one second apart, so the earliest go first
		"due_at": "strftime('%Y-%m-%d %H:%M:%f', t.due_at, printf('+%d seconds', i)) || 'Z'"})
}

// The escalation job (J11) works in bounded batches and never overlaps
// itself: with 100,000 overdue leads one run's memory follows its batch,
// not the backlog; a run stops at its budget and the next resumes with
// the earliest deadlines left; a run started while one is going is
// skipped.
func TestEscalationJobIsBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("builds 100,000 overdue assignments")
	}
	e := newEnv(t)
	w := e.world()
	id := e.mustDeclare(w.orgA, e.meeting(w.partyA, nil))
	const backlog = 100_000
	e.cloneOverdueLeads(id, backlog)
	lead := e.assignments(id)[w.comCotonou.Id]
	e.now = lead.GetDateTime("due_at").Time().Add(48 * time.Hour)
	count := func(status string) int {
		var n int
		_ = e.app.DB().NewQuery("SELECT COUNT(*) FROM assignments WHERE role = 'lead' AND status = {:s}").Bind(dbx.Params{"s": status}).Row(&n)
		return n
	}
	if got := count("pending"); got != backlog+1 {
		t.Fatalf("%d pending leads", got)
	}

	runtime.GC()
	var base runtime.MemStats
	runtime.ReadMemStats(&base)
	var peak atomic.Uint64
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		var m runtime.MemStats
		for {
			runtime.ReadMemStats(&m)
			if m.HeapAlloc > peak.Load() {
				peak.Store(m.HeapAlloc)
			}
			select {
			case <-stop:
				return
			case <-time.After(5 * time.Millisecond):
			}
		}
	}()

	type run struct {
		n   int
		ran bool
		err error
	}
	first := make(chan run, 1)
	go func() {
		n, ran, err := e.svc.Write.RunEscalationJob(2 * time.Second)
		first <- run{n, ran, err}
	}()
	for deadline := time.Now().Add(10 * time.Second); count("escalated") == 0; {
		if time.Now().After(deadline) {
			t.Fatal("the first run escalated nothing")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if n, ran, _ := e.svc.Write.RunEscalationJob(time.Second); ran || n != 0 {
		t.Fatalf("a run overlapped the running one: ran %v, %d escalated", ran, n)
	}
	r := <-first
	close(stop)
	<-sampled
	if r.err != nil || !r.ran || r.n == 0 || r.n >= backlog {
		t.Fatalf("first run: %+v", r)
	}
	growth := int64(peak.Load()) - int64(base.HeapAlloc)
	t.Logf("first run: %d escalated in 2 s, heap growth %.1f MB", r.n, float64(growth)/(1<<20))
	if growth > 64<<20 {
		t.Errorf("heap grew by %d MB during a run over %d overdue leads", growth>>20, backlog)
	}
	if got := count("escalated"); got != r.n {
		t.Fatalf("%d escalated, run reported %d", got, r.n)
	}
	// the earliest deadline went first: the declared event's own lead
	if a, _ := e.app.FindRecordById("assignments", lead.Id); a.GetString("status") != "escalated" {
		t.Fatalf("the earliest overdue lead is %s", a.GetString("status"))
	}
	// the next run resumes
	n, ran, err := e.svc.Write.RunEscalationJob(500 * time.Millisecond)
	if err != nil || !ran || n == 0 || count("escalated") != r.n+n {
		t.Fatalf("second run: %d, %v, %v", n, ran, err)
	}
}
