package hooks_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/pocketbase/pocketbase/core"
)

// TestBadEventInputIsA400 sends malformed declarations: each must get a
// 400 with a code, never a 500, and write nothing.
func TestBadEventInputIsA400(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	bodies := []map[string]any{
		{"starts_at": "demain"},
		{"kind": "fete"},
		{"route": map[string]any{"lat": 1}},
		{"route": []any{map[string]any{"lat": "six", "lon": 2}}},
		{"route": []any{map[string]any{"lat": 95, "lon": 2}}},
		{"location": map[string]any{"lat": 200, "lon": 2}},
		{"location": "Cotonou"},
		{"commune": "nosuchcommune00"},
		{"election": "nosuchelection0"},
		{"expected_attendance": -5},
		{"security_needs": []string{"tanks"}},
		{"status": "completed"},
		{"sound_vehicle": "peut-être"},
		{"title": ""},
	}
	for _, extra := range bodies {
		res := e.declare(w.orgA, e.meeting(w.partyA, extra))
		if res.Status != http.StatusBadRequest {
			t.Errorf("%v: %s", extra, res)
		}
	}
	for _, raw := range []string{`{`, `[]`, `null`, `{"party": {"$ne": 1}}`, `"x"`} {
		if res := e.do("POST", "/api/collections/events/records", w.orgA, raw); res.Status != http.StatusBadRequest {
			t.Errorf("%s: %s", raw, res)
		}
	}
	if n, _ := e.app.CountRecords("events"); n != 0 {
		t.Fatalf("%d events written", n)
	}
}

// multipart posts a multipart form of text fields as u.
func (e *env) multipart(method, url string, u *core.Record, fields [][2]string) response {
	e.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for _, kv := range fields {
		if err := mw.WriteField(kv[0], kv[1]); err != nil {
			e.t.Fatal(err)
		}
	}
	mw.Close()
	token, err := u.NewAuthToken()
	if err != nil {
		e.t.Fatal(err)
	}
	req := httptest.NewRequest(method, url, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", token)
	req.RemoteAddr = "127.0.0.1:5555"
	rec := httptest.NewRecorder()
	e.mux.ServeHTTP(rec, req)
	res := response{Status: rec.Code, Body: rec.Body.Bytes()}
	_ = json.Unmarshal(res.Body, &res.JSON)
	return res
}

// TestWrongTypesAreRefusedNotCoerced: a value of the wrong type, a number
// no client reads exactly, text that is not UTF-8 or a date in no election
// is a 400 with a code on REST (JSON and multipart) and a rejection with
// the same code in push — never stored coerced, never an internal error
// retried forever (issue 12.7, 12.16).
func TestWrongTypesAreRefusedNotCoerced(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	cases := []struct {
		field string
		value any
		code  string
	}{
		{"expected_attendance", "lots", "invalid_type"},
		{"expected_attendance", true, "invalid_type"},
		{"expected_attendance", float64(1 << 53), "number_out_of_range"},
		{"expected_attendance", 1e300, "number_out_of_range"},
		{"security_needs", map[string]any{"escort": true}, "invalid_type"},
		{"security_needs", []any{1, 2}, "invalid_type"},
		{"title", 123, "invalid_type"},
		{"notes", []any{"a"}, "invalid_type"},
		{"commune", map[string]any{"id": w.cotonou.Id}, "invalid_type"},
		{"starts_at", 1773482400, "invalid_type"},
	}
	tok, err := w.orgA.NewAuthToken()
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range cases {
		body := e.meeting(w.partyA, map[string]any{c.field: c.value})
		if res := e.declare(w.orgA, body); res.Status != http.StatusBadRequest || res.code() != c.code {
			t.Errorf("REST %s=%v: %s, want 400 %s", c.field, c.value, res, c.code)
		}
		p, res := e.syncPush(tok, "phone-types", []syncMutation{{"id": fmt.Sprintf("types-%d", i), "collection": "events", "op": "create",
			"record_id": fmt.Sprintf("typesevent%05d", i), "data": body}})
		if res.Status != http.StatusOK || len(p.Results) != 1 || p.Results[0].Status != "rejected" || p.Results[0].Error.Code != c.code {
			t.Errorf("push %s=%v: %s, want rejected %s", c.field, c.value, res, c.code)
		}
	}

	// multipart: every value is text, so words for numbers and bytes that
	// are not UTF-8 get through any JSON decoder
	form := func(extra ...[2]string) [][2]string {
		f := [][2]string{{"party", w.partyA.Id}, {"election", w.election.Id}, {"kind", "meeting"}, {"title", "Meeting"},
			{"commune", w.cotonou.Id}, {"starts_at", "2026-03-14 09:00:00.000Z"}, {"ends_at", "2026-03-14 11:00:00.000Z"}}
		return append(f, extra...)
	}
	for _, c := range []struct {
		field, value, code string
	}{
		{"title", "Meeting \xff\xfe", "invalid_text"},
		{"place", "Place \xc3", "invalid_text"},
		{"expected_attendance", "beaucoup", "invalid_type"},
		{"expected_attendance", "9007199254740993", "number_out_of_range"},
	} {
		fields := form([2]string{c.field, c.value})
		if c.field == "title" {
			fields = append(form()[:3], append([][2]string{{"title", c.value}}, form()[4:]...)...)
		}
		if res := e.multipart("POST", "/api/collections/events/records", w.orgA, fields); res.Status != http.StatusBadRequest || res.code() != c.code {
			t.Errorf("multipart %s=%q: %s, want 400 %s", c.field, c.value, res, c.code)
		}
	}
	if n, _ := e.app.CountRecords("events"); n != 0 {
		t.Fatalf("%d events written by refused requests", n)
	}

	// the largest number every client reads exactly is lawful, and its
	// event can be acknowledged (a receipt is signed)
	ev := e.mustDeclare(w.orgA, e.meeting(w.partyA, map[string]any{"expected_attendance": float64(1<<53 - 1)}))
	if res := e.rcAck(ev, w.commanderCotonou); res.Status != http.StatusOK {
		t.Fatalf("ack of an event with a large attendance: %s", res)
	}
	e.rcStanding(ev)

	// an incident in year 9999 or before any election
	for _, at := range []string{"9999-01-01 10:00:00.000Z", "1970-01-01 00:00:00.000Z"} {
		res := e.do("POST", "/api/collections/incidents/records", w.officerCotonou, map[string]any{
			"kind": "other", "severity": 1, "description": "x", "occurred_at": at, "event": ev})
		if res.Status != http.StatusBadRequest || res.code() != "date_out_of_range" {
			t.Errorf("incident at %s: %s", at, res)
		}
	}
}
