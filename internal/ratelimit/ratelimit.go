// Package ratelimit holds Coprosec's limiters. PocketBase's own limiter
// keys on the client IP only, which punishes the hundreds of phones that
// share one carrier-NAT address in Benin; Coprosec keys signed-in traffic
// on the account (Limiter, a small keyed fixed-window limiter) and failed
// sign-ins on the account they were aimed at (SignIns).
package ratelimit

import (
	"sync"
	"time"
)

// Limiter allows at most Max hits per key within each Window.
type Limiter struct {
	Max    int
	Window time.Duration
	Now    func() time.Time // injectable clock; time.Now when nil

	mu      sync.Mutex
	windows map[string]*window
	sweptAt time.Time
}

type window struct {
	start time.Time
	hits  int
}

// New returns a limiter of max hits per window.
func New(max int, per time.Duration) *Limiter {
	return &Limiter{Max: max, Window: per, windows: map[string]*window{}}
}

func (l *Limiter) now() time.Time {
	if l.Now != nil {
		return l.Now()
	}
	return time.Now()
}

// Allow records one hit for key and reports whether it is within the limit.
func (l *Limiter) Allow(key string) bool {
	return l.add(key, 1)
}

// Exceeded reports whether key has used up its allowance, without counting
// a hit (used to refuse a sign-in before checking the password).
func (l *Limiter) Exceeded(key string) bool {
	return !l.add(key, 0)
}

// RetryAfter is how long key must wait before its window resets.
func (l *Limiter) RetryAfter(key string) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	w, ok := l.windows[key]
	if !ok {
		return 0
	}
	d := w.start.Add(l.Window).Sub(l.now())
	if d < 0 {
		return 0
	}
	return d
}

// Reset forgets key (a successful sign-in clears its failures).
func (l *Limiter) Reset(key string) {
	l.mu.Lock()
	delete(l.windows, key)
	l.mu.Unlock()
}

func (l *Limiter) add(key string, n int) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	l.sweep(now)
	w, ok := l.windows[key]
	if !ok || now.Sub(w.start) >= l.Window {
		if n == 0 {
			return true
		}
		w = &window{start: now}
		l.windows[key] = w
	}
	if n == 0 {
		return w.hits < l.Max
	}
	if w.hits >= l.Max {
		return false
	}
	w.hits += n
	return true
}

// sweep drops expired windows at most once per window so that memory stays
// bounded by the number of keys active in the last two windows.
func (l *Limiter) sweep(now time.Time) {
	if now.Sub(l.sweptAt) < l.Window {
		return
	}
	l.sweptAt = now
	for k, w := range l.windows {
		if now.Sub(w.start) >= l.Window {
			delete(l.windows, k)
		}
	}
}
