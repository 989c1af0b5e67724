package hooks_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"testing"

	"coprosec/internal/syncproto"
)

// checkSyncAnswer fails unless res is a success or a 4xx with PocketBase's
// error body and a stable code: never a 500 (PocketBase turns a panic in a
// handler into a 500, so this also catches panics).
func checkSyncAnswer(t *testing.T, what string, res response) {
	t.Helper()
	switch {
	case res.Status >= 500:
		t.Fatalf("%s: %s", what, res)
	case res.Status >= 400 && res.Status != http.StatusTooManyRequests:
		if res.code() == "" {
			t.Fatalf("%s: error without a code: %s", what, res)
		}
	case res.Status == http.StatusOK:
		if res.JSON == nil {
			t.Fatalf("%s: 200 without a JSON object: %q", what, res.Body)
		}
	}
}

// FuzzSyncPushHTTP sends arbitrary bodies to POST /api/sync/push.
func FuzzSyncPushHTTP(f *testing.F) {
	e := newEnv(f)
	e.app.Settings().RateLimits.Enabled = false
	w := e.world()
	tok, _ := w.orgA.NewAuthToken()
	seed := func(v any) {
		raw, _ := json.Marshal(v)
		f.Add(raw)
	}
	seed(map[string]any{"device": "d", "mutations": []any{mCreate("m1", "events", "fuzzevent000001", e.meeting(w.partyA, nil))}})
	seed(map[string]any{"device": "d", "mutations": []any{mUpdate("m2", "events", "fuzzevent000001", 1, map[string]any{"title": "x", "starts_at": "garbage"})}})
	seed(map[string]any{"device": "d", "mutations": []any{mUpdate("m3", "events", "fuzzevent000001", 1, map[string]any{"route": []any{map[string]any{"lat": "x"}}, "location": "y", "security_needs": 5})}})
	seed(map[string]any{"device": "d", "mutations": []any{mUpdate("m4", "assignments", "nosuchassignmen", 1<<40, map[string]any{"status": nil})}})
	seed(map[string]any{"device": "d", "mutations": []any{mCreate("m5", "incidents", "fuzzincident001", map[string]any{"event": "fuzzevent000001", "severity": 1e300, "occurred_at": []any{}})}})
	seed(map[string]any{"device": "d", "mutations": []any{map[string]any{"id": "m6", "collection": "itineraries", "op": "delete", "record_id": "x"}}})
	// a batch mixing applied, refused and dependent mutations (one transaction)
	seed(map[string]any{"device": "d", "mutations": []any{
		mCreate("b1", "events", "fuzzbatch000001", e.meeting(w.partyA, nil)),
		mCreate("b2", "events", "fuzzbatch000002", e.meeting(w.partyB, nil)),
		mUpdate("b3", "events", "fuzzbatch000001", 1, map[string]any{"title": "y"}),
		mCreate("b4", "events", "fuzzbatch000001", e.meeting(w.partyA, nil)),
		mCreate("b5", "incidents", "fuzzbatchinc001", map[string]any{"event": "fuzzbatch000001", "kind": "other", "severity": 2, "description": "d"}),
		mUpdate("b6", "events", "fuzzbatch000001", 2, map[string]any{"status": "cancelled"}),
	}})
	f.Add([]byte(`{"device":"d","mutations":[{"id":"m","collection":"events","op":"update","record_id":"r","base_version":-1,"data":{}}]}`))
	f.Add([]byte(`{"device":"d","mutations":[{"id":"m","collection":"events","op":"update","record_id":"r","base_version":1.5}]}`))
	f.Add([]byte(`{"device":"d","mutations":null}`))
	f.Add([]byte(`{"device":"\u0000","mutations":[{}]}`))
	f.Add([]byte("\xff\xfe"))
	f.Add([]byte(``))
	f.Fuzz(func(t *testing.T, body []byte) {
		e.t = t
		defer func() { e.t = f }()
		res := e.doToken("POST", "/api/sync/push", tok, body)
		checkSyncAnswer(t, "push "+string(body), res)
		if res.Status == http.StatusOK {
			var p syncPushResp
			if err := json.Unmarshal(res.Body, &p); err != nil {
				t.Fatal(err)
			}
			for _, r := range p.Results {
				// a mutation the server fails on is a 500 in disguise
				if errCode(r) == "internal_error" {
					t.Fatalf("push %s: %s", body, resultString(r))
				}
			}
		}
	})
}

// FuzzSyncPullHTTP sends arbitrary cursor, limit and device parameters to
// GET /api/sync/pull.
func FuzzSyncPullHTTP(f *testing.F) {
	e := newEnv(f)
	e.app.Settings().RateLimits.Enabled = false
	w := e.world()
	e.syncDeclare(w.orgA, e.meeting(w.partyA, nil))
	tok, _ := w.directorLittoral.NewAuthToken()
	p, _ := e.syncPull(tok, "", "", 3)
	f.Add("", "", "")
	f.Add(p.Cursor, "3", "phone")
	f.Add(syncproto.EncodeCursor(syncproto.Cursor{Seq: 1 << 62, Epoch: "x", Fingerprint: "y"}), "1000", "")
	f.Add("garbage", "0", "a\x00b")
	f.Add(p.Cursor[:len(p.Cursor)/2], "99999999999999999999", string(make([]byte, 300)))
	f.Fuzz(func(t *testing.T, cursor, limit, device string) {
		e.t = t
		defer func() { e.t = f }()
		q := url.Values{"cursor": {cursor}, "limit": {limit}, "device": {device}}
		res := e.doToken("GET", "/api/sync/pull?"+q.Encode(), tok, nil)
		checkSyncAnswer(t, "pull "+q.Encode(), res)
		if res.Status == http.StatusOK {
			var page syncPage
			if err := json.Unmarshal(res.Body, &page); err != nil || page.Cursor == "" {
				t.Fatalf("pull %s: %v %s", q.Encode(), err, res.Body)
			}
		}
	})
}
