package hooks_test

import (
	"net/http"
	"testing"
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
