package write

import (
	"context"

	"github.com/pocketbase/pocketbase/core"
)

// withTx runs fn in the write transaction and session of e (joining the
// caller's when there is one), with e.App switched to the transaction so
// that e.Next() writes through it. e.App is restored afterwards:
// PocketBase's realtime broadcast reads it after commit, and a leftover
// transaction app would silently stop deliveries to non-superusers.
func (s *Engine) withTx(e *core.RecordEvent, fn func(tx core.App) error) error {
	orig := e.App
	defer func() { e.App = orig }()
	return s.inSession(orig, func(tx core.App, _ *writeSession) error {
		e.App = tx
		return fn(tx)
	})
}

// systemWriteKey marks a save made by the server itself as a consequence of
// another write (assignment recomputation, clash links, receipts): the
// rules that restrain clients and recompute events are not re-run.
type systemWriteKey struct{}

func systemContext() context.Context {
	return context.WithValue(context.Background(), systemWriteKey{}, true)
}

func isSystemWrite(ctx context.Context) bool {
	v, _ := ctx.Value(systemWriteKey{}).(bool)
	return v
}

// saveSystem saves r as a server-side follow-up write.
func saveSystem(tx core.App, r *core.Record) error {
	return tx.SaveWithContext(systemContext(), r)
}

// deleteSystem deletes r as a server-side follow-up write.
func deleteSystem(tx core.App, r *core.Record) error {
	return tx.DeleteWithContext(systemContext(), r)
}

// replanKey marks the re-save of an event whose coverage changed: its
// assignments are recomputed although none of its own fields changed.
type replanKey struct{}

func replanContext() context.Context {
	return context.WithValue(context.Background(), replanKey{}, true)
}

func isReplan(ctx context.Context) bool {
	v, _ := ctx.Value(replanKey{}).(bool)
	return v
}
