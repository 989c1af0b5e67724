package realtime

import (
	"encoding/json/v2"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"coprosec/hooks/clashview"
	"coprosec/internal/syncproto"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/picker"
	"github.com/pocketbase/pocketbase/tools/search"
	"github.com/pocketbase/pocketbase/tools/subscriptions"
)

const rtAuthKey = apis.RealtimeClientAuthKey

// rtJob is one committed change of a realtime collection.
type rtJob struct {
	rec       *core.Record // snapshot taken at capture time
	action    string       // create | update | delete
	seq       int64
	scopes    []syncproto.Scope // who may see the record now
	lost      []syncproto.Scope // who saw it before and no longer does
	committed time.Time

	// lazily marshalled payloads, shared by every plain subscription:
	// one per audience of the clash fields (clashview), one for
	// superusers, one for a subscriber that lost sight of the record
	full            map[clashview.Audience][]byte
	fullSuper, exit []byte
}

// recordMessage is PocketBase's realtime record payload.
type recordMessage struct {
	Action string `json:"action"`
	Record any    `json:"record"`
}

// enqueue hands a committed change to the worker; it never blocks the
// writer beyond a mutex.
func (h *Hub) enqueue(job *rtJob) {
	if h.stock.Load() {
		return // PocketBase's broadcast delivers it
	}
	h.qmu.Lock()
	h.queue = append(h.queue, job)
	start := !h.running
	h.running = true
	h.qmu.Unlock()
	if start {
		go h.work()
	}
}

// work delivers queued jobs in commit order, then exits; the next enqueue
// starts it again.
func (h *Hub) work() {
	for {
		h.qmu.Lock()
		if len(h.queue) == 0 {
			h.running = false
			h.idle.Broadcast()
			h.qmu.Unlock()
			return
		}
		job := h.queue[0]
		h.queue[0] = nil
		h.queue = h.queue[1:]
		h.qmu.Unlock()
		h.alive(func() { h.deliver(job) })
	}
}

func (h *Hub) waitIdle() {
	h.qmu.Lock()
	for h.running {
		h.idle.Wait()
	}
	h.qmu.Unlock()
}

// deliver fans job out to the connected clients.
func (h *Hub) deliver(job *rtJob) {
	app := h.app
	defer func() {
		if r := recover(); r != nil {
			app.Logger().Error("realtime broadcast", "panic", fmt.Sprint(r), "collection", job.rec.Collection().Name, "id", job.rec.Id)
		}
	}()
	col := job.rec.Collection()
	for _, client := range app.SubscriptionsBroker().Clients() {
		var (
			v    *clientView
			kind int // 0 unknown, 1 sees, 2 lost sight, -1 nothing
		)
		for _, key := range ownTopics(client) {
			topic, ok := strings.CutPrefix(key, rtTopicPrefix)
			if !ok {
				continue
			}
			name, target := topicTarget(topic)
			if name != col.Name && name != col.Id {
				continue
			}
			if target != "" && target != "*" && target != job.rec.Id {
				continue
			}
			if kind == 0 {
				kind = -1
				if v = h.viewOf(client); v != nil {
					if job.action == "delete" {
						if intersects(v.scopes, job.lost) {
							kind = 1
						}
					} else if intersects(v.scopes, job.scopes) {
						kind = 1
					} else if intersects(v.scopes, job.lost) {
						kind = 2
					}
				}
			}
			if kind < 0 {
				break
			}
			var opts subscriptions.SubscriptionOptions
			if strings.Contains(topic, "?") {
				opts = client.Subscriptions(key)[key]
			}
			data, ok := h.payload(job, v, kind == 2, opts)
			if !ok {
				continue
			}
			h.send(client, subscriptions.Message{Name: topic, Data: data})
			h.delivered.Add(1)
		}
	}
}

// ownTopics lists the topics of client, without copying them for a
// fastClient.
func ownTopics(client subscriptions.Client) []string {
	if c, ok := client.(*fastClient); ok {
		return *c.topics.Load()
	}
	subs := client.Subscriptions(rtTopicPrefix)
	out := make([]string, 0, len(subs))
	for k := range subs {
		out = append(out, k)
	}
	return out
}

// payload renders the message for one subscription. A subscriber that lost
// sight of the record learns only its id: it must not read the record's
// new place or route.
func (h *Hub) payload(job *rtJob, v *clientView, exit bool, opts subscriptions.SubscriptionOptions) ([]byte, bool) {
	col := job.rec.Collection()
	if exit {
		if job.exit == nil {
			job.exit, _ = json.Marshal(recordMessage{Action: "delete", Record: map[string]any{
				"id": job.rec.Id, "collectionId": col.Id, "collectionName": col.Name,
			}})
		}
		return job.exit, true
	}
	q := opts.Query
	if q[search.FilterQueryParam] == "" && q["expand"] == "" && q["fields"] == "" {
		if v.superuser {
			if job.fullSuper == nil {
				rec := job.rec.Fresh()
				rec.Unhide(col.Fields.FieldNames()...)
				job.fullSuper, _ = json.Marshal(recordMessage{Action: job.action, Record: rec})
			}
			return job.fullSuper, true
		}
		if data, ok := job.full[v.audience]; ok {
			return data, data != nil
		}
		if job.full == nil {
			job.full = map[clashview.Audience][]byte{}
		}
		rec := job.rec.Fresh()
		clashview.Show(v.auth, rec)
		data, _ := json.Marshal(recordMessage{Action: job.action, Record: rec})
		job.full[v.audience] = data
		return data, data != nil
	}
	return h.richPayload(job, v, opts)
}

// richPayload honours the filter, expand and fields options of one
// subscription as PocketBase would, in the worker.
func (h *Hub) richPayload(job *rtJob, v *clientView, opts subscriptions.SubscriptionOptions) ([]byte, bool) {
	app := h.app
	col := job.rec.Collection()
	info := &core.RequestInfo{Context: core.RequestInfoContextRealtime, Method: "GET", Query: opts.Query, Headers: opts.Headers, Auth: v.auth}
	if filter := opts.Query[search.FilterQueryParam]; filter != "" && job.action != "delete" {
		if !v.superuser && (strings.Contains(filter, "@collection.") || strings.Contains(filter, "@request.")) {
			return nil, false
		}
		var exists int
		q := app.ConcurrentDB().Select("(1)").From(col.Name).AndWhere(dbx.HashExp{col.Name + ".id": job.rec.Id})
		resolver := core.NewRecordFieldResolver(app, col, info, false)
		expr, err := search.FilterData(filter).BuildExpr(resolver)
		if err != nil {
			return nil, false
		}
		q.AndWhere(expr)
		if resolver.UpdateQuery(q) != nil || q.Limit(1).Row(&exists) != nil || exists == 0 {
			return nil, false
		}
	}
	rec := job.rec.Fresh()
	if v.superuser {
		rec.Unhide(col.Fields.FieldNames()...)
	} else {
		clashview.Show(v.auth, rec)
	}
	if expand := opts.Query["expand"]; expand != "" {
		app.ExpandRecord(rec, strings.Split(expand, ","), expandFetch(app, info))
	}
	var record any = rec
	if fields := opts.Query["fields"]; fields != "" {
		if picked, err := picker.Pick(rec, fields); err == nil {
			record = picked
		}
	}
	data, err := json.Marshal(recordMessage{Action: job.action, Record: record})
	return data, err == nil
}

// expandFetch loads the records an expand names, with the view rule of
// their collection applied for the subscriber (as apis.expandFetch).
func expandFetch(app core.App, info *core.RequestInfo) core.ExpandFetchFunc {
	expandInfo := *info
	expandInfo.Context = core.RequestInfoContextExpand
	return func(relCol *core.Collection, relIds []string) ([]*core.Record, error) {
		records, err := app.FindRecordsByIds(relCol.Id, relIds, func(q *dbx.SelectQuery) error {
			if expandInfo.Auth != nil && expandInfo.Auth.IsSuperuser() {
				return nil
			}
			if relCol.ViewRule == nil {
				return errors.New("only superusers can view " + relCol.Name)
			}
			if *relCol.ViewRule == "" {
				return nil
			}
			resolver := core.NewRecordFieldResolver(app, relCol, &expandInfo, true)
			expr, err := search.FilterData(*relCol.ViewRule).BuildExpr(resolver)
			if err != nil {
				return err
			}
			q.AndWhere(expr)
			return resolver.UpdateQuery(q)
		})
		if err != nil {
			return nil, err
		}
		for _, r := range records {
			if expandInfo.Auth != nil && expandInfo.Auth.IsSuperuser() {
				r.Unhide(relCol.Fields.FieldNames()...)
			} else {
				clashview.Show(expandInfo.Auth, r)
			}
		}
		return records, nil
	}
}

// outbox keeps the messages of one client in order without making the
// worker wait for a slow connection.
type outbox struct {
	mu      sync.Mutex
	queue   []subscriptions.Message
	running bool
}

// send queues msg for client. The hub's worker and poke timer are the only
// callers that create outboxes, under outboxMu.
func (h *Hub) send(client subscriptions.Client, msg subscriptions.Message) {
	ob, _ := client.Get(rtOutboxKey).(*outbox)
	if ob == nil {
		outboxMu.Lock()
		if ob, _ = client.Get(rtOutboxKey).(*outbox); ob == nil {
			ob = &outbox{}
			client.Set(rtOutboxKey, ob)
		}
		outboxMu.Unlock()
	}
	ob.mu.Lock()
	if len(ob.queue) >= outboxLimit {
		ob.queue = nil
		ob.mu.Unlock()
		h.dropped.Add(1)
		h.app.Logger().Warn("realtime client too slow, disconnected", "clientId", client.Id())
		client.Discard()
		return
	}
	ob.queue = append(ob.queue, msg)
	start := !ob.running
	ob.running = true
	ob.mu.Unlock()
	if start {
		go ob.drain(client)
	}
}

var outboxMu sync.Mutex

func (ob *outbox) drain(client subscriptions.Client) {
	for {
		ob.mu.Lock()
		if len(ob.queue) == 0 || client.IsDiscarded() {
			ob.queue = nil
			ob.running = false
			ob.mu.Unlock()
			return
		}
		msg := ob.queue[0]
		ob.queue = ob.queue[1:]
		ob.mu.Unlock()
		client.Send(msg) // blocks until the SSE connection writes it
	}
}
