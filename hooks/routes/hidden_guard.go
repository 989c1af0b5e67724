package routes

import (
	"fmt"
	"strings"

	"coprosec/hooks/apierr"

	"github.com/ganigeorgiev/fexpr"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/search"
)

// CodeHiddenField refuses a filter or a sort naming a hidden field.
// PocketBase refuses them too, with a bare "Something went wrong"; the
// clash fields (clash, clash_with, clash_count) are hidden so that no
// party filters its events by the exact clash signal (J10), and police
// read them in the answers.
const CodeHiddenField = "hidden_field"

// checkHiddenFields refuses a filter or sort of collection that reads a
// hidden field, on the list's records or through a relation.
func checkHiddenFields(app core.App, collection, filter, sort string) error {
	c, err := app.FindCachedCollectionByNameOrId(collection)
	if err != nil {
		return nil
	}
	var idents []string
	if filter != "" {
		if groups, err := fexpr.Parse(filter); err == nil {
			eachExpr(groups, func(x fexpr.Expr) {
				idents = append(idents, filterIdentifiers(x.Left)...)
				idents = append(idents, filterIdentifiers(x.Right)...)
			})
		}
	}
	if sort != "" {
		for _, f := range search.ParseSortFromString(sort) {
			idents = append(idents, sortIdentifiers(f.Name)...)
		}
	}
	for _, ident := range idents {
		if readsHiddenField(app, c, ident) {
			field := "filter"
			if !strings.Contains(filter, ident) {
				field = "sort"
			}
			return apierr.Rule(CodeHiddenField, field, fmt.Sprintf("%q is not readable by filters and sorts.", ident))
		}
	}
	return nil
}

// readsHiddenField reports whether the field path ident, read from c,
// names a hidden field at any step (modifiers such as :length aside).
func readsHiddenField(app core.App, c *core.Collection, ident string) bool {
	if strings.HasPrefix(ident, "@") {
		return false // PocketBase lets only superusers filter by @collection
	}
	for _, prop := range strings.Split(ident, ".") {
		prop, _, _ = strings.Cut(prop, ":")
		if f := c.Fields.GetByName(prop); f != nil {
			if f.GetHidden() {
				return true
			}
			rel, ok := f.(*core.RelationField)
			if !ok {
				return false // a JSON path: stays in this field
			}
			if c, _ = app.FindCachedCollectionByNameOrId(rel.CollectionId); c == nil {
				return false
			}
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
		if f := bc.Fields.GetByName(back[2]); f == nil || f.GetHidden() {
			return f != nil
		}
		c = bc
	}
	return false
}
