package routes

import (
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"

	"coprosec/hooks/apierr"
	"coprosec/internal/jurisdiction"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/search"
)

// visibleQuery is the query PocketBase's list endpoint
// (GET /api/collections/{collection}/records) runs for the request's
// caller, before any client filter: the collection's list rule built with
// PocketBase's own field resolver (superusers excepted) and its joins, as
// recordsList does. The routes that answer records outside the REST API
// (exports, briefings) read through it, so they show exactly what the
// list would.
func visibleQuery(e *core.RequestEvent, collection string, where ...dbx.Expression) (*dbx.SelectQuery, *core.Collection, error) {
	col, err := e.App.FindCachedCollectionByNameOrId(collection)
	if err != nil {
		return nil, nil, err
	}
	info, err := e.RequestInfo()
	if err != nil {
		return nil, nil, err
	}
	superuser := info.HasSuperuserAuth()
	if col.ListRule == nil && !superuser {
		return nil, nil, apierr.Coded(http.StatusForbidden, jurisdiction.CodeForbidden, "Only superusers can list "+collection+".")
	}
	q := e.App.RecordQuery(col)
	resolver := core.NewRecordFieldResolver(e.App, col, info, true)
	if !superuser && *col.ListRule != "" {
		expr, err := search.FilterData(*col.ListRule).BuildExpr(resolver)
		if err != nil {
			return nil, nil, err
		}
		q.AndWhere(expr)
	}
	resolver.SetAllowHiddenFields(superuser)
	if err := resolver.UpdateQuery(q); err != nil {
		return nil, nil, err
	}
	for _, w := range where {
		q.AndWhere(w)
	}
	return q, col, nil
}

// inSubquery is "column IN (the ids q selects)": q's SQL and parameters
// embedded in an expression of another query. The parameters are renamed,
// since dbx names those of In and the like p0, p1, … in every query.
func inSubquery(column string, q *dbx.SelectQuery) dbx.Expression {
	built := q.Build()
	sql, params := built.SQL(), dbx.Params{}
	prefix := "sub" + strconv.FormatUint(subqueries.Add(1), 36) + "_"
	for k, v := range built.Params() {
		sql = strings.ReplaceAll(sql, "{:"+k+"}", "{:"+prefix+k+"}")
		params[prefix+k] = v
	}
	return dbx.NewExp("[["+column+"]] IN ("+sql+")", params)
}

// subqueries numbers the subqueries' parameters apart.
var subqueries atomic.Uint64
