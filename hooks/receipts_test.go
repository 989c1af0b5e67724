package hooks_test

import (
	"net/http"
	"testing"

	"coprosec/internal/receipts"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
)

// rcDeclare declares a lawful meeting of party A in Cotonou (lead: the
// Cotonou commissariat) and returns the event id.
func (e *env) rcDeclare(extra map[string]any) string {
	e.t.Helper()
	w := e.world()
	res := e.do("POST", "/api/collections/events/records", w.orgA, e.meeting(w.partyA, extra))
	if res.Status != http.StatusOK {
		e.t.Fatalf("declare: %s", res)
	}
	return res.JSON["id"].(string)
}

// rcLead returns the lead assignment of an event.
func (e *env) rcLead(eventID string) *core.Record {
	e.t.Helper()
	r, err := e.app.FindFirstRecordByFilter("assignments", "event = {:e} && role = 'lead'", dbx.Params{"e": eventID})
	if err != nil {
		e.t.Fatalf("lead assignment of %s: %v", eventID, err)
	}
	return r
}

// rcAck acknowledges the lead assignment of an event as its commander.
func (e *env) rcAck(eventID string, as *core.Record) response {
	e.t.Helper()
	return e.do("PATCH", "/api/collections/assignments/records/"+e.rcLead(eventID).Id, as, map[string]any{"status": "acknowledged"})
}

// rcReceipts returns the receipts of an event, oldest first.
func (e *env) rcReceipts(eventID string) []*core.Record {
	e.t.Helper()
	rs, err := e.app.FindRecordsByFilter("receipts", "event = {:e}", "created,number", 0, 0, dbx.Params{"e": eventID})
	if err != nil {
		e.t.Fatal(err)
	}
	return rs
}

func TestReceiptProbe(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	ev := e.rcDeclare(nil)
	res := e.rcAck(ev, w.commanderCotonou)
	t.Logf("ack: %s", res)
	rs := e.rcReceipts(ev)
	for _, r := range rs {
		t.Logf("%s %s", r.GetString("number"), r.GetString("token"))
		c := receipts.Verify(r.GetString("token"), receipts.JWKS{}, receipts.RevocationList{}, e.now)
		t.Logf("%+v", c.Claims)
	}
}
