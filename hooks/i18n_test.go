package hooks_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"coprosec/internal/syncproto"
)

var english = map[string]string{"Accept-Language": "en-US,en;q=0.9"}

// fieldError is data.<field> of a 400.
func fieldError(t *testing.T, res response, field string) (code, message string) {
	t.Helper()
	data, _ := res.JSON["data"].(map[string]any)
	fe, ok := data[field].(map[string]any)
	if !ok {
		t.Fatalf("no data.%s: %s", field, res)
	}
	code, _ = fe["code"].(string)
	message, _ = fe["message"].(string)
	return code, message
}

// REST errors are French by default and English when Accept-Language
// prefers English; the codes are the same in both.
func TestErrorsFrenchByDefault(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	tok, _ := w.orgA.NewAuthToken()
	post := func(body map[string]any, headers map[string]string) response {
		t.Helper()
		res := e.doHeaders("POST", "/api/collections/events/records", tok, body, headers)
		if res.Status != http.StatusBadRequest {
			t.Fatalf("want 400: %s", res)
		}
		return res
	}

	// a field's rule (data.<field>.code)
	unknown := e.meeting(w.partyA, map[string]any{"election": "nosuchelection0"})
	fr := post(unknown, nil)
	if code, msg := fieldError(t, fr, "election"); code != "unknown_election" || msg != "Élection inconnue." || fr.JSON["message"] != msg {
		t.Fatalf("French: %s", fr)
	}
	en := post(unknown, english)
	if code, msg := fieldError(t, en, "election"); code != "unknown_election" || msg != "Unknown election." || en.JSON["message"] != msg {
		t.Fatalf("English: %s", en)
	}

	// a rule of no single field (data.code), with its detailed English
	late := e.meeting(w.partyA, map[string]any{"starts_at": local(2026, 3, 14, 21, 0), "ends_at": local(2026, 3, 14, 23, 30)})
	fr = post(late, nil)
	data, _ := fr.JSON["data"].(map[string]any)
	if data["code"] != "quiet_hours" || data["message"] != "Meetings et rassemblements interdits entre 23 h et 7 h." || fr.JSON["message"] != data["message"] {
		t.Fatalf("French: %s", fr)
	}
	en = post(late, map[string]string{"Accept-Language": "fr;q=0.5, en"})
	data, _ = en.JSON["data"].(map[string]any)
	if data["code"] != "quiet_hours" || !strings.Contains(data["message"].(string), "23:00 and 07:00") {
		t.Fatalf("English: %s", en)
	}
	// French preferred over English, or a tie: French
	if res := post(late, map[string]string{"Accept-Language": "en;q=0.8, fr;q=0.8"}); !strings.Contains(res.JSON["message"].(string), "interdits") {
		t.Fatalf("tie: %s", res)
	}

	// PocketBase's own validation, with its values
	long := e.meeting(w.partyA, map[string]any{"title": strings.Repeat("x", 201)})
	fr = post(long, nil)
	if code, msg := fieldError(t, fr, "title"); code != "validation_max_text_constraint" || msg != "Au plus 200 caractère(s)." {
		t.Fatalf("French: %s", fr)
	}
	if fr.JSON["message"] != "Impossible de créer l’enregistrement." {
		t.Fatalf("French top-level message: %s", fr)
	}
	en = post(long, english)
	if code, msg := fieldError(t, en, "title"); code != "validation_max_text_constraint" || !strings.HasPrefix(msg, "Must be no more than 200") {
		t.Fatalf("English: %s", en)
	}

	// a batch: the failed request's answer is French too
	batch := map[string]any{"requests": []map[string]any{{"method": "POST", "url": "/api/collections/events/records", "body": unknown}}}
	res := e.doHeaders("POST", "/api/batch", tok, batch, nil)
	if res.Status != http.StatusBadRequest || !strings.Contains(string(res.Body), `"code":"unknown_election","message":"Élection inconnue."`) ||
		!strings.Contains(string(res.Body), `"code":"batch_request_failed","message":"Une requête du lot a échoué."`) {
		t.Fatalf("batch: %s", res)
	}
	if res := e.doHeaders("POST", "/api/batch", tok, batch, english); !strings.Contains(string(res.Body), `"code":"unknown_election","message":"Unknown election."`) {
		t.Fatalf("batch in English: %s", res)
	}

	// our routes
	res = e.doHeaders("GET", "/api/jurisdiction/resolve?lat=abc&lon=2", tok, nil, nil)
	if res.code() != "invalid_point" || !strings.HasPrefix(res.JSON["message"].(string), "Coordonnées invalides") {
		t.Fatalf("resolve: %s", res)
	}
	res = e.doHeaders("GET", "/api/jurisdiction/resolve?lat=abc&lon=2", tok, nil, english)
	if data, _ := res.JSON["data"].(map[string]any); res.code() != "invalid_point" || !strings.HasPrefix(data["message"].(string), "lat and lon") {
		t.Fatalf("resolve in English: %s", res)
	}
	res = e.doHeaders("GET", "/api/sync/pull?limit=-1", tok, nil, nil)
	if code, msg := fieldError(t, res, "limit"); code != "invalid_limit" || !strings.HasPrefix(msg, "Le paramètre limit") {
		t.Fatalf("pull: %s", res)
	}
	res = e.doHeaders("POST", "/api/sync/push", tok, `{"device":"d","mutations":[`, nil)
	if res.code() != syncproto.CodeInvalidJSON || res.JSON["message"] != "Requête mal formée (JSON invalide)." {
		t.Fatalf("push request: %s", res)
	}
	res = e.doHeaders("POST", "/api/sync/push", tok, `{"device":"d","mutations":[`, english)
	if res.code() != syncproto.CodeInvalidJSON || strings.Contains(res.JSON["message"].(string), "Requête") {
		t.Fatalf("push request in English: %s", res)
	}
}

// A push result's error is said in the client's language at each answer;
// the stored result, answered again to a retry, is said again.
func TestSyncPushErrorsFrenchByDefault(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	tok, _ := w.orgA.NewAuthToken()
	muts := []syncMutation{
		mCreate("m1", "events", "i18nevent000001", e.meeting(w.partyA, map[string]any{"election": "nosuchelection0"})),
		mCreate("m2", "events", "i18nevent000002", e.meeting(w.partyA, map[string]any{"title": strings.Repeat("x", 201)})),
	}
	push := func(headers map[string]string) []syncproto.Result {
		t.Helper()
		res := e.doHeaders("POST", "/api/sync/push", tok, map[string]any{"device": "d", "mutations": muts}, headers)
		var p struct{ Results []syncproto.Result }
		if res.Status != http.StatusOK || json.Unmarshal(res.Body, &p) != nil || len(p.Results) != 2 {
			t.Fatalf("push: %s", res)
		}
		if statuses(p.Results) != "rejected:unknown_election,rejected:validation_max_text_constraint" {
			t.Fatalf("push: %s", res)
		}
		return p.Results
	}
	fieldMessage := func(r syncproto.Result, field string) string {
		fe, _ := r.Error.Fields[field].(map[string]any)
		m, _ := fe["message"].(string)
		return m
	}
	for round := range 2 { // the first answer, then a retry answered from the stored results
		fr := push(nil)
		if fr[0].Error.Message != "Élection inconnue." || fieldMessage(fr[0], "election") != "Élection inconnue." {
			t.Fatalf("round %d French: %+v", round, fr[0].Error)
		}
		if fr[1].Error.Message != "Au plus 200 caractère(s)." || fieldMessage(fr[1], "title") != "Au plus 200 caractère(s)." {
			t.Fatalf("round %d French: %+v", round, fr[1].Error)
		}
		en := push(english)
		if en[0].Error.Message != "Unknown election." || fieldMessage(en[0], "election") != "Unknown election." {
			t.Fatalf("round %d English: %+v", round, en[0].Error)
		}
		if !strings.HasPrefix(fieldMessage(en[1], "title"), "Must be no more than 200") {
			t.Fatalf("round %d English: %+v", round, en[1].Error)
		}
	}
}

// From the dashboard (a superuser through REST), a new event with a missing
// or unknown election names the field, so the form can show it there.
func TestDashboardEventErrorNamesItsField(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	tok := superToken(t, e)
	missing := e.meeting(w.partyA, nil)
	delete(missing, "election")
	for name, body := range map[string]map[string]any{
		"missing": missing,
		"unknown": e.meeting(w.partyA, map[string]any{"election": "nosuchelection0"}),
	} {
		res := e.doToken("POST", "/api/collections/events/records", tok, body)
		if res.Status != http.StatusBadRequest {
			t.Fatalf("%s: %s", name, res)
		}
		if code, msg := fieldError(t, res, "election"); code == "" || msg == "" {
			t.Fatalf("%s: %s", name, res)
		}
	}
	// a rule that belongs to one field names it: an internal field sent
	res := e.do("POST", "/api/collections/events/records", w.orgA, e.meeting(w.partyA, map[string]any{"clash_cell": "x"}))
	if code, _ := fieldError(t, res, "clash_cell"); code != "server_field" {
		t.Fatalf("internal field: %s", res)
	}
}
