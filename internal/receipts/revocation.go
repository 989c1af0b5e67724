package receipts

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Revocation records that a receipt was withdrawn, for instance because
// the event was cancelled or the acknowledgment was made in error.
type Revocation struct {
	Number    string    `json:"number"`
	RevokedAt time.Time `json:"revoked_at"`
	Reason    string    `json:"reason"`
}

// RevocationList is the set of revoked receipt numbers. The zero value is
// an empty list, ready to use. Its JSON form is
//
//	{"revoked":[{"number":"BJ08-2026-000123","revoked_at":"2026-03-01T10:00:00Z","reason":"…"}]}
//
// with entries sorted by number, so that the same list always encodes to
// the same bytes (handy for caching and ETags).
type RevocationList struct {
	entries map[string]Revocation
}

// NewRevocationList returns a list holding rs.
func NewRevocationList(rs ...Revocation) RevocationList {
	var l RevocationList
	for _, r := range rs {
		l.add(r)
	}
	return l
}

// Revoke adds number to l. If number is already revoked, the earliest
// revocation is kept: the receipt stopped being valid then.
func (l *RevocationList) Revoke(number string, at time.Time, reason string) {
	l.add(Revocation{Number: number, RevokedAt: at.UTC(), Reason: reason})
}

func (l *RevocationList) add(r Revocation) {
	if l.entries == nil {
		l.entries = make(map[string]Revocation)
	}
	if old, ok := l.entries[r.Number]; ok && !r.RevokedAt.Before(old.RevokedAt) {
		return
	}
	l.entries[r.Number] = r
}

// Lookup reports whether number is revoked, and how.
func (l RevocationList) Lookup(number string) (Revocation, bool) {
	r, ok := l.entries[number]
	return r, ok
}

// Len returns the number of revoked receipts.
func (l RevocationList) Len() int { return len(l.entries) }

// All returns the revocations sorted by number.
func (l RevocationList) All() []Revocation {
	out := make([]Revocation, 0, len(l.entries))
	for _, r := range l.entries {
		out = append(out, r)
	}
	slices.SortFunc(out, func(a, b Revocation) int { return strings.Compare(a.Number, b.Number) })
	return out
}

type revocationListJSON struct {
	Revoked []Revocation `json:"revoked"`
}

// MarshalJSON implements json.Marshaler.
func (l RevocationList) MarshalJSON() ([]byte, error) {
	return json.Marshal(revocationListJSON{Revoked: l.All()})
}

// UnmarshalJSON implements json.Unmarshaler. An entry without a number is
// an error rather than skipped: silently dropping a revocation would let a
// withdrawn receipt pass.
func (l *RevocationList) UnmarshalJSON(data []byte) error {
	var v revocationListJSON
	if err := json.Unmarshal(data, &v); err != nil {
		return fmt.Errorf("receipts: decoding revocation list: %w", err)
	}
	next := RevocationList{}
	for i, r := range v.Revoked {
		if r.Number == "" {
			return fmt.Errorf("receipts: revocation %d has no receipt number", i)
		}
		next.add(r)
	}
	*l = next
	return nil
}
