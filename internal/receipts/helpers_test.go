package receipts

import (
	"bytes"
	"crypto/ed25519"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

var (
	t0  = time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC) // acknowledgment
	ptr = func(f float64) *float64 { return &f }
)

// fixedKey returns a deterministic key whose seed is b repeated.
func fixedKey(t testing.TB, b byte) Key {
	t.Helper()
	k, err := NewKeyFromSeed(bytes.Repeat([]byte{b}, ed25519.SeedSize), t0.Add(-24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func sampleDetails() DeclaredDetails {
	return DeclaredDetails{
		Kind:               "meeting",
		Title:              "Grand meeting à Cotonou",
		Place:              "Place de l'Étoile Rouge",
		Commune:            "0801",
		Arrondissement:     "080104",
		Lat:                ptr(6.3654),
		Lon:                ptr(2.4183),
		Route:              [][2]float64{{6.3654, 2.4183}, {6.37, 2.42}},
		StartsAt:           time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC),
		EndsAt:             time.Date(2026, 3, 2, 13, 0, 0, 0, time.UTC),
		ExpectedAttendance: 5000,
		SecurityNeeds:      []string{"traffic", "crowd_control"},
		SoundVehicle:       true,
	}
}

func sampleReceipt() Receipt {
	return Receipt{
		Number:         FormatNumber("08", 2026, 123),
		Event:          "evt123",
		Party:          "pty456",
		PartyAcronym:   "UPR",
		Unit:           "unit789",
		UnitName:       "Commissariat central de Cotonou",
		Departement:    "08",
		AcknowledgedAt: t0,
		Declared:       sampleDetails(),
	}
}

func sampleClaims(t testing.TB) Claims {
	t.Helper()
	c, err := NewClaims(sampleReceipt(), 0)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func mustIssue(t testing.TB, k Key, c Claims) string {
	t.Helper()
	tok, err := Issue(k, c)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// signRaw signs arbitrary claims with any method and header, bypassing
// Issue's checks, to build hostile tokens.
func signRaw(t testing.TB, m jwt.SigningMethod, header map[string]any, claims jwt.Claims, key any) string {
	t.Helper()
	tok := jwt.NewWithClaims(m, claims)
	for k, v := range header {
		tok.Header[k] = v
	}
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// segment encodes v as a base64url JSON token segment.
func segment(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b64.EncodeToString(b)
}

// replacePart returns token with part i replaced.
func replacePart(token string, i int, part string) string {
	p := strings.Split(token, ".")
	p[i] = part
	return strings.Join(p, ".")
}
