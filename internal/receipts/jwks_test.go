package receipts

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestJWKSFormat(t *testing.T) {
	k := fixedKey(t, 1)
	got, err := json.Marshal(Keyring{Active: k}.JWKS())
	if err != nil {
		t.Fatal(err)
	}
	want := `{"keys":[{"kty":"OKP","crv":"Ed25519","x":"` + b64.EncodeToString(k.Public()) +
		`","kid":"` + k.ID + `","alg":"EdDSA","use":"sig"}]}`
	if string(got) != want {
		t.Errorf("JWKS\n got %s\nwant %s", got, want)
	}
	if strings.Contains(string(got), "=") {
		t.Error("JWKS contains base64 padding")
	}
	if got, _ := json.Marshal(JWKS{}); string(got) != `{"keys":[]}` {
		t.Errorf("empty JWKS = %s", got)
	}
	if got, _ := json.Marshal(Keyring{}.JWKS()); string(got) != `{"keys":[]}` {
		t.Errorf("JWKS of empty keyring = %s", got)
	}
}

func TestJWKSRoundTrip(t *testing.T) {
	kr, err := Keyring{}.Rotate(t0)
	if err != nil {
		t.Fatal(err)
	}
	if kr, err = kr.Rotate(t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	set := kr.JWKS()
	if len(set.Keys) != 2 || set.Keys[0].Kid != kr.Active.ID {
		t.Fatalf("JWKS = %+v", set)
	}
	data, err := json.Marshal(set)
	if err != nil {
		t.Fatal(err)
	}
	got, err := ParseJWKS(data)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, set) {
		t.Errorf("round trip\n got %+v\nwant %+v", got, set)
	}
	tok := mustIssue(t, kr.Active, sampleClaims(t))
	if r := Verify(tok, got, RevocationList{}, t0.Add(time.Hour)); !r.Valid {
		t.Errorf("receipt does not verify with parsed JWKS: %s", r.Error)
	}
}

func TestParseJWKS(t *testing.T) {
	k := fixedKey(t, 1)
	ours, _ := json.Marshal(Keyring{Active: k}.JWKS().Keys[0])
	x := b64.EncodeToString(k.Public())
	rsa := `{"kty":"RSA","n":"0vx7","e":"AQAB","kid":"r1"}`
	tests := []struct {
		name  string
		in    string
		nkeys int // -1: error
	}{
		{"ours", `{"keys":[` + string(ours) + `]}`, 1},
		{"foreign keys skipped", `{"keys":[` + rsa + `,` + string(ours) + `,{"kty":"OKP","crv":"X25519","x":"` + x + `","kid":"e"}]}`, 1},
		{"minimal members", `{"keys":[{"kty":"OKP","crv":"Ed25519","x":"` + x + `","kid":"m"}]}`, 1},
		{"extra members ignored", `{"keys":[{"kty":"OKP","crv":"Ed25519","x":"` + x + `","kid":"m","key_ops":["verify"],"x5c":[]}],"other":1}`, 1},
		{"no kid skipped", `{"keys":[{"kty":"OKP","crv":"Ed25519","x":"` + x + `"}]}`, -1},
		{"wrong alg skipped", `{"keys":[{"kty":"OKP","crv":"Ed25519","x":"` + x + `","kid":"a","alg":"HS256"}]}`, -1},
		{"wrong use skipped", `{"keys":[{"kty":"OKP","crv":"Ed25519","x":"` + x + `","kid":"a","use":"enc"}]}`, -1},
		{"padded x skipped", `{"keys":[{"kty":"OKP","crv":"Ed25519","x":"` + x + `=","kid":"a"}]}`, -1},
		{"short x skipped", `{"keys":[{"kty":"OKP","crv":"Ed25519","x":"AAAA","kid":"a"}]}`, -1},
		{"non-object entry skipped", `{"keys":[1,"a",null,[],` + string(ours) + `]}`, 1},
		{"wrong member types skipped", `{"keys":[{"kty":1,"crv":"Ed25519","x":"` + x + `","kid":"a"},` + string(ours) + `]}`, 1},
		{"private key material", `{"keys":[{"kty":"OKP","crv":"Ed25519","x":"` + x + `","kid":"a","d":"secret"}]}`, -1},
		{"empty set", `{"keys":[]}`, -1},
		{"keys missing", `{}`, -1},
		{"keys null", `{"keys":null}`, -1},
		{"keys not array", `{"keys":{}}`, -1},
		{"not an object", `[]`, -1},
		{"not JSON", `garbage`, -1},
		{"empty input", ``, -1},
		{"too large", `{"keys":[` + strings.Repeat(" ", maxJWKSSize) + `]}`, -1},
	}
	for _, tt := range tests {
		got, err := ParseJWKS([]byte(tt.in))
		if tt.nkeys < 0 {
			if err == nil {
				t.Errorf("%s: ParseJWKS succeeded with %+v", tt.name, got)
			}
			continue
		}
		if err != nil || len(got.Keys) != tt.nkeys {
			t.Errorf("%s: got %d keys, %v; want %d", tt.name, len(got.Keys), err, tt.nkeys)
		}
	}
}
