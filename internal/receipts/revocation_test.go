package receipts

import (
	"encoding/json"
	"testing"
	"time"
)

func TestRevocationListJSON(t *testing.T) {
	var l RevocationList
	if _, ok := l.Lookup("BJ08-2026-000001"); ok || l.Len() != 0 {
		t.Fatal("zero list is not empty")
	}
	if got, _ := json.Marshal(l); string(got) != `{"revoked":[]}` {
		t.Errorf("empty list = %s", got)
	}
	l.Revoke("BJ08-2026-000002", t0.Add(time.Hour), "cancelled")
	l.Revoke("BJ08-2026-000001", t0.In(time.FixedZone("WAT", 3600)), "error")
	l.Revoke("BJ08-2026-000002", t0.Add(2*time.Hour), "later duplicate") // earliest wins
	got, err := json.Marshal(l)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"revoked":[` +
		`{"number":"BJ08-2026-000001","revoked_at":"2026-03-01T08:00:00Z","reason":"error"},` +
		`{"number":"BJ08-2026-000002","revoked_at":"2026-03-01T09:00:00Z","reason":"cancelled"}]}`
	if string(got) != want {
		t.Errorf("JSON\n got %s\nwant %s", got, want)
	}
	var back RevocationList
	if err := json.Unmarshal(got, &back); err != nil {
		t.Fatal(err)
	}
	if again, _ := json.Marshal(back); string(again) != want {
		t.Errorf("round trip = %s", again)
	}
	if r, ok := back.Lookup("BJ08-2026-000002"); !ok || r.Reason != "cancelled" {
		t.Errorf("Lookup = %+v, %v", r, ok)
	}

	// Unmarshal replaces, it does not merge.
	if err := json.Unmarshal([]byte(`{"revoked":[]}`), &back); err != nil || back.Len() != 0 {
		t.Errorf("after unmarshal of empty list: %d entries, %v", back.Len(), err)
	}
	for _, bad := range []string{`{"revoked":[{"reason":"x"}]}`, `{"revoked":{}}`, `[]`, `nope`,
		`{"revoked":[{"number":"BJ08-2026-000001","revoked_at":"yesterday"}]}`} {
		var l RevocationList
		if err := json.Unmarshal([]byte(bad), &l); err == nil {
			t.Errorf("Unmarshal(%s) succeeded", bad)
		}
	}
	if l := NewRevocationList(Revocation{Number: "BJ08-2026-000003", RevokedAt: t0}); l.Len() != 1 {
		t.Errorf("NewRevocationList: %d entries", l.Len())
	}
}
