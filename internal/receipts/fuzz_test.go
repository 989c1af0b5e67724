package receipts

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

func FuzzVerify(f *testing.F) {
	k := fixedKey(f, 1)
	keys := Keyring{Active: k}.JWKS()
	c := sampleClaims(f)
	valid := mustIssue(f, k, c)
	var revoked RevocationList
	revoked.Revoke(FormatNumber("08", 2026, 7), t0, "test")

	f.Add(valid)
	f.Add(signRaw(f, jwt.SigningMethodNone, map[string]any{"kid": k.ID}, c, jwt.UnsafeAllowNoneSignatureType))
	f.Add(signRaw(f, jwt.SigningMethodHS256, map[string]any{"kid": k.ID}, c, []byte(k.Public())))
	f.Add(replacePart(valid, 2, ""))
	f.Add(replacePart(valid, 1, "e30"))
	f.Add("")
	f.Add("..")
	f.Add("a.b.c")
	f.Add(strings.Repeat(".", 100))
	now := c.StartsAt
	f.Fuzz(func(t *testing.T, token string) {
		r := Verify(token, keys, revoked, now)
		if r.Valid != (r.Code == "") || r.Valid != (r.Error == "") {
			t.Fatalf("inconsistent result %+v", r)
		}
		if r.Valid {
			if r.Claims == nil {
				t.Fatal("valid result without claims")
			}
			// Only our key can have signed it, so it must say what we signed.
			if token != valid {
				got, _ := json.Marshal(r.Claims)
				want, _ := json.Marshal(c)
				if string(got) != string(want) {
					t.Fatalf("forged token accepted: %s", token)
				}
			}
		}
		if r.Revoked && r.Code != CodeRevoked {
			t.Fatalf("revoked with code %q", r.Code)
		}
	})
}

func FuzzParseJWKS(f *testing.F) {
	kr, err := Keyring{}.Rotate(t0)
	if err != nil {
		f.Fatal(err)
	}
	if kr, err = kr.Rotate(t0.Add(time.Hour)); err != nil {
		f.Fatal(err)
	}
	good, _ := json.Marshal(kr.JWKS())
	f.Add(good)
	f.Add([]byte(`{"keys":[]}`))
	f.Add([]byte(`{"keys":[{"kty":"RSA"},1,null]}`))
	f.Add([]byte(`{"keys":[{"kty":"OKP","crv":"Ed25519","x":"AAAA","kid":"a","d":"b"}]}`))
	f.Add([]byte(`garbage`))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		set, err := ParseJWKS(data)
		if err != nil {
			return
		}
		if len(set.Keys) == 0 {
			t.Fatal("success without keys")
		}
		for _, j := range set.Keys {
			if _, err := j.PublicKey(); err != nil || j.Kid == "" {
				t.Fatalf("unusable key kept: %+v (%v)", j, err)
			}
		}
		// Whatever was accepted survives a round trip unchanged.
		out, err := json.Marshal(set)
		if err != nil {
			t.Fatal(err)
		}
		again, err := ParseJWKS(out)
		if err != nil || !reflect.DeepEqual(again, set) {
			t.Fatalf("round trip: %+v, %v; want %+v", again, err, set)
		}
	})
}
