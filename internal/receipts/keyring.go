package receipts

import (
	"slices"
	"time"
)

// Keyring is the issuer's set of keys: one Active key signs new receipts;
// Previous keys are retired but stay published so that receipts they signed
// keep verifying until those receipts expire.
//
// Keyring values are treated as immutable: Rotate and Prune return new
// keyrings and never modify the receiver's slices.
type Keyring struct {
	Active   Key
	Previous []Key // most recently retired first
}

// Rotate generates a new active key. The old active key, if any, is retired
// at now and kept in Previous. Rotating the zero Keyring bootstraps it.
func (kr Keyring) Rotate(now time.Time) (Keyring, error) {
	k, err := NewKey(now)
	if err != nil {
		return Keyring{}, err
	}
	next := Keyring{Active: k, Previous: make([]Key, 0, len(kr.Previous)+1)}
	if kr.Active.Public() != nil {
		old := kr.Active
		retired := now.UTC()
		old.RetiredAt = &retired
		next.Previous = append(next.Previous, old)
	}
	next.Previous = append(next.Previous, kr.Previous...)
	return next, nil
}

// Prune drops retired keys that were retired more than maxAge before now.
//
// maxAge must be at least the longest lifetime (exp − iat) of any receipt
// ever issued: a receipt signed just before its key was retired must still
// find the key until it expires. Because a party can be acknowledged long
// before its event, that is not simply the grace period; the caller knows
// the longest acknowledgment-to-expiry span it allows. Keys in Previous
// without a retirement time are kept, as their age is unknown.
func (kr Keyring) Prune(now time.Time, maxAge time.Duration) Keyring {
	next := Keyring{Active: kr.Active}
	for _, k := range kr.Previous {
		if k.RetiredAt != nil && now.Sub(*k.RetiredAt) > maxAge {
			continue
		}
		next.Previous = append(next.Previous, k)
	}
	next.Previous = slices.Clip(next.Previous)
	return next
}

// keys lists every key of kr, active first.
func (kr Keyring) keys() []Key {
	return append([]Key{kr.Active}, kr.Previous...)
}

// KeyRetention is how long a retired key stays published: longer than any
// receipt lives (a campaign of 15 days plus the grace after an event).
const KeyRetention = 60 * 24 * time.Hour

// Retain is Prune(now, maxAge), except that a retired key that signed a
// receipt still in use (inUse, by key id; see KeysInUse) is kept however old
// it is.
func (kr Keyring) Retain(now time.Time, maxAge time.Duration, inUse map[string]bool) Keyring {
	pruned := kr.Prune(now, maxAge)
	kept := map[string]bool{}
	for _, k := range pruned.Previous {
		kept[k.ID] = true
	}
	for _, k := range kr.Previous {
		if !kept[k.ID] && inUse[k.ID] {
			pruned.Previous = append(pruned.Previous, k)
		}
	}
	return pruned
}
