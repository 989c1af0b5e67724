package hooks_test

import (
	"context"
	"coprosec/hooks/write"
	stdsql "database/sql"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
)

// Within a push session, canAccess answers every rule as PocketBase's
// CanAccessRecord does, for any account, body and record, while asking
// SQLite once per account and body values for a rule that reads only the
// request, and every time for the others.
func TestCanAccessMatchesPocketBase(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	ev1 := e.save("events", e.meeting(w.partyA, map[string]any{"title": "Réunion X"}))
	ev2 := e.save("events", e.meeting(w.partyA, map[string]any{"title": "Réunion Y"}))
	events, _ := e.app.FindCachedCollectionByNameOrId("events")

	rules := []struct {
		rule        string
		requestOnly bool
	}{
		{*events.CreateRule, true},
		{`@request.body.title = "A" || @request.body.party:isset = false`, true},
		{`@request.body.title:lower = "a" && @request.method = "POST"`, true},
		{`@request.auth.id != "" && title = "Réunion X"`, false},               // a record field
		{`@request.auth.party.name = "Parti A"`, false},                        // another record
		{`@request.body.title:changed = false`, false},                         // compares with the record
		{`@now > "2000-01-01 00:00:00.000Z" && @request.auth.id != ""`, false}, // a date macro
		{`@collection.parties.id ?= @request.body.party`, false},
	}
	auths := []*core.Record{w.orgA, w.orgB, w.officerCotonou}
	bodies := []map[string]any{
		{"party": w.partyA.Id}, {"party": w.partyB.Id}, {}, {"title": "A"}, {"title": "B", "party": w.partyA.Id},
		{"party": nil}, {"title": "a"},
	}

	db := e.app.NonconcurrentDB().(*dbx.DB)
	counting, queries := false, 0
	db.QueryLogFunc = func(_ context.Context, _ time.Duration, sql string, _ *stdsql.Rows, _ error) {
		if counting && strings.Contains(sql, "(1)") {
			queries++
		}
	}
	defer func() { db.QueryLogFunc = nil }()

	for _, rc := range rules {
		rule := rc.rule
		calls, distinct := 0, map[string]bool{}
		queries = 0
		err := e.svc.Write.InSession(e.app, func(tx core.App) error {
			for range 2 {
				for _, rec := range []*core.Record{ev1, ev2} {
					for _, auth := range auths {
						for _, body := range bodies {
							info := &core.RequestInfo{Auth: auth, Body: body, Method: http.MethodPost, Context: core.RequestInfoContextDefault}
							want, werr := tx.CanAccessRecord(rec, info, &rule)
							counting = true
							got, gerr := write.CanAccess(tx, rec, info, &rule)
							counting = false
							calls++
							distinct[fmt.Sprint(auth.Id, body)] = true
							if got != want || (gerr == nil) != (werr == nil) {
								t.Errorf("rule %q, %s, body %v, event %q: canAccess %v (%v), CanAccessRecord %v (%v)",
									rule, auth.GetString("email"), body, rec.GetString("title"), got, gerr, want, werr)
							}
						}
					}
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case rc.requestOnly && queries > len(distinct):
			t.Errorf("rule %q reads only the request: %d queries for %d accounts and bodies", rule, queries, len(distinct))
		case !rc.requestOnly && queries != calls:
			t.Errorf("rule %q reads more than the request: %d queries for %d checks", rule, queries, calls)
		}
	}
}
