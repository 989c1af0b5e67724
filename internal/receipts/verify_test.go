package receipts

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

func TestVerify(t *testing.T) {
	k := fixedKey(t, 1)
	foreign := fixedKey(t, 2)
	keys := Keyring{Active: k}.JWKS()
	c := sampleClaims(t)
	valid := mustIssue(t, k, c)
	during := c.StartsAt.Add(time.Hour)
	exp := c.ExpiresAt.Time

	var revoked RevocationList
	revoked.Revoke(c.Number, t0.Add(2*time.Hour), "event cancelled")

	// A payload edited after signing, signature kept.
	edited := c
	edited.PartyAcronym = "BR"
	tampered := replacePart(valid, 1, segment(t, edited))

	// The same claims signed by a key the verifier does not know.
	unknownKey := mustIssue(t, foreign, c)
	// A foreign key that claims the kid of our key.
	stolenKid := signRaw(t, jwt.SigningMethodEdDSA, map[string]any{"kid": k.ID}, c, foreign.Private)
	// Classic algorithm attacks.
	none := signRaw(t, jwt.SigningMethodNone, map[string]any{"kid": k.ID}, c, jwt.UnsafeAllowNoneSignatureType)
	hs256 := signRaw(t, jwt.SigningMethodHS256, map[string]any{"kid": k.ID}, c, []byte(k.Public()))
	hs256JWK := signRaw(t, jwt.SigningMethodHS256, map[string]any{"kid": k.ID}, c, []byte(keys.Keys[0].X))
	lowerAlg := replacePart(valid, 0, segment(t, map[string]any{"alg": "eddsa", "kid": k.ID, "typ": "JWT"}))
	noKid := signRaw(t, jwt.SigningMethodEdDSA, nil, c, k.Private)
	crit := signRaw(t, jwt.SigningMethodEdDSA, map[string]any{"kid": k.ID, "crit": []string{"exp"}}, c, k.Private)

	otherIssuer := c
	otherIssuer.Issuer = "someone-else"
	jtiMismatch := c
	jtiMismatch.ID = FormatNumber("08", 2026, 999)
	noExp := c
	noExp.ExpiresAt = nil
	badNumber := c
	badNumber.Number, badNumber.ID = "123", "123"

	sig := strings.Split(valid, ".")[2]
	tests := []struct {
		name        string
		token       string
		keys        *JWKS // nil: the issuer's set
		now         time.Time
		code        string
		wantClaims  bool
		wantRevoked bool
	}{
		{name: "valid", token: valid, now: during, wantClaims: true},
		{name: "valid at acknowledgment", token: valid, now: t0, wantClaims: true},
		{name: "valid just after expiry, within leeway", token: valid, now: exp.Add(Leeway - time.Second), wantClaims: true},
		{name: "valid just before nbf, within leeway", token: valid, now: t0.Add(-Leeway + time.Second), wantClaims: true},
		{name: "expired", token: valid, now: exp.Add(Leeway), code: CodeExpired, wantClaims: true},
		{name: "expired long ago", token: valid, now: exp.Add(30 * 24 * time.Hour), code: CodeExpired, wantClaims: true},
		{name: "not yet valid", token: valid, now: t0.Add(-Leeway - time.Second), code: CodeNotYetValid, wantClaims: true},
		{name: "tampered claim", token: tampered, now: during, code: CodeBadSignature, wantClaims: true},
		{name: "truncated signature", token: replacePart(valid, 2, sig[:len(sig)-4]), now: during, code: CodeBadSignature, wantClaims: true},
		{name: "foreign key, unknown kid", token: unknownKey, now: during, code: CodeUnknownKey, wantClaims: true},
		{name: "foreign key claiming our kid", token: stolenKid, now: during, code: CodeBadSignature, wantClaims: true},
		{name: "empty key set", token: valid, keys: &JWKS{}, now: during, code: CodeUnknownKey, wantClaims: true},
		{name: "no kid", token: noKid, now: during, code: CodeUnknownKey, wantClaims: true},
		{name: "alg none", token: none, now: during, code: CodeWrongAlgorithm, wantClaims: true},
		{name: "HS256 keyed with public key", token: hs256, now: during, code: CodeWrongAlgorithm, wantClaims: true},
		{name: "HS256 keyed with JWK x", token: hs256JWK, now: during, code: CodeWrongAlgorithm, wantClaims: true},
		{name: "alg in wrong case", token: lowerAlg, now: during, code: CodeWrongAlgorithm, wantClaims: true},
		{name: "crit header", token: crit, now: during, code: CodeMalformed, wantClaims: true},
		{name: "revoked", token: valid, now: during, code: CodeRevoked, wantClaims: true, wantRevoked: true},
		{name: "other issuer", token: mustSign(t, k, otherIssuer), now: during, code: CodeMalformed, wantClaims: true},
		{name: "jti differs from number", token: mustSign(t, k, jtiMismatch), now: during, code: CodeMalformed, wantClaims: true},
		{name: "no expiry", token: mustSign(t, k, noExp), now: during, code: CodeMalformed, wantClaims: true},
		{name: "bad receipt number", token: mustSign(t, k, badNumber), now: during, code: CodeMalformed, wantClaims: true},
		{name: "empty", token: "", now: during, code: CodeMalformed},
		{name: "two parts", token: "a.b", now: during, code: CodeMalformed},
		{name: "four parts", token: valid + ".x", now: during, code: CodeMalformed},
		{name: "garbage header", token: replacePart(valid, 0, "!!!"), now: during, code: CodeMalformed, wantClaims: true},
		{name: "header not an object", token: replacePart(valid, 0, segment(t, []int{1})), now: during, code: CodeMalformed, wantClaims: true},
		{name: "padded header", token: replacePart(valid, 0, strings.Split(valid, ".")[0]+"="), now: during, code: CodeMalformed, wantClaims: true},
		{name: "payload not an object", token: replacePart(valid, 1, segment(t, []int{1})), now: during, code: CodeMalformed},
		{name: "payload not base64url", token: replacePart(valid, 1, "%%%"), now: during, code: CodeMalformed},
		{name: "signature not base64url", token: replacePart(valid, 2, "***"), now: during, code: CodeMalformed, wantClaims: true},
		{name: "too long", token: strings.Repeat("a", MaxTokenSize+1), now: during, code: CodeMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ks := keys
			if tt.keys != nil {
				ks = *tt.keys
			}
			rl := RevocationList{}
			if tt.wantRevoked {
				rl = revoked
			}
			r := Verify(tt.token, ks, rl, tt.now)
			if r.Code != tt.code {
				t.Fatalf("Code = %q (%s), want %q", r.Code, r.Error, tt.code)
			}
			if r.Valid != (tt.code == "") {
				t.Errorf("Valid = %v with code %q", r.Valid, r.Code)
			}
			if (r.Error == "") != r.Valid {
				t.Errorf("Error = %q with Valid = %v", r.Error, r.Valid)
			}
			if (r.Claims != nil) != tt.wantClaims {
				t.Errorf("Claims present = %v, want %v", r.Claims != nil, tt.wantClaims)
			}
			if r.Revoked != tt.wantRevoked {
				t.Errorf("Revoked = %v, want %v", r.Revoked, tt.wantRevoked)
			}
		})
	}
}

// mustSign signs claims with k without Issue's checks.
func mustSign(t *testing.T, k Key, c Claims) string {
	return signRaw(t, jwt.SigningMethodEdDSA, map[string]any{"kid": k.ID}, c, k.Private)
}

func TestVerifyReturnsClaims(t *testing.T) {
	k := fixedKey(t, 1)
	c := sampleClaims(t)
	r := Verify(mustIssue(t, k, c), Keyring{Active: k}.JWKS(), RevocationList{}, t0.Add(time.Hour))
	if !r.Valid {
		t.Fatalf("not valid: %s", r.Error)
	}
	got, _ := json.Marshal(r.Claims)
	want, _ := json.Marshal(c)
	if string(got) != string(want) {
		t.Errorf("claims\n got %s\nwant %s", got, want)
	}

	// An edited receipt still shows what it claims, but is not valid.
	edited := c
	edited.Place = "Ailleurs"
	r = Verify(replacePart(mustIssue(t, k, c), 1, segment(t, edited)), Keyring{Active: k}.JWKS(), RevocationList{}, t0.Add(time.Hour))
	if r.Valid || r.Claims == nil || r.Claims.Place != "Ailleurs" {
		t.Errorf("edited receipt: Valid = %v, Claims = %+v", r.Valid, r.Claims)
	}
}

func TestIssueHeaderAndClaims(t *testing.T) {
	k := fixedKey(t, 1)
	tok := mustIssue(t, k, sampleClaims(t))
	parts := strings.Split(tok, ".")
	if strings.ContainsAny(tok, "=+/ ") {
		t.Errorf("token is not unpadded base64url: %s", tok)
	}
	h, _ := b64.DecodeString(parts[0])
	if want := `{"alg":"EdDSA","kid":"` + k.ID + `","typ":"JWT"}`; string(h) != want {
		t.Errorf("header = %s, want %s", h, want)
	}
	p, _ := b64.DecodeString(parts[1])
	var m map[string]any
	if err := json.Unmarshal(p, &m); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"iss": "coprosec", "sub": "evt123", "jti": "BJ08-2026-000123",
		"iat": float64(t0.Unix()), "nbf": float64(t0.Unix()),
		"exp": float64(time.Date(2026, 3, 2, 19, 0, 0, 0, time.UTC).Unix()),
		"num": "BJ08-2026-000123", "evt": "evt123", "pty": "pty456", "pac": "UPR",
		"unt": "unit789", "unn": "Commissariat central de Cotonou", "dep": "08",
		"com": "0801", "arr": "080104", "plc": "Place de l'Étoile Rouge",
		"sta": "2026-03-02T09:00:00Z", "end": "2026-03-02T13:00:00Z", "ack": "2026-03-01T08:00:00Z",
	}
	for name, v := range want {
		if m[name] != v {
			t.Errorf("claim %s = %v, want %v", name, m[name], v)
		}
	}
	if dig, _ := m["dig"].(string); len(dig) != 43 {
		t.Errorf("dig = %q, want 43 base64url characters", dig)
	}
	if len(m) != len(want)+1 {
		t.Errorf("payload has %d claims, want %d: %s", len(m), len(want)+1, p)
	}
}

func TestIssueRefuses(t *testing.T) {
	k := fixedKey(t, 1)
	retired := k
	at := t0
	retired.RetiredAt = &at
	wrongID := k
	wrongID.ID = "x"
	c := sampleClaims(t)
	noDigest := c
	noDigest.Digest = ""
	badNum := c
	badNum.Number, badNum.ID = FormatNumber("8", 2026, 1), ""
	expBeforeIat := c
	expBeforeIat.ExpiresAt = jwt.NewNumericDate(t0.Add(-time.Hour))
	for _, tt := range []struct {
		name string
		key  Key
		c    Claims
	}{
		{"zero key", Key{}, c},
		{"retired key", retired, c},
		{"id not thumbprint", wrongID, c},
		{"no digest", k, noDigest},
		{"bad number", k, badNum},
		{"expires before issued", k, expBeforeIat},
	} {
		if _, err := Issue(tt.key, tt.c); err == nil {
			t.Errorf("%s: Issue succeeded", tt.name)
		}
	}
}

func TestNewClaims(t *testing.T) {
	c := sampleClaims(t)
	if got, want := c.ExpiresAt.Time, c.EndsAt.Add(DefaultGrace); !got.Equal(want) {
		t.Errorf("exp = %v, want end + default grace %v", got, want)
	}
	c2, err := NewClaims(sampleReceipt(), time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := c2.ExpiresAt.Time, c2.EndsAt.Add(time.Hour); !got.Equal(want) {
		t.Errorf("exp = %v, want end + 1h %v", got, want)
	}
	// Times are normalised to UTC whole seconds, whatever the input zone.
	r := sampleReceipt()
	r.AcknowledgedAt = t0.In(time.FixedZone("WAT", 3600)).Add(500 * time.Millisecond)
	c3, err := NewClaims(r, 0)
	if err != nil {
		t.Fatal(err)
	}
	if c3.AcknowledgedAt != t0 || c3.IssuedAt.Time.Unix() != t0.Unix() {
		t.Errorf("ack = %v, iat = %v; want %v", c3.AcknowledgedAt, c3.IssuedAt, t0)
	}

	bad := []func(*Receipt){
		func(r *Receipt) { r.AcknowledgedAt = time.Time{} },
		func(r *Receipt) { r.Declared.EndsAt = r.Declared.StartsAt.Add(-time.Minute) },
		func(r *Receipt) { r.AcknowledgedAt = r.Declared.EndsAt.Add(7 * time.Hour) },
		func(r *Receipt) { r.Number = "nope" },
		func(r *Receipt) { r.Event = "" },
		func(r *Receipt) { r.Declared.Lat = ptr(nanValue()) },
	}
	for i, mutate := range bad {
		r := sampleReceipt()
		mutate(&r)
		if _, err := NewClaims(r, 0); err == nil {
			t.Errorf("case %d: NewClaims succeeded", i)
		}
	}
}

// TestAnswerClaimsOnlyWhenValid: the answer to a client carries claims
// for a valid receipt only; a forged, revoked or expired one answers its
// code and nothing a bearer wrote (issue 12.9).
func TestAnswerClaimsOnlyWhenValid(t *testing.T) {
	k := fixedKey(t, 1)
	keys := Keyring{Active: k}.JWKS()
	c := sampleClaims(t)
	valid := mustIssue(t, k, c)
	edited := c
	edited.Place = "Ailleurs"
	var revoked RevocationList
	revoked.Revoke(c.Number, t0.Add(2*time.Hour), "event cancelled")
	during := c.StartsAt.Add(time.Hour)
	for _, tc := range []struct {
		name  string
		token string
		list  RevocationList
		now   time.Time
		valid bool
	}{
		{"valid", valid, RevocationList{}, during, true},
		{"forged", replacePart(valid, 1, segment(t, edited)), RevocationList{}, during, false},
		{"foreign key", mustIssue(t, fixedKey(t, 2), c), RevocationList{}, during, false},
		{"revoked", valid, revoked, during, false},
		{"expired", valid, RevocationList{}, c.ExpiresAt.Time.Add(time.Hour), false},
	} {
		a := Verify(tc.token, keys, tc.list, tc.now).Answer()
		if a.Valid != tc.valid || (a.Claims != nil) != tc.valid {
			t.Errorf("%s: valid = %v, claims = %+v", tc.name, a.Valid, a.Claims)
		}
		if !tc.valid && a.Code == "" {
			t.Errorf("%s: no code", tc.name)
		}
	}
}
