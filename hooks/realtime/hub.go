package realtime

import (
	"encoding/json"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"coprosec/hooks/clashview"
	"coprosec/hooks/priority"
	"coprosec/hooks/synclog"
	"coprosec/hooks/write"
	"coprosec/internal/syncproto"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"
	"github.com/pocketbase/pocketbase/tools/subscriptions"
)

// Realtime (DESIGN §5).
//
// PocketBase broadcasts a record change by evaluating the collection's list
// or view rule for every connected subscriber (one SQL query each), in the
// writer's goroutine, before the writer's HTTP response. With a thousand
// officers connected, that is a thousand queries per saved record, paid by
// the organizer who declares an event.
//
// For `events`, `assignments` and `incidents` Coprosec broadcasts itself:
// change capture (capture.go) already knows, in the write transaction, the
// sync scopes of the record after the write and the scopes that saw it
// before. Once the transaction commits, the change is queued; a worker hands
// each subscriber whose scopes intersect the record's scopes PocketBase's
// usual message ({"action","record"} on the subscription's own topic), and
// each subscriber that saw the record and no longer does (scope exit: the
// event moved, its route or a unit's coverage changed) an
// {"action":"delete"} message naming only the record's id. A subscriber's
// scopes are computed once and cached on the client, recomputed when
// PocketBase swaps the client's auth record (the user changed) or when a
// unit changes. The list/view rules and the sync scopes agree by design
// (DESIGN §3), so the deliveries are those of the stock path.
//
// PocketBase's own broadcast stays bound (its handlers have generated ids
// and cannot be unbound), but never sees these subscriptions: on subscribe
// they are stored under a private prefix (rtTopicPrefix) that its topic
// matching ignores, and the message is sent under the topic the client
// asked for. Every other collection keeps the stock path; its per-record
// scan of the clients is made cheap by fastClient (realtime_client.go).
// SetStockRealtime(true) (or COPROSEC_REALTIME=stock) turns the mechanism
// off, so the load test (realtime_load.go) compares both in one run.
//
// Subscription options on these collections: `fields` and `expand` are
// honoured (expand with the view rules of the expanded collections, as
// stock), and so is `filter`; headers are ignored. They cost a query per
// subscriber that uses them, in the worker, never in the writer.
//
// The `sync` topic sends {"cursor":"…"} to signed-in subscribers whose
// scopes were touched by committed changes, at most one poke per
// PokeInterval.

// SyncTopic is the realtime topic that pokes a subscriber whose sync scope
// changed, so that it pulls (DESIGN §5).
const SyncTopic = "sync"

// realtimeCollections are broadcast by Coprosec's fan-out (DESIGN §5).
var realtimeCollections = map[string]bool{"events": true, "assignments": true, "incidents": true}

// rtTopicPrefix hides a subscription from PocketBase's own broadcast: its
// topic matching is by prefix ("events/*?", "events/ID?"), which a
// subscription stored as "coprosec~events/*" never matches.
const rtTopicPrefix = "coprosec~"

// Client store keys.
const (
	rtViewKey   = "coprosec.rtView"
	rtOutboxKey = "coprosec.rtOutbox"
)

const (
	// pokeDelay gathers the changes of one burst into one poke.
	pokeDelay = 100 * time.Millisecond
	// PokeInterval is the least time between two pokes: 100 events
	// changed in one second cost a subscriber at most a handful of
	// messages, not a storm.
	PokeInterval = 400 * time.Millisecond
	// outboxLimit is how many messages may wait for one slow subscriber.
	// Past it the connection is closed: the client reconnects and pulls
	// with its cursor, which loses nothing (DESIGN §5).
	outboxLimit = 2048
)

// Hub owns the record fan-out and the `sync` pokes, fed by the write
// engine's change feed.
type Hub struct {
	app   core.App
	stock atomic.Bool

	// unitsGen invalidates the cached scopes of every client when a unit
	// changes (a director's scope is its unit's département).
	unitsGen atomic.Uint64

	qmu     sync.Mutex
	queue   []*rtJob
	running bool
	idle    *sync.Cond // signalled when the queue drains (tests, load)

	pmu       sync.Mutex
	pending   map[syncproto.Scope]bool
	timer     *time.Timer
	lastFlush time.Time

	delivered atomic.Int64 // record messages handed to outboxes
	dropped   atomic.Int64 // clients closed for falling behind

	// life is held (read) while a delivery or a poke uses the app, and
	// (write) when the app's database closes, after which nothing runs.
	life   sync.RWMutex
	closed bool
}

// alive runs fn unless the app terminated, holding off termination
// meanwhile.
func (h *Hub) alive(fn func()) {
	h.life.RLock()
	defer h.life.RUnlock()
	if !h.closed {
		fn()
	}
}

// Bind binds the fan-out to app and feed.
func Bind(app core.App, feed *write.Feed) *Hub {
	h := &Hub{app: app, pending: map[syncproto.Scope]bool{}}
	h.idle = sync.NewCond(&h.qmu)
	h.stock.Store(os.Getenv("COPROSEC_REALTIME") == "stock")
	feed.Listen(h.onChange)
	h.bindFastClients()

	h.app.OnRealtimeSubscribeRequest().BindFunc(func(e *core.RealtimeSubscribeRequestEvent) error {
		if slices.Contains(e.Subscriptions, SyncTopic) && (e.Auth == nil || e.Auth.Collection().Name != "users") {
			return e.ForbiddenError("Le canal de synchronisation est réservé aux utilisateurs connectés.", nil)
		}
		return e.Next()
	})
	// Last before PocketBase stores the subscriptions, so that every other
	// check (the routes' filter guard) sees the topics as sent.
	h.app.OnRealtimeSubscribeRequest().Bind(&hook.Handler[*core.RealtimeSubscribeRequestEvent]{Priority: priority.RealtimeTopics, Func: func(e *core.RealtimeSubscribeRequestEvent) error {
		stock := h.stock.Load()
		for i, topic := range e.Subscriptions {
			switch {
			case strings.HasPrefix(topic, rtTopicPrefix):
				e.Subscriptions[i] = "" // private names are ours (empty ones are skipped)
			case !stock && h.ownTopic(topic):
				e.Subscriptions[i] = rtTopicPrefix + topic
			}
		}
		if err := e.Next(); err != nil {
			return err
		}
		h.viewOf(e.Client) // warm the scope cache off the write path
		return nil
	}})

	// Nothing touches the database once its connections are being closed
	// (shutdown, or a test app cleared), until it is bootstrapped again.
	h.app.OnBootstrapClear().BindFunc(func(e *core.BootstrapEvent) error {
		h.life.Lock()
		h.closed = true
		h.life.Unlock()
		return e.Next()
	})
	h.app.OnBootstrap().BindFunc(func(e *core.BootstrapEvent) error {
		if err := e.Next(); err != nil {
			return err
		}
		h.life.Lock()
		h.closed = false
		h.life.Unlock()
		return nil
	})

	bump := func(e *core.RecordEvent) error {
		h.unitsGen.Add(1)
		return e.Next()
	}
	h.app.OnRecordAfterUpdateSuccess("units").BindFunc(bump)
	h.app.OnRecordAfterDeleteSuccess("units").BindFunc(bump)
	return h
}

// SetStock switches between PocketBase's rule-evaluated broadcast
// (true) and Coprosec's scope fan-out (false, the default) for events,
// assignments and incidents. Subscriptions of connected clients are moved
// over, so both can be measured on the same connections.
func (h *Hub) SetStock(stock bool) {
	if h.stock.Swap(stock) == stock {
		return
	}
	h.waitIdle()
	for _, c := range h.app.SubscriptionsBroker().Clients() {
		for topic := range c.Subscriptions() {
			switch {
			case stock && strings.HasPrefix(topic, rtTopicPrefix):
				c.Unsubscribe(topic)
				c.Subscribe(strings.TrimPrefix(topic, rtTopicPrefix))
			case !stock && h.ownTopic(topic):
				c.Unsubscribe(topic)
				c.Subscribe(rtTopicPrefix + topic)
			}
		}
	}
}

// WaitIdle blocks until every committed change has been handed to the
// subscribers' outboxes (tests and the load command).
func (h *Hub) WaitIdle() { h.waitIdle() }

// ownTopic reports whether topic subscribes to a collection of
// realtimeCollections ("events/*", "events/ID", by name or id, with or
// without options).
func (h *Hub) ownTopic(topic string) bool {
	col, _ := topicTarget(topic)
	if realtimeCollections[col] {
		return true
	}
	if col == "" || col == SyncTopic {
		return false
	}
	c, err := h.app.FindCachedCollectionByNameOrId(col)
	return err == nil && realtimeCollections[c.Name]
}

// topicTarget splits "events/ID?options=…" into "events" and "ID".
func topicTarget(topic string) (col, target string) {
	base, _, _ := strings.Cut(topic, "?")
	col, target, _ = strings.Cut(base, "/")
	return col, target
}

// onChange takes one committed change from the write engine's feed: a
// record of realtimeCollections is queued for the fan-out, and the `sync`
// subscribers of every scope it touched (now or before) get a poke.
func (h *Hub) onChange(c write.Change) {
	if realtimeCollections[c.Record.Collection().Name] {
		job := &rtJob{rec: c.Record, seq: c.Seq, scopes: c.Scopes, committed: time.Now()}
		for _, sc := range c.Before {
			if !slices.Contains(c.Scopes, sc) {
				job.lost = append(job.lost, sc)
			}
		}
		switch {
		case c.Deleted:
			job.action = "delete"
		case len(c.Before) == 0:
			job.action = "create"
		default:
			job.action = "update"
		}
		h.enqueue(job)
	}
	h.touch(append(slices.Clone(c.Scopes), c.Before...))
}

// clientView is what the hub caches about one realtime client.
type clientView struct {
	auth        *core.Record // the auth record it was computed for
	gen         uint64
	scopes      []syncproto.Scope
	fingerprint string
	superuser   bool
	user        bool               // a signed-in, enabled `users` account
	audience    clashview.Audience // what it sees of the clash fields
}

// viewOf returns the cached scopes of client, recomputing them when its
// auth record or a unit changed. nil for guests.
func (h *Hub) viewOf(client subscriptions.Client) *clientView {
	auth, _ := client.Get(rtAuthKey).(*core.Record)
	if auth == nil {
		return nil
	}
	gen := h.unitsGen.Load()
	if v, ok := client.Get(rtViewKey).(*clientView); ok && v.auth == auth && v.gen == gen {
		return v
	}
	v := &clientView{auth: auth, gen: gen}
	switch {
	case auth.IsSuperuser():
		v.superuser = true
		v.scopes = []syncproto.Scope{syncproto.ScopeAll}
	case auth.Collection().Name == "users" && !auth.GetBool("disabled"):
		v.user = true
		v.scopes = synclog.UserScopes(h.app, auth)
	}
	v.fingerprint = syncproto.Fingerprint(v.scopes)
	v.audience = clashview.AudienceOf(auth)
	client.Set(rtViewKey, v)
	return v
}

func intersects(a, b []syncproto.Scope) bool {
	for _, x := range a {
		if slices.Contains(b, x) {
			return true
		}
	}
	return false
}

// touch records that scopes changed; a poke follows within pokeDelay, or
// PokeInterval after the previous one.
func (h *Hub) touch(scopes []syncproto.Scope) {
	if len(scopes) == 0 {
		return
	}
	h.pmu.Lock()
	defer h.pmu.Unlock()
	for _, sc := range scopes {
		h.pending[sc] = true
	}
	if h.timer == nil {
		delay := pokeDelay
		if wait := PokeInterval - time.Since(h.lastFlush); wait > delay {
			delay = wait
		}
		h.timer = time.AfterFunc(delay, h.flush)
	}
}

// flush sends one poke to every `sync` subscriber with a changed scope.
// Only committed changes are ever touched, so the cursor is the head.
func (h *Hub) flush() {
	h.pmu.Lock()
	pending := h.pending
	h.pending = map[syncproto.Scope]bool{}
	h.timer = nil
	h.lastFlush = time.Now()
	h.pmu.Unlock()
	if len(pending) > 0 {
		h.alive(func() { h.poke(pending) })
	}
}

func (h *Hub) poke(pending map[syncproto.Scope]bool) {
	app := h.app
	defer func() {
		if r := recover(); r != nil {
			app.Logger().Error("realtime sync poke", "panic", r)
		}
	}()
	head, err := synclog.Head(app)
	if err != nil {
		return
	}
	epoch, err := synclog.Epoch(app)
	if err != nil {
		app.Logger().Error("realtime sync poke: log epoch", "error", err)
		return
	}
	for _, client := range app.SubscriptionsBroker().Clients() {
		if client.IsDiscarded() || !client.HasSubscription(SyncTopic) {
			continue
		}
		v := h.viewOf(client)
		if v == nil || !v.user {
			continue
		}
		hit := false
		for _, sc := range v.scopes {
			if pending[sc] {
				hit = true
				break
			}
		}
		if !hit {
			continue
		}
		cursor := syncproto.EncodeCursor(syncproto.Cursor{Seq: head, Epoch: epoch, Fingerprint: v.fingerprint})
		data, _ := json.Marshal(map[string]string{"cursor": cursor})
		h.send(client, subscriptions.Message{Name: SyncTopic, Data: data})
	}
}
