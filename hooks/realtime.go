package hooks

import (
	"encoding/json"
	"slices"
	"sync"
	"time"

	"coprosec/internal/syncproto"

	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/subscriptions"
)

// SyncTopic is the realtime topic that pokes a subscriber whose sync scope
// changed, so that it pulls (DESIGN §5).
const SyncTopic = "sync"

// pokeDelay coalesces pokes: every change within this window reaches a
// subscriber as one message, so 100 events changed in one second cost each
// phone a handful of pokes, not a storm.
const pokeDelay = 150 * time.Millisecond

// poker delivers `sync` pokes after commit. Pokes are sent outside the
// writer's request, so writers do not pay for the fan-out.
type poker struct {
	s *Service

	mu      sync.Mutex
	pending map[syncproto.Scope]bool
	maxSeq  int64
	timer   *time.Timer
}

func (s *Service) bindRealtime() {
	s.pokes = &poker{s: s, pending: map[syncproto.Scope]bool{}}
	s.app.OnRealtimeSubscribeRequest().BindFunc(func(e *core.RealtimeSubscribeRequestEvent) error {
		if slices.Contains(e.Subscriptions, SyncTopic) && (e.Auth == nil || e.Auth.Collection().Name != "users") {
			return e.ForbiddenError("Le canal de synchronisation est réservé aux utilisateurs connectés.", nil)
		}
		return e.Next()
	})
}

// notifyScopes records that scopes changed at seq; delivery waits until
// that seq is committed.
func (s *Service) notifyScopes(seq int64, scopes []syncproto.Scope) {
	if s.pokes != nil {
		s.pokes.touch(seq, scopes)
	}
}

func (p *poker) touch(seq int64, scopes []syncproto.Scope) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, sc := range scopes {
		p.pending[sc] = true
	}
	p.maxSeq = max(p.maxSeq, seq)
	if p.timer == nil {
		p.timer = time.AfterFunc(pokeDelay, p.flush)
	}
}

// flush sends one poke to every `sync` subscriber with a changed scope. If
// the latest change is not committed yet (its transaction still runs), it
// waits another round; a rolled-back change is dropped after a few.
func (p *poker) flush() {
	app := p.s.app
	defer func() {
		if r := recover(); r != nil {
			app.Logger().Error("realtime sync poke", "panic", r)
		}
	}()
	if !app.IsBootstrapped() {
		return // shutting down
	}
	committed, err := maxCommittedSeq(app)
	p.mu.Lock()
	if err == nil && committed < p.maxSeq && p.timer != nil {
		p.timer.Reset(pokeDelay)
		p.mu.Unlock()
		return
	}
	pending := p.pending
	p.pending = map[syncproto.Scope]bool{}
	p.timer = nil
	p.mu.Unlock()
	if len(pending) == 0 || err != nil {
		return
	}
	epoch, _ := syncEpoch(app)
	for _, client := range app.SubscriptionsBroker().Clients() {
		if client.IsDiscarded() || !client.HasSubscription(SyncTopic) {
			continue
		}
		auth, _ := client.Get(apis.RealtimeClientAuthKey).(*core.Record)
		if auth == nil || auth.Collection().Name != "users" {
			continue
		}
		scopes := userScopes(app, auth)
		hit := false
		for _, sc := range scopes {
			if pending[sc] {
				hit = true
				break
			}
		}
		if !hit {
			continue
		}
		cursor := syncproto.EncodeCursor(syncproto.Cursor{Seq: committed, Epoch: epoch, Fingerprint: syncproto.Fingerprint(scopes)})
		data, _ := json.Marshal(map[string]string{"cursor": cursor})
		client.Send(subscriptions.Message{Name: SyncTopic, Data: data})
	}
}

func maxCommittedSeq(app core.App) (int64, error) {
	var seq int64
	err := app.DB().NewQuery("SELECT COALESCE(MAX(seq), 0) FROM _sync_log").Row(&seq)
	return seq, err
}

func syncEpoch(app core.App) (string, error) {
	var epoch string
	err := app.DB().NewQuery("SELECT value FROM _sync_meta WHERE key = 'epoch'").Row(&epoch)
	return epoch, err
}

// userScopes are the sync scopes of a signed-in user (DESIGN §3).
func userScopes(app core.App, auth *core.Record) []syncproto.Scope {
	u := syncproto.User{ID: auth.Id, Role: auth.GetString("role"), Party: auth.GetString("party"), Unit: auth.GetString("unit")}
	if u.Unit != "" {
		if unit, err := app.FindRecordById("units", u.Unit); err == nil {
			u.Departement = unit.GetString("departement")
		}
	}
	return syncproto.UserScopes(u)
}
