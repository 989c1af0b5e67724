package syncproto

import (
	"encoding/base64"
	"errors"
	"math"
	"strings"
	"testing"
)

func TestCursorRoundTrip(t *testing.T) {
	tests := []Cursor{
		{},
		{Seq: 1},
		{Seq: 42, Epoch: "e1", Fingerprint: "0123456789abcdef"},
		{Seq: math.MaxInt64, Epoch: strings.Repeat("e", MaxCursorField), Fingerprint: strings.Repeat("f", MaxCursorField)},
		{Seq: 7, Epoch: "é\x00\xff"},
		{Seq: 9, Floor: 5},
		{Seq: math.MaxInt64, Floor: math.MaxInt64},
	}
	for _, c := range tests {
		s := EncodeCursor(c)
		if strings.ContainsAny(s, "+/=") {
			t.Errorf("EncodeCursor(%+v) = %q, not unpadded base64url", c, s)
		}
		got, err := DecodeCursor(s)
		if err != nil || got != c {
			t.Errorf("DecodeCursor(EncodeCursor(%+v)) = %+v, %v", c, got, err)
		}
	}
}

func TestDecodeCursorRejects(t *testing.T) {
	good := EncodeCursor(Cursor{Seq: 42, Epoch: "e1", Fingerprint: "fp"})
	raw, _ := base64.RawURLEncoding.DecodeString(good)
	reencode := func(b []byte) string {
		return base64.RawURLEncoding.EncodeToString(append(b, checksum(b)...))
	}
	body := raw[:len(raw)-checksumLen]
	flipped := append([]byte(nil), raw...)
	flipped[2] ^= 1
	tests := []struct {
		name string
		s    string
	}{
		{"random", "hello-world"},
		{"not base64", "!!!!"},
		{"padded", good + "="},
		{"std alphabet", strings.NewReplacer("-", "+", "_", "/").Replace(good) + "+/"},
		{"truncated", good[:len(good)-2]},
		{"extended", good + "AA"},
		{"bit flip", base64.RawURLEncoding.EncodeToString(flipped)},
		{"too short", reencode(nil)},
		{"wrong version", reencode(append([]byte{3}, body[1:]...))},
		{"version 1", reencode(append([]byte{1}, body[1:len(body)-1]...))},
		{"negative floor", EncodeCursor(Cursor{Seq: 1, Floor: -1})},
		{"negative seq", EncodeCursor(Cursor{Seq: -1})},
		{"field too long", EncodeCursor(Cursor{Epoch: strings.Repeat("e", MaxCursorField+1)})},
		{"overlong varint", reencode([]byte{cursorVersion, 0x80 | 84, 0x00, 0, 0, 0})},
		{"length past end", reencode([]byte{cursorVersion, 84, 9, 'a'})},
		{"missing floor", reencode([]byte{cursorVersion, 84, 0, 0})},
		{"trailing bytes", reencode(append(append([]byte{}, body...), 0))},
		{"huge", strings.Repeat("A", 10000)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := DecodeCursor(tt.s)
			if !errors.Is(err, ErrBadCursor) || c != (Cursor{}) {
				t.Errorf("DecodeCursor(%q) = %+v, %v; want ErrBadCursor", tt.s, c, err)
			}
		})
	}
	if c, err := DecodeCursor(""); err != nil || c != (Cursor{}) {
		t.Errorf(`DecodeCursor("") = %+v, %v`, c, err)
	}
}

func TestNeedsReset(t *testing.T) {
	const epoch, fp = "e1", "fp1"
	tests := []struct {
		name   string
		c      Cursor
		oldest int64
		want   bool
	}{
		{"zero cursor", Cursor{}, 100, false},
		{"up to date", Cursor{Seq: 50, Epoch: epoch, Fingerprint: fp}, 0, false},
		{"seq 0 same epoch", Cursor{Epoch: epoch, Fingerprint: fp}, 100, false},
		{"other epoch", Cursor{Seq: 50, Epoch: "e0", Fingerprint: fp}, 0, true},
		{"missing epoch", Cursor{Seq: 50, Fingerprint: fp}, 0, true},
		{"other fingerprint", Cursor{Seq: 50, Epoch: epoch, Fingerprint: "fp0"}, 0, true},
		{"seq 0 other fingerprint", Cursor{Epoch: epoch, Fingerprint: "fp0"}, 0, true},
		{"pruned past cursor", Cursor{Seq: 50, Epoch: epoch, Fingerprint: fp}, 51, true},
		{"pruned past cursor since it was issued", Cursor{Seq: 50, Epoch: epoch, Fingerprint: fp, Floor: 40}, 51, true},
		{"issued after the prune", Cursor{Seq: 50, Epoch: epoch, Fingerprint: fp, Floor: 51}, 51, false},
		{"negative floor", Cursor{Seq: 50, Epoch: epoch, Fingerprint: fp, Floor: -1}, 0, true},
		{"at oldest retained", Cursor{Seq: 50, Epoch: epoch, Fingerprint: fp}, 50, false},
		{"past oldest retained", Cursor{Seq: 50, Epoch: epoch, Fingerprint: fp}, 10, false},
		{"negative seq", Cursor{Seq: -5, Epoch: epoch, Fingerprint: fp}, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := NeedsReset(tt.c, epoch, fp, tt.oldest); got != tt.want {
				t.Errorf("NeedsReset(%+v, oldest %d) = %v, want %v", tt.c, tt.oldest, got, tt.want)
			}
		})
	}
}

func TestResolveCursor(t *testing.T) {
	const epoch, fp = "e1", "fp1"
	scratch := Cursor{Epoch: epoch, Fingerprint: fp, Floor: 5}
	tests := []struct {
		name      string
		s         string
		want      Cursor
		wantReset bool
	}{
		{"empty", "", scratch, false}, // a first pull starts after any prune
		{"garbage", "garbage", scratch, true},
		{"valid", EncodeCursor(Cursor{Seq: 9, Epoch: epoch, Fingerprint: fp}), Cursor{Seq: 9, Epoch: epoch, Fingerprint: fp, Floor: 5}, false},
		{"below the bound, issued after it", EncodeCursor(Cursor{Seq: 2, Epoch: epoch, Fingerprint: fp, Floor: 5}), Cursor{Seq: 2, Epoch: epoch, Fingerprint: fp, Floor: 5}, false},
		{"stale epoch", EncodeCursor(Cursor{Seq: 9, Epoch: "old", Fingerprint: fp}), scratch, true},
		{"pruned", EncodeCursor(Cursor{Seq: 2, Epoch: epoch, Fingerprint: fp}), scratch, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, reset := ResolveCursor(tt.s, epoch, fp, 5)
			if c != tt.want || reset != tt.wantReset {
				t.Errorf("ResolveCursor(%q) = %+v, %v; want %+v, %v", tt.s, c, reset, tt.want, tt.wantReset)
			}
		})
	}
}
