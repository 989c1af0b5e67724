package syncproto

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"unicode/utf8"
)

const rid = "abc123def456ghi" // a valid PocketBase id

func mut(fields string) string {
	return `{"device":"phone-1","mutations":[` + fields + `]}`
}

func TestParseRequestOK(t *testing.T) {
	body := `{"device":"phone-1","extra":true,"mutations":[
		{"id":"m1","collection":"events","op":"create","record_id":"` + rid + `","data":{"title":"Meeting","n":3}},
		{"id":"m2","collection":"itineraries","op":"update","record_id":"ZZ-legacy_id","base_version":4,"data":{}},
		{"id":"m3","collection":"incidents","op":"delete","record_id":"` + rid + `","base_version":0}
	]}`
	req, err := ParseRequest(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if req.Device != "phone-1" || len(req.Mutations) != 3 {
		t.Fatalf("got %+v", req)
	}
	m := req.Mutations
	if m[0].Data["n"] != float64(3) || m[0].BaseVersion != nil {
		t.Errorf("m1 = %+v", m[0])
	}
	if m[1].BaseVersion == nil || *m[1].BaseVersion != 4 || m[1].Data == nil {
		t.Errorf("m2 = %+v", m[1])
	}
	if m[2].BaseVersion == nil || *m[2].BaseVersion != 0 || m[2].Data != nil {
		t.Errorf("m3 = %+v", m[2])
	}
	for _, body := range []string{`{"device":"d","mutations":[]}`, `{"device":"d"}`} {
		if req, err := ParseRequest(strings.NewReader(body)); err != nil || len(req.Mutations) != 0 {
			t.Errorf("ParseRequest(%s) = %+v, %v", body, req, err)
		}
	}
}

func TestParseRequestErrors(t *testing.T) {
	ok := `{"id":"m1","collection":"events","op":"update","record_id":"` + rid + `","data":{}}`
	many := strings.Repeat(`{"id":"x","collection":"events","op":"delete","record_id":"r"},`, MaxMutations+1)
	tests := []struct {
		name, body, code, msg string
	}{
		{"empty body", ``, CodeInvalidJSON, ""},
		{"not json", `device=x`, CodeInvalidJSON, ""},
		{"trailing data", `{"device":"d"} {}`, CodeInvalidJSON, ""},
		{"duplicate member", `{"device":"d","device":"e"}`, CodeInvalidJSON, "(device)"},
		{"invalid utf8", "{\"device\":\"\xff\"}", CodeInvalidJSON, ""},
		{"array body", `[]`, CodeInvalidRequest, "body must be a JSON object"},
		{"null body", `null`, CodeInvalidRequest, "device is required"},
		{"too large", `{"device":"` + strings.Repeat("x", MaxRequestBytes) + `"}`, CodeTooLarge, ""},
		{"too many", mut(strings.TrimSuffix(many, ",")), CodeTooManyMutations, "501"},
		{"no device", `{"mutations":[]}`, CodeInvalidRequest, "device is required"},
		{"device case", `{"Device":"d"}`, CodeInvalidRequest, "device is required"},
		{"device too long", `{"device":"` + strings.Repeat("é", MaxIDLen+1) + `"}`, CodeInvalidRequest, "device longer"},
		{"device wrong type", `{"device":5}`, CodeInvalidRequest, "device: expected string, got number"},
		{"mutations wrong type", `{"device":"d","mutations":{}}`, CodeInvalidRequest, "mutations: expected array, got object"},
		{"mutation not object", mut(ok + `,3`), CodeInvalidRequest, "mutations[1]: expected object, got number"},
		{"null mutation", mut(`null`), CodeInvalidRequest, "mutations[0].id: required"},
		{"missing id", mut(`{"collection":"events","op":"delete","record_id":"r"}`), CodeInvalidRequest, "mutations[0].id: required"},
		{"id too long", mut(`{"id":"` + strings.Repeat("i", MaxIDLen+1) + `","collection":"events","op":"delete","record_id":"r"}`), CodeInvalidRequest, "mutations[0].id: longer"},
		{"duplicate id", mut(ok + `,` + ok), CodeInvalidRequest, "mutations[1].id: duplicates mutations[0].id"},
		{"unknown op", mut(`{"id":"m","collection":"events","op":"upsert","record_id":"r"}`), CodeInvalidRequest, `mutations[0].op: "upsert"`},
		{"missing op", mut(`{"id":"m","collection":"events","record_id":"r"}`), CodeInvalidRequest, `mutations[0].op`},
		{"missing collection", mut(`{"id":"m","op":"delete","record_id":"r"}`), CodeInvalidRequest, "mutations[0].collection: required"},
		{"unknown collection", mut(`{"id":"m","collection":"_superusers","op":"delete","record_id":"r"}`), CodeInvalidRequest, "not a synced collection"},
		{"long collection truncated", mut(`{"id":"m","collection":"` + strings.Repeat("é", 5000) + `","op":"delete","record_id":"r"}`), CodeInvalidRequest, "é…"},
		{"read-only collection", mut(`{"id":"m","collection":"receipts","op":"delete","record_id":"r"}`), CodeInvalidRequest, "not writable by push"},
		{"reference collection", mut(`{"id":"m","collection":"units","op":"update","record_id":"r","data":{}}`), CodeInvalidRequest, "not writable by push"},
		{"missing record id", mut(`{"id":"m","collection":"events","op":"delete"}`), CodeInvalidRequest, "mutations[0].record_id: required"},
		{"create bad id uppercase", mut(`{"id":"m","collection":"events","op":"create","record_id":"ABC123DEF456GHI","data":{}}`), CodeInvalidRequest, "record_id: must be 15"},
		{"create bad id short", mut(`{"id":"m","collection":"events","op":"create","record_id":"abc","data":{}}`), CodeInvalidRequest, "record_id: must be 15"},
		{"record id too long", mut(`{"id":"m","collection":"events","op":"delete","record_id":"` + strings.Repeat("r", MaxIDLen+1) + `"}`), CodeInvalidRequest, "record_id: longer"},
		{"negative base", mut(`{"id":"m","collection":"events","op":"delete","record_id":"r","base_version":-1}`), CodeInvalidRequest, "base_version: must not be negative"},
		{"fractional base", mut(`{"id":"m","collection":"events","op":"delete","record_id":"r","base_version":1.5}`), CodeInvalidRequest, "mutations[0].base_version: expected integer, got number"},
		{"string base", mut(`{"id":"m","collection":"events","op":"delete","record_id":"r","base_version":"1"}`), CodeInvalidRequest, "mutations[0].base_version: expected integer, got string"},
		{"create without data", mut(`{"id":"m","collection":"events","op":"create","record_id":"` + rid + `"}`), CodeInvalidRequest, "mutations[0].data: an object is required for create"},
		{"update null data", mut(`{"id":"m","collection":"events","op":"update","record_id":"r","data":null}`), CodeInvalidRequest, "mutations[0].data: an object is required for update"},
		{"update array data", mut(`{"id":"m","collection":"events","op":"update","record_id":"r","data":[]}`), CodeInvalidRequest, "mutations[0].data: expected object, got array"},
		{"second mutation bad", mut(ok + `,{"id":"m2","collection":"events","op":"nope","record_id":"r"}`), CodeInvalidRequest, "mutations[1].op"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := ParseRequest(strings.NewReader(tt.body))
			if err == nil && req != nil {
				// a malformed mutation is rejected alone (Mutation.Invalid),
				// the rest of the request stands
				for i, m := range req.Mutations {
					if m.Invalid == nil {
						continue
					}
					want := strings.TrimPrefix(tt.msg, fmt.Sprintf("mutations[%d].", i))
					if tt.code != CodeInvalidRequest || m.Invalid.Code != CodeInvalidMutation || !strings.Contains(m.Invalid.Message, want) {
						t.Errorf("mutation %d invalid %+v; want %q containing %q", i, m.Invalid, tt.code, want)
					}
					return
				}
			}
			var re *RequestError
			if !errors.As(err, &re) {
				t.Fatalf("ParseRequest = %+v, %v; want *RequestError", req, err)
			}
			if req != nil || re.Code != tt.code || !strings.Contains(re.Message, tt.msg) || re.Status() != 400 {
				t.Errorf("ParseRequest = %+v, %q %q; want code %q, message containing %q", req, re.Code, re.Message, tt.code, tt.msg)
			}
			if len(re.Message) > maxMessage+len("…") || !utf8.ValidString(re.Message) {
				t.Errorf("message of %d bytes, valid UTF-8 %v", len(re.Message), utf8.ValidString(re.Message))
			}
			b, _ := json.Marshal(re)
			if !strings.HasPrefix(string(b), `{"code":"`+tt.code+`","message":`) {
				t.Errorf("error JSON %s", b)
			}
		})
	}
}

// ParseRequest must stop reading after MaxRequestBytes+1 bytes.
func TestParseRequestBoundedRead(t *testing.T) {
	r := &countingReader{}
	_, err := ParseRequest(r)
	var re *RequestError
	if !errors.As(err, &re) || re.Code != CodeTooLarge {
		t.Fatalf("err = %v, want too_large", err)
	}
	if r.n > MaxRequestBytes+1 {
		t.Errorf("read %d bytes, want at most %d", r.n, MaxRequestBytes+1)
	}
	// Exactly at the limit is accepted.
	prefix, suffix := `{"device":"d","pad":"`, `"}`
	body := prefix + strings.Repeat("x", MaxRequestBytes-len(prefix)-len(suffix)) + suffix
	if len(body) != MaxRequestBytes {
		t.Fatalf("test body is %d bytes", len(body))
	}
	if _, err := ParseRequest(strings.NewReader(body)); err != nil {
		t.Errorf("body of exactly MaxRequestBytes: %v", err)
	}
	if _, err := ParseRequest(errReader{}); err == nil || !errors.As(err, &re) || re.Code != CodeInvalidRequest {
		t.Errorf("read error: %v", err)
	}
}

type countingReader struct{ n int }

func (c *countingReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = ' '
	}
	c.n += len(p)
	return len(p), nil
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, io.ErrUnexpectedEOF }

func TestIsRecordID(t *testing.T) {
	tests := []struct {
		id   string
		want bool
	}{
		{rid, true},
		{"000000000000000", true},
		{"abc123def456gh", false},
		{"abc123def456ghij", false},
		{"abc123def456gh_", false},
		{"Abc123def456ghi", false},
		{"", false},
	}
	for _, tt := range tests {
		if got := IsRecordID(tt.id); got != tt.want {
			t.Errorf("IsRecordID(%q) = %v, want %v", tt.id, got, tt.want)
		}
	}
}

func TestPushJSON(t *testing.T) {
	bv := int64(0)
	tests := []struct {
		name string
		v    any
		want string
	}{
		{"applied", Result{ID: "m1", Status: StatusApplied, Record: map[string]any{"version": 1}},
			`{"id":"m1","status":"applied","record":{"version":1}}`},
		{"rejected", Result{ID: "m1", Status: StatusRejected, Error: &Error{Code: "forbidden", Message: "no"}},
			`{"id":"m1","status":"rejected","error":{"code":"forbidden","message":"no"}}`},
		{"conflict", Result{ID: "m1", Status: StatusConflict, Record: map[string]any{}, Error: &Error{Code: "conflict", Message: "m", Fields: map[string]any{"title": "x"}}},
			`{"id":"m1","status":"conflict","record":{},"error":{"code":"conflict","message":"m","fields":{"title":"x"}}}`},
		{"empty response", PushResponse{Cursor: "c"}, `{"results":[],"cursor":"c","written_seq":0,"durable":"","durable_seq":0,"epoch":""}`},
		{"durable response", PushResponse{Cursor: "c", WrittenSeq: 7, Durability: Durability{Durable: "d", DurableSeq: 5, Epoch: "e"}},
			`{"results":[],"cursor":"c","written_seq":7,"durable":"d","durable_seq":5,"epoch":"e"}`},
		{"mutation base 0 kept", Mutation{ID: "m", Op: OpDelete, BaseVersion: &bv}, `{"id":"m","collection":"","op":"delete","record_id":"","base_version":0}`},
		{"mutation no base", Mutation{ID: "m", Op: OpDelete}, `{"id":"m","collection":"","op":"delete","record_id":""}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := json.Marshal(tt.v)
			if err != nil || string(b) != tt.want {
				t.Errorf("Marshal = %s, %v; want %s", b, err, tt.want)
			}
		})
	}
	if e := (&Error{Code: "c", Message: "m"}); fmt.Sprint(error(e)) != "c: m" {
		t.Errorf("Error.Error() = %q", e.Error())
	}
}

// TestPushFitsFullBatchOfCaravans: the documented 500 mutations fit in one
// request for events as the field app sends them, a caravan with a route of
// 64 points included (issue 12.16).
func TestPushFitsFullBatchOfCaravans(t *testing.T) {
	route := make([]map[string]float64, 64)
	for i := range route {
		route[i] = map[string]float64{"lat": 6.3654321 + float64(i)*0.0012345, "lon": 2.4183456 + float64(i)*0.0009876}
	}
	muts := make([]map[string]any, MaxMutations)
	for i := range muts {
		muts[i] = map[string]any{"id": fmt.Sprintf("m-%036d", i), "collection": "events", "op": "create",
			"record_id": fmt.Sprintf("%015d", i), "data": map[string]any{
				"party": "p0000000000001x", "election": "e0000000000001x", "kind": "caravan", "itinerary": "",
				"title":   "Caravane de mobilisation de la jeunesse, étape " + fmt.Sprint(i),
				"place":   "Départ du carrefour de l'Étoile rouge, arrivée place de l'Amazone",
				"commune": "c0000000000001x", "arrondissement": "", "route": route,
				"starts_at": "2026-03-14 09:00:00.000Z", "ends_at": "2026-03-14 12:00:00.000Z",
				"expected_attendance": 1500, "security_needs": []string{"escort", "traffic"}, "sound_vehicle": true,
				"notes": strings.Repeat("Prévoir la circulation alternée. ", 6), "status": "declared"}}
	}
	body, err := json.Marshal(map[string]any{"device": "phone-0123456789", "mutations": muts})
	if err != nil {
		t.Fatal(err)
	}
	req, err := ParseRequest(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("%d bytes: %v", len(body), err)
	}
	if len(req.Mutations) != MaxMutations {
		t.Fatalf("%d mutations parsed", len(req.Mutations))
	}
}

func TestMutationFingerprint(t *testing.T) {
	parse := func(m string) Mutation {
		t.Helper()
		req, err := ParseRequest(strings.NewReader(mut(m)))
		if err != nil || len(req.Mutations) != 1 {
			t.Fatalf("%s: %v", m, err)
		}
		return req.Mutations[0]
	}
	base := parse(`{"id":"m1","collection":"events","op":"update","record_id":"` + rid + `","base_version":2,"data":{"title":"A","n":3,"loc":{"lat":6.3,"lon":2.4}}}`)
	same := []string{
		// another key order, another number spelling, another mutation id
		`{"id":"m1","op":"update","collection":"events","record_id":"` + rid + `","base_version":2,"data":{"loc":{"lon":2.4,"lat":6.3},"n":3.0,"title":"A"}}`,
		`{"id":"other","collection":"events","op":"update","record_id":"` + rid + `","base_version":2,"data":{"title":"A","n":30e-1,"loc":{"lat":6.3,"lon":2.4}}}`,
	}
	for _, m := range same {
		if parse(m).Fingerprint() != base.Fingerprint() {
			t.Errorf("%s: another fingerprint", m)
		}
	}
	other := []string{
		`{"id":"m1","collection":"events","op":"update","record_id":"abc123def456ghj","base_version":2,"data":{"title":"A","n":3,"loc":{"lat":6.3,"lon":2.4}}}`,
		`{"id":"m1","collection":"events","op":"update","record_id":"` + rid + `","base_version":3,"data":{"title":"A","n":3,"loc":{"lat":6.3,"lon":2.4}}}`,
		`{"id":"m1","collection":"events","op":"update","record_id":"` + rid + `","data":{"title":"A","n":3,"loc":{"lat":6.3,"lon":2.4}}}`,
		`{"id":"m1","collection":"events","op":"update","record_id":"` + rid + `","base_version":2,"data":{"title":"B","n":3,"loc":{"lat":6.3,"lon":2.4}}}`,
		`{"id":"m1","collection":"incidents","op":"update","record_id":"` + rid + `","base_version":2,"data":{"title":"A","n":3,"loc":{"lat":6.3,"lon":2.4}}}`,
		`{"id":"m1","collection":"events","op":"create","record_id":"` + rid + `","data":{"title":"A","n":3,"loc":{"lat":6.3,"lon":2.4}}}`,
	}
	for _, m := range other {
		if parse(m).Fingerprint() == base.Fingerprint() {
			t.Errorf("%s: same fingerprint", m)
		}
	}
	// a delete ignores its data and base version, so it fingerprints without them
	d1 := parse(`{"id":"d","collection":"events","op":"delete","record_id":"` + rid + `"}`)
	d2 := parse(`{"id":"d","collection":"events","op":"delete","record_id":"` + rid + `","base_version":4,"data":{"x":1}}`)
	if d1.Fingerprint() != d2.Fingerprint() {
		t.Error("delete fingerprints depend on ignored members")
	}
}
