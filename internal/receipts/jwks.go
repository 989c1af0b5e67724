package receipts

import (
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
)

// JWK is an Ed25519 public key as a JSON Web Key (RFC 7517, RFC 8037 §2).
type JWK struct {
	Kty string `json:"kty"`           // always "OKP"
	Crv string `json:"crv"`           // always "Ed25519"
	X   string `json:"x"`             // public key, base64url without padding
	Kid string `json:"kid,omitempty"` // RFC 7638 thumbprint
	Alg string `json:"alg,omitempty"` // "EdDSA"
	Use string `json:"use,omitempty"` // "sig"
}

// JWKS is a JSON Web Key Set (RFC 7517 §5).
type JWKS struct {
	Keys []JWK `json:"keys"`
}

// maxJWKSSize bounds what ParseJWKS accepts; a real set is a few hundred
// bytes, and the input may come from an untrusted cache on a phone.
const maxJWKSSize = 1 << 20

// JWKS returns the public key set to publish: the active key first, then
// every retired key still in the keyring.
func (kr Keyring) JWKS() JWKS {
	set := JWKS{Keys: []JWK{}}
	for _, k := range kr.keys() {
		if pub := k.Public(); pub != nil {
			set.Keys = append(set.Keys, publicJWK(pub))
		}
	}
	return set
}

func publicJWK(pub ed25519.PublicKey) JWK {
	return JWK{
		Kty: "OKP",
		Crv: "Ed25519",
		X:   b64.EncodeToString(pub),
		Kid: thumbprint(pub),
		Alg: "EdDSA",
		Use: "sig",
	}
}

// MarshalJSON always writes "keys" as an array, never null, since JOSE
// libraries reject a set whose keys member is not an array.
func (s JWKS) MarshalJSON() ([]byte, error) {
	type plain JWKS // no methods, so no recursion
	if s.Keys == nil {
		s.Keys = []JWK{}
	}
	return json.Marshal(plain(s))
}

// PublicKey returns the Ed25519 key j describes, or an error if j is not a
// usable Ed25519 signature key.
func (j JWK) PublicKey() (ed25519.PublicKey, error) {
	if j.Kty != "OKP" {
		return nil, fmt.Errorf("receipts: key type %q is not OKP", j.Kty)
	}
	if j.Crv != "Ed25519" {
		return nil, fmt.Errorf("receipts: curve %q is not Ed25519", j.Crv)
	}
	// alg and use are optional (RFC 7517 §4.2, §4.4), but when present they
	// must allow EdDSA signatures.
	if j.Alg != "" && j.Alg != "EdDSA" {
		return nil, fmt.Errorf("receipts: key algorithm %q is not EdDSA", j.Alg)
	}
	if j.Use != "" && j.Use != "sig" {
		return nil, fmt.Errorf("receipts: key use %q is not sig", j.Use)
	}
	x, err := b64.DecodeString(j.X)
	if err != nil || len(x) != ed25519.PublicKeySize {
		return nil, errors.New("receipts: x is not a base64url Ed25519 public key")
	}
	return ed25519.PublicKey(x), nil
}

// Thumbprint returns the RFC 7638 thumbprint of j, which our key ids are.
func (j JWK) Thumbprint() (string, error) {
	pub, err := j.PublicKey()
	if err != nil {
		return "", err
	}
	return thumbprint(pub), nil
}

// jwkWire is a JWK as read from the wire; D is only there to detect
// private key material, which must never be published.
type jwkWire struct {
	JWK
	D *json.RawMessage `json:"d"`
}

// ParseJWKS decodes a JWK Set and keeps the keys this package can use:
// Ed25519 signature keys with a kid. Keys of other types are skipped, as
// RFC 7517 §5 asks. It fails if the input is not a JWK Set, if any key
// carries private material ("d"), or if no usable key remains. It never
// panics, whatever the input.
func ParseJWKS(data []byte) (JWKS, error) {
	if len(data) > maxJWKSSize {
		return JWKS{}, errors.New("receipts: key set too large")
	}
	var raw struct {
		Keys *[]json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return JWKS{}, fmt.Errorf("receipts: key set is not valid JSON: %w", err)
	}
	if raw.Keys == nil {
		return JWKS{}, errors.New(`receipts: key set has no "keys" array`)
	}
	set := JWKS{Keys: []JWK{}}
	for _, r := range *raw.Keys {
		var w jwkWire
		if err := json.Unmarshal(r, &w); err != nil {
			continue // not a JWK object, or members of the wrong type
		}
		if w.D != nil {
			return JWKS{}, errors.New("receipts: key set contains private key material")
		}
		if w.Kid == "" {
			continue // receipts always name their key
		}
		if _, err := w.JWK.PublicKey(); err != nil {
			continue
		}
		set.Keys = append(set.Keys, w.JWK)
	}
	if len(set.Keys) == 0 {
		return JWKS{}, errors.New("receipts: key set has no usable Ed25519 key")
	}
	return set, nil
}

// lookup returns the public keys of the usable JWKs named kid. There is
// normally one; several are all tried.
func (s JWKS) lookup(kid string) []ed25519.PublicKey {
	var out []ed25519.PublicKey
	for _, j := range s.Keys {
		if j.Kid != kid {
			continue
		}
		if pub, err := j.PublicKey(); err == nil {
			out = append(out, pub)
		}
	}
	return out
}
