package receipts

import (
	"testing"
	"time"
)

func TestNumberPrefixAndAfter(t *testing.T) {
	tests := []struct {
		dep        string
		year       int
		last       int64
		prefix, nx string
	}{
		{"BJ08", 2026, 0, "BJ08-2026-", "BJ08-2026-000001"},
		{"BJ08", 2026, 41, "BJ08-2026-", "BJ08-2026-000042"},
		{"BJ12", 2031, 999999, "BJ12-2031-", "BJ12-2031-1000000"},
		{"", 2026, 0, "BJ00-2026-", "BJ00-2026-000001"},     // no département
		{"BJ8", 2026, 0, "BJ00-2026-", "BJ00-2026-000001"},  // not two digits
		{"BJ0x", 2026, 0, "BJ00-2026-", "BJ00-2026-000001"}, // not digits
		{"XX08", 2026, 0, "BJ00-2026-", "BJ00-2026-000001"}, // not a Benin code
	}
	for _, tt := range tests {
		if got := NumberPrefix(tt.dep, tt.year); got != tt.prefix {
			t.Errorf("NumberPrefix(%q, %d) = %q, want %q", tt.dep, tt.year, got, tt.prefix)
		}
		got := NumberAfter(tt.dep, tt.year, tt.last)
		if got != tt.nx {
			t.Errorf("NumberAfter(%q, %d, %d) = %q, want %q", tt.dep, tt.year, tt.last, got, tt.nx)
		}
		if _, _, _, err := ParseNumber(got); err != nil {
			t.Errorf("NumberAfter gave an unparsable number: %v", err)
		}
	}
}

func TestRetainKeepsKeysInUse(t *testing.T) {
	now := t0
	kr := Keyring{Active: fixedKey(t, 1)}
	old := fixedKey(t, 2)
	retired := now.Add(-KeyRetention - time.Hour) // past retention
	old.RetiredAt = &retired
	recent := fixedKey(t, 3)
	r2 := now.Add(-time.Hour)
	recent.RetiredAt = &r2
	kr.Previous = []Key{old, recent}

	ids := func(k Keyring) map[string]bool {
		out := map[string]bool{}
		for _, p := range k.Previous {
			out[p.ID] = true
		}
		return out
	}
	if got := ids(kr.Retain(now, KeyRetention, nil)); got[old.ID] || !got[recent.ID] {
		t.Errorf("unused old key kept or recent key dropped: %v", got)
	}
	if got := ids(kr.Retain(now, KeyRetention, map[string]bool{old.ID: true})); !got[old.ID] || !got[recent.ID] {
		t.Errorf("a key in use was dropped: %v", got)
	}
}

func TestKeysInUse(t *testing.T) {
	k := fixedKey(t, 4)
	c := sampleClaims(t)
	tok, err := Issue(k, c)
	if err != nil {
		t.Fatal(err)
	}
	kid, exp, ok := Peek(tok)
	if !ok || kid != k.ID || exp.IsZero() {
		t.Fatalf("Peek = %q %v %v", kid, exp, ok)
	}
	if used := KeysInUse([]string{tok, "not.a.token", "garbage"}, exp.Add(-time.Hour)); !used[k.ID] || len(used) != 1 {
		t.Errorf("before expiry: %v", used)
	}
	if used := KeysInUse([]string{tok}, exp.Add(Leeway+time.Minute)); used[k.ID] {
		t.Errorf("after expiry and leeway: %v", used)
	}
	if _, _, ok := Peek("a.b"); ok {
		t.Error("two parts peeked")
	}
}
