package ratelimit

import (
	"fmt"
	"sync"
	"testing"
	"time"
)

var t0 = time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)

type clock struct{ now time.Time }

func (c *clock) Now() time.Time { return c.now }

func newTestSignIns(p SignInPolicy) (*SignIns, *clock) {
	c := &clock{now: t0}
	g := NewSignIns(p)
	g.Now = c.Now
	return g, c
}

// step is one attempt at offset `at` from t0: its outcome once begun
// ("fail", "ok", "abandon"), or "refused" with the wait expected.
type step struct {
	at      time.Duration
	account string
	address string
	real    bool
	do      string
	retry   time.Duration // for "refused"; 0 = do not check
	byAddr  bool
}

func run(t *testing.T, g *SignIns, c *clock, steps []step) {
	t.Helper()
	for i, s := range steps {
		c.now = t0.Add(s.at)
		account := s.account
		if account == "" {
			account, s.real = "acc", true
		}
		at, ref := g.Begin(account, s.real, s.address)
		if s.do == "refused" {
			if ref == nil {
				t.Fatalf("step %d (%v %s): allowed, want refused", i, s.at, account)
			}
			if s.retry != 0 && ref.RetryAfter != s.retry {
				t.Fatalf("step %d (%v %s): retry after %v, want %v", i, s.at, account, ref.RetryAfter, s.retry)
			}
			if ref.ByAddress != s.byAddr {
				t.Fatalf("step %d: refused by address = %v, want %v", i, ref.ByAddress, s.byAddr)
			}
			continue
		}
		if ref != nil {
			t.Fatalf("step %d (%v %s): refused (%+v), want %s", i, s.at, account, *ref, s.do)
		}
		switch s.do {
		case "fail":
			at.Failed()
		case "ok":
			at.Succeeded()
		case "abandon":
			at.Abandon()
		default:
			t.Fatalf("step %d: unknown action %q", i, s.do)
		}
	}
}

func repeat(n int, s step) []step {
	out := make([]step, n)
	for i := range out {
		out[i] = s
	}
	return out
}

func seq(parts ...[]step) []step {
	var out []step
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

func TestSignInAccountBudget(t *testing.T) {
	m := time.Minute
	tests := []struct {
		name  string
		steps []step
	}{
		{"five free failures, then a minute's lock", seq(
			repeat(5, step{do: "fail"}),
			[]step{{do: "refused", retry: m}, {at: 59 * time.Second, do: "refused", retry: time.Second}, {at: m, do: "ok"}},
		)},
		{"the lock doubles with each further failure, up to 15 m", seq(
			repeat(5, step{do: "fail"}),
			[]step{
				{at: 1 * m, do: "fail"}, {at: 1 * m, do: "refused", retry: 2 * m},
				{at: 3 * m, do: "fail"}, {at: 3 * m, do: "refused", retry: 4 * m},
				{at: 7 * m, do: "fail"}, {at: 7 * m, do: "refused", retry: 8 * m},
				{at: 15 * m, do: "fail"}, {at: 15 * m, do: "refused", retry: 15 * m},
				{at: 30 * m, do: "fail"}, {at: 30 * m, do: "refused", retry: 15 * m},
			},
		)},
		{"a success clears the escalation", seq(
			repeat(4, step{do: "fail"}),
			[]step{{do: "ok"}},
			repeat(4, step{do: "fail"}),
			[]step{{do: "fail"}, {do: "refused", retry: m}},
		)},
		{"an hour without failure forgets the escalation", seq(
			repeat(5, step{do: "fail", at: 10 * m}),
			[]step{{at: 11 * m, do: "fail"}, {at: 11 * m, do: "refused", retry: 2 * m}},
			repeat(4, step{at: 80 * m, do: "fail"}),
			[]step{{at: 80 * m, do: "fail"}, {at: 80 * m, do: "refused", retry: m}},
		)},
		{"an abandoned attempt counts nothing", seq(
			repeat(10, step{do: "abandon"}),
			repeat(5, step{do: "fail"}),
			[]step{{do: "refused", retry: m}},
		)},
		{"another account has its own budget", seq(
			repeat(5, step{do: "fail"}),
			[]step{{do: "refused"}, {account: "other", real: true, do: "ok"}, {account: "?unknown", do: "fail"}},
		)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, c := newTestSignIns(DefaultSignInPolicy)
			run(t, g, c, tt.steps)
		})
	}
}

// In-flight attempts hold their place: forty begun at once, five run.
func TestSignInAttemptsInFlight(t *testing.T) {
	tests := []struct {
		name       string
		fails      int // failures settled before the burst
		wantBegun  int
		settle     string
		thenLocked time.Duration // retry after, once all begun are settled
	}{
		{"fresh account", 0, 5, "fail", time.Minute},
		{"two failures already", 2, 3, "fail", time.Minute},
		{"escalated: one at a time", 6, 1, "fail", 4 * time.Minute},
		{"successes give the places back", 0, 5, "ok", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, c := newTestSignIns(DefaultSignInPolicy)
			for i := 0; i < tt.fails; i++ {
				at, ref := g.Begin("acc", true, "")
				if ref != nil {
					// past the free failures: wait out each lock
					c.now = c.now.Add(ref.RetryAfter)
					at, _ = g.Begin("acc", true, "")
				}
				at.Failed()
			}
			if ref := g.accounts["acc"]; ref != nil && ref.lockedUntil.After(c.now) {
				c.now = ref.lockedUntil
			}
			var begun []*Attempt
			for range 40 {
				if at, ref := g.Begin("acc", true, "10.0.0.1"); ref == nil {
					begun = append(begun, at)
				} else if ref.ByAddress || ref.RetryAfter < time.Second {
					t.Fatalf("refusal %+v", *ref)
				}
			}
			if len(begun) != tt.wantBegun {
				t.Fatalf("%d of 40 begun, want %d", len(begun), tt.wantBegun)
			}
			for _, at := range begun {
				if tt.settle == "ok" {
					at.Succeeded()
				} else {
					at.Failed()
				}
				at.Failed() // settling twice does nothing
			}
			_, ref := g.Begin("acc", true, "")
			switch {
			case tt.thenLocked == 0 && ref != nil:
				t.Fatalf("refused after successes: %+v", *ref)
			case tt.thenLocked != 0 && (ref == nil || ref.RetryAfter != tt.thenLocked):
				t.Fatalf("after the burst: %+v, want locked %v", ref, tt.thenLocked)
			}
		})
	}
}

// Real goroutines (run with -race): never more than five evaluated.
func TestSignInParallelGuesses(t *testing.T) {
	g, _ := newTestSignIns(DefaultSignInPolicy)
	g.Now = nil // the real clock
	var wg sync.WaitGroup
	var mu sync.Mutex
	evaluated := 0
	for i := range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			at, ref := g.Begin("acc", true, fmt.Sprintf("10.0.0.%d", i%4))
			if ref != nil {
				return
			}
			mu.Lock()
			evaluated++
			mu.Unlock()
			time.Sleep(time.Millisecond) // the password check
			at.Failed()
		}()
	}
	wg.Wait()
	if evaluated != 5 {
		t.Fatalf("%d guesses evaluated, want 5", evaluated)
	}
}

// The figure of the README: a guesser who retries the moment each lock
// ends gets 30 guesses per account per day, the 30th after 5 h 30 min, and
// never more than 30 in any 24 hours.
func TestSignInGuessesPerDay(t *testing.T) {
	g, c := newTestSignIns(DefaultSignInPolicy)
	var failures []time.Time
	end := t0.Add(4 * day)
	for c.now.Before(end) {
		at, ref := g.Begin("acc", true, "")
		if ref != nil {
			c.now = c.now.Add(ref.RetryAfter)
			continue
		}
		at.Failed()
		failures = append(failures, c.now)
	}
	if got := failures[29].Sub(t0); got != 5*time.Hour+30*time.Minute {
		t.Errorf("30th failure after %v, want 5h30m", got)
	}
	if !failures[30].Equal(t0.Add(day)) {
		t.Errorf("31st failure at %v, want 24 h after the first", failures[30].Sub(t0))
	}
	for i := range failures {
		n := 0
		for _, f := range failures[i:] {
			if f.Sub(failures[i]) < day {
				n++
			}
		}
		if n > 30 {
			t.Fatalf("%d failures in the 24 h from %v", n, failures[i].Sub(t0))
		}
	}
	if len(failures) > 4*30 {
		t.Fatalf("%d failures in 4 days", len(failures))
	}
}

// A success does not give back the day's failures.
func TestSignInDailyCapSurvivesSuccess(t *testing.T) {
	p := DefaultSignInPolicy
	p.FreeFailures = 100 // no escalation: the cap alone
	g, c := newTestSignIns(p)
	run(t, g, c, seq(
		repeat(20, step{do: "fail"}),
		[]step{{at: time.Hour, do: "ok"}},
		repeat(10, step{at: time.Hour, do: "fail"}),
		[]step{{at: time.Hour, do: "refused", retry: 23 * time.Hour}, {at: day, do: "ok"}},
	))
}

func TestSignInAddressBudget(t *testing.T) {
	p := DefaultSignInPolicy
	p.AddressAccounts = 3
	acct := func(name string, do string, at time.Duration) step {
		return step{account: name, real: true, address: "nat", do: do, at: at}
	}
	tests := []struct {
		name  string
		steps []step
	}{
		{"a burst against one account never fills it", seq(
			repeat(5, acct("a", "fail", 0)),
			[]step{acct("b", "ok", 0), acct("c", "fail", 0), acct("d", "ok", 0)},
		)},
		{"failures against many accounts fill it, for everyone behind the address", []step{
			acct("a", "fail", 0), acct("b", "fail", time.Minute), acct("c", "fail", 2*time.Minute),
			{account: "d", real: true, address: "nat", do: "refused", byAddr: true, retry: time.Hour - 2*time.Minute, at: 2 * time.Minute},
			{account: "?x", address: "nat", do: "refused", byAddr: true, at: 2 * time.Minute},
			acct("b", "fail", 3*time.Minute), // a counted account keeps its own budget
			{account: "d", real: true, address: "other", do: "ok", at: 3 * time.Minute},
			{account: "d", real: true, address: "nat", do: "refused", byAddr: true, retry: 2 * time.Minute, at: 58 * time.Minute},
			acct("d", "ok", time.Hour+time.Minute),
		}},
		{"unknown identities do not count", seq(
			repeat(5, step{account: "?x", address: "nat", do: "fail"}),
			[]step{{account: "?y", address: "nat", do: "fail"}, {account: "?z", address: "nat", do: "fail"}},
			[]step{acct("a", "fail", 0), acct("b", "fail", 0), acct("c", "ok", 0), acct("d", "fail", 0)},
		)},
		{"a success takes its account out", []step{
			acct("a", "fail", 0), acct("b", "fail", 0), acct("b", "ok", 0), acct("c", "fail", 0), acct("d", "fail", 0),
			{account: "e", real: true, address: "nat", do: "refused", byAddr: true},
		}},
		{"an abandoned attempt counts nothing", []step{
			acct("a", "fail", 0), acct("b", "fail", 0), acct("c", "abandon", 0), acct("d", "fail", 0),
			{account: "e", real: true, address: "nat", do: "refused", byAddr: true},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, c := newTestSignIns(p)
			run(t, g, c, tt.steps)
		})
	}

	// in flight, explicitly: two pending fill the last places
	g, _ := newTestSignIns(p)
	at, _ := g.Begin("a", true, "nat")
	at.Failed()
	b, _ := g.Begin("b", true, "nat")
	c, _ := g.Begin("c", true, "nat")
	if _, ref := g.Begin("d", true, "nat"); ref == nil || !ref.ByAddress {
		t.Fatalf("4th account with 2 in flight: %+v", ref)
	}
	b.Abandon()
	c.Succeeded()
	if _, ref := g.Begin("d", true, "nat"); ref != nil {
		t.Fatalf("places not given back: %+v", *ref)
	}
}

func TestSignInSweep(t *testing.T) {
	g, c := newTestSignIns(DefaultSignInPolicy)
	for i := range 50 {
		at, _ := g.Begin(fmt.Sprint("acc", i), true, fmt.Sprint("ip", i))
		at.Failed()
	}
	held, _ := g.Begin("held", true, "ip-held")
	c.now = c.now.Add(day)
	g.Begin("fresh", true, "")
	if len(g.accounts) != 2 || len(g.addresses) != 1 { // "held" in flight, "fresh"
		t.Fatalf("after a day: %d account budgets, %d address budgets", len(g.accounts), len(g.addresses))
	}
	held.Failed()
	c.now = c.now.Add(day + time.Minute)
	g.Begin("fresh2", true, "")
	if len(g.accounts) != 2 || len(g.addresses) != 0 { // "fresh" and "fresh2" in flight
		t.Fatalf("after two days: %d account budgets, %d address budgets", len(g.accounts), len(g.addresses))
	}
}
