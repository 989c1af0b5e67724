package hooks_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"
)

// signInResponse is a sign-in answer with the headers that matter here.
type signInResponse struct {
	response
	retryAfter string // the Retry-After header
}

// signIn posts identity and password to collection's auth-with-password
// from addr (host:port), the address PocketBase sees (no trusted proxy is
// configured). Safe to call from several goroutines.
func (e *env) signIn(collection, identity, password, addr string) signInResponse {
	raw, _ := json.Marshal(map[string]any{"identity": identity, "password": password})
	req := httptest.NewRequest("POST", "/api/collections/"+collection+"/auth-with-password", bytes.NewReader(raw))
	req.Header.Set("Content-Type", "application/json")
	req.RemoteAddr = addr
	rec := httptest.NewRecorder()
	e.mux.ServeHTTP(rec, req)
	res := signInResponse{response: response{Status: rec.Code, Body: rec.Body.Bytes()}, retryAfter: rec.Header().Get("Retry-After")}
	_ = json.Unmarshal(res.Body, &res.JSON)
	return res
}

// localPhone is the 8-digit local form of a +229 number, as people type it.
func localPhone(r *core.Record) string {
	return strings.TrimPrefix(r.GetString("phone"), "+229")
}

func assertLocked(t *testing.T, what string, res signInResponse) {
	t.Helper()
	if res.Status != http.StatusTooManyRequests || res.code() != "too_many_failed_signins" {
		t.Fatalf("%s: got %s, want 429 too_many_failed_signins", what, res)
	}
	if n, err := strconv.Atoi(res.retryAfter); err != nil || n < 1 {
		t.Fatalf("%s: Retry-After %q", what, res.retryAfter)
	}
}

// Failures count per account: the email, the phone and the phone's local
// form of one account share one budget.
func TestSignInFailuresCountPerAccount(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	const addr = "10.1.0.1:4000"
	for i, identity := range []string{w.orgA.Email(), strings.ToUpper(w.orgA.Email()), w.orgA.GetString("phone"), w.orgA.GetString("phone"), localPhone(w.orgA)} {
		if res := e.signIn("users", identity, "wrong-password", addr); res.Status != http.StatusBadRequest {
			t.Fatalf("failure %d (%s): %s", i+1, identity, res)
		}
	}
	for _, identity := range []string{w.orgA.GetString("phone"), w.orgA.Email(), "00229" + localPhone(w.orgA)} {
		assertLocked(t, "right password by "+identity+" after 5 failures", e.signIn("users", identity, testPassword, addr))
	}
	// another account from the same address is untouched
	if res := e.signIn("users", w.orgB.GetString("phone"), testPassword, addr); res.Status != http.StatusOK {
		t.Fatalf("other account: %s", res)
	}
}

// A phone number typed in its local form, or an email in capitals, signs
// in to the account, as the field app's normalisation does.
func TestSignInByAnyFormOfIdentity(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	for _, identity := range []string{localPhone(w.orgA), " " + localPhone(w.orgA)[:2] + " " + localPhone(w.orgA)[2:] + " ",
		"00229" + localPhone(w.orgA), strings.ToUpper(w.orgA.Email())} {
		res := e.signIn("users", identity, testPassword, "10.2.0.1:4000")
		if res.Status != http.StatusOK {
			t.Fatalf("sign-in with %q: %s", identity, res)
		}
		if rec, _ := res.JSON["record"].(map[string]any); rec["id"] != w.orgA.Id {
			t.Fatalf("sign-in with %q signed in as %v", identity, rec["id"])
		}
	}
}

// Forty guesses at once cannot slip past the budget: at most five are
// evaluated, the others are refused before the password is checked.
func TestParallelWrongGuessesStayWithinBudget(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	const n = 40
	var wg sync.WaitGroup
	statuses := make([]int, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			identity := w.officerCotonou.Email()
			if i%2 == 1 {
				identity = w.officerCotonou.GetString("phone")
			}
			statuses[i] = e.signIn("users", identity, "wrong-password", "10.3.0."+strconv.Itoa(1+i%4)+":4000").Status
		}()
	}
	wg.Wait()
	count := map[int]int{}
	for _, s := range statuses {
		count[s]++
	}
	if count[http.StatusBadRequest] > 5 || count[http.StatusBadRequest]+count[http.StatusTooManyRequests] != n {
		t.Fatalf("40 parallel guesses: %v (want at most 5 evaluated, the rest 429)", count)
	}
	assertLocked(t, "right password after the burst", e.signIn("users", w.officerCotonou.Email(), testPassword, "10.3.0.9:4000"))
}

// failTenAccounts fails five times against each of ten accounts from addr:
// fifty failures, every account but orgB locked.
func (e *env) failTenAccounts(t *testing.T, w *world, addr string) {
	t.Helper()
	for _, u := range []*core.Record{w.orgA, w.adminA, w.adminB, w.officerCotonou, w.commanderCotonou,
		w.officerCalavi, w.commanderCalavi, w.directorLittoral, w.directorAtlantique, w.ministry} {
		for i := range 5 {
			if res := e.signIn("users", u.Email(), "wrong-password", addr); res.Status != http.StatusBadRequest {
				t.Fatalf("failure %d against %s: %s", i+1, u.Email(), res)
			}
		}
	}
	assertLocked(t, "a locked account", e.signIn("users", w.orgA.Email(), testPassword, addr))
}

// Carrier NAT: fifty failures from one address, against ten accounts, do
// not stop an eleventh account behind the same address.
func TestFailuresFromOneAddressDoNotBlockOtherAccounts(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	const nat = "10.4.0.1:4000"
	e.failTenAccounts(t, w, nat)
	if res := e.signIn("users", w.orgB.Email(), testPassword, nat); res.Status != http.StatusOK {
		t.Fatalf("another account behind the same address: %s", res)
	}
}

// Users' failures, even under the superuser's own email, never lock the
// dashboard, from the same address either.
func TestSuperuserSignInIgnoresUsersFailures(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	su := e.rcSuperuser()
	const nat = "10.8.0.1:4000"
	e.failTenAccounts(t, w, nat)
	for range 6 {
		e.signIn("users", su.Email(), "wrong-password", nat)
	}
	if res := e.signIn(core.CollectionNameSuperusers, su.Email(), "superuser-password-1", nat); res.Status != http.StatusOK {
		t.Fatalf("superuser sign-in from the same address: %s", res)
	}
	// the superuser's own failures do lock it
	for range 5 {
		e.signIn(core.CollectionNameSuperusers, su.Email(), "wrong-password", nat)
	}
	assertLocked(t, "superuser after its own failures", e.signIn(core.CollectionNameSuperusers, su.Email(), "superuser-password-1", nat))
}

// The owner is locked out for a minute after five failures, and for longer
// only as failures go on; a success clears the escalation.
func TestOwnerSignsInAgainAfterShortLock(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	const addr = "10.5.0.1:4000"
	fail := func(what string) {
		t.Helper()
		if res := e.signIn("users", w.orgA.Email(), "wrong-password", addr); res.Status != http.StatusBadRequest {
			t.Fatalf("%s: %s", what, res)
		}
	}
	for i := range 5 {
		fail("failure " + strconv.Itoa(i+1))
	}
	res := e.signIn("users", w.orgA.Email(), testPassword, addr)
	assertLocked(t, "owner after 5 failures", res)
	if res.retryAfter != "60" {
		t.Errorf("first lock: Retry-After %s, want 60", res.retryAfter)
	}
	e.now = e.now.Add(61 * time.Second)
	fail("6th failure, once the first lock is over")
	res = e.signIn("users", w.orgA.Email(), testPassword, addr)
	assertLocked(t, "owner after 6 failures", res)
	if res.retryAfter != "120" {
		t.Errorf("second lock: Retry-After %s, want 120 (the lock doubles)", res.retryAfter)
	}
	e.now = e.now.Add(121 * time.Second)
	if res := e.signIn("users", w.orgA.Email(), testPassword, addr); res.Status != http.StatusOK {
		t.Fatalf("owner after the lock: %s", res)
	}
	// the success cleared the escalation: five fresh failures before a lock
	for i := range 5 {
		fail("failure " + strconv.Itoa(i+1) + " after the success")
	}
	assertLocked(t, "after 5 new failures", e.signIn("users", w.orgA.Email(), testPassword, addr))
}

// A disabled account with the right password answers exactly like a wrong
// password (same status and body), and counts as a failure.
func TestDisabledAccountAnswersLikeWrongPassword(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	const addr = "10.6.0.1:4000"
	wrong := e.signIn("users", w.officerCotonou.Email(), "wrong-password", addr)
	if wrong.Status != http.StatusBadRequest {
		t.Fatalf("wrong password: %s", wrong)
	}
	w.officerCotonou.Set("disabled", true)
	if err := e.app.Save(w.officerCotonou); err != nil {
		t.Fatal(err)
	}
	for _, pw := range []string{testPassword, "wrong-password"} {
		got := e.signIn("users", w.officerCotonou.Email(), pw, addr)
		if got.Status != wrong.Status || !bytes.Equal(got.Body, wrong.Body) {
			t.Fatalf("disabled account, password %q: %d %s, want %d %s", pw, got.Status, got.Body, wrong.Status, wrong.Body)
		}
	}
	got := e.signIn("users", w.officerCotonou.GetString("phone"), testPassword, addr)
	if got.Status != wrong.Status || !bytes.Equal(got.Body, wrong.Body) {
		t.Fatalf("disabled account by phone: %s", got)
	}
	e.signIn("users", w.officerCotonou.Email(), testPassword, addr)
	assertLocked(t, "disabled account after 5 attempts", e.signIn("users", w.officerCotonou.Email(), testPassword, addr))
}

// Unknown identities get the same budget as accounts, so a 429 tells
// nothing about whether an account exists.
func TestUnknownIdentityHasTheSameBudget(t *testing.T) {
	e := newEnv(t)
	e.world()
	const addr = "10.7.0.1:4000"
	for _, identity := range []string{"nobody@test.bj", "NOBODY@test.bj", " nobody@test.bj ", "Nobody@Test.bj", "nobody@test.bj"} {
		if res := e.signIn("users", identity, "wrong-password", addr); res.Status != http.StatusBadRequest {
			t.Fatalf("unknown %s: %s", identity, res)
		}
	}
	assertLocked(t, "unknown email after 5", e.signIn("users", "nobody@TEST.bj", "wrong-password", addr))
	for _, identity := range []string{"+22961000000", "61000000", "61 00 00 00", "0022961000000", "22961000000"} {
		if res := e.signIn("users", identity, "wrong-password", addr); res.Status != http.StatusBadRequest {
			t.Fatalf("unknown %s: %s", identity, res)
		}
	}
	assertLocked(t, "unknown phone after 5", e.signIn("users", "61-00-00-00", "wrong-password", addr))
}
