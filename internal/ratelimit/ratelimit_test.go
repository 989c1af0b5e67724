package ratelimit

import (
	"testing"
	"time"
)

func TestLimiter(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	l := New(3, time.Minute)
	l.Now = func() time.Time { return now }

	for i := 0; i < 3; i++ {
		if !l.Allow("a") {
			t.Fatalf("hit %d refused", i+1)
		}
	}
	if l.Allow("a") {
		t.Fatal("4th hit allowed")
	}
	if !l.Exceeded("a") || l.Exceeded("b") {
		t.Fatal("Exceeded disagrees with the counts")
	}
	if !l.Allow("b") {
		t.Fatal("keys are not independent")
	}
	if got := l.RetryAfter("a"); got != time.Minute {
		t.Fatalf("RetryAfter = %v", got)
	}
	now = now.Add(time.Minute)
	if !l.Allow("a") {
		t.Fatal("window did not reset")
	}
	l.Reset("a")
	if l.Exceeded("a") {
		t.Fatal("Reset did not clear")
	}
	now = now.Add(3 * time.Minute)
	l.Allow("c")
	if len(l.windows) != 1 {
		t.Fatalf("expired windows kept: %d", len(l.windows))
	}
}
