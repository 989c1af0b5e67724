package syncproto

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
)

// Cursor is the client's position in the sync log. It is handed out
// opaque; only this package reads it.
//
// Epoch identifies the sync index the seq belongs to (the glue generates a
// random one when the index is created or restored), so seqs from another
// database are never compared with ours. Fingerprint is Fingerprint of the
// scopes the client pulled with. Floor is the pruning bound (see
// NeedsReset) in force when the cursor was issued.
type Cursor struct {
	Seq         int64
	Epoch       string
	Fingerprint string
	Floor       int64
}

const (
	// cursorVersion 2 added Floor; version 1 cursors are refused (the
	// client resets once).
	cursorVersion = 2
	// MaxCursorField bounds Epoch and Fingerprint. EncodeCursor does not
	// enforce it, but DecodeCursor rejects longer ones, which would make
	// every pull a reset: keep the epoch a short random id.
	MaxCursorField = 128
	checksumLen    = 4
	// Longest encoding of a valid cursor, to reject huge input before
	// decoding it.
	maxCursorLen = (1 + 2*binary.MaxVarintLen64 + 2*(binary.MaxVarintLen64+MaxCursorField) + checksumLen + 2) * 4 / 3
)

// ErrBadCursor is returned (wrapped) for every cursor DecodeCursor rejects.
var ErrBadCursor = errors.New("syncproto: bad cursor")

var b64 = base64.RawURLEncoding.Strict()

// EncodeCursor renders c as an opaque base64url string:
//
//	version(1) | varint seq | uvarint len | epoch | uvarint len | fingerprint | varint floor | checksum(4)
//
// The checksum is a truncated SHA-256, not a MAC. Integrity only has to
// turn typos, truncation and random strings into a reset; a client gains
// nothing by forging a cursor because every pull re-derives its scopes
// server-side and a foreign epoch or fingerprint only triggers a reset.
func EncodeCursor(c Cursor) string {
	b := []byte{cursorVersion}
	b = binary.AppendVarint(b, c.Seq)
	b = binary.AppendUvarint(b, uint64(len(c.Epoch)))
	b = append(b, c.Epoch...)
	b = binary.AppendUvarint(b, uint64(len(c.Fingerprint)))
	b = append(b, c.Fingerprint...)
	b = binary.AppendVarint(b, c.Floor)
	b = append(b, checksum(b)...)
	return b64.EncodeToString(b)
}

// DecodeCursor parses a cursor made by EncodeCursor. The empty string is
// the zero cursor (pull from scratch) and not an error. Any other input
// that is not exactly what EncodeCursor would produce for some cursor
// (including non-canonical encodings and negative seqs) is rejected with
// an error wrapping ErrBadCursor.
func DecodeCursor(s string) (Cursor, error) {
	if s == "" {
		return Cursor{}, nil
	}
	if len(s) > maxCursorLen {
		return Cursor{}, fmt.Errorf("%w: too long", ErrBadCursor)
	}
	b, err := b64.DecodeString(s)
	if err != nil {
		return Cursor{}, fmt.Errorf("%w: not base64url", ErrBadCursor)
	}
	if len(b) < 1+checksumLen {
		return Cursor{}, fmt.Errorf("%w: too short", ErrBadCursor)
	}
	body, sum := b[:len(b)-checksumLen], b[len(b)-checksumLen:]
	if !bytes.Equal(checksum(body), sum) {
		return Cursor{}, fmt.Errorf("%w: checksum mismatch", ErrBadCursor)
	}
	if body[0] != cursorVersion {
		return Cursor{}, fmt.Errorf("%w: unknown version %d", ErrBadCursor, body[0])
	}
	rest := body[1:]
	seq, n := binary.Varint(rest)
	if n <= 0 || seq < 0 {
		return Cursor{}, fmt.Errorf("%w: bad seq", ErrBadCursor)
	}
	rest = rest[n:]
	epoch, rest, ok := readField(rest)
	if !ok {
		return Cursor{}, fmt.Errorf("%w: bad epoch", ErrBadCursor)
	}
	fp, rest, ok := readField(rest)
	if !ok {
		return Cursor{}, fmt.Errorf("%w: bad fingerprint", ErrBadCursor)
	}
	floor, n := binary.Varint(rest)
	if n <= 0 || floor < 0 || len(rest) != n {
		return Cursor{}, fmt.Errorf("%w: bad floor", ErrBadCursor)
	}
	c := Cursor{Seq: seq, Epoch: epoch, Fingerprint: fp, Floor: floor}
	// Varints accept overlong forms; insisting on the canonical encoding
	// keeps one cursor per position, which fuzzing checks.
	if EncodeCursor(c) != s {
		return Cursor{}, fmt.Errorf("%w: non-canonical", ErrBadCursor)
	}
	return c, nil
}

func readField(b []byte) (string, []byte, bool) {
	l, n := binary.Uvarint(b)
	if n <= 0 || l > MaxCursorField || l > uint64(len(b)-n) {
		return "", nil, false
	}
	return string(b[n : n+int(l)]), b[n+int(l):], true
}

func checksum(b []byte) []byte {
	h := sha256.New()
	h.Write([]byte("coprosec/sync-cursor\x00")) // domain separation
	h.Write(b)
	return h.Sum(nil)[:checksumLen]
}

// NeedsReset reports whether a client at cursor c must drop its replica
// and pull from scratch, because the rows after c can no longer bring it
// to the right state:
//
//   - epoch differs: the index was rebuilt (restore, new database), so
//     seqs are not comparable;
//   - fingerprint differs: the user's scopes changed (role, unit, party),
//     and records of lost scopes have no tombstones in the new ones;
//   - 0 < c.Seq < oldestRetainedSeq and c.Floor < oldestRetainedSeq:
//     tombstones after c may have been pruned since c was issued.
//     oldestRetainedSeq is the pruning bound: the pruner deleted removal
//     rows up to it, none above, so a cursor at or above it has seen every
//     pruned row. A cursor issued after that prune (c.Floor at the bound)
//     is safe below it too: its pull began from scratch after the prune,
//     and every change since has a higher seq, so the pruned rows only
//     ever removed records it was never sent.
//   - c is not a cursor EncodeCursor could have produced (negative seq or
//     floor).
//
// The zero cursor is a pull from scratch and never needs a reset. A cursor
// that failed to decode needs one too; ResolveCursor handles that case.
func NeedsReset(c Cursor, epoch, fingerprint string, oldestRetainedSeq int64) bool {
	switch {
	case c == Cursor{}:
		return false
	case c.Seq < 0, c.Floor < 0:
		return true
	case c.Epoch != epoch, c.Fingerprint != fingerprint:
		return true
	case c.Seq > 0 && c.Seq < oldestRetainedSeq && c.Floor < oldestRetainedSeq:
		return true
	}
	return false
}

// ResolveCursor decodes the cursor query parameter and decides where the
// pull starts. On reset (garbage cursor or NeedsReset) it returns the
// from-scratch cursor and reset=true: the response carries reset:true and
// its changes start from seq 0, so the client drops its replica and then
// applies them. The returned cursor always carries epoch, fingerprint and
// the current pruning bound as Floor, ready for the glue to advance its
// Seq and encode.
func ResolveCursor(s, epoch, fingerprint string, oldestRetainedSeq int64) (c Cursor, reset bool) {
	c, err := DecodeCursor(s)
	if err != nil || NeedsReset(c, epoch, fingerprint, oldestRetainedSeq) {
		return Cursor{Epoch: epoch, Fingerprint: fingerprint, Floor: oldestRetainedSeq}, true
	}
	c.Epoch, c.Fingerprint, c.Floor = epoch, fingerprint, max(c.Floor, oldestRetainedSeq)
	return c, false
}
