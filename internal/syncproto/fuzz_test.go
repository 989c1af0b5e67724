package syncproto

import (
	"bytes"
	"errors"
	"strconv"
	"testing"
	"unicode/utf8"
)

func FuzzParseRequest(f *testing.F) {
	f.Add([]byte(`{"device":"phone-1","mutations":[{"id":"m1","collection":"events","op":"create","record_id":"abc123def456ghi","data":{"title":"x"}}]}`))
	f.Add([]byte(`{"device":"d","mutations":[{"id":"m1","collection":"incidents","op":"update","record_id":"r","base_version":3,"data":{"a":[1,{"b":null}]}}]}`))
	f.Add([]byte(`{"device":"d","mutations":[{"id":"m","collection":"units","op":"delete","record_id":"r"},{"id":"m"}]}`))
	f.Add([]byte(`{"device":"d","device":"e"}`))
	f.Add([]byte(`[]`))
	f.Add([]byte(``))
	f.Fuzz(func(t *testing.T, body []byte) {
		req, err := ParseRequest(bytes.NewReader(body))
		if err != nil {
			var re *RequestError
			if req != nil || !errors.As(err, &re) || re.Code == "" || !utf8.ValidString(re.Message) {
				t.Fatalf("ParseRequest = %v, %v", req, err)
			}
			return
		}
		if req.Device == "" || len(req.Mutations) > MaxMutations {
			t.Fatalf("accepted %+v", req)
		}
		ids := map[string]bool{}
		for _, m := range req.Mutations {
			if m.ID == "" || ids[m.ID] {
				t.Fatalf("accepted mutation id %+v", m)
			}
			ids[m.ID] = true
			if m.Invalid != nil {
				if m.Invalid.Code != CodeInvalidMutation || !utf8.ValidString(m.Invalid.Message) {
					t.Fatalf("bad rejection %+v", m.Invalid)
				}
				continue
			}
			if !IsClientWritable(m.Collection) || m.RecordID == "" {
				t.Fatalf("accepted mutation %+v", m)
			}
			if m.Op == OpCreate && !IsRecordID(m.RecordID) {
				t.Fatalf("accepted create id %q", m.RecordID)
			}
			if m.Op != OpDelete && m.Data == nil {
				t.Fatalf("accepted %s without data", m.Op)
			}
		}
	})
}

func FuzzDecodeCursor(f *testing.F) {
	f.Add("")
	f.Add("garbage")
	f.Add(EncodeCursor(Cursor{}))
	f.Add(EncodeCursor(Cursor{Seq: 12345, Epoch: "epoch", Fingerprint: "0123456789abcdef"}))
	f.Fuzz(func(t *testing.T, s string) {
		c, err := DecodeCursor(s)
		if err != nil {
			if !errors.Is(err, ErrBadCursor) || c != (Cursor{}) {
				t.Fatalf("DecodeCursor(%q) = %+v, %v", s, c, err)
			}
			return
		}
		// Accepted cursors are canonical: one string per cursor.
		if s != "" && EncodeCursor(c) != s {
			t.Fatalf("DecodeCursor(%q) = %+v, which encodes to %q", s, c, EncodeCursor(c))
		}
		if c.Seq < 0 {
			t.Fatalf("negative seq from %q", s)
		}
	})
}

func FuzzParseLimit(f *testing.F) {
	for _, s := range []string{"", "1", "500", "1000", "1001", "0", "-1", "+1", "1e3", "99999999999999999999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := ParseLimit(s)
		if err != nil {
			if n != 0 {
				t.Fatalf("ParseLimit(%q) = %d with error", s, n)
			}
			return
		}
		if n < 1 || n > MaxLimit {
			t.Fatalf("ParseLimit(%q) = %d", s, n)
		}
		if v, perr := strconv.ParseUint(s, 10, 64); perr == nil && v <= MaxLimit && int(v) != n {
			t.Fatalf("ParseLimit(%q) = %d, want %d", s, n, v)
		}
	})
}
