package routes

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"

	"coprosec/hooks/apierr"
	"coprosec/hooks/priority"

	"github.com/ganigeorgiev/fexpr"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/dbutils"
	"github.com/pocketbase/pocketbase/tools/hook"
	"github.com/pocketbase/pocketbase/tools/subscriptions"
)

// --- client filters ----------------------------------------------------
//
// PocketBase checks the list rule of every collection a client filter
// joins, so `assignments_via_event.unit ?= "…"` only looks at assignments
// the caller may list. Comparisons that must hold for *every* related
// record (=, !=, ~, <… across a back-relation or a multiple relation) are
// different: PocketBase v0.40 adds a "multi-match" subquery over all the
// related records without those rules (core/record_field_resolver.go:
// "the joins are not applied for multi-match conditions"). Such a filter
// is an oracle: an organizer filtering its events by
// `assignments_via_event.acknowledged_by.phone != "+229…"` learns a
// commander's phone, a commander filtering by
// `assignments_via_event.unit != "<other unit>"` learns which other units
// protect an event. Those filters are refused for non-superusers; the
// any-match operators (?=, ?!=, ?~, ?<…) keep working.

// CodeFilterNotAllowed refuses a filter PocketBase would evaluate without
// the related records' rules.
const CodeFilterNotAllowed = "filter_not_allowed"

// bindFilterGuard refuses such filters, and sorts that would drop rows
// (checkClientSort), in record lists.
func (s *Routes) bindFilterGuard(se *core.ServeEvent) {
	se.Router.Bind(&hook.Handler[*core.RequestEvent]{
		Id:       "coprosecFilterGuard",
		Priority: priority.FilterGuard,
		Func: func(e *core.RequestEvent) error {
			q := e.Request.URL.Query()
			filter, sort := q.Get("filter"), q.Get("sort")
			if filter == "" && sort == "" || e.HasSuperuserAuth() || e.Request.Method != http.MethodGet {
				return e.Next()
			}
			// GET /api/collections/{collection}/records: the list
			parts := strings.Split(strings.Trim(e.Request.URL.Path, "/"), "/")
			if len(parts) != 4 || parts[0] != "api" || parts[1] != "collections" || parts[3] != "records" {
				return e.Next()
			}
			if err := checkClientFilter(e.App, parts[2], filter); err != nil {
				return err
			}
			if err := checkClientSort(e.App, parts[2], sort); err != nil {
				return err
			}
			if err := checkHiddenFields(e.App, parts[2], filter, sort); err != nil {
				return err
			}
			return e.Next()
		},
	})
}

// bindRealtimeFilterGuard refuses them in realtime subscriptions, which
// carry the same filters in their options.
func (s *Routes) bindRealtimeFilterGuard() {
	s.app.OnRealtimeSubscribeRequest().BindFunc(func(e *core.RealtimeSubscribeRequestEvent) error {
		if e.Auth != nil && e.Auth.IsSuperuser() {
			return e.Next()
		}
		for _, sub := range e.Subscriptions {
			filter := appliedFilter(sub)
			if filter == "" {
				continue
			}
			u, err := url.Parse(sub)
			if err != nil {
				continue // PocketBase reads no options from it either
			}
			collection, _, _ := strings.Cut(u.Path, "/")
			if err := checkClientFilter(e.App, collection, filter); err != nil {
				return err
			}
			if err := checkHiddenFields(e.App, collection, filter, ""); err != nil {
				return err
			}
		}
		return e.Next()
	})
}

// appliedFilter is the filter that PocketBase will apply for the
// subscription sub: its options read by PocketBase's own client, so that the
// guard and PocketBase cannot disagree (json/v2 keeps the first of two
// duplicate keys and what it decoded before an error, and values are cast
// to strings).
func appliedFilter(sub string) string {
	c := subscriptions.NewDefaultClient()
	c.Subscribe(sub)
	for _, opts := range c.Subscriptions() {
		return opts.Query["filter"]
	}
	return ""
}

// checkClientFilter refuses a filter of collection that compares, with an
// all-match operator, a field reached through several related records.
// Unknown collections and unparsable filters are left to PocketBase.
func checkClientFilter(app core.App, collection, filter string) error {
	if filter == "" {
		return nil
	}
	c, err := app.FindCachedCollectionByNameOrId(collection)
	if err != nil {
		return nil
	}
	groups, err := fexpr.Parse(filter)
	if err != nil {
		return nil
	}
	var bad string
	eachExpr(groups, func(x fexpr.Expr) {
		if strings.HasPrefix(string(x.Op), "?") {
			return // any-match: PocketBase applies the list rules
		}
		for _, tok := range []fexpr.Token{x.Left, x.Right} {
			for _, ident := range filterIdentifiers(tok) {
				if bad == "" && crossesMultipleRelation(app, c, ident) {
					bad = ident
				}
			}
		}
	})
	if bad == "" {
		return nil
	}
	return apierr.Rule(CodeFilterNotAllowed, "filter", fmt.Sprintf(
		"%q reaches several related records: compare it with an any-match operator (?=, ?!=, ?~, ?>, …).", bad))
}

// eachExpr calls fn with every comparison of a parsed filter.
func eachExpr(item any, fn func(fexpr.Expr)) {
	switch x := item.(type) {
	case []fexpr.ExprGroup:
		for _, g := range x {
			eachExpr(g.Item, fn)
		}
	case fexpr.ExprGroup:
		eachExpr(x.Item, fn)
	case fexpr.Expr:
		fn(x)
	}
}

// filterIdentifiers lists the field identifiers of a token, function
// arguments included.
func filterIdentifiers(tok fexpr.Token) []string {
	switch tok.Type {
	case fexpr.TokenIdentifier:
		return []string{tok.Literal}
	case fexpr.TokenFunction:
		var out []string
		args, _ := tok.Meta.([]fexpr.Token)
		for _, a := range args {
			out = append(out, filterIdentifiers(a)...)
		}
		return out
	}
	return nil
}

// crossesMultipleRelation reports whether the field path ident, read from
// c, goes through a back-relation or a multiple relation before its last
// property: the cases where PocketBase builds a multi-match subquery over
// other collections' records (mirrors core/record_field_resolver_runner.go).
func crossesMultipleRelation(app core.App, c *core.Collection, ident string) bool {
	if strings.HasPrefix(ident, "@") {
		return false // PocketBase lets only superusers filter by @request and @collection
	}
	props := strings.Split(ident, ".")
	for _, prop := range props[:len(props)-1] {
		if f := c.Fields.GetByName(prop); f != nil {
			rel, ok := f.(*core.RelationField)
			if !ok {
				return false // a JSON path: stays in this record
			}
			if rel.IsMultiple() {
				return true
			}
			next, err := app.FindCachedCollectionByNameOrId(rel.CollectionId)
			if err != nil {
				return false
			}
			c = next
			continue
		}
		back := backRelation.FindStringSubmatch(prop)
		if back == nil {
			return false
		}
		bc, err := app.FindCachedCollectionByNameOrId(back[1])
		if err != nil {
			return false
		}
		rel, ok := bc.Fields.GetByName(back[2]).(*core.RelationField)
		if !ok {
			return false
		}
		if _, unique := dbutils.FindSingleColumnUniqueIndex(bc.Indexes, rel.Name); rel.IsMultiple() || !unique {
			return true
		}
		c = bc
	}
	return false
}

var backRelation = regexp.MustCompile(`^(\w+)_via_(\w+)$`)
