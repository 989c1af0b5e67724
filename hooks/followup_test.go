package hooks_test

import (
	"sync"
	"testing"

	"coprosec/internal/syncproto"

	"github.com/pocketbase/pocketbase/core"
)

// saveCounter counts the record saves (through app.Save and its hook
// chain) that reach the database, by collection.
type saveCounter struct {
	mu sync.Mutex
	n  map[string]int
}

func (e *env) countSaves() *saveCounter {
	c := &saveCounter{n: map[string]int{}}
	count := func(ev *core.RecordEvent) error {
		c.mu.Lock()
		c.n[ev.Record.Collection().Name]++
		c.mu.Unlock()
		return ev.Next()
	}
	e.app.OnRecordCreateExecute().BindFunc(count)
	e.app.OnRecordUpdateExecute().BindFunc(count)
	return c
}

func (c *saveCounter) get() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := map[string]int{}
	for k, v := range c.n {
		out[k] = v
	}
	c.n = map[string]int{}
	return out
}

// A pushed event that clashes is one record save and its assignments: the
// partner's clash link and the device status are written in the session
// without a record save, and still give what a save gave (version, field
// version, audit row, change log).
func TestFollowUpWritesSkipTheHookChain(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	a := e.mustDeclare(w.orgA, e.meeting(w.partyA, map[string]any{"location": map[string]any{"lat": 6.3703, "lon": 2.3912}}))
	before, _ := e.app.FindRecordById("events", a)
	auditBefore := e.auditCount("events", a)

	saves := e.countSaves()
	body := e.meeting(w.partyB, map[string]any{"location": map[string]any{"lat": 6.3730, "lon": 2.3912},
		"starts_at": local(2026, 3, 14, 12, 30), "ends_at": local(2026, 3, 14, 14, 0)})
	res := e.pushAs(w.orgB, "phone-b", mCreate("m1", "events", "clashingeventb1", body))
	if res[0].Status != syncproto.StatusApplied {
		t.Fatalf("push: %+v", res[0])
	}
	got := saves.get()
	t.Logf("record saves for one pushed event that clashes: %v", got)
	if got["events"] != 1 || got["assignments"] != 2 || got["device_status"] != 0 {
		t.Fatalf("saves %v, want the event once, its two assignments, nothing else", got)
	}

	after, _ := e.app.FindRecordById("events", a)
	if !after.GetBool("clash") || len(after.GetStringSlice("clash_with")) != 1 || after.GetStringSlice("clash_with")[0] != "clashingeventb1" {
		t.Fatalf("partner links: clash=%v %v", after.GetBool("clash"), after.GetStringSlice("clash_with"))
	}
	if after.GetInt("version") != before.GetInt("version")+1 {
		t.Errorf("partner version %d → %d", before.GetInt("version"), after.GetInt("version"))
	}
	var fv map[string]int
	if err := after.UnmarshalJSONField("field_versions", &fv); err != nil || fv["clash_with"] != after.GetInt("version") || fv["clash"] != after.GetInt("version") {
		t.Errorf("partner field versions %v (%v)", fv, err)
	}
	if !after.GetDateTime("updated").Time().After(before.GetDateTime("updated").Time()) {
		t.Errorf("partner updated %v → %v", before.GetDateTime("updated"), after.GetDateTime("updated"))
	}
	if n := e.auditCount("events", a); n != auditBefore+1 {
		t.Errorf("partner audit rows %d → %d", auditBefore, n)
	}
	// the partner's organizer pulls the change: the notice, never the
	// exact clash (J10)
	phoneA := e.syncDevice("phone-a", w.orgA)
	phoneA.pull(0, 100)
	if rec := phoneA.replica["events"][a]; rec == nil || rec["clash_notice"] != true || rec["clash"] != nil || rec["clash_with"] != nil {
		t.Errorf("organizer A pulled its event as %v", rec)
	}
	// the device status was written
	st, err := e.app.FindFirstRecordByFilter("device_status", "user = {:u} && device = 'phone-b'", map[string]any{"u": w.orgB.Id})
	if err != nil || st.GetDateTime("last_push_at").IsZero() || st.GetString("last_error") != "" {
		t.Fatalf("device status %v (%v)", st, err)
	}
}
