package ratelimit

import (
	"sync"
	"time"
)

// SignInPolicy is how many wrong passwords an account and an address get.
//
// Per account: the first FreeFailures consecutive failures cost nothing;
// the FreeFailures-th locks the account for FirstLock and each further one
// doubles the lock, up to MaxLock. A success clears the escalation, and so
// does an hour (Forget) without failure. Whatever the escalation, at most
// DailyFailures failures are evaluated per account in any 24 hours
// (a success does not give any back), so that figure bounds online
// guessing however many addresses the guesser has.
//
// Per address: failures against at most AddressAccounts distinct accounts
// per AddressWindow. A burst against one account, or a few, never reaches
// it, so the phones behind one carrier-NAT address do not pay for one of
// them; only spraying a password over many accounts does.
type SignInPolicy struct {
	FreeFailures  int
	FirstLock     time.Duration
	MaxLock       time.Duration
	Forget        time.Duration
	DailyFailures int

	AddressAccounts int
	AddressWindow   time.Duration
}

// DefaultSignInPolicy: a burst locks an account for a minute, a persistent
// guesser for 15 minutes at a time, and no account can be guessed more
// than 30 times a day (the 30th failure comes after 5½ hours of guessing at
// the fastest pace the locks allow).
var DefaultSignInPolicy = SignInPolicy{
	FreeFailures:  5,
	FirstLock:     time.Minute,
	MaxLock:       15 * time.Minute,
	Forget:        time.Hour,
	DailyFailures: 30,

	AddressAccounts: 100,
	AddressWindow:   time.Hour,
}

const day = 24 * time.Hour

// SignIns holds the sign-in budgets of accounts and addresses. Keys are the
// caller's: an account key names a real account, or an identity that
// matches none (it gets the same budget, so that a refusal tells nothing
// about whether an account exists); an address key names a client address.
// Callers namespace both (per auth collection).
//
// An attempt is counted before the password is checked (Begin) and settled
// after (Attempt.Succeeded, Failed or Abandon), so that guesses sent in
// parallel cannot all pass a check made before any of them is counted.
type SignIns struct {
	Policy SignInPolicy
	Now    func() time.Time // injectable clock; time.Now when nil

	mu        sync.Mutex
	accounts  map[string]*accountBudget
	addresses map[string]*addressBudget
	sweptAt   time.Time
}

type accountBudget struct {
	fails       int         // consecutive failures (escalation)
	lastFail    time.Time   // for Forget
	lockedUntil time.Time   // no attempt before
	recent      []time.Time // failures of the last 24 h, oldest first
	pending     int         // attempts in flight
}

type addressBudget struct {
	failed  map[string]time.Time // account key → last failure
	pending map[string]int       // account key → attempts in flight not yet in failed
}

// NewSignIns returns empty budgets under policy p.
func NewSignIns(p SignInPolicy) *SignIns {
	return &SignIns{Policy: p, accounts: map[string]*accountBudget{}, addresses: map[string]*addressBudget{}}
}

// Refusal is why an attempt was refused and how long to wait.
type Refusal struct {
	ByAddress  bool // the address's budget, not the account's
	RetryAfter time.Duration
}

// Attempt is one sign-in attempt with its place reserved. Exactly one of
// Succeeded, Failed and Abandon settles it; later calls do nothing.
type Attempt struct {
	g        *SignIns
	account  string
	real     bool
	address  string
	reserved bool // holds a place in the address's pending set
	done     bool
}

func (g *SignIns) now() time.Time {
	if g.Now != nil {
		return g.Now()
	}
	return time.Now()
}

// Begin reserves an attempt against account (real: an existing account,
// whose failures count against the address too) from address ("" for
// none), or says why it is refused.
func (g *SignIns) Begin(account string, real bool, address string) (*Attempt, *Refusal) {
	g.mu.Lock()
	defer g.mu.Unlock()
	now := g.now()
	g.sweep(now)
	p := g.Policy

	a := g.accounts[account]
	if a == nil {
		a = &accountBudget{}
		g.accounts[account] = a
	}
	a.expire(now, p)
	if wait := a.lockedUntil.Sub(now); wait > 0 {
		return nil, &Refusal{RetryAfter: wait}
	}
	if len(a.recent) >= p.DailyFailures {
		return nil, &Refusal{RetryAfter: a.recent[0].Add(day).Sub(now)}
	}
	// In flight attempts count as failures-to-be: while failures are free,
	// as many as remain free may run at once; past that, one at a time.
	inFlight := max(1, p.FreeFailures-a.fails)
	if a.pending >= inFlight || len(a.recent)+a.pending >= p.DailyFailures {
		return nil, &Refusal{RetryAfter: max(p.lockFor(a.fails+a.pending), time.Second)}
	}

	at := &Attempt{g: g, account: account, real: real, address: address}
	if address != "" {
		ad := g.addresses[address]
		if ad == nil {
			ad = &addressBudget{failed: map[string]time.Time{}, pending: map[string]int{}}
			g.addresses[address] = ad
		}
		ad.expire(now, p)
		_, counted := ad.failed[account]
		counted = counted || ad.pending[account] > 0
		// An account already counted for this address keeps its own
		// budget: retrying it adds nothing to a spray.
		if !counted {
			if len(ad.failed)+len(ad.pending) >= p.AddressAccounts {
				wait := p.AddressWindow
				for _, t := range ad.failed {
					wait = min(wait, t.Add(p.AddressWindow).Sub(now))
				}
				return nil, &Refusal{ByAddress: true, RetryAfter: max(wait, time.Second)}
			}
			if real {
				ad.pending[account]++
				at.reserved = true
			}
		}
	}
	a.pending++
	return at, nil
}

// Succeeded settles a correct password: the account's escalation is
// cleared (not its failures of the day) and the address forgets it.
func (at *Attempt) Succeeded() { at.settle(outcomeSuccess) }

// Failed settles a wrong password (or one the account may not use).
func (at *Attempt) Failed() { at.settle(outcomeFailure) }

// Abandon gives the reserved place back without counting anything (the
// server failed before the password could be judged).
func (at *Attempt) Abandon() { at.settle(outcomeAbandoned) }

type outcome int

const (
	outcomeSuccess outcome = iota
	outcomeFailure
	outcomeAbandoned
)

func (at *Attempt) settle(o outcome) {
	g := at.g
	g.mu.Lock()
	defer g.mu.Unlock()
	if at.done {
		return
	}
	at.done = true
	now := g.now()
	p := g.Policy

	// an account budget is not swept while it has attempts in flight
	a := g.accounts[at.account]
	a.pending--
	switch o {
	case outcomeFailure:
		a.fails++
		a.lastFail = now
		a.recent = append(a.recent, now)
		if lock := p.lockFor(a.fails); lock > 0 {
			a.lockedUntil = laterOf(a.lockedUntil, now.Add(lock))
		}
	case outcomeSuccess:
		a.fails = 0
		a.lockedUntil = time.Time{}
	}

	if at.address == "" || !at.real {
		return
	}
	ad := g.addresses[at.address]
	if ad == nil { // swept in flight: the account's count had just expired
		ad = &addressBudget{failed: map[string]time.Time{}, pending: map[string]int{}}
		g.addresses[at.address] = ad
	}
	if at.reserved {
		if ad.pending[at.account]--; ad.pending[at.account] <= 0 {
			delete(ad.pending, at.account)
		}
	}
	switch o {
	case outcomeFailure:
		ad.failed[at.account] = now
	case outcomeSuccess:
		delete(ad.failed, at.account)
	}
}

// lockFor is the lock that the n-th consecutive failure sets.
func (p SignInPolicy) lockFor(n int) time.Duration {
	if n < p.FreeFailures {
		return 0
	}
	shift := n - p.FreeFailures
	if shift >= 30 {
		return p.MaxLock
	}
	return min(p.FirstLock<<shift, p.MaxLock)
}

// expire drops what is older than the policy keeps.
func (a *accountBudget) expire(now time.Time, p SignInPolicy) {
	i := 0
	for i < len(a.recent) && now.Sub(a.recent[i]) >= day {
		i++
	}
	if i > 0 {
		a.recent = append(a.recent[:0], a.recent[i:]...)
	}
	if a.fails > 0 && now.Sub(a.lastFail) >= p.Forget {
		a.fails = 0
	}
	// a clock set back must not stretch a lock
	if a.lockedUntil.Sub(now) > p.MaxLock {
		a.lockedUntil = now.Add(p.MaxLock)
	}
}

func (ad *addressBudget) expire(now time.Time, p SignInPolicy) {
	for k, t := range ad.failed {
		if now.Sub(t) >= p.AddressWindow {
			delete(ad.failed, k)
		}
	}
}

// sweep drops idle budgets at most once a minute, so that memory stays
// bounded by the accounts and identities that failed in the last 24 hours
// and the addresses that failed in the last AddressWindow.
func (g *SignIns) sweep(now time.Time) {
	if d := now.Sub(g.sweptAt); d >= 0 && d < time.Minute {
		return
	}
	g.sweptAt = now
	for k, a := range g.accounts {
		a.expire(now, g.Policy)
		if a.pending == 0 && len(a.recent) == 0 {
			delete(g.accounts, k)
		}
	}
	for k, ad := range g.addresses {
		ad.expire(now, g.Policy)
		if len(ad.pending) == 0 && len(ad.failed) == 0 {
			delete(g.addresses, k)
		}
	}
}

func laterOf(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
