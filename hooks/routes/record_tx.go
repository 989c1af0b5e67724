package routes

import (
	"errors"
	"net/http"

	"coprosec/hooks/apierr"
	"coprosec/hooks/priority"
	"coprosec/hooks/write"
	"coprosec/internal/jurisdiction"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"
	"github.com/pocketbase/pocketbase/tools/router"
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
				if err := write.LockWriter(tx); err != nil {
					return err
				}
				e.App = tx
				return refineNotFound(e, e.Next())
			})
		},
	})
}

// refineNotFound answers a refused update or delete of a record the user
// may see as sync push does (forbidden, with its code) rather than
// PocketBase's 404, which is kept for records the user may not see: those
// must answer as missing ones, so that no answer tells which ids exist.
func refineNotFound(e *core.RequestEvent, err error) error {
	var apiErr *router.ApiError
	if !errors.As(err, &apiErr) || apiErr.Status != http.StatusNotFound || e.Request.Method == http.MethodPost || e.Auth == nil {
		return err
	}
	col, cerr := e.App.FindCachedCollectionByNameOrId(e.Request.PathValue("collection"))
	if cerr != nil {
		return err
	}
	r, rerr := e.App.FindRecordById(col, e.Request.PathValue("id"))
	if rerr != nil {
		return err
	}
	info := &core.RequestInfo{Auth: e.Auth, Method: http.MethodGet, Context: core.RequestInfoContextDefault}
	if ok, verr := write.CanAccess(e.App, r, info, col.ViewRule); verr != nil || !ok {
		return err
	}
	verb := "update"
	if e.Request.Method == http.MethodDelete {
		verb = "delete"
	}
	return apierr.Rule(jurisdiction.CodeForbidden, "", "You may not "+verb+" this record.")
}
