package routes

import (
	"fmt"
	"strings"

	"coprosec/hooks/apierr"

	"github.com/ganigeorgiev/fexpr"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/search"
)

// CodeSortNotAllowed refuses a sort that would silently drop rows.
const CodeSortNotAllowed = "sort_not_allowed"

// checkClientSort refuses a sort by a field of related records whose list
// rule depends on the record. To sort by `created_by.phone` PocketBase
// joins the users and adds their list rule to the list's WHERE
// (core/record_field_resolver.go, updateQueryWithCollectionListRule), so
// every row whose related record the caller may not see vanishes from the
// answer: a commander sorting its events by their organizer's phone saw
// none of them. Sorting by reference data (communes, units' names…),
// whose rule reads only the request, drops nothing and stays allowed, as
// do the list's own fields. Unknown collections and fields are left to
// PocketBase.
func checkClientSort(app core.App, collection, sort string) error {
	if sort == "" {
		return nil
	}
	c, err := app.FindCachedCollectionByNameOrId(collection)
	if err != nil {
		return nil
	}
	for _, f := range search.ParseSortFromString(sort) {
		for _, ident := range sortIdentifiers(f.Name) {
			if crossesRuledRelation(app, c, ident) {
				return apierr.Rule(CodeSortNotAllowed, "sort", fmt.Sprintf(
					"Sorting by %q would leave out the records whose %s you may not see: sort by a field of the list itself.", ident, strings.SplitN(ident, ".", 2)[0]))
			}
		}
	}
	return nil
}

// sortIdentifiers lists the field identifiers of one sort expression (a
// field path, or a function of field paths).
func sortIdentifiers(expr string) []string {
	sc := fexpr.NewScanner([]byte(expr))
	var out []string
	for {
		tok, err := sc.Scan()
		if err != nil || tok.Type == fexpr.TokenEOF {
			return out
		}
		out = append(out, filterIdentifiers(tok)...)
	}
}

// crossesRuledRelation reports whether the field path ident, read from c,
// reaches another collection (a relation or a back-relation before its
// last property) whose list rule depends on the record.
func crossesRuledRelation(app core.App, c *core.Collection, ident string) bool {
	if strings.HasPrefix(ident, "@") {
		return false
	}
	props := strings.Split(ident, ".")
	for _, prop := range props[:len(props)-1] {
		var next *core.Collection
		if f := c.Fields.GetByName(prop); f != nil {
			rel, ok := f.(*core.RelationField)
			if !ok {
				return false // a JSON path: stays in this record
			}
			if next, _ = app.FindCachedCollectionByNameOrId(rel.CollectionId); next == nil {
				return false
			}
		} else if back := backRelation.FindStringSubmatch(prop); back != nil {
			if next, _ = app.FindCachedCollectionByNameOrId(back[1]); next == nil {
				return false
			}
		} else {
			return false
		}
		if next.ListRule != nil && !readsOnlyRequest(*next.ListRule) {
			return true
		}
		c = next
	}
	return false
}

// readsOnlyRequest reports whether rule reads nothing of the record it
// is checked on (only @request values, or nothing): it then keeps every
// row or none, and a caller that may list the collection it guards loses
// no row to it. Every collection of ours needs a signed-in user, which is
// what such a rule reads.
func readsOnlyRequest(rule string) bool {
	if strings.TrimSpace(rule) == "" {
		return true
	}
	groups, err := fexpr.Parse(rule)
	if err != nil {
		return false
	}
	only := true
	eachExpr(groups, func(x fexpr.Expr) {
		for _, tok := range []fexpr.Token{x.Left, x.Right} {
			for _, ident := range filterIdentifiers(tok) {
				if !strings.HasPrefix(ident, "@request.") {
					only = false
				}
			}
		}
	})
	return only
}
