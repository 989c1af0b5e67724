package realtime

import (
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/subscriptions"
)

// fastClient is PocketBase's realtime client with a cheap negative answer
// to Subscriptions(prefix).
//
// PocketBase's broadcast stays bound for every collection and, for every
// saved record, asks every connected client for six topic prefixes; the
// default client builds a map (and a string per subscription) for each
// question, which with a thousand phones connected costs the writer several
// milliseconds per record. fastClient keeps a copy of its topics and
// answers "none" without allocating, which is the answer for every client
// not subscribed to that collection.
type fastClient struct {
	*subscriptions.DefaultClient

	mu     sync.Mutex
	topics atomic.Pointer[[]string]
}

func newFastClient() *fastClient {
	c := &fastClient{DefaultClient: subscriptions.NewDefaultClient()}
	c.topics.Store(&[]string{})
	return c
}

// bindFastClients swaps the client of every new realtime connection.
func (h *Hub) bindFastClients() {
	h.app.OnRealtimeConnectRequest().BindFunc(func(e *core.RealtimeConnectRequestEvent) error {
		if d, ok := e.Client.(*subscriptions.DefaultClient); ok && len(d.Subscriptions()) == 0 {
			c := newFastClient()
			if ip := d.Get(apis.RealtimeClientIPKey); ip != nil {
				c.Set(apis.RealtimeClientIPKey, ip) // PocketBase's subscribe IP check
			}
			e.Client = c
		}
		return e.Next()
	})
}

func (c *fastClient) Subscribe(subs ...string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.DefaultClient.Subscribe(subs...)
	c.refresh()
}

func (c *fastClient) Unsubscribe(subs ...string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.DefaultClient.Unsubscribe(subs...)
	c.refresh()
}

func (c *fastClient) refresh() {
	all := c.DefaultClient.Subscriptions()
	topics := make([]string, 0, len(all))
	for t := range all {
		topics = append(topics, t)
	}
	slices.Sort(topics)
	c.topics.Store(&topics)
}

// Subscriptions answers as subscriptions.DefaultClient does: the
// subscriptions s for which s+"?" starts with one of prefixes.
func (c *fastClient) Subscriptions(prefixes ...string) map[string]subscriptions.SubscriptionOptions {
	if len(prefixes) == 0 {
		return c.DefaultClient.Subscriptions()
	}
	for _, t := range *c.topics.Load() {
		for _, p := range prefixes {
			if topicHasPrefix(t, p) {
				return c.DefaultClient.Subscriptions(prefixes...)
			}
		}
	}
	return nil
}

// topicHasPrefix is strings.HasPrefix(t+"?", p) without building t+"?".
func topicHasPrefix(t, p string) bool {
	if len(p) <= len(t) {
		return strings.HasPrefix(t, p)
	}
	return len(p) == len(t)+1 && p[len(t)] == '?' && strings.HasPrefix(p, t)
}
