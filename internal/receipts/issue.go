package receipts

import (
	"errors"
	"fmt"

	"github.com/golang-jwt/jwt/v5"
)

// Issue signs c with k and returns the compact receipt token. The header is
// {"alg":"EdDSA","kid":k.ID,"typ":"JWT"}. Missing iss, jti and sub are
// filled from Issuer, Number and Event; claims that would not verify are
// refused, so a bad receipt is caught at the desk, not at a checkpoint.
func Issue(k Key, c Claims) (string, error) {
	if err := k.check(); err != nil {
		return "", err
	}
	if k.RetiredAt != nil {
		return "", errors.New("receipts: key is retired; sign with the active key")
	}
	if c.Issuer == "" {
		c.Issuer = Issuer
	}
	if c.ID == "" {
		c.ID = c.Number
	}
	if c.Subject == "" {
		c.Subject = c.Event
	}
	c.StartsAt = utcSecond(c.StartsAt)
	c.EndsAt = utcSecond(c.EndsAt)
	c.AcknowledgedAt = utcSecond(c.AcknowledgedAt)
	if err := c.check(); err != nil {
		return "", fmt.Errorf("receipts: %w", err)
	}
	if !c.ExpiresAt.After(c.IssuedAt.Time) {
		return "", errors.New("receipts: receipt would expire before it is issued")
	}
	t := jwt.NewWithClaims(jwt.SigningMethodEdDSA, c) // sets typ: JWT
	t.Header["kid"] = k.ID
	return t.SignedString(k.Private)
}
