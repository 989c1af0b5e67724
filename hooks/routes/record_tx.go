package routes

import (
	"coprosec/hooks/priority"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"
)

// recordWriteRoutes are PocketBase's REST record writes
// (apis.bindRecordCrudApi), as the request mux names their patterns.
var recordWriteRoutes = map[string]bool{
	"POST /api/collections/{collection}/records":        true,
	"PATCH /api/collections/{collection}/records/{id}":  true,
	"DELETE /api/collections/{collection}/records/{id}": true,
}

// bindRecordWriteTransaction runs each REST record write whole in one
// write transaction, as /api/batch runs its requests: the record is read,
// its API rule checked, the request hooks run and the record saved with
// nothing written in between. Without it PocketBase reads the record and
// checks the rule before the save opens its transaction, so two writes to
// one event planned from the same old version (a move and an
// acknowledgement, two moves) and the second undid half of the first.
// PocketBase writes the answer of these routes once the transaction has
// committed.
//
// The body is read before the transaction begins: a slow client never holds
// SQLite's single writer. The middleware runs after the body limit.
func (s *Routes) bindRecordWriteTransaction(se *core.ServeEvent) {
	se.Router.Bind(&hook.Handler[*core.RequestEvent]{
		Id:       "coprosecRecordWriteTransaction",
		Priority: priority.RecordWriteTransaction,
		Func: func(e *core.RequestEvent) error {
			if !recordWriteRoutes[e.Request.Pattern] || e.App.IsTransactional() {
				return e.Next()
			}
			if _, err := e.RequestInfo(); err != nil {
				return e.Next() // PocketBase answers a body it cannot read
			}
			orig := e.App
			defer func() { e.App = orig }()
			return orig.RunInTransaction(func(tx core.App) error {
				e.App = tx
				return e.Next()
			})
		},
	})
}
