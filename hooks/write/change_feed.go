package write

import (
	"slices"
	"sync"

	"coprosec/internal/syncproto"

	"github.com/pocketbase/pocketbase/core"
)

// Change is one change of a synced record, as change capture wrote it to
// the sync log, handed to the feed's listeners once its transaction has
// committed (never if it rolls back).
type Change struct {
	Record  *core.Record // a copy taken in the transaction: read it, never save it
	Deleted bool
	Seq     int64             // its seq in the sync log
	Scopes  []syncproto.Scope // who may see the record now (nil when deleted)
	Before  []syncproto.Scope // who saw it before the change
}

// Feed hands committed changes to its listeners, in the goroutine that
// committed them, in the order of the transaction's changes.
type Feed struct {
	mu        sync.RWMutex
	listeners []func(Change)
}

// Listen adds fn to the listeners. fn must be quick: it runs after commit,
// before the writer's response.
func (f *Feed) Listen(fn func(Change)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.listeners = append(f.listeners, fn)
}

// publish hands c to the listeners once tx commits (at once outside a
// transaction).
func (f *Feed) publish(tx core.App, c Change) {
	f.mu.RLock()
	listeners := f.listeners
	f.mu.RUnlock()
	if len(listeners) == 0 {
		return
	}
	c.Record = c.Record.Fresh()
	c.Scopes, c.Before = slices.Clone(c.Scopes), slices.Clone(c.Before)
	deliver := func() {
		for _, fn := range listeners {
			fn(c)
		}
	}
	if info := tx.TxInfo(); info != nil {
		info.OnComplete(func(txErr error) error {
			if txErr == nil {
				deliver()
			}
			return nil
		})
		return
	}
	deliver()
}
