package receipts

import (
	"errors"
	"fmt"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Issuer is the "iss" of every receipt.
const Issuer = "coprosec"

// DefaultGrace is how long a receipt stays valid after its event's declared
// end: events overrun, and people disperse long after the end.
const DefaultGrace = 6 * time.Hour

// Claims is the payload of a receipt. See the package documentation for
// the claim names. Times are UTC at whole seconds.
type Claims struct {
	jwt.RegisteredClaims

	Number         string    `json:"num"`
	Event          string    `json:"evt"`
	Party          string    `json:"pty"`
	PartyAcronym   string    `json:"pac"`
	Unit           string    `json:"unt"`
	UnitName       string    `json:"unn"`
	Departement    string    `json:"dep"`
	Commune        string    `json:"com"`
	Arrondissement string    `json:"arr"`
	Place          string    `json:"plc"`
	StartsAt       time.Time `json:"sta"`
	EndsAt         time.Time `json:"end"`
	AcknowledgedAt time.Time `json:"ack"`
	Digest         string    `json:"dig"`
}

// Receipt is what the backend knows when the lead unit acknowledges an
// event; NewClaims turns it into Claims.
type Receipt struct {
	Number         string // from FormatNumber
	Event          string
	Party          string
	PartyAcronym   string
	Unit           string
	UnitName       string
	Departement    string // departement code
	AcknowledgedAt time.Time
	// Declared is the declaration being acknowledged. Place, commune,
	// arrondissement and times of the receipt are taken from it, so the
	// readable claims and the digest cannot disagree.
	Declared DeclaredDetails
}

// NewClaims builds the claims of a receipt. The receipt is valid from the
// acknowledgment until the declared end plus grace; a grace of zero or less
// means DefaultGrace.
func NewClaims(r Receipt, grace time.Duration) (Claims, error) {
	if grace <= 0 {
		grace = DefaultGrace
	}
	d := r.Declared
	if r.AcknowledgedAt.IsZero() {
		return Claims{}, errors.New("receipts: acknowledgment time is missing")
	}
	if d.EndsAt.Before(d.StartsAt) {
		return Claims{}, errors.New("receipts: event ends before it starts")
	}
	digest, err := d.Digest()
	if err != nil {
		return Claims{}, err
	}
	ack := utcSecond(r.AcknowledgedAt)
	exp := utcSecond(d.EndsAt).Add(grace)
	c := Claims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    Issuer,
			Subject:   r.Event,
			ID:        r.Number,
			IssuedAt:  jwt.NewNumericDate(ack),
			NotBefore: jwt.NewNumericDate(ack),
			ExpiresAt: jwt.NewNumericDate(exp),
		},
		Number:         r.Number,
		Event:          r.Event,
		Party:          r.Party,
		PartyAcronym:   r.PartyAcronym,
		Unit:           r.Unit,
		UnitName:       r.UnitName,
		Departement:    r.Departement,
		Commune:        d.Commune,
		Arrondissement: d.Arrondissement,
		Place:          d.Place,
		StartsAt:       utcSecond(d.StartsAt),
		EndsAt:         utcSecond(d.EndsAt),
		AcknowledgedAt: ack,
		Digest:         digest,
	}
	if !exp.After(ack) {
		return Claims{}, errors.New("receipts: receipt would expire before it is issued")
	}
	if err := c.check(); err != nil {
		return Claims{}, fmt.Errorf("receipts: %w", err)
	}
	return c, nil
}

func utcSecond(t time.Time) time.Time { return t.UTC().Truncate(time.Second) }

// check enforces what every receipt must satisfy beyond its signature: our
// issuer, a well-formed number, an expiry, and registered claims that agree
// with their private twins (sub = evt, jti = num), so that a checker reading
// either one sees the same receipt.
func (c *Claims) check() error {
	if c.Issuer != Issuer {
		return fmt.Errorf("issuer is %q, not %q", c.Issuer, Issuer)
	}
	if _, _, _, err := ParseNumber(c.Number); err != nil {
		return fmt.Errorf("receipt number %q is malformed", c.Number)
	}
	if c.ID != c.Number {
		return fmt.Errorf("jti %q does not match receipt number %q", c.ID, c.Number)
	}
	if c.Event == "" {
		return errors.New("event id is missing")
	}
	if c.Subject != c.Event {
		return fmt.Errorf("sub %q does not match event %q", c.Subject, c.Event)
	}
	if c.IssuedAt == nil {
		return errors.New("issue time (iat) is missing")
	}
	if c.ExpiresAt == nil {
		return errors.New("expiry (exp) is missing")
	}
	if c.Digest == "" {
		return errors.New("declaration digest is missing")
	}
	return nil
}
