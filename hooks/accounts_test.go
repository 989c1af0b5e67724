package hooks_test

import (
	"net/http"
	"testing"
)

func TestReferenceSeedAndSecurityDefaults(t *testing.T) {
	e := newEnv(t)
	for collection, want := range map[string]int{"departements": 12, "communes": 77} {
		n, err := e.app.CountRecords(collection)
		if err != nil || n != int64(want) {
			t.Errorf("%s: %d records (%v), want %d", collection, n, err, want)
		}
	}
	if c := e.byCode("communes", "BJ0800"); c.GetString("name") != "Cotonou" {
		t.Errorf("BJ0800 = %q", c.GetString("name"))
	}

	users, _ := e.app.FindCollectionByNameOrId("users")
	if users.CreateRule == nil || *users.CreateRule == "" {
		t.Error("users create rule is open: public sign-up possible")
	}
	if users.AuthAlert.Enabled {
		t.Error("auth alert emails are on")
	}
	if got := users.PasswordAuth.IdentityFields; len(got) != 2 || got[1] != "phone" {
		t.Errorf("identity fields = %v", got)
	}
	s := e.app.Settings()
	if !s.RateLimits.Enabled || !s.Batch.Enabled {
		t.Errorf("rate limits %v, batch %v: want both on", s.RateLimits.Enabled, s.Batch.Enabled)
	}
	for _, name := range []string{"departements", "communes", "arrondissements", "units", "parties", "elections",
		"itineraries", "events", "assignments", "incidents", "receipts", "audit", "users", "boundaries"} {
		c, err := e.app.FindCollectionByNameOrId(name)
		if err != nil {
			t.Errorf("missing collection %s", name)
			continue
		}
		if c.Fields.GetByName("created") == nil || c.Fields.GetByName("updated") == nil {
			t.Errorf("%s lacks created/updated", name)
		}
	}
}

func TestGuestCannotSignUp(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	res := e.do("POST", "/api/collections/users/records", nil, map[string]any{
		"email": "intrus@test.bj", "password": "intrus-password-1", "passwordConfirm": "intrus-password-1",
		"role": "organizer", "party": w.partyA.Id,
	})
	if res.Status == http.StatusOK {
		t.Fatalf("public sign-up allowed: %s", res)
	}
}

func TestSignInByEmailOrPhone(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	for _, identity := range []string{w.orgA.Email(), w.orgA.GetString("phone")} {
		res := e.do("POST", "/api/collections/users/auth-with-password", nil, map[string]any{"identity": identity, "password": testPassword})
		if res.Status != http.StatusOK || res.JSON["token"] == nil {
			t.Errorf("sign-in with %q: %s", identity, res)
		}
	}
}

func TestAccountManagementRefusals(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	newUser := func(role, party, unit string) map[string]any {
		d := map[string]any{"email": role + "-new@test.bj", "password": "new-password-12", "passwordConfirm": "new-password-12", "role": role, "name": "Nouveau"}
		if party != "" {
			d["party"] = party
		}
		if unit != "" {
			d["unit"] = unit
		}
		return d
	}
	cases := []struct {
		name string
		as   *recordT
		body map[string]any
		ok   bool
	}{
		{"party_admin creates organizer of own party", w.adminA, newUser("organizer", w.partyA.Id, ""), true},
		{"party_admin creates organizer of another party", w.adminA, newUser("organizer", w.partyB.Id, ""), false},
		{"party_admin creates a party_admin", w.adminA, newUser("party_admin", w.partyA.Id, ""), false},
		{"party_admin creates a commander", w.adminA, newUser("commander", "", w.comCotonou.Id), false},
		{"organizer creates organizer", w.orgA, newUser("organizer", w.partyA.Id, ""), false},
		{"ministry creates an officer", w.ministry, newUser("officer", "", w.comCotonou.Id), true},
		{"ministry creates an organizer", w.ministry, newUser("organizer", w.partyA.Id, ""), false},
		{"commander creates an officer", w.commanderCotonou, newUser("officer", "", w.comCotonou.Id), false},
		{"director creates an officer", w.directorLittoral, newUser("officer", "", w.comCotonou.Id), false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := e.do("POST", "/api/collections/users/records", c.as, c.body)
			if (res.Status == http.StatusOK) != c.ok {
				t.Fatalf("got %s, want ok=%v", res, c.ok)
			}
			if c.ok {
				u, err := e.app.FindRecordById("users", res.JSON["id"].(string))
				if err != nil || e.app.Delete(u) != nil {
					t.Fatal("cleanup failed")
				}
			}
		})
	}

	// Nobody changes their own role, party or unit.
	selfEdits := []struct {
		as   *recordT
		body map[string]any
	}{
		{w.orgA, map[string]any{"role": "party_admin"}},
		{w.orgA, map[string]any{"party": w.partyB.Id}},
		{w.officerCotonou, map[string]any{"unit": w.comCalavi.Id}},
		{w.officerCotonou, map[string]any{"role": "commander"}},
		{w.adminA, map[string]any{"role": "ministry"}},
		{w.directorLittoral, map[string]any{"unit": w.ddprAtlantique.Id}},
		{w.ministry, map[string]any{"role": "director"}},
		{w.orgA, map[string]any{"disabled": true}},
	}
	for _, s := range selfEdits {
		res := e.do("PATCH", "/api/collections/users/records/"+s.as.Id, s.as, s.body)
		if res.Status == http.StatusOK {
			t.Errorf("%s changed own %v: %s", s.as.GetString("role"), s.body, res)
		}
	}
	if res := e.do("PATCH", "/api/collections/users/records/"+w.orgA.Id, w.orgA, map[string]any{"name": "Nouveau nom"}); res.Status != http.StatusOK {
		t.Errorf("own name change refused: %s", res)
	}

	// A party_admin manages its own party's organizers only.
	if res := e.do("PATCH", "/api/collections/users/records/"+w.orgB.Id, w.adminA, map[string]any{"name": "x"}); res.Status == http.StatusOK {
		t.Errorf("party_admin A edited organizer B: %s", res)
	}
	if res := e.do("PATCH", "/api/collections/users/records/"+w.orgA.Id, w.adminA, map[string]any{"party": w.partyB.Id}); res.Status == http.StatusOK {
		t.Errorf("party_admin moved its organizer to another party: %s", res)
	}
	if res := e.do("PATCH", "/api/collections/users/records/"+w.orgA.Id, w.adminA, map[string]any{"disabled": true}); res.Status != http.StatusOK {
		t.Errorf("party_admin could not cut off its organizer: %s", res)
	}
	if res := e.do("DELETE", "/api/collections/users/records/"+w.orgB.Id, w.adminA, nil); res.Status == http.StatusNoContent {
		t.Errorf("party_admin A deleted organizer B")
	}
}

func TestDirectorSeesAccountsOfItsDepartement(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	res := e.do("GET", "/api/collections/users/records?perPage=200", w.directorLittoral, nil)
	got := ids(res)
	for _, u := range []*recordT{w.officerCotonou, w.commanderCotonou, w.directorLittoral} {
		if !got[u.Id] {
			t.Errorf("director Littoral does not see %s", u.Email())
		}
	}
	for _, u := range []*recordT{w.officerCalavi, w.directorAtlantique, w.orgA, w.ministry} {
		if got[u.Id] {
			t.Errorf("director Littoral sees %s", u.Email())
		}
	}
	res = e.do("GET", "/api/collections/users/records?perPage=200", w.adminA, nil)
	got = ids(res)
	if !got[w.orgA.Id] || got[w.orgB.Id] || got[w.officerCotonou.Id] {
		t.Errorf("party_admin A sees %v", got)
	}
	res = e.do("GET", "/api/collections/users/records?perPage=200", w.orgA, nil)
	if got := ids(res); len(got) != 1 || !got[w.orgA.Id] {
		t.Errorf("organizer sees %v, want only itself", got)
	}
}

func TestDisabledAccountIsCutOffAtOnce(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	token, _ := w.officerCotonou.NewAuthToken()
	if r := e.doToken("POST", "/api/collections/users/auth-refresh", token, nil); r.Status != http.StatusOK {
		t.Fatalf("refresh before cut-off: %s", r)
	}
	res := e.do("PATCH", "/api/collections/users/records/"+w.officerCotonou.Id, w.ministry, map[string]any{"disabled": true})
	if res.Status != http.StatusOK {
		t.Fatalf("ministry could not disable an officer: %s", res)
	}
	// the old token no longer authenticates
	r := e.doToken("POST", "/api/collections/users/auth-refresh", token, nil)
	if r.Status == http.StatusOK {
		t.Fatalf("old token still works after cut-off: %s", r)
	}
	login := e.do("POST", "/api/collections/users/auth-with-password", nil, map[string]any{"identity": w.officerCotonou.Email(), "password": testPassword})
	if login.Status == http.StatusOK {
		t.Fatalf("disabled account can sign in: %s", login)
	}
}

func TestFailedSignInsAreLimitedPerIdentity(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	for i := 0; i < 5; i++ {
		res := e.do("POST", "/api/collections/users/auth-with-password", nil, map[string]any{"identity": w.orgA.Email(), "password": "wrong-password"})
		if res.Status != http.StatusBadRequest {
			t.Fatalf("attempt %d: %s", i+1, res)
		}
	}
	res := e.do("POST", "/api/collections/users/auth-with-password", nil, map[string]any{"identity": w.orgA.Email(), "password": testPassword})
	if res.Status != http.StatusTooManyRequests || res.code() != "too_many_failed_signins" {
		t.Fatalf("6th attempt: %s", res)
	}
	// other phones behind the same carrier NAT still sign in
	res = e.do("POST", "/api/collections/users/auth-with-password", nil, map[string]any{"identity": w.orgB.Email(), "password": testPassword})
	if res.Status != http.StatusOK {
		t.Fatalf("another identity from the same IP: %s", res)
	}
}

func TestSignedInTrafficIsLimitedPerAccount(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	limited := 0
	for i := 0; i < 620; i++ {
		if res := e.do("GET", "/api/health", w.officerCotonou, nil); res.Status == http.StatusTooManyRequests {
			limited++
		}
	}
	if limited == 0 {
		t.Fatal("no per-account limit after 620 requests in a minute")
	}
	// another account behind the same IP is unaffected
	if res := e.do("GET", "/api/health", w.officerCalavi, nil); res.Status != http.StatusOK {
		t.Fatalf("other account limited: %s", res)
	}
}
