package hooks_test

import (
	"net/http"
	"strconv"
	"testing"

	"coprosec/hooks/routes"
)

// TestRESTWriteAnswersItsLogPosition: a successful REST write (a create,
// an acknowledgement, a batch) answers the epoch and a written seq that
// bounds every change it made, as a push does, so that a client can keep
// it until it is durable and send it again after a restore (DESIGN §5).
// A refused write answers none.
func TestRESTWriteAnswersItsLogPosition(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	tok, _ := w.commanderCotonou.NewAuthToken()
	first, res := e.syncPull(tok, "pos", "", 1000)
	if res.Status != http.StatusOK {
		t.Fatalf("pull: %s", res)
	}
	epoch, _ := res.JSON["epoch"].(string)
	if epoch == "" {
		t.Fatalf("pull answers no epoch: %s", res)
	}

	position := func(what string, r response) int64 {
		t.Helper()
		if r.Status != http.StatusOK {
			t.Fatalf("%s: %s", what, r)
		}
		if got := r.Header.Get(routes.HeaderEpoch); got != epoch {
			t.Fatalf("%s: epoch header %q, want %q", what, got, epoch)
		}
		seq, err := strconv.ParseInt(r.Header.Get(routes.HeaderWrittenSeq), 10, 64)
		if err != nil || seq <= 0 {
			t.Fatalf("%s: written seq header %q", what, r.Header.Get(routes.HeaderWrittenSeq))
		}
		return seq
	}

	declare := e.do("POST", "/api/collections/events/records", w.orgA, e.meeting(w.partyA, nil))
	declared := position("declare", declare)
	ev := declare.JSON["id"].(string)
	acked := position("acknowledge", e.rcAck(ev, w.commanderCotonou))
	if acked <= declared {
		t.Fatalf("the acknowledgement's seq %d is not after the declaration's %d", acked, declared)
	}
	// every change the two writes made is at or below the acknowledgement's seq
	page, res := e.syncPull(tok, "pos", first.Cursor, 1000)
	if res.Status != http.StatusOK || page.More || len(page.Changes) == 0 {
		t.Fatalf("pull after the writes: %s", res)
	}
	lead := e.rcLead(ev).Id
	sawLead := false
	for _, c := range page.Changes {
		if c.Seq > acked {
			t.Errorf("change %s/%s at seq %d after the written seq %d", c.Collection, c.ID, c.Seq, acked)
		}
		sawLead = sawLead || (c.Collection == "assignments" && c.ID == lead)
	}
	if !sawLead {
		t.Error("the acknowledged assignment is not in the pull")
	}
	// without a replica the server's disk is all the durability: durable at once
	if d, _ := res.JSON["durable_seq"].(float64); int64(d) < acked {
		t.Errorf("durable_seq %v below the written seq %d without a replica", d, acked)
	}

	batch := e.do("POST", "/api/batch", w.orgA, map[string]any{"requests": []map[string]any{
		{"method": "PATCH", "url": "/api/collections/events/records/" + ev, "body": map[string]any{"notes": "Sono prévue"}}}})
	if seq := position("batch", batch); seq <= acked {
		t.Errorf("the batch's seq %d is not after the acknowledgement's %d", seq, acked)
	}

	// refused writes: no position
	for what, r := range map[string]response{
		"acknowledged again by another unit": e.rcAck(ev, w.commanderCalavi),
		"guest create":                       e.do("POST", "/api/collections/events/records", nil, e.meeting(w.partyA, nil)),
	} {
		if r.Status < 400 {
			t.Fatalf("%s: %s", what, r)
		}
		if h := r.Header.Get(routes.HeaderWrittenSeq); h != "" {
			t.Errorf("%s answers a written seq %q", what, h)
		}
	}
}
