package receipts

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// keyringVersion tags the storage format so that a future change can be
// detected instead of misread.
const keyringVersion = 1

// storedKeyring is the storage format of a Keyring. Only the 32-byte seed
// of each key is kept (RFC 8032 private key), base64url without padding
// like the "d" member of an OKP JWK; everything else is derived from it.
type storedKeyring struct {
	Version  int         `json:"version"`
	Active   storedKey   `json:"active"`
	Previous []storedKey `json:"previous"`
}

type storedKey struct {
	ID        string     `json:"kid"`
	Seed      string     `json:"seed"`
	CreatedAt time.Time  `json:"created_at"`
	RetiredAt *time.Time `json:"retired_at,omitempty"`
}

// MarshalKeyring encodes kr, private keys included, for storage. The result
// is a secret: the caller must keep it where no API can read it.
func MarshalKeyring(kr Keyring) ([]byte, error) {
	s := storedKeyring{Version: keyringVersion, Previous: make([]storedKey, 0, len(kr.Previous))}
	var err error
	if s.Active, err = storeKey(kr.Active); err != nil {
		return nil, fmt.Errorf("receipts: active key: %w", err)
	}
	for _, k := range kr.Previous {
		sk, err := storeKey(k)
		if err != nil {
			return nil, fmt.Errorf("receipts: previous key %q: %w", k.ID, err)
		}
		s.Previous = append(s.Previous, sk)
	}
	return json.Marshal(s)
}

func storeKey(k Key) (storedKey, error) {
	if err := k.check(); err != nil {
		return storedKey{}, err
	}
	return storedKey{
		ID:        k.ID,
		Seed:      b64.EncodeToString(k.Private.Seed()),
		CreatedAt: k.CreatedAt,
		RetiredAt: k.RetiredAt,
	}, nil
}

// UnmarshalKeyring decodes what MarshalKeyring produced. It checks every
// key id against the key it names, so a corrupted store fails loudly here
// rather than as unknown_key on every phone.
func UnmarshalKeyring(data []byte) (Keyring, error) {
	var s storedKeyring
	if err := json.Unmarshal(data, &s); err != nil {
		return Keyring{}, fmt.Errorf("receipts: decoding keyring: %w", err)
	}
	if s.Version != keyringVersion {
		return Keyring{}, fmt.Errorf("receipts: unsupported keyring version %d", s.Version)
	}
	var kr Keyring
	var err error
	if kr.Active, err = loadKey(s.Active); err != nil {
		return Keyring{}, fmt.Errorf("receipts: active key: %w", err)
	}
	if kr.Active.RetiredAt != nil {
		return Keyring{}, errors.New("receipts: active key is marked retired")
	}
	seen := map[string]bool{kr.Active.ID: true}
	for i, sk := range s.Previous {
		k, err := loadKey(sk)
		if err != nil {
			return Keyring{}, fmt.Errorf("receipts: previous key %d: %w", i, err)
		}
		if seen[k.ID] {
			return Keyring{}, fmt.Errorf("receipts: duplicate key %q", k.ID)
		}
		seen[k.ID] = true
		kr.Previous = append(kr.Previous, k)
	}
	return kr, nil
}

func loadKey(sk storedKey) (Key, error) {
	seed, err := b64.DecodeString(sk.Seed)
	if err != nil {
		return Key{}, fmt.Errorf("seed is not base64url: %w", err)
	}
	k, err := NewKeyFromSeed(seed, sk.CreatedAt)
	if err != nil {
		return Key{}, err
	}
	if k.ID != sk.ID {
		return Key{}, fmt.Errorf("stored id %q does not match key %q", sk.ID, k.ID)
	}
	k.CreatedAt = sk.CreatedAt
	k.RetiredAt = sk.RetiredAt
	return k, nil
}
