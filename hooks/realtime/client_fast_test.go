package realtime

import (
	"strings"
	"testing"
)

func TestRealtimeTopicHasPrefix(t *testing.T) {
	topics := []string{"", "events", "events/*", "events/abc", "events/*?options={}", "eventsX", "sync", "coprosec~events/*"}
	prefixes := []string{"", "e", "events", "events?", "events/", "events/*?", "events/abc?", "events/ab", "eventsX?", "sync?", "coprosec~", "events/*?options={}?"}
	for _, tp := range topics {
		for _, p := range prefixes {
			if got, want := topicHasPrefix(tp, p), strings.HasPrefix(tp+"?", p); got != want {
				t.Errorf("topicHasPrefix(%q, %q) = %v, want %v", tp, p, got, want)
			}
		}
	}
	c := newFastClient()
	c.Subscribe("events/*", "sync")
	if got := c.Subscriptions("events/*?"); len(got) != 1 {
		t.Errorf("Subscriptions(events/*?) = %v", got)
	}
	if got := c.Subscriptions("assignments/*?", "units/*?"); len(got) != 0 {
		t.Errorf("Subscriptions(assignments/*?) = %v", got)
	}
	c.Unsubscribe("events/*")
	if got := c.Subscriptions("events/*?"); len(got) != 0 || !c.HasSubscription("sync") {
		t.Errorf("after unsubscribe: %v", got)
	}
}
