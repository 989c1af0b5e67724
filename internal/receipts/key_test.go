package receipts

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestRFC8037Vector checks key ids against the published RFC 8037
// appendix A key and its RFC 7638 thumbprint (appendix A.3).
func TestRFC8037Vector(t *testing.T) {
	seed, err := b64.DecodeString("nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A")
	if err != nil {
		t.Fatal(err)
	}
	k, err := NewKeyFromSeed(seed, t0)
	if err != nil {
		t.Fatal(err)
	}
	jwk := Keyring{Active: k}.JWKS().Keys[0]
	if jwk.X != "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo" {
		t.Errorf("x = %s", jwk.X)
	}
	const want = "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"
	if k.ID != want || jwk.Kid != want {
		t.Errorf("kid = %s / %s, want %s", k.ID, jwk.Kid, want)
	}
	if tp, err := jwk.Thumbprint(); err != nil || tp != want {
		t.Errorf("Thumbprint() = %s, %v", tp, err)
	}
}

func TestNewKey(t *testing.T) {
	a, err := NewKey(t0)
	if err != nil {
		t.Fatal(err)
	}
	b, err := NewKey(t0)
	if err != nil {
		t.Fatal(err)
	}
	if a.ID == b.ID || a.Private.Equal(b.Private) {
		t.Error("two new keys are equal")
	}
	if err := a.check(); err != nil {
		t.Error(err)
	}
	if !a.CreatedAt.Equal(t0) || a.RetiredAt != nil {
		t.Errorf("CreatedAt = %v, RetiredAt = %v", a.CreatedAt, a.RetiredAt)
	}
	if _, err := NewKeyFromSeed([]byte("short"), t0); err == nil {
		t.Error("NewKeyFromSeed accepted a short seed")
	}
}

// TestKeyDoesNotLeak makes sure printing or JSON-encoding keys never shows
// the private key.
func TestKeyDoesNotLeak(t *testing.T) {
	kr, err := Keyring{}.Rotate(t0)
	if err != nil {
		t.Fatal(err)
	}
	if kr, err = kr.Rotate(t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	js, err := json.Marshal(kr)
	if err != nil {
		t.Fatal(err)
	}
	out := fmt.Sprintf("%v %+v %#v %s %x %v %v", kr, kr, kr, kr.Active, kr.Active, kr.Active, &kr.Active) + string(js)
	for _, k := range kr.keys() {
		for _, secret := range [][]byte{k.Private.Seed(), k.Private} {
			for _, enc := range []string{b64.EncodeToString(secret), fmt.Sprintf("%x", secret), fmt.Sprint([]byte(secret))} {
				if strings.Contains(out, enc) {
					t.Fatalf("private key leaked in %s", out)
				}
			}
			if bytes.Contains([]byte(out), secret[:8]) {
				t.Fatalf("private key bytes leaked")
			}
		}
		if !strings.Contains(out, k.ID) {
			t.Errorf("key id %s missing from %s", k.ID, out)
		}
	}
}

func TestRotateAndPrune(t *testing.T) {
	kr0, err := Keyring{}.Rotate(t0)
	if err != nil {
		t.Fatal(err)
	}
	if len(kr0.Previous) != 0 || kr0.Active.Public() == nil {
		t.Fatalf("bootstrap keyring = %v", kr0)
	}
	c := sampleClaims(t)
	old := mustIssue(t, kr0.Active, c)
	now := t0.Add(time.Hour)

	t1 := t0.Add(30 * time.Minute)
	kr1, err := kr0.Rotate(t1)
	if err != nil {
		t.Fatal(err)
	}
	if kr1.Active.ID == kr0.Active.ID || len(kr1.Previous) != 1 || kr1.Previous[0].ID != kr0.Active.ID {
		t.Fatalf("rotated keyring = %v", kr1)
	}
	if r := kr1.Previous[0].RetiredAt; r == nil || !r.Equal(t1) {
		t.Errorf("old key RetiredAt = %v, want %v", r, t1)
	}
	if kr0.Active.RetiredAt != nil {
		t.Error("Rotate modified the receiver's active key")
	}
	if _, err := Issue(kr1.Previous[0], c); err == nil {
		t.Error("Issue accepted a retired key")
	}
	fresh := mustIssue(t, kr1.Active, c)

	maxAge := c.ExpiresAt.Sub(c.IssuedAt.Time) // longest receipt lifetime here
	stillListed := kr1.Prune(t1.Add(maxAge), maxAge)
	pruned := kr1.Prune(t1.Add(maxAge+time.Second), maxAge)
	if len(stillListed.Previous) != 1 || len(pruned.Previous) != 0 || len(kr1.Previous) != 1 {
		t.Fatalf("prune: kept %d then %d (receiver %d)", len(stillListed.Previous), len(pruned.Previous), len(kr1.Previous))
	}
	onlyActive := JWKS{Keys: kr1.JWKS().Keys[:1]}

	for _, tt := range []struct {
		name, token string
		keys        JWKS
		code        string
	}{
		{"old receipt, old keyring", old, kr0.JWKS(), ""},
		{"old receipt after rotation", old, kr1.JWKS(), ""},
		{"old receipt, previous keys not published", old, onlyActive, CodeUnknownKey},
		{"old receipt, before pruning", old, stillListed.JWKS(), ""},
		{"old receipt after pruning", old, pruned.JWKS(), CodeUnknownKey},
		{"new receipt after rotation", fresh, kr1.JWKS(), ""},
		{"new receipt, old keyring", fresh, kr0.JWKS(), CodeUnknownKey},
		{"new receipt after pruning", fresh, pruned.JWKS(), ""},
	} {
		if r := Verify(tt.token, tt.keys, RevocationList{}, now); r.Code != tt.code {
			t.Errorf("%s: code %q (%s), want %q", tt.name, r.Code, r.Error, tt.code)
		}
	}

	// Keys without a retirement time have an unknown age and are kept.
	odd := Keyring{Active: kr1.Active, Previous: []Key{fixedKey(t, 9)}}
	if len(odd.Prune(t1.Add(100*maxAge), maxAge).Previous) != 1 {
		t.Error("Prune dropped a key with no retirement time")
	}
}

func TestKeyringMarshalRoundTrip(t *testing.T) {
	kr, err := Keyring{}.Rotate(t0)
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 2; i++ {
		if kr, err = kr.Rotate(t0.Add(time.Duration(i) * time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	data, err := MarshalKeyring(kr)
	if err != nil {
		t.Fatal(err)
	}
	got, err := UnmarshalKeyring(data)
	if err != nil {
		t.Fatal(err)
	}
	want, have := kr.keys(), got.keys()
	if len(have) != len(want) {
		t.Fatalf("got %d keys, want %d", len(have), len(want))
	}
	for i := range want {
		w, h := want[i], have[i]
		if h.ID != w.ID || !h.Private.Equal(w.Private) || !h.CreatedAt.Equal(w.CreatedAt) ||
			(h.RetiredAt == nil) != (w.RetiredAt == nil) || (w.RetiredAt != nil && !h.RetiredAt.Equal(*w.RetiredAt)) {
			t.Errorf("key %d: got %v, want %v", i, h, w)
		}
	}
	// A receipt signed before storage verifies with the restored key set.
	tok := mustIssue(t, kr.Active, sampleClaims(t))
	if r := Verify(tok, got.JWKS(), RevocationList{}, t0.Add(time.Hour)); !r.Valid {
		t.Errorf("receipt does not verify after round trip: %s", r.Error)
	}
	// And the restored active key signs receipts the old key set accepts.
	tok = mustIssue(t, got.Active, sampleClaims(t))
	if r := Verify(tok, kr.JWKS(), RevocationList{}, t0.Add(time.Hour)); !r.Valid {
		t.Errorf("restored key signs unverifiable receipts: %s", r.Error)
	}
	again, err := MarshalKeyring(got)
	if err != nil || !bytes.Equal(again, data) {
		t.Errorf("re-marshal differs:\n%s\n%s", again, data)
	}
}

func TestUnmarshalKeyringRejects(t *testing.T) {
	kr, err := Keyring{}.Rotate(t0)
	if err != nil {
		t.Fatal(err)
	}
	if kr, err = kr.Rotate(t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	data, err := MarshalKeyring(kr)
	if err != nil {
		t.Fatal(err)
	}
	var good map[string]any
	if err := json.Unmarshal(data, &good); err != nil {
		t.Fatal(err)
	}
	edit := func(f func(m map[string]any)) []byte {
		var m map[string]any
		json.Unmarshal(data, &m)
		f(m)
		b, _ := json.Marshal(m)
		return b
	}
	active := func(m map[string]any) map[string]any { return m["active"].(map[string]any) }
	for name, in := range map[string][]byte{
		"not JSON":        []byte("nope"),
		"empty":           []byte("{}"),
		"wrong version":   edit(func(m map[string]any) { m["version"] = 2 }),
		"kid mismatch":    edit(func(m map[string]any) { active(m)["kid"] = "AAAA" }),
		"short seed":      edit(func(m map[string]any) { active(m)["seed"] = "AAAA" }),
		"padded seed":     edit(func(m map[string]any) { active(m)["seed"] = active(m)["seed"].(string) + "=" }),
		"active retired":  edit(func(m map[string]any) { active(m)["retired_at"] = "2026-01-01T00:00:00Z" }),
		"duplicate key":   edit(func(m map[string]any) { m["previous"] = []any{active(m)} }),
		"previous broken": edit(func(m map[string]any) { m["previous"] = []any{map[string]any{"kid": "x"}} }),
	} {
		if _, err := UnmarshalKeyring(in); err == nil {
			t.Errorf("%s: UnmarshalKeyring succeeded", name)
		}
	}
	if _, err := MarshalKeyring(Keyring{}); err == nil {
		t.Error("MarshalKeyring accepted an empty keyring")
	}
}
