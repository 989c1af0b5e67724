package hooks_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"coprosec/hooks"
	"coprosec/hooks/cli"
	"coprosec/hooks/write"
	"coprosec/internal/receipts"

	"github.com/golang-jwt/jwt/v5"
	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/spf13/cobra"
)

// ---------------------------------------------------------------------
// Helpers (prefixed rc so as not to collide with other test files).

// rcDeclare declares a lawful meeting of party A in Cotonou (lead: the
// Cotonou commissariat, oversight: the Littoral directorate) and returns
// the event id.
func (e *env) rcDeclare(extra map[string]any) string {
	e.t.Helper()
	w := e.world()
	res := e.do("POST", "/api/collections/events/records", w.orgA, e.meeting(w.partyA, extra))
	if res.Status != http.StatusOK {
		e.t.Fatalf("declare: %s", res)
	}
	return res.JSON["id"].(string)
}

// rcLead returns the lead assignment of an event.
func (e *env) rcLead(eventID string) *core.Record {
	e.t.Helper()
	r, err := e.app.FindFirstRecordByFilter("assignments", "event = {:e} && role = 'lead'", dbx.Params{"e": eventID})
	if err != nil {
		e.t.Fatalf("lead assignment of %s: %v", eventID, err)
	}
	return r
}

// rcAck acknowledges the lead assignment of an event through REST.
func (e *env) rcAck(eventID string, as *core.Record) response {
	e.t.Helper()
	return e.do("PATCH", "/api/collections/assignments/records/"+e.rcLead(eventID).Id, as, map[string]any{"status": "acknowledged"})
}

// rcAckOK acknowledges and returns the one standing receipt of the event.
func (e *env) rcAckOK(eventID string) *core.Record {
	e.t.Helper()
	if res := e.rcAck(eventID, e.world().commanderCotonou); res.Status != http.StatusOK {
		e.t.Fatalf("acknowledge: %s", res)
	}
	return e.rcStanding(eventID)
}

// rcReceipts returns every receipt of an event, oldest first.
func (e *env) rcReceipts(eventID string) []*core.Record {
	e.t.Helper()
	rs, err := e.app.FindRecordsByFilter("receipts", "event = {:e}", "number", 0, 0, dbx.Params{"e": eventID})
	if err != nil {
		e.t.Fatal(err)
	}
	return rs
}

// rcStanding returns the one unrevoked receipt of an event.
func (e *env) rcStanding(eventID string) *core.Record {
	e.t.Helper()
	var out []*core.Record
	for _, r := range e.rcReceipts(eventID) {
		if r.GetDateTime("revoked_at").IsZero() {
			out = append(out, r)
		}
	}
	if len(out) != 1 {
		e.t.Fatalf("event %s has %d standing receipts, want 1", eventID, len(out))
	}
	return out[0]
}

// rcReload re-reads a record from the database.
func (e *env) rcReload(r *core.Record) *core.Record {
	e.t.Helper()
	fresh, err := e.app.FindRecordById(r.Collection().Name, r.Id)
	if err != nil {
		e.t.Fatal(err)
	}
	return fresh
}

// rcJWKS fetches the public key set as a guest.
func (e *env) rcJWKS() (receipts.JWKS, []byte) {
	e.t.Helper()
	res := e.do("GET", "/api/receipts/jwks", nil, nil)
	if res.Status != http.StatusOK {
		e.t.Fatalf("jwks: %s", res)
	}
	set, err := receipts.ParseJWKS(res.Body)
	if err != nil {
		e.t.Fatalf("jwks does not parse: %v\n%s", err, res.Body)
	}
	return set, res.Body
}

// rcVerify calls POST /api/receipts/verify.
func (e *env) rcVerify(token string) (verifyResult, response) {
	e.t.Helper()
	res := e.do("POST", "/api/receipts/verify", e.world().officerCotonou, map[string]any{"token": token})
	if res.Status != http.StatusOK {
		e.t.Fatalf("verify: %s", res)
	}
	var v verifyResult
	if err := json.Unmarshal(res.Body, &v); err != nil {
		e.t.Fatal(err)
	}
	return v, res
}

type verifyResult struct {
	Valid   bool             `json:"valid"`
	Revoked bool             `json:"revoked"`
	Claims  *receipts.Claims `json:"claims"`
	Error   string           `json:"error"`
	Code    string           `json:"code"`
}

// rcSuperuser creates a dashboard superuser.
func (e *env) rcSuperuser() *core.Record {
	e.t.Helper()
	col, err := e.app.FindCollectionByNameOrId(core.CollectionNameSuperusers)
	if err != nil {
		e.t.Fatal(err)
	}
	su := core.NewRecord(col)
	su.SetEmail("root@coprosec.test")
	su.SetPassword("superuser-password-1")
	if err := e.app.Save(su); err != nil {
		e.t.Fatal(err)
	}
	return su
}

// rcKeyringRaw reads the stored keyring (private: only tests and the
// server read it).
func (e *env) rcKeyringRaw() string {
	e.t.Helper()
	var raw string
	if err := e.app.DB().NewQuery("SELECT value FROM _params WHERE id = 'coprosec_receipt_keyring'").Row(&raw); err != nil {
		e.t.Fatal(err)
	}
	return raw
}

// rcSeeds returns the base64url private seeds of the stored keyring.
func (e *env) rcSeeds() []string {
	e.t.Helper()
	var stored struct {
		Active   struct{ Seed string }
		Previous []struct{ Seed string }
	}
	if err := json.Unmarshal([]byte(e.rcKeyringRaw()), &stored); err != nil {
		e.t.Fatal(err)
	}
	out := []string{stored.Active.Seed}
	for _, p := range stored.Previous {
		out = append(out, p.Seed)
	}
	for _, s := range out {
		if len(s) < 40 {
			e.t.Fatalf("seed %q looks wrong", s)
		}
	}
	return out
}

// rcHeader decodes the protected header of a token.
func rcHeader(t *testing.T, token string) map[string]any {
	t.Helper()
	raw, err := base64.RawURLEncoding.DecodeString(strings.Split(token, ".")[0])
	if err != nil {
		t.Fatal(err)
	}
	var h map[string]any
	if err := json.Unmarshal(raw, &h); err != nil {
		t.Fatal(err)
	}
	return h
}

// rcTamper replaces one claim of a token, keeping its signature.
func rcTamper(t *testing.T, token, claim string, value any) string {
	t.Helper()
	parts := strings.Split(token, ".")
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var payload map[string]any
	if err := json.Unmarshal(raw, &payload); err != nil {
		t.Fatal(err)
	}
	payload[claim] = value
	raw, _ = json.Marshal(payload)
	parts[1] = base64.RawURLEncoding.EncodeToString(raw)
	return strings.Join(parts, ".")
}

// rcForeign re-signs the claims of token with a key that is not ours,
// naming kid in the header ("" = the foreign key's own id).
func rcForeign(t *testing.T, token, kid string) string {
	t.Helper()
	res := receipts.Verify(token, receipts.JWKS{}, receipts.RevocationList{}, testNow)
	if res.Claims == nil {
		t.Fatal("token does not decode")
	}
	k, err := receipts.NewKey(testNow)
	if err != nil {
		t.Fatal(err)
	}
	if kid == "" {
		kid = k.ID
	}
	tok := jwt.NewWithClaims(jwt.SigningMethodEdDSA, *res.Claims)
	tok.Header["kid"] = kid
	s, err := tok.SignedString(k.Private)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// rcCLI runs `coprosec <args>` in-process on the given service.
func rcCLI(app core.App, w *write.Engine, args ...string) (string, error) {
	root := &cobra.Command{Use: "coprosec", SilenceErrors: true}
	cli.Register(root, cli.Config{App: app, Write: w})
	var out bytes.Buffer
	root.SetOut(&out)
	root.SetErr(io.Discard)
	root.SetArgs(args)
	err := root.Execute()
	return out.String(), err
}

// rcPull pulls everything visible to as and returns the receipts it holds
// at the end (puts minus removes), by id.
func (e *env) rcPull(as *core.Record) map[string]map[string]any {
	e.t.Helper()
	got := map[string]map[string]any{}
	cursor := ""
	for range 100 {
		res := e.do("GET", "/api/sync/pull?limit=50&cursor="+url.QueryEscape(cursor), as, nil)
		if res.Status != http.StatusOK {
			e.t.Fatalf("pull: %s", res)
		}
		var page struct {
			Changes []struct {
				Collection, ID, Op string
				Record             map[string]any
			}
			Cursor      string
			More, Reset bool
		}
		if err := json.Unmarshal(res.Body, &page); err != nil {
			e.t.Fatal(err)
		}
		if page.Reset && cursor != "" {
			e.t.Fatalf("pull page after cursor %q resets the replica", cursor)
		}
		for _, c := range page.Changes {
			if c.Collection != "receipts" {
				continue
			}
			if c.Op == "remove" {
				delete(got, c.ID)
			} else {
				got[c.ID] = c.Record
			}
		}
		cursor = page.Cursor
		if !page.More {
			return got
		}
	}
	e.t.Fatal("pull never ends")
	return nil
}

var receiptNumberRE = regexp.MustCompile(`^BJ\d{2}-\d{4}-\d{6,}$`)

// ---------------------------------------------------------------------
// Issuance.

func TestReceiptIssuedOnAcknowledgement(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	ev := e.rcDeclare(map[string]any{"expected_attendance": 500, "security_needs": []string{"escort", "crowd_control"}})
	if n := len(e.rcReceipts(ev)); n != 0 {
		t.Fatalf("%d receipts before acknowledgement", n)
	}
	e.now = e.now.Add(90 * time.Minute)
	res := e.rcAck(ev, w.commanderCotonou)
	if res.Status != http.StatusOK || res.JSON["status"] != "acknowledged" {
		t.Fatalf("acknowledge: %s", res)
	}
	rs := e.rcReceipts(ev)
	if len(rs) != 1 {
		t.Fatalf("%d receipts, want exactly 1", len(rs))
	}
	r := rs[0]
	number := r.GetString("number")
	if number != "BJ08-2026-000001" || !receiptNumberRE.MatchString(number) {
		t.Fatalf("number %q, want BJ08-2026-000001", number)
	}
	if !r.GetDateTime("issued_at").Time().Equal(e.now) || !r.GetDateTime("revoked_at").IsZero() {
		t.Fatalf("issued_at %v revoked_at %v", r.GetDateTime("issued_at"), r.GetDateTime("revoked_at"))
	}

	token := r.GetString("token")
	set, _ := e.rcJWKS()
	h := rcHeader(t, token)
	if h["alg"] != "EdDSA" || h["typ"] != "JWT" || h["kid"] != set.Keys[0].Kid {
		t.Fatalf("header %v, want EdDSA signed by the active key %s", h, set.Keys[0].Kid)
	}
	v := receipts.Verify(token, set, receipts.RevocationList{}, e.now)
	if !v.Valid {
		t.Fatalf("receipt does not verify: %+v", v)
	}
	c := v.Claims
	evRec, _ := e.app.FindRecordById("events", ev)
	starts, ends := evRec.GetDateTime("starts_at").Time(), evRec.GetDateTime("ends_at").Time()
	checks := map[string][2]any{
		"iss": {c.Issuer, "coprosec"}, "sub": {c.Subject, ev}, "jti": {c.ID, number}, "num": {c.Number, number},
		"evt": {c.Event, ev}, "pty": {c.Party, w.partyA.Id}, "pac": {c.PartyAcronym, "PA"},
		"unt": {c.Unit, w.comCotonou.Id}, "unn": {c.UnitName, "Commissariat central de Cotonou"},
		"dep": {c.Departement, "BJ08"}, "com": {c.Commune, "BJ0800"}, "arr": {c.Arrondissement, ""},
		"plc": {c.Place, "Place de l'Étoile rouge"},
	}
	for name, p := range checks {
		if p[0] != p[1] {
			t.Errorf("claim %s = %v, want %v", name, p[0], p[1])
		}
	}
	if !c.StartsAt.Equal(starts) || !c.EndsAt.Equal(ends) || !c.AcknowledgedAt.Equal(e.now) {
		t.Errorf("times sta %v end %v ack %v, want %v %v %v", c.StartsAt, c.EndsAt, c.AcknowledgedAt, starts, ends, e.now)
	}
	if !c.IssuedAt.Time.Equal(e.now) || !c.ExpiresAt.Time.Equal(ends.Add(receipts.DefaultGrace)) {
		t.Errorf("iat %v exp %v, want %v and %v (event end + grace)", c.IssuedAt, c.ExpiresAt, e.now, ends.Add(receipts.DefaultGrace))
	}
	// The digest covers the declaration as declared.
	want, err := receipts.DeclaredDetails{
		Kind: "meeting", Title: "Meeting à Cotonou", Place: "Place de l'Étoile rouge", Commune: "BJ0800",
		StartsAt: starts, EndsAt: ends, ExpectedAttendance: 500, SecurityNeeds: []string{"crowd_control", "escort"},
	}.Digest()
	if err != nil || c.Digest != want {
		t.Errorf("digest %q, want %q (%v)", c.Digest, want, err)
	}

	// Only the lead's acknowledgement makes a receipt; saving the
	// acknowledged lead again makes none.
	over, err := e.app.FindFirstRecordByFilter("assignments", "event = {:e} && role = 'oversight'", dbx.Params{"e": ev})
	if err != nil {
		t.Fatal(err)
	}
	if res := e.do("PATCH", "/api/collections/assignments/records/"+over.Id, w.directorLittoral, map[string]any{"status": "acknowledged"}); res.Status != http.StatusOK {
		t.Fatalf("oversight ack: %s", res)
	}
	if res := e.do("PATCH", "/api/collections/assignments/records/"+e.rcLead(ev).Id, w.commanderCotonou, map[string]any{"officers": 12, "plan": "2 patrouilles"}); res.Status != http.StatusOK {
		t.Fatalf("plan update: %s", res)
	}
	if n := len(e.rcReceipts(ev)); n != 1 {
		t.Fatalf("%d receipts after oversight ack and plan update, want 1", n)
	}

	// Numbers are unique and follow each other within a département and year.
	ev2 := e.rcDeclare(map[string]any{"title": "Second meeting", "starts_at": local(2026, 3, 15, 10, 0), "ends_at": local(2026, 3, 15, 12, 0)})
	if got := e.rcAckOK(ev2).GetString("number"); got != "BJ08-2026-000002" {
		t.Fatalf("second number %q", got)
	}
}

func TestReceiptIssuedOnEveryWritePath(t *testing.T) {
	e := newEnv(t)
	w := e.world()

	// Dashboard (superuser PATCH): acknowledged_at is set by the hook.
	su := e.rcSuperuser()
	ev := e.rcDeclare(nil)
	if res := e.rcAck(ev, su); res.Status != http.StatusOK {
		t.Fatalf("superuser ack: %s", res)
	}
	if r := e.rcStanding(ev); !r.GetDateTime("issued_at").Time().Equal(e.now) {
		t.Fatalf("issued_at %v", r.GetDateTime("issued_at"))
	}

	// Go code (app.Save).
	ev2 := e.rcDeclare(map[string]any{"starts_at": local(2026, 3, 15, 10, 0), "ends_at": local(2026, 3, 15, 12, 0)})
	lead := e.rcLead(ev2)
	lead.Set("status", "acknowledged")
	if err := e.app.Save(lead); err != nil {
		t.Fatal(err)
	}
	e.rcStanding(ev2)

	// Director of the département, on behalf of the unit.
	ev3 := e.rcDeclare(map[string]any{"starts_at": local(2026, 3, 14, 15, 0), "ends_at": local(2026, 3, 14, 17, 0)})
	if res := e.rcAck(ev3, w.directorLittoral); res.Status != http.StatusOK {
		t.Fatalf("director ack: %s", res)
	}
	e.rcStanding(ev3)

	// Sync push from the commander's phone.
	ev4 := e.rcDeclare(map[string]any{"starts_at": local(2026, 3, 15, 15, 0), "ends_at": local(2026, 3, 15, 17, 0)})
	lead4 := e.rcLead(ev4)
	res := e.do("POST", "/api/sync/push", w.commanderCotonou, map[string]any{"device": "phone-1", "mutations": []any{map[string]any{
		"id": "m1", "collection": "assignments", "op": "update", "record_id": lead4.Id,
		"base_version": lead4.GetInt("version"), "data": map[string]any{"status": "acknowledged"}}}})
	if res.Status != http.StatusOK || !strings.Contains(string(res.Body), `"applied"`) {
		t.Fatalf("push ack: %s", res)
	}
	e.rcStanding(ev4)

	// Unrelated units cannot acknowledge, so no receipt appears.
	ev5 := e.rcDeclare(map[string]any{"starts_at": local(2026, 3, 15, 18, 0), "ends_at": local(2026, 3, 15, 20, 0)})
	if res := e.rcAck(ev5, w.commanderCalavi); res.Status == http.StatusOK {
		t.Fatalf("foreign commander acknowledged: %s", res)
	}
	if n := len(e.rcReceipts(ev5)); n != 0 {
		t.Fatalf("%d receipts after a refused ack", n)
	}
}

func TestReceiptAtomicWithAcknowledgement(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	ev := e.rcDeclare(nil)
	good := e.rcKeyringRaw()
	for name, bad := range map[string]string{
		"not json":      `garbage`,
		"wrong version": `{"version":99}`,
		"kid mismatch":  strings.Replace(good, `"kid":"`, `"kid":"X`, 1),
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := e.app.DB().NewQuery("UPDATE _params SET value = {:v} WHERE id = 'coprosec_receipt_keyring'").Bind(dbx.Params{"v": bad}).Execute(); err != nil {
				t.Fatal(err)
			}
			res := e.rcAck(ev, w.commanderCotonou)
			if res.Status != http.StatusServiceUnavailable || res.code() != "receipt_unavailable" {
				t.Fatalf("ack with a broken keyring: %s, want 503 receipt_unavailable", res)
			}
			if strings.Contains(string(res.Body), "seed") || strings.Contains(string(res.Body), "version") {
				t.Fatalf("error leaks internals: %s", res)
			}
			lead := e.rcLead(ev)
			if lead.GetString("status") != "pending" || !lead.GetDateTime("acknowledged_at").IsZero() || lead.GetInt("version") != 1 {
				t.Fatalf("acknowledgement not rolled back: %v", lead.FieldsData())
			}
			if n := len(e.rcReceipts(ev)); n != 0 {
				t.Fatalf("%d receipts", n)
			}
			var audits int
			_ = e.app.DB().NewQuery("SELECT COUNT(*) FROM audit WHERE record = {:id} AND action = 'update'").Bind(dbx.Params{"id": lead.Id}).Row(&audits)
			if audits != 0 {
				t.Fatalf("%d audit rows for a rolled-back acknowledgement", audits)
			}
		})
	}
	// Sync push reports it as transient (the phone retries).
	lead := e.rcLead(ev)
	res := e.do("POST", "/api/sync/push", w.commanderCotonou, map[string]any{"device": "phone-1", "mutations": []any{map[string]any{
		"id": "m-broken", "collection": "assignments", "op": "update", "record_id": lead.Id,
		"base_version": lead.GetInt("version"), "data": map[string]any{"status": "acknowledged"}}}})
	if res.Status != http.StatusOK || !strings.Contains(string(res.Body), `"rejected"`) || !strings.Contains(string(res.Body), `"internal_error"`) {
		t.Fatalf("push with a broken keyring: %s", res)
	}
	// Repaired, the same acknowledgement (even the same mutation) goes through.
	if _, err := e.app.DB().NewQuery("UPDATE _params SET value = {:v} WHERE id = 'coprosec_receipt_keyring'").Bind(dbx.Params{"v": good}).Execute(); err != nil {
		t.Fatal(err)
	}
	res = e.do("POST", "/api/sync/push", w.commanderCotonou, map[string]any{"device": "phone-1", "mutations": []any{map[string]any{
		"id": "m-broken", "collection": "assignments", "op": "update", "record_id": lead.Id,
		"base_version": lead.GetInt("version"), "data": map[string]any{"status": "acknowledged"}}}})
	if !strings.Contains(string(res.Body), `"applied"`) {
		t.Fatalf("retried push: %s", res)
	}
	if got := e.rcStanding(ev).GetString("number"); got != "BJ08-2026-000001" {
		t.Fatalf("number %q: a failed attempt must not consume a number", got)
	}
}

func TestReceiptNoAcknowledgementAfterTheEvent(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	ev := e.rcDeclare(nil)
	evRec, _ := e.app.FindRecordById("events", ev)
	e.now = evRec.GetDateTime("ends_at").Time().Add(receipts.DefaultGrace + time.Minute)
	res := e.rcAck(ev, w.commanderCotonou)
	if res.Status != http.StatusBadRequest || res.code() != "event_over" {
		t.Fatalf("acknowledging a past event: %s, want 400 event_over", res)
	}
	if e.rcLead(ev).GetString("status") != "pending" || len(e.rcReceipts(ev)) != 0 {
		t.Fatal("a refused acknowledgement left traces")
	}
	// Sync push: a final refusal with the same code, not a retry loop.
	lead := e.rcLead(ev)
	push := e.do("POST", "/api/sync/push", w.commanderCotonou, map[string]any{"device": "phone-1", "mutations": []any{map[string]any{
		"id": "m-late", "collection": "assignments", "op": "update", "record_id": lead.Id,
		"base_version": lead.GetInt("version"), "data": map[string]any{"status": "acknowledged"}}}})
	if !strings.Contains(string(push.Body), `"event_over"`) {
		t.Fatalf("push: %s", push)
	}
}

// ---------------------------------------------------------------------
// Revocation (J6).

func TestReceiptRevocation(t *testing.T) {
	cases := []struct {
		name, reason string
		as           func(w *world) *core.Record
		change       func(e *env, w *world) map[string]any
		stillLeads   bool // the Cotonou commissariat still leads afterwards
	}{
		{"time change", "time_or_place_changed", func(w *world) *core.Record { return w.orgA },
			func(e *env, w *world) map[string]any {
				return map[string]any{"starts_at": local(2026, 3, 14, 15, 0), "ends_at": local(2026, 3, 14, 17, 0)}
			}, true},
		{"place change", "time_or_place_changed", func(w *world) *core.Record { return w.orgA },
			func(e *env, w *world) map[string]any {
				return map[string]any{"location": map[string]any{"lat": 6.3703, "lon": 2.3912}}
			}, true},
		{"moved to another commune", "time_or_place_changed", func(w *world) *core.Record { return w.orgA },
			func(e *env, w *world) map[string]any { return map[string]any{"commune": w.calavi.Id} }, false},
		{"cancelled", "cancelled", func(w *world) *core.Record { return w.orgA },
			func(e *env, w *world) map[string]any { return map[string]any{"status": "cancelled"} }, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			w := e.world()
			ev := e.rcDeclare(nil)
			first := e.rcAckOK(ev)
			token := first.GetString("token")
			e.now = e.now.Add(time.Hour)
			res := e.do("PATCH", "/api/collections/events/records/"+ev, tc.as(w), tc.change(e, w))
			if res.Status != http.StatusOK {
				t.Fatalf("change: %s", res)
			}
			first = e.rcReload(first)
			if !first.GetDateTime("revoked_at").Time().Equal(e.now) || first.GetString("revoked_reason") != tc.reason {
				t.Fatalf("revoked_at %v reason %q, want %v %q", first.GetDateTime("revoked_at"), first.GetString("revoked_reason"), e.now, tc.reason)
			}
			v, _ := e.rcVerify(token)
			if v.Valid || !v.Revoked || v.Code != receipts.CodeRevoked || !strings.Contains(v.Error, tc.reason) || v.Claims != nil {
				t.Fatalf("verify revoked: %+v", v)
			}
			// the party and the unit that leads now see the revocation
			for _, u := range []*core.Record{w.orgA, map[bool]*core.Record{true: w.officerCotonou, false: w.officerCalavi}[tc.stillLeads]} {
				list := e.do("GET", "/api/receipts/revoked", u, nil)
				if list.Status != http.StatusOK || !strings.Contains(string(list.Body), first.GetString("number")) {
					t.Fatalf("revocation list of %s: %s", u.GetString("email"), list)
				}
			}
			if tc.name == "cancelled" {
				if res := e.rcAck(ev, w.commanderCotonou); res.Status == http.StatusOK {
					t.Fatalf("acknowledged a cancelled event: %s", res)
				}
				return
			}
			// A new acknowledgement (by the unit that leads now) issues a new receipt.
			lead := e.rcLead(ev)
			if lead.GetString("status") != "pending" {
				t.Fatalf("lead is %s after the change, want pending", lead.GetString("status"))
			}
			commander := w.commanderCotonou
			if !tc.stillLeads {
				commander = w.commanderCalavi
			}
			if res := e.rcAck(ev, commander); res.Status != http.StatusOK {
				t.Fatalf("re-acknowledge: %s", res)
			}
			second := e.rcStanding(ev)
			if second.Id == first.Id || second.GetString("number") == first.GetString("number") || !receiptNumberRE.MatchString(second.GetString("number")) {
				t.Fatalf("re-ack number %q (first %q)", second.GetString("number"), first.GetString("number"))
			}
			v, _ = e.rcVerify(second.GetString("token"))
			if !v.Valid || v.Claims.Unit != lead.GetString("unit") {
				t.Fatalf("new receipt: %+v", v)
			}
			if !tc.stillLeads && (v.Claims.Departement != "BJ03" || !strings.HasPrefix(second.GetString("number"), "BJ03-2026-")) {
				t.Fatalf("moved to Atlantique: dep %q number %q", v.Claims.Departement, second.GetString("number"))
			}
		})
	}
}

func TestReceiptRevokedOnReassignment(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	ev := e.rcDeclare(nil)
	first := e.rcAckOK(ev)
	// Coverage changes: Cotonou moves from the commune-level commissariat
	// to a new one; the event's lead changes though its time and place do not.
	e.now = e.now.Add(time.Hour)
	if res := e.do("PATCH", "/api/collections/units/records/"+w.comCotonou.Id, w.ministry, map[string]any{"communes": []string{}}); res.Status != http.StatusOK {
		t.Fatalf("coverage edit: %s", res)
	}
	first = e.rcReload(first)
	if first.GetDateTime("revoked_at").IsZero() || first.GetString("revoked_reason") != "reassigned" {
		t.Fatalf("after reassignment: revoked_at %v reason %q", first.GetDateTime("revoked_at"), first.GetString("revoked_reason"))
	}
	lead := e.rcLead(ev)
	if lead.GetString("unit") != w.ddprLittoral.Id {
		t.Fatalf("lead is %s, want the directorate", lead.GetString("unit"))
	}
	if res := e.rcAck(ev, w.directorLittoral); res.Status != http.StatusOK {
		t.Fatalf("directorate ack: %s", res)
	}
	if r := e.rcStanding(ev); r.Id == first.Id {
		t.Fatal("no new receipt")
	}
}

func TestReceiptNotRevokedByUnrelatedEdits(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	ev := e.rcDeclare(nil)
	r := e.rcAckOK(ev)
	if res := e.do("PATCH", "/api/collections/events/records/"+ev, w.orgA, map[string]any{"notes": "Apportez des drapeaux"}); res.Status != http.StatusOK {
		t.Fatalf("notes edit: %s", res)
	}
	e.now = local(2026, 3, 14, 9, 30) // the crowd gathers
	if res := e.do("PATCH", "/api/collections/events/records/"+ev, w.commanderCotonou, map[string]any{"status": "in_progress"}); res.Status != http.StatusOK {
		t.Fatalf("in progress: %s", res)
	}
	if got := e.rcReload(r); !got.GetDateTime("revoked_at").IsZero() {
		t.Fatalf("receipt revoked by an edit that changes neither time nor place: %q", got.GetString("revoked_reason"))
	}
}

// ---------------------------------------------------------------------
// Endpoints.

func TestReceiptJWKSEndpoint(t *testing.T) {
	e := newEnv(t)
	res := e.do("GET", "/api/receipts/jwks", nil, nil) // public: no auth
	if res.Status != http.StatusOK {
		t.Fatalf("jwks: %s", res)
	}
	var raw struct{ Keys []map[string]any }
	if err := json.Unmarshal(res.Body, &raw); err != nil || len(raw.Keys) != 1 {
		t.Fatalf("jwks %s (%v)", res.Body, err)
	}
	k := raw.Keys[0]
	if k["kty"] != "OKP" || k["crv"] != "Ed25519" || k["alg"] != "EdDSA" || k["use"] != "sig" || k["kid"] == "" || k["x"] == "" {
		t.Fatalf("jwk %v", k)
	}
	for name := range k {
		if !strings.Contains("kty crv x kid alg use", name) {
			t.Errorf("unexpected member %q in a published key", name)
		}
	}
	for _, seed := range e.rcSeeds() {
		if strings.Contains(string(res.Body), seed) {
			t.Fatal("jwks contains the private seed")
		}
	}
	if _, err := receipts.ParseJWKS(res.Body); err != nil { // refuses any "d"
		t.Fatal(err)
	}
	if cc := e.do("GET", "/api/receipts/jwks", nil, nil); cc.Status != http.StatusOK || string(cc.Body) != string(res.Body) {
		t.Fatal("jwks is not stable")
	}
	// The others need a signed-in user.
	if r := e.do("GET", "/api/receipts/revoked", nil, nil); r.Status != http.StatusUnauthorized {
		t.Fatalf("revoked as guest: %s", r)
	}
	if r := e.do("POST", "/api/receipts/verify", nil, map[string]any{"token": "x"}); r.Status != http.StatusUnauthorized {
		t.Fatalf("verify as guest: %s", r)
	}
}

func TestReceiptVerifyEndpoint(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	ev := e.rcDeclare(nil)
	r := e.rcAckOK(ev)
	token := r.GetString("token")

	t.Run("valid", func(t *testing.T) {
		for _, as := range []*core.Record{w.officerCotonou, w.orgA, w.orgB, w.commanderCalavi} {
			res := e.do("POST", "/api/receipts/verify", as, map[string]any{"token": token})
			var v verifyResult
			_ = json.Unmarshal(res.Body, &v)
			if res.Status != http.StatusOK || !v.Valid || v.Revoked || v.Error != "" || v.Code != "" || v.Claims == nil || v.Claims.Number != r.GetString("number") {
				t.Fatalf("verify as %s: %s", as.GetString("role"), res)
			}
			for _, key := range []string{"valid", "revoked", "claims", "error"} {
				if _, ok := res.JSON[key]; !ok {
					t.Fatalf("response lacks %q: %s", key, res)
				}
			}
		}
		// surrounding blanks, as pasted from a QR reader, are fine
		if v, _ := e.rcVerify("  " + token + "\n"); !v.Valid {
			t.Fatalf("%+v", v)
		}
	})
	t.Run("tampered claim", func(t *testing.T) {
		for claim, value := range map[string]any{"plc": "Stade de l'Amitié", "sta": "2026-03-14T18:00:00Z", "pty": w.partyB.Id, "exp": 4102444800} {
			v, _ := e.rcVerify(rcTamper(t, token, claim, value))
			if v.Valid || v.Revoked || v.Code != receipts.CodeBadSignature || v.Error == "" {
				t.Fatalf("tampered %s: %+v", claim, v)
			}
		}
	})
	t.Run("foreign key", func(t *testing.T) {
		v, _ := e.rcVerify(rcForeign(t, token, ""))
		if v.Valid || v.Code != receipts.CodeUnknownKey {
			t.Fatalf("foreign key: %+v", v)
		}
		v, _ = e.rcVerify(rcForeign(t, token, rcHeader(t, token)["kid"].(string))) // claiming our kid
		if v.Valid || v.Code != receipts.CodeBadSignature {
			t.Fatalf("foreign key under our kid: %+v", v)
		}
	})
	t.Run("wrong algorithm", func(t *testing.T) {
		c := receipts.Verify(token, receipts.JWKS{}, receipts.RevocationList{}, e.now).Claims
		tok := jwt.NewWithClaims(jwt.SigningMethodHS256, *c)
		tok.Header["kid"] = rcHeader(t, token)["kid"]
		s, _ := tok.SignedString([]byte("secret"))
		if v, _ := e.rcVerify(s); v.Valid || v.Code != receipts.CodeWrongAlgorithm {
			t.Fatalf("HS256: %+v", v)
		}
	})
	t.Run("garbage", func(t *testing.T) {
		for _, g := range []string{"abc", "a.b.c", "....", strings.Repeat("x", 20000), "eyJhbGciOiJub25lIn0.e30.", "\x00\xff"} {
			v, res := e.rcVerify(g)
			if v.Valid || v.Code == "" || v.Error == "" {
				t.Fatalf("garbage %.20q: %s", g, res)
			}
		}
	})
	t.Run("bad requests", func(t *testing.T) {
		for _, body := range []any{map[string]any{}, map[string]any{"token": ""}, map[string]any{"token": "   "},
			map[string]any{"token": 42}, map[string]any{"token": []string{"a"}}, "not json", "[1,2]", nil} {
			res := e.do("POST", "/api/receipts/verify", w.officerCotonou, body)
			if res.Status != http.StatusBadRequest || res.code() != "invalid_request" {
				t.Fatalf("body %v: %s, want 400 invalid_request", body, res)
			}
		}
	})
	t.Run("expired", func(t *testing.T) {
		saved := e.now
		defer func() { e.now = saved }()
		exp := receipts.Verify(token, receipts.JWKS{}, receipts.RevocationList{}, e.now).Claims.ExpiresAt.Time
		e.now = exp.Add(-time.Minute)
		if v, _ := e.rcVerify(token); !v.Valid {
			t.Fatalf("just before expiry: %+v", v)
		}
		e.now = exp.Add(receipts.Leeway + time.Second)
		if v, _ := e.rcVerify(token); v.Valid || v.Code != receipts.CodeExpired || v.Claims != nil {
			t.Fatalf("after expiry: %+v", v)
		}
	})
	t.Run("revoked", func(t *testing.T) {
		if res := e.do("PATCH", "/api/collections/events/records/"+ev, w.orgA, map[string]any{"status": "cancelled"}); res.Status != http.StatusOK {
			t.Fatalf("cancel: %s", res)
		}
		v, _ := e.rcVerify(token)
		if v.Valid || !v.Revoked || v.Code != receipts.CodeRevoked {
			t.Fatalf("revoked: %+v", v)
		}
		// a tampered revoked receipt is a forgery, not a revoked receipt
		if v, _ := e.rcVerify(rcTamper(t, token, "plc", "ailleurs")); v.Revoked || v.Code != receipts.CodeBadSignature {
			t.Fatalf("tampered revoked: %+v", v)
		}
	})
}

func TestReceiptKeyRotation(t *testing.T) {
	e := newEnv(t)
	ev := e.rcDeclare(nil)
	old := e.rcAckOK(ev).GetString("token")
	set, _ := e.rcJWKS()
	oldKid := set.Keys[0].Kid

	e.now = e.now.Add(time.Hour)
	out, err := rcCLI(e.app, e.svc.Write, "receipts", "rotate-key")
	if err != nil {
		t.Fatal(err)
	}
	newKid := strings.TrimSpace(out)
	set, body := e.rcJWKS()
	if len(set.Keys) != 2 || set.Keys[0].Kid != newKid || set.Keys[1].Kid != oldKid || newKid == oldKid {
		t.Fatalf("after rotation printed %q, jwks %s", newKid, body)
	}
	// old receipts stay valid, new ones are signed with the new key
	if v, _ := e.rcVerify(old); !v.Valid {
		t.Fatalf("old receipt after rotation: %+v", v)
	}
	ev2 := e.rcDeclare(map[string]any{"starts_at": local(2026, 3, 15, 10, 0), "ends_at": local(2026, 3, 15, 12, 0)})
	fresh := e.rcAckOK(ev2).GetString("token")
	if rcHeader(t, fresh)["kid"] != newKid {
		t.Fatalf("new receipt signed by %v, want %s", rcHeader(t, fresh)["kid"], newKid)
	}
	if v, _ := e.rcVerify(fresh); !v.Valid {
		t.Fatalf("new receipt: %+v", v)
	}
	// A key set saved before the rotation does not know the new key.
	if v := receipts.Verify(fresh, receipts.JWKS{Keys: set.Keys[1:]}, receipts.RevocationList{}, e.now); v.Code != receipts.CodeUnknownKey {
		t.Fatalf("stale key set: %+v", v)
	}

	// Two months later, every receipt has expired: a new rotation drops
	// the first key (retired long ago) and keeps the one it retires now.
	e.now = e.now.AddDate(0, 2, 0)
	kr, err := e.svc.Write.RotateReceiptKey(e.app)
	if err != nil {
		t.Fatal(err)
	}
	set, _ = e.rcJWKS()
	if len(set.Keys) != 2 || set.Keys[0].Kid != kr.Active.ID || set.Keys[1].Kid != newKid {
		t.Fatalf("after a second rotation two months later: %v, want [%s %s]", set.Keys, kr.Active.ID, newKid)
	}
}

func TestReceiptRotationKeepsKeysOfLiveReceipts(t *testing.T) {
	e := newEnv(t)
	// A receipt acknowledged long before its event: it lives longer than
	// the fixed retention of retired keys.
	e.now = time.Date(2026, 1, 2, 9, 0, 0, 0, time.UTC)
	ev := e.rcDeclare(nil)
	token := e.rcAckOK(ev).GetString("token")
	kid := rcHeader(t, token)["kid"]
	if _, err := e.svc.Write.RotateReceiptKey(e.app); err != nil {
		t.Fatal(err)
	}
	e.now = time.Date(2026, 3, 14, 9, 30, 0, 0, time.UTC) // during the event, 71 days on
	if _, err := e.svc.Write.RotateReceiptKey(e.app); err != nil {
		t.Fatal(err)
	}
	set, _ := e.rcJWKS()
	found := false
	for _, k := range set.Keys {
		found = found || k.Kid == kid
	}
	if !found {
		t.Fatalf("the key of a live receipt was dropped: %v", set.Keys)
	}
	if v, _ := e.rcVerify(token); !v.Valid {
		t.Fatalf("live receipt after rotations: %+v", v)
	}
}

// ---------------------------------------------------------------------
// Key storage.

func TestReceiptKeysNeverExposed(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	su := e.rcSuperuser()
	ev := e.rcDeclare(nil)
	e.rcAckOK(ev)
	if _, err := e.svc.Write.RotateReceiptKey(e.app); err != nil { // two private keys now
		t.Fatal(err)
	}
	seeds := e.rcSeeds()
	leaks := func(what string, res response) {
		t.Helper()
		for _, s := range seeds {
			if strings.Contains(string(res.Body), s) {
				t.Fatalf("%s exposes a private key: %s", what, res)
			}
		}
		if strings.Contains(string(res.Body), `"d":`) || strings.Contains(string(res.Body), "coprosec_receipt_keyring") {
			t.Fatalf("%s exposes the keyring: %s", what, res)
		}
	}
	cols := e.do("GET", "/api/collections?perPage=500", su, nil)
	if cols.Status != http.StatusOK {
		t.Fatal(cols)
	}
	leaks("collections", cols)
	items, _ := cols.JSON["items"].([]any)
	if len(items) < 10 {
		t.Fatalf("only %d collections listed", len(items))
	}
	for _, it := range items {
		name := it.(map[string]any)["name"].(string)
		if name == "_params" {
			t.Fatal("_params is a collection")
		}
		for _, as := range []*core.Record{su, w.ministry, w.orgA, w.commanderCotonou} {
			leaks(name+" records", e.do("GET", "/api/collections/"+name+"/records?perPage=500", as, nil))
		}
	}
	for _, url := range []string{"/api/settings", "/api/logs?perPage=500", "/api/receipts/jwks", "/api/receipts/revoked", "/api/health", "/api/backups"} {
		leaks(url, e.do("GET", url, su, nil))
	}
	leaks("sync pull", e.do("GET", "/api/sync/pull?limit=1000", w.ministry, nil))
	leaks("verify", e.do("POST", "/api/receipts/verify", w.ministry, map[string]any{"token": e.rcStanding(ev).GetString("token")}))

	// The dashboard cannot be turned into a window on _params.
	for _, q := range []string{"SELECT id, value FROM _params", `select id, value from "_PARAMS"`, "SELECT p.id, p.value FROM main.[_params] p"} {
		res := e.do("POST", "/api/collections", su, map[string]any{"name": "leak", "type": "view", "viewQuery": q})
		if res.Status != http.StatusBadRequest || res.code() != "private_table" {
			t.Fatalf("view over %q: %s", q, res)
		}
	}
	ok := e.do("POST", "/api/collections", su, map[string]any{"name": "parties_view", "type": "view", "viewQuery": "SELECT id, acronym FROM parties"})
	if ok.Status != http.StatusOK {
		t.Fatalf("an ordinary view is refused: %s", ok)
	}
	if res := e.do("PATCH", "/api/collections/parties_view", su, map[string]any{"viewQuery": "SELECT id, value AS acronym FROM _params"}); res.Status != http.StatusBadRequest {
		t.Fatalf("view changed to read _params: %s", res)
	}
	// Logging a keyring by mistake shows no private key either.
	kr, err := receipts.UnmarshalKeyring([]byte(e.rcKeyringRaw()))
	if err != nil {
		t.Fatal(err)
	}
	dump, _ := json.Marshal(kr)
	for _, s := range seeds {
		if strings.Contains(string(dump), s) {
			t.Fatal("json.Marshal(Keyring) shows a seed")
		}
	}
}

func TestReceiptKeysSurviveRestartAndBackup(t *testing.T) {
	e := newEnv(t)
	ev := e.rcDeclare(nil)
	token := e.rcAckOK(ev).GetString("token")
	set, jwksBody := e.rcJWKS()
	kid := set.Keys[0].Kid

	// Restart: another app and service on the same data directory.
	app2 := core.NewBaseApp(core.BaseAppConfig{DataDir: e.app.DataDir()})
	if err := app2.Bootstrap(); err != nil {
		t.Fatal(err)
	}
	defer app2.ResetBootstrapState()
	svc2 := hooks.MustRegister(app2, nil, hooks.Config{Now: func() time.Time { return e.now }})
	set2, err := svc2.Write.ReceiptJWKS(app2)
	if err != nil {
		t.Fatal(err)
	}
	if j, _ := json.Marshal(set2); string(j) != strings.TrimSpace(string(jwksBody)) || set2.Keys[0].Kid != kid {
		t.Fatalf("after restart the keys changed: %s vs %s", j, jwksBody)
	}

	// Backup: PocketBase's own backup archive carries the keys, so a
	// restored server keeps verifying the receipts it issued.
	if err := e.app.CreateBackup(context.Background(), "rc.zip"); err != nil {
		t.Fatal(err)
	}
	restored := t.TempDir()
	rcUnzip(t, filepath.Join(e.app.DataDir(), "backups", "rc.zip"), restored)
	app3 := core.NewBaseApp(core.BaseAppConfig{DataDir: restored})
	if err := app3.Bootstrap(); err != nil {
		t.Fatal(err)
	}
	defer app3.ResetBootstrapState()
	svc3 := hooks.MustRegister(app3, nil, hooks.Config{Now: func() time.Time { return e.now }})
	set3, err := svc3.Write.ReceiptJWKS(app3)
	if err != nil || set3.Keys[0].Kid != kid {
		t.Fatalf("restored backup has keys %v (%v), want %s", set3.Keys, err, kid)
	}
	if v := receipts.Verify(token, set3, receipts.RevocationList{}, e.now); !v.Valid {
		t.Fatalf("receipt against the restored keys: %+v", v)
	}
	// and signs new receipts with the same key
	out, err := rcCLI(app3, svc3.Write, "receipts", "export-jwks")
	if err != nil || !strings.Contains(out, kid) {
		t.Fatalf("export-jwks on the restored data: %v\n%s", err, out)
	}
}

func rcUnzip(t *testing.T, zipPath, dir string) {
	t.Helper()
	zr, err := zip.OpenReader(zipPath)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	for _, f := range zr.File {
		if f.FileInfo().IsDir() {
			continue
		}
		dst := filepath.Join(dir, filepath.FromSlash(f.Name))
		if !strings.HasPrefix(dst, filepath.Clean(dir)+string(os.PathSeparator)) {
			t.Fatalf("bad path in backup: %s", f.Name)
		}
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			t.Fatal(err)
		}
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(dst, data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

// ---------------------------------------------------------------------
// Offline verification: the CLI reads files only.

func TestReceiptCLIVerifyOffline(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	ev := e.rcDeclare(nil)
	r := e.rcAckOK(ev)
	token := r.GetString("token")
	dir := t.TempDir()
	_, jwksBody := e.rcJWKS()
	jwksFile := filepath.Join(dir, "jwks.json")
	if err := os.WriteFile(jwksFile, jwksBody, 0o644); err != nil {
		t.Fatal(err)
	}
	tokenFile := filepath.Join(dir, "token.txt")
	if err := os.WriteFile(tokenFile, []byte(token+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}

	// The verifier runs on another installation, whose own keys differ:
	// only the files count.
	other := newEnv(t)
	if otherSet, _ := other.rcJWKS(); otherSet.Keys[0].Kid == rcHeader(t, token)["kid"] {
		t.Fatal("two test apps share a key")
	}
	run := func(args ...string) (verifyResult, error) {
		t.Helper()
		out, err := rcCLI(other.app, other.svc.Write, append([]string{"receipts", "verify"}, args...)...)
		var v verifyResult
		if jerr := json.Unmarshal([]byte(out), &v); jerr != nil && !(err != nil && out == "") {
			t.Fatalf("output is not JSON: %q (%v)", out, err)
		}
		return v, err
	}

	v, err := run(token, "--jwks", jwksFile)
	if err != nil || !v.Valid || v.Claims.Number != r.GetString("number") || v.Claims.PartyAcronym != "PA" {
		t.Fatalf("valid: %+v %v", v, err)
	}
	if v, err := run("@"+tokenFile, "--jwks", jwksFile); err != nil || !v.Valid {
		t.Fatalf("@file: %+v %v", v, err)
	}
	v, err = run(rcTamper(t, token, "plc", "ailleurs"), "--jwks", jwksFile)
	if !errors.Is(err, cli.ErrReceiptInvalid) || v.Valid || v.Code != receipts.CodeBadSignature {
		t.Fatalf("tampered: %+v %v", v, err)
	}
	if v, err = run(rcForeign(t, token, ""), "--jwks", jwksFile); !errors.Is(err, cli.ErrReceiptInvalid) || v.Code != receipts.CodeUnknownKey {
		t.Fatalf("foreign: %+v %v", v, err)
	}
	if v, err = run(token, "--jwks", jwksFile, "--at", "2026-03-15T00:00:00Z"); !errors.Is(err, cli.ErrReceiptInvalid) || v.Code != receipts.CodeExpired {
		t.Fatalf("expired (--at): %+v %v", v, err)
	}
	other.now = time.Date(2026, 3, 16, 0, 0, 0, 0, time.UTC)
	if v, err = run(token, "--jwks", jwksFile); !errors.Is(err, cli.ErrReceiptInvalid) || v.Code != receipts.CodeExpired {
		t.Fatalf("expired (clock): %+v %v", v, err)
	}
	other.now = testNow

	// Revocation: the list saved from the server (or exported) marks it.
	if res := e.do("PATCH", "/api/collections/events/records/"+ev, w.orgA, map[string]any{"status": "cancelled"}); res.Status != http.StatusOK {
		t.Fatalf("cancel: %s", res)
	}
	list := e.do("GET", "/api/receipts/revoked", w.officerCotonou, nil)
	revokedFile := filepath.Join(dir, "revoked.json")
	if err := os.WriteFile(revokedFile, list.Body, 0o644); err != nil {
		t.Fatal(err)
	}
	if v, err = run(token, "--jwks", jwksFile, "--revoked", revokedFile); !errors.Is(err, cli.ErrReceiptInvalid) || !v.Revoked || v.Code != receipts.CodeRevoked {
		t.Fatalf("revoked: %+v %v", v, err)
	}
	exported, err := rcCLI(e.app, e.svc.Write, "receipts", "export-revoked")
	if err != nil {
		t.Fatal(err)
	}
	var a, b receipts.RevocationList
	if json.Unmarshal(list.Body, &a) != nil || json.Unmarshal([]byte(exported), &b) != nil || a.Len() != 1 || b.Len() != 1 {
		t.Fatalf("export-revoked %q vs endpoint %s", exported, list.Body)
	}

	// Rotation: a key set exported after it verifies old and new receipts.
	if _, err := rcCLI(e.app, e.svc.Write, "receipts", "rotate-key"); err != nil {
		t.Fatal(err)
	}
	ev2 := e.rcDeclare(map[string]any{"starts_at": local(2026, 3, 15, 10, 0), "ends_at": local(2026, 3, 15, 12, 0)})
	fresh := e.rcAckOK(ev2).GetString("token")
	if _, err := rcCLI(e.app, e.svc.Write, "receipts", "export-jwks", "--out", jwksFile); err != nil {
		t.Fatal(err)
	}
	if v, err = run(fresh, "--jwks", jwksFile, "--revoked", revokedFile); err != nil || !v.Valid {
		t.Fatalf("rotated key: %+v %v", v, err)
	}
	if v, err = run(rcTamper(t, fresh, "exp", 4102444800), "--jwks", jwksFile); err == nil || v.Code != receipts.CodeBadSignature {
		t.Fatalf("tampered, rotated key: %+v %v", v, err)
	}

	// Bad inputs are errors, never a "valid".
	bad := filepath.Join(dir, "bad.json")
	_ = os.WriteFile(bad, []byte(`{"keys":[{"kty":"OKP","crv":"Ed25519","x":"AAAA","d":"AAAA","kid":"k"}]}`), 0o644)
	for _, args := range [][]string{
		{token}, // no --jwks
		{token, "--jwks", filepath.Join(dir, "missing.json")},
		{token, "--jwks", bad},       // private material
		{token, "--jwks", tokenFile}, // not JSON
		{token, "--jwks", jwksFile, "--revoked", jwksFile + ".nope"},
		{token, "--jwks", jwksFile, "--revoked", tokenFile},
		{token, "--jwks", jwksFile, "--at", "tomorrow"},
		{"", "--jwks", jwksFile},
	} {
		if _, err := rcCLI(other.app, other.svc.Write, append([]string{"receipts", "verify"}, args...)...); err == nil {
			t.Fatalf("verify %v succeeded", args)
		}
	}
}

// ---------------------------------------------------------------------
// Sync: receipts reach the party's and the assigned units' devices.

func TestReceiptSyncScope(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	ev := e.rcDeclare(nil)
	r := e.rcAckOK(ev)

	see := map[string]*core.Record{"orgA": w.orgA, "adminA": w.adminA, "commanderCotonou": w.commanderCotonou,
		"officerCotonou": w.officerCotonou, "directorLittoral": w.directorLittoral, "ministry": w.ministry}
	notSee := map[string]*core.Record{"orgB": w.orgB, "adminB": w.adminB, "commanderCalavi": w.commanderCalavi,
		"officerCalavi": w.officerCalavi, "directorAtlantique": w.directorAtlantique}
	for name, u := range see {
		got := e.rcPull(u)
		rec, ok := got[r.Id]
		if !ok {
			t.Fatalf("%s does not receive the receipt", name)
		}
		if rec["token"] != r.GetString("token") || rec["number"] != r.GetString("number") || rec["revoked_at"] != "" {
			t.Fatalf("%s receives %v", name, rec)
		}
		// and the REST rules agree
		if res := e.do("GET", "/api/collections/receipts/records/"+r.Id, u, nil); res.Status != http.StatusOK {
			t.Fatalf("%s cannot view the receipt: %s", name, res)
		}
	}
	for name, u := range notSee {
		if _, ok := e.rcPull(u)[r.Id]; ok {
			t.Fatalf("%s receives another party's/unit's receipt", name)
		}
		if res := e.do("GET", "/api/collections/receipts/records/"+r.Id, u, nil); res.Status != http.StatusNotFound {
			t.Fatalf("%s views the receipt: %s", name, res)
		}
	}

	// Incremental sync carries the revocation to the phones that hold it.
	cursors := map[string]string{}
	for name, u := range see {
		res := e.do("GET", "/api/sync/pull?limit=1000", u, nil)
		cursors[name] = res.JSON["cursor"].(string)
	}
	e.now = e.now.Add(time.Hour)
	if res := e.do("PATCH", "/api/collections/events/records/"+ev, w.orgA, map[string]any{"starts_at": local(2026, 3, 14, 15, 0), "ends_at": local(2026, 3, 14, 17, 0)}); res.Status != http.StatusOK {
		t.Fatalf("time change: %s", res)
	}
	for name, u := range see {
		res := e.do("GET", "/api/sync/pull?limit=1000&cursor="+url.QueryEscape(cursors[name]), u, nil)
		if res.Status != http.StatusOK || res.JSON["reset"] != false {
			t.Fatalf("%s's incremental pull: %s", name, res)
		}
		found := false
		for _, c := range res.JSON["changes"].([]any) {
			c := c.(map[string]any)
			if c["collection"] == "receipts" && c["id"] == r.Id {
				rec := c["record"].(map[string]any)
				if c["op"] != "put" || rec["revoked_at"] == "" || rec["revoked_reason"] != "time_or_place_changed" {
					t.Fatalf("%s gets %v", name, c)
				}
				found = true
			}
		}
		if !found {
			t.Fatalf("%s's incremental pull lacks the revocation: %s", name, res)
		}
	}
	for name, u := range notSee {
		if _, ok := e.rcPull(u)[r.Id]; ok {
			t.Fatalf("%s receives the revoked receipt", name)
		}
	}

	// The event moves to Abomey-Calavi: the Cotonou units lose the event
	// and its receipts; Calavi's gain them, revoked state included.
	if res := e.do("PATCH", "/api/collections/events/records/"+ev, w.orgA, map[string]any{"commune": w.calavi.Id}); res.Status != http.StatusOK {
		t.Fatalf("move: %s", res)
	}
	if _, ok := e.rcPull(w.commanderCotonou)[r.Id]; ok {
		t.Fatal("the Cotonou commander still holds the receipt of an event it no longer protects")
	}
	got, ok := e.rcPull(w.commanderCalavi)[r.Id]
	if !ok || got["revoked_at"] == "" {
		t.Fatalf("the Calavi commander does not hold the revoked receipt: %v", got)
	}
	if _, ok := e.rcPull(w.orgA)[r.Id]; !ok {
		t.Fatal("the party lost its receipt")
	}
}

// ---------------------------------------------------------------------
// Interoperability: the npm "jose" package verifies our receipts from our
// JWKS alone (interop/verify_receipt.mjs).

func TestReceiptInteropJose(t *testing.T) {
	// CI sets COPROSEC_REQUIRE_INTEROP=1 so that a missing Node or
	// dependency fails the build instead of skipping the check.
	skip := t.Skip
	if os.Getenv("COPROSEC_REQUIRE_INTEROP") != "" {
		skip = t.Fatal
	}
	node, err := exec.LookPath("node")
	if err != nil {
		skip("interop: node is not installed; install Node 20+ and run `npm ci --prefix interop` to check receipts against npm jose")
	}
	script, _ := filepath.Abs(filepath.Join("..", "interop", "verify_receipt.mjs"))
	if _, err := os.Stat(filepath.Join("..", "interop", "node_modules", "jose", "package.json")); err != nil {
		skip("interop: interop/node_modules is missing; run `npm ci --prefix interop` to check receipts against npm jose")
	}
	e := newEnv(t)
	ev := e.rcDeclare(map[string]any{"place": "Carrefour « Étoile rouge » — Cotonou"})
	r := e.rcAckOK(ev)
	token := r.GetString("token")
	dir := t.TempDir()
	_, jwksBody := e.rcJWKS()
	jwksFile := filepath.Join(dir, "jwks.json")
	_ = os.WriteFile(jwksFile, jwksBody, 0o644)

	jose := func(tok string, extra ...string) (map[string]any, error) {
		t.Helper()
		f := filepath.Join(dir, "token.txt")
		_ = os.WriteFile(f, []byte(tok), 0o644)
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, node, append([]string{script, jwksFile, f}, extra...)...)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		var res map[string]any
		if jerr := json.Unmarshal(out, &res); jerr != nil {
			t.Fatalf("node output %q (%v), stderr %s", out, err, stderr.String())
		}
		return res, err
	}
	at := []string{"--now", e.now.Format(time.RFC3339)}

	res, err := jose(token, at...)
	if err != nil || res["valid"] != true {
		t.Fatalf("jose rejects our receipt: %v %v", res, err)
	}
	p := res["payload"].(map[string]any)
	if p["num"] != r.GetString("number") || p["plc"] != "Carrefour « Étoile rouge » — Cotonou" || p["evt"] != ev || p["iss"] != "coprosec" || res["kid"] != rcHeader(t, token)["kid"] {
		t.Fatalf("jose reads %v", res)
	}
	for name, bad := range map[string]string{
		"tampered": rcTamper(t, token, "plc", "ailleurs"),
		"foreign":  rcForeign(t, token, rcHeader(t, token)["kid"].(string)),
		"unknown":  rcForeign(t, token, ""),
	} {
		if res, err := jose(bad, at...); err == nil || res["valid"] != false {
			t.Fatalf("jose accepts a %s receipt: %v", name, res)
		}
	}
	if res, err := jose(token, "--now", "2026-03-20T00:00:00Z"); err == nil || res["code"] != "ERR_JWT_EXPIRED" {
		t.Fatalf("jose accepts an expired receipt: %v", res)
	}

	// After a rotation the published set verifies old and new receipts.
	if _, err := e.svc.Write.RotateReceiptKey(e.app); err != nil {
		t.Fatal(err)
	}
	ev2 := e.rcDeclare(map[string]any{"starts_at": local(2026, 3, 15, 10, 0), "ends_at": local(2026, 3, 15, 12, 0)})
	fresh := e.rcAckOK(ev2).GetString("token")
	_, jwksBody = e.rcJWKS()
	_ = os.WriteFile(jwksFile, jwksBody, 0o644)
	for _, tok := range []string{token, fresh} {
		if res, err := jose(tok, at...); err != nil || res["valid"] != true {
			t.Fatalf("jose after rotation: %v %v", res, err)
		}
	}
}

// TestReceiptRevocationListScope: GET /api/receipts/revoked answers the
// revocations of the receipts the caller may see, no other party's or
// département's (issue 12.9).
func TestReceiptRevocationListScope(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	evA := e.rcDeclare(nil) // party A, Cotonou
	recA := e.rcAckOK(evA)
	evB := e.mustDeclare(w.orgB, e.meeting(w.partyB, map[string]any{"commune": w.calavi.Id,
		"starts_at": local(2026, 3, 14, 15, 0), "ends_at": local(2026, 3, 14, 17, 0)}))
	if res := e.do("PATCH", "/api/collections/assignments/records/"+e.rcLead(evB).Id, w.commanderCalavi, map[string]any{"status": "acknowledged"}); res.Status != http.StatusOK {
		t.Fatalf("ack B: %s", res)
	}
	recB := e.rcStanding(evB)
	for _, c := range []struct {
		as     *core.Record
		ev     string
		reason string
	}{{w.orgA, evA, "cancelled"}, {w.orgB, evB, "cancelled"}} {
		if res := e.do("PATCH", "/api/collections/events/records/"+c.ev, c.as, map[string]any{"status": "cancelled"}); res.Status != http.StatusOK {
			t.Fatalf("cancel: %s", res)
		}
	}
	a, b := recA.GetString("number"), recB.GetString("number")
	for _, c := range []struct {
		name   string
		as     *core.Record
		sees   []string
		hidden []string
	}{
		{"party A", w.orgA, []string{a}, []string{b}},
		{"party B admin", w.adminB, []string{b}, []string{a}},
		{"Cotonou officer", w.officerCotonou, []string{a}, []string{b}},
		{"Calavi commander", w.commanderCalavi, []string{b}, []string{a}},
		{"Littoral director", w.directorLittoral, []string{a}, []string{b}},
		{"ministry", w.ministry, []string{a, b}, nil},
		{"Ouidah (neither)", e.save("users", map[string]any{"email": "ouidah@test.bj", "password": testPassword, "role": "officer",
			"unit": w.comOuidah.Id, "phone": "+22997000099", "verified": true}), nil, []string{a, b}},
	} {
		res := e.do("GET", "/api/receipts/revoked", c.as, nil)
		var list receipts.RevocationList
		if res.Status != http.StatusOK || json.Unmarshal(res.Body, &list) != nil {
			t.Fatalf("%s: %s", c.name, res)
		}
		for _, n := range c.sees {
			if r, ok := list.Lookup(n); !ok || r.Reason != "cancelled" {
				t.Errorf("%s does not see revocation %s: %s", c.name, n, res)
			}
		}
		for _, n := range c.hidden {
			if _, ok := list.Lookup(n); ok {
				t.Errorf("%s sees revocation %s of another party or unit", c.name, n)
			}
		}
	}
	// verification still knows every revocation
	for _, r := range []*core.Record{recA, recB} {
		if v, _ := e.rcVerify(r.GetString("token")); v.Valid || !v.Revoked {
			t.Errorf("verify %s: %+v", r.GetString("number"), v)
		}
	}
}
