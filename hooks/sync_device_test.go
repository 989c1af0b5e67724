package hooks_test

import (
	"net/http"
	"testing"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
)

// The server keeps, per device, the last pull and push, the cursor lag
// and the last error; the directorate of the user's département and the
// ministry read it, other units and parties do not.
func TestSyncDeviceStatus(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	for i := 0; i < 3; i++ {
		e.syncDeclare(w.orgA, e.meeting(w.partyA, nil))
	}
	officer := e.syncDevice("tel-agent-1", w.officerCotonou)
	officer.pull(2, 1) // one page of two: behind
	st := e.deviceStatus(w.officerCotonou, "tel-agent-1")
	if st == nil || st.GetDateTime("last_pull_at").IsZero() || st.GetInt("lag") <= 0 || st.GetInt("cursor_seq") <= 0 {
		t.Fatalf("after a partial pull: %v", st)
	}
	// the next page of the same sync is not written (a write per page
	// would queue behind every declaration), the last one is
	first := st.GetInt("cursor_seq")
	officer.pull(2, 1)
	if st = e.deviceStatus(w.officerCotonou, "tel-agent-1"); st.GetInt("cursor_seq") != first {
		t.Fatalf("an intermediate page moved the status from %d to %d", first, st.GetInt("cursor_seq"))
	}
	officer.pull(500, 0)
	st = e.deviceStatus(w.officerCotonou, "tel-agent-1")
	if st.GetInt("lag") != 0 || st.GetInt("cursor_seq") <= first {
		t.Fatalf("after a full pull, lag %d", st.GetInt("lag"))
	}
	if !st.GetDateTime("last_push_at").IsZero() || st.GetString("last_error") != "" {
		t.Fatalf("push fields before any push: %v", st.FieldsData())
	}
	// a push with a refused mutation records the error
	officer.outbox = []syncMutation{mCreate("m1", "events", "officerevent001", e.meeting(w.partyA, nil))}
	officer.push(10, false)
	st = e.deviceStatus(w.officerCotonou, "tel-agent-1")
	if st.GetDateTime("last_push_at").IsZero() || st.GetString("last_error") == "" || st.GetDateTime("last_error_at").IsZero() {
		t.Fatalf("after a refused push: %v", st.FieldsData())
	}
	// the X-Device header names the device as well
	tok, _ := w.officerCotonou.NewAuthToken()
	req := e.doHeaders("GET", "/api/sync/pull", tok, nil, map[string]string{"X-Device": "tel-agent-2"})
	if req.Status != http.StatusOK || e.deviceStatus(w.officerCotonou, "tel-agent-2") == nil {
		t.Fatalf("X-Device: %s", req)
	}

	for _, c := range []struct {
		who  *core.Record
		sees bool
	}{
		{w.directorLittoral, true}, {w.ministry, true}, {w.officerCotonou, true},
		{w.directorAtlantique, false}, {w.commanderCalavi, false}, {w.officerCalavi, false},
		{w.orgA, false}, {w.adminA, false}, {w.orgB, false},
	} {
		res := e.do("GET", "/api/collections/device_status/records?perPage=100", c.who, nil)
		if res.Status != http.StatusOK {
			t.Fatalf("%s lists device_status: %s", c.who.GetString("email"), res)
		}
		if got := ids(res)[st.Id]; got != c.sees {
			t.Errorf("%s sees the officer's device: %v, want %v", c.who.GetString("email"), got, c.sees)
		}
		view := e.do("GET", "/api/collections/device_status/records/"+st.Id, c.who, nil)
		if (view.Status == http.StatusOK) != c.sees {
			t.Errorf("%s views the officer's device: %d", c.who.GetString("email"), view.Status)
		}
	}
	// nobody but the server writes it
	for _, who := range []*core.Record{w.officerCotonou, w.directorLittoral, w.ministry} {
		if res := e.do("PATCH", "/api/collections/device_status/records/"+st.Id, who, map[string]any{"lag": 0, "last_error": ""}); res.Status < 400 {
			t.Errorf("%s edits a device status: %s", who.GetString("email"), res)
		}
	}
	// a party's devices: its own user and the ministry only
	org := e.syncDevice("tel-orga", w.orgA)
	org.pull(0, 0)
	ost := e.deviceStatus(w.orgA, "tel-orga")
	for _, c := range []struct {
		who  *core.Record
		sees bool
	}{{w.orgA, true}, {w.ministry, true}, {w.adminA, false}, {w.orgB, false}, {w.directorLittoral, false}, {w.officerCotonou, false}} {
		if got := ids(e.do("GET", "/api/collections/device_status/records?perPage=100", c.who, nil))[ost.Id]; got != c.sees {
			t.Errorf("%s sees the organizer's device: %v, want %v", c.who.GetString("email"), got, c.sees)
		}
	}
}

func (e *env) deviceStatus(u *core.Record, device string) *core.Record {
	e.t.Helper()
	r, err := e.app.FindFirstRecordByFilter("device_status", "user = {:u} && device = {:d}", dbx.Params{"u": u.Id, "d": device})
	if err != nil {
		return nil
	}
	return r
}
