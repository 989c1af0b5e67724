package receipts

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"
)

// DeclaredDetails are the event details a party declared. A receipt does
// not carry them all; it carries their digest, so that a checkpoint holding
// the declaration (or the party showing it) can prove the receipt covers
// exactly what was declared and not an edited version.
type DeclaredDetails struct {
	Kind               string
	Title              string
	Place              string
	Commune            string // commune code
	Arrondissement     string // arrondissement code
	Lat, Lon           *float64
	Route              [][2]float64 // points in declared order
	StartsAt, EndsAt   time.Time
	ExpectedAttendance int
	SecurityNeeds      []string // a set: order and duplicates do not matter
	SoundVehicle       bool
}

// digestVersion is part of the canonical form so that changing the form
// later cannot silently collide with old digests.
const digestVersion = 1

// maxSafeInt is the largest integer that JSON numbers (IEEE doubles, as in
// JavaScript) carry exactly.
const maxSafeInt = 1<<53 - 1

// Canonical returns the canonical encoding of d that its digest hashes.
//
// It is a JSON object serialised per RFC 8785 (JSON Canonicalization
// Scheme), so any JCS implementation (for example in JavaScript) rebuilds
// the same bytes from the same values:
//
//   - members, all always present, sorted by name: arrondissement, commune,
//     ends_at, expected_attendance, kind, lat, lon, place, route,
//     security_needs, sound_vehicle, starts_at, title, v;
//   - no whitespace; strings escaped minimally (only ", \ and control
//     characters, as \b \t \n \f \r or lowercase \u00xx) and otherwise
//     written as raw UTF-8; strings are hashed exactly as given (no
//     trimming, no Unicode normalisation);
//   - numbers formatted like JavaScript's Number#toString (so 2 not 2.0,
//     and -0 as 0); lat and lon are null when absent;
//   - route is an array of two-number arrays in declared order, [] when
//     empty;
//   - security_needs is sorted by code point (byte-wise UTF-8) and
//     deduplicated, [] when empty;
//   - starts_at and ends_at are RFC 3339 in UTC at whole seconds, like
//     "2026-03-01T09:00:00Z";
//   - v is the format version, 1.
//
// It fails on NaN or infinite coordinates, on invalid UTF-8 and on an
// attendance beyond ±2^53−1, none of which JSON can carry faithfully.
func (d DeclaredDetails) Canonical() ([]byte, error) {
	var e canonicalEncoder
	e.byte('{')
	e.str("arrondissement", d.Arrondissement)
	e.str("commune", d.Commune)
	e.time("ends_at", d.EndsAt)
	e.key("expected_attendance")
	if n := int64(d.ExpectedAttendance); n > maxSafeInt || n < -maxSafeInt {
		e.fail(errors.New("expected attendance out of range"))
	}
	e.buf = strconv.AppendInt(e.buf, int64(d.ExpectedAttendance), 10)
	e.str("kind", d.Kind)
	e.optNum("lat", d.Lat)
	e.optNum("lon", d.Lon)
	e.str("place", d.Place)
	e.key("route")
	e.byte('[')
	for i, p := range d.Route {
		if i > 0 {
			e.byte(',')
		}
		e.byte('[')
		e.num(p[0])
		e.byte(',')
		e.num(p[1])
		e.byte(']')
	}
	e.byte(']')
	e.key("security_needs")
	e.byte('[')
	needs := slices.Compact(slices.Sorted(slices.Values(d.SecurityNeeds)))
	for i, n := range needs {
		if i > 0 {
			e.byte(',')
		}
		e.quote(n)
	}
	e.byte(']')
	e.key("sound_vehicle")
	e.buf = strconv.AppendBool(e.buf, d.SoundVehicle)
	e.time("starts_at", d.StartsAt)
	e.str("title", d.Title)
	e.key("v")
	e.buf = strconv.AppendInt(e.buf, digestVersion, 10)
	e.byte('}')
	if e.err != nil {
		return nil, fmt.Errorf("receipts: canonical details: %w", e.err)
	}
	return e.buf, nil
}

// Digest returns the base64url (unpadded) SHA-256 of d's canonical
// encoding, the value of the "dig" claim.
func (d DeclaredDetails) Digest() (string, error) {
	c, err := d.Canonical()
	if err != nil {
		return "", err
	}
	h := sha256.Sum256(c)
	return b64.EncodeToString(h[:]), nil
}

// canonicalEncoder appends JCS-formatted JSON, remembering the first error
// so the encoding code above reads straight through.
type canonicalEncoder struct {
	buf []byte
	err error
}

func (e *canonicalEncoder) fail(err error) {
	if e.err == nil {
		e.err = err
	}
}

func (e *canonicalEncoder) byte(b byte) { e.buf = append(e.buf, b) }

// key writes a member name; members are written in sorted order by the
// caller, so key only has to add the separating comma.
func (e *canonicalEncoder) key(name string) {
	if e.buf[len(e.buf)-1] != '{' {
		e.byte(',')
	}
	e.quote(name)
	e.byte(':')
}

func (e *canonicalEncoder) str(name, v string) {
	e.key(name)
	e.quote(v)
}

func (e *canonicalEncoder) time(name string, t time.Time) {
	e.key(name)
	e.quote(t.UTC().Truncate(time.Second).Format(time.RFC3339))
}

func (e *canonicalEncoder) optNum(name string, f *float64) {
	e.key(name)
	if f == nil {
		e.buf = append(e.buf, "null"...)
		return
	}
	e.num(*f)
}

// num formats f as ECMAScript's Number#toString does (RFC 8785 §3.2.2.3):
// shortest round-tripping digits, plain notation for 1e-6 <= |f| < 1e21,
// exponent notation without leading zeros otherwise.
func (e *canonicalEncoder) num(f float64) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		e.fail(errors.New("coordinate is not a finite number"))
		f = 0
	}
	if f == 0 {
		f = 0 // turns -0 into 0
	}
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	start := len(e.buf)
	e.buf = strconv.AppendFloat(e.buf, f, format, -1, 64)
	if format == 'e' {
		// Go writes e-07 where JavaScript writes e-7.
		b := e.buf[start:]
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			e.buf = e.buf[:len(e.buf)-1]
		}
	}
}

// quote writes s as a JCS string (RFC 8785 §3.2.2.2).
func (e *canonicalEncoder) quote(s string) {
	if !utf8.ValidString(s) {
		e.fail(errors.New("text is not valid UTF-8"))
	}
	const hex = "0123456789abcdef"
	e.byte('"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			e.buf = append(e.buf, '\\', c)
		case c == '\b':
			e.buf = append(e.buf, '\\', 'b')
		case c == '\t':
			e.buf = append(e.buf, '\\', 't')
		case c == '\n':
			e.buf = append(e.buf, '\\', 'n')
		case c == '\f':
			e.buf = append(e.buf, '\\', 'f')
		case c == '\r':
			e.buf = append(e.buf, '\\', 'r')
		case c < 0x20:
			e.buf = append(e.buf, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		default:
			e.buf = append(e.buf, c) // UTF-8 passes through byte by byte
		}
	}
	e.byte('"')
}
