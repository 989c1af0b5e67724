package receipts

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// b64 is the only base64 flavour JOSE allows: URL alphabet, no padding.
// Strict decoding refuses non-canonical trailing bits, so one byte string has
// exactly one accepted encoding.
var b64 = base64.RawURLEncoding.Strict()

// Key is one Ed25519 signing key of the receipt issuer.
//
// Key deliberately redacts itself when printed or JSON-encoded so that a
// stray log line or API response cannot leak the private half; use
// [MarshalKeyring] to store keys.
type Key struct {
	ID        string // RFC 7638 thumbprint of the public key
	Private   ed25519.PrivateKey
	CreatedAt time.Time
	RetiredAt *time.Time // set when the key stopped signing; nil while active
}

// NewKey generates a fresh key created at now.
func NewKey(now time.Time) (Key, error) {
	seed := make([]byte, ed25519.SeedSize)
	if _, err := rand.Read(seed); err != nil {
		return Key{}, fmt.Errorf("receipts: generating key: %w", err)
	}
	return NewKeyFromSeed(seed, now)
}

// NewKeyFromSeed rebuilds a key from its 32-byte Ed25519 seed. It is how
// stored keys are restored, and lets tests use fixed keys.
func NewKeyFromSeed(seed []byte, now time.Time) (Key, error) {
	if len(seed) != ed25519.SeedSize {
		return Key{}, fmt.Errorf("receipts: key seed must be %d bytes, got %d", ed25519.SeedSize, len(seed))
	}
	priv := ed25519.NewKeyFromSeed(seed)
	return Key{
		ID:        thumbprint(priv.Public().(ed25519.PublicKey)),
		Private:   priv,
		CreatedAt: now.UTC(),
	}, nil
}

// Public returns the public half of k, or nil if k holds no valid key.
func (k Key) Public() ed25519.PublicKey {
	if len(k.Private) != ed25519.PrivateKeySize {
		return nil
	}
	return k.Private.Public().(ed25519.PublicKey)
}

// check reports whether k can sign: a well-formed private key whose ID is
// the thumbprint of its public key (a mismatch would make every receipt fail
// with unknown_key on the phones).
func (k Key) check() error {
	pub := k.Public()
	if pub == nil {
		return errors.New("receipts: key has no valid Ed25519 private key")
	}
	if k.ID != thumbprint(pub) {
		return fmt.Errorf("receipts: key id %q is not the thumbprint of its public key", k.ID)
	}
	return nil
}

// thumbprint is the RFC 7638 JWK thumbprint (SHA-256) of an Ed25519 public
// key. For an OKP key the required members are crv, kty and x (RFC 8037
// §2), hashed in lexicographic order without whitespace. Using the standard
// thumbprint lets any JOSE library recompute and check the kid.
func thumbprint(pub ed25519.PublicKey) string {
	h := sha256.Sum256([]byte(`{"crv":"Ed25519","kty":"OKP","x":"` + b64.EncodeToString(pub) + `"}`))
	return b64.EncodeToString(h[:])
}

// String describes k without its private key.
func (k Key) String() string {
	s := fmt.Sprintf("receipts.Key{ID:%q, CreatedAt:%s", k.ID, k.CreatedAt.Format(time.RFC3339))
	if k.RetiredAt != nil {
		s += ", RetiredAt:" + k.RetiredAt.Format(time.RFC3339)
	}
	return s + "}"
}

// GoString makes %#v as safe as %v.
func (k Key) GoString() string { return k.String() }

// publicKeyView is what json.Marshal shows of a Key.
type publicKeyView struct {
	ID        string     `json:"kid"`
	X         string     `json:"x,omitempty"`
	CreatedAt time.Time  `json:"created_at"`
	RetiredAt *time.Time `json:"retired_at,omitempty"`
}

// MarshalJSON encodes only the public parts of k. It exists so that
// encoding a Key or Keyring by mistake never exposes the private key.
func (k Key) MarshalJSON() ([]byte, error) {
	v := publicKeyView{ID: k.ID, CreatedAt: k.CreatedAt, RetiredAt: k.RetiredAt}
	if pub := k.Public(); pub != nil {
		v.X = b64.EncodeToString(pub)
	}
	return json.Marshal(v)
}
