package routes

import (
	"fmt"

	"coprosec/hooks/apierr"

	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
)

// Realtime subscription caps. The fan-out evaluates every subscription of
// a changed record's collection, inside the writer's request: three
// connections of one account with 1,000 filtered subscriptions each made
// another officer wait 5–6 s for a change. The field app subscribes to one
// topic (sync), the JS SDK's pages to a few; these caps leave room for
// dashboards and scripts and none for a flood.
const (
	MaxSubscriptionsPerConnection = 25
	MaxSubscriptionsPerAccount    = 100
)

// CodeTooManySubscriptions refuses a subscription request over a cap.
const CodeTooManySubscriptions = "too_many_subscriptions"

// bindRealtimeCaps refuses a subscription request that would take one
// connection, or all the connections of one account, over its cap.
// Superusers are not capped (the dashboard).
func (s *Routes) bindRealtimeCaps() {
	s.app.OnRealtimeSubscribeRequest().BindFunc(func(e *core.RealtimeSubscribeRequestEvent) error {
		if e.Auth != nil && e.Auth.IsSuperuser() {
			return e.Next()
		}
		asked := distinct(e.Subscriptions)
		if asked > MaxSubscriptionsPerConnection {
			return apierr.Rule(CodeTooManySubscriptions, "subscriptions",
				fmt.Sprintf("At most %d subscriptions per connection (%d asked).", MaxSubscriptionsPerConnection, asked))
		}
		if e.Auth == nil {
			return e.Next()
		}
		total := asked
		for _, c := range e.App.SubscriptionsBroker().Clients() {
			if c.Id() == e.Client.Id() {
				continue // its subscriptions are replaced by these
			}
			if a, _ := c.Get(apis.RealtimeClientAuthKey).(*core.Record); a != nil && a.Id == e.Auth.Id && a.Collection().Id == e.Auth.Collection().Id {
				total += len(c.Subscriptions())
			}
		}
		if total > MaxSubscriptionsPerAccount {
			return apierr.Rule(CodeTooManySubscriptions, "subscriptions",
				fmt.Sprintf("At most %d subscriptions per account over all its connections (%d with this request).", MaxSubscriptionsPerAccount, total))
		}
		return e.Next()
	})
}

func distinct(subs []string) int {
	seen := make(map[string]bool, len(subs))
	for _, s := range subs {
		seen[s] = true
	}
	return len(seen)
}
