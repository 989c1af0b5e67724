package receipts_test

import (
	"encoding/json"
	"fmt"
	"time"

	"coprosec/internal/receipts"
)

func Example() {
	now := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)

	// Backend: bootstrap the keyring once, store MarshalKeyring's output
	// somewhere private, publish the JWKS.
	kr, _ := receipts.Keyring{}.Rotate(now)
	published, _ := json.Marshal(kr.JWKS())

	// Backend: the lead unit acknowledges an event.
	claims, err := receipts.NewClaims(receipts.Receipt{
		Number:         receipts.FormatNumber("08", 2026, 123),
		Event:          "evt123",
		Party:          "pty456",
		PartyAcronym:   "UPR",
		Unit:           "unit789",
		UnitName:       "Commissariat central de Cotonou",
		Departement:    "08",
		AcknowledgedAt: now,
		Declared: receipts.DeclaredDetails{
			Kind:     "meeting",
			Title:    "Grand meeting",
			Place:    "Place de l'Étoile Rouge",
			Commune:  "0801",
			StartsAt: now.Add(25 * time.Hour),
			EndsAt:   now.Add(29 * time.Hour),
		},
	}, 0)
	if err != nil {
		fmt.Println(err)
		return
	}
	token, _ := receipts.Issue(kr.Active, claims)

	// Police phone, offline: only the cached JWKS and revocation list.
	keys, _ := receipts.ParseJWKS(published)
	r := receipts.Verify(token, keys, receipts.RevocationList{}, now.Add(26*time.Hour))
	fmt.Println(r.Valid, r.Claims.Number, r.Claims.PartyAcronym)

	r = receipts.Verify(token, keys, receipts.RevocationList{}, now.Add(48*time.Hour))
	fmt.Println(r.Valid, r.Code)
	// Output:
	// true BJ08-2026-000123 UPR
	// false expired
}
