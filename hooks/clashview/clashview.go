// Package clashview is what each account sees of an event's clash fields
// (J10), on every path that exports an event: REST answers, batch answers
// and expanded relations (through OnRecordEnrich, bound here), Coprosec's
// realtime fan-out, sync pull pages and sync push results (which call Show
// or Export).
//
// clash, clash_with and clash_count are hidden in the schema, so an export
// that forgets them shows nothing and no client filters or sorts on them.
// Police, the ministry and superusers see them: the exact clash flag, up to
// jurisdiction.MaxClashLinks partner ids and the exact partner count. A
// party account sees clash_notice only (stored on the event by the write
// engine, jurisdiction.Notices): another party has an event in the same
// arrondissement in the same three-hour slots, which police coordinate.
package clashview

import (
	"coprosec/internal/accounts"
	"coprosec/internal/jurisdiction"
	"coprosec/internal/syncproto"

	"github.com/pocketbase/pocketbase/core"
)

// Audience is what an account sees of the clash fields: every account of
// one audience sees the same.
type Audience int

const (
	Nobody Audience = iota // parties, guests, other auth collections, unknown roles: no exact clash
	Police                 // police, the ministry, superusers: the exact clash
)

// AudienceOf is auth's audience.
func AudienceOf(auth *core.Record) Audience {
	switch {
	case auth == nil:
		return Nobody
	case auth.IsSuperuser():
		return Police
	case auth.Collection().Name != "users":
		return Nobody
	}
	if role := auth.GetString("role"); accounts.IsPolice(role) || role == syncproto.RoleMinistry {
		return Police
	}
	return Nobody
}

// Bind shows the clash fields of every event PocketBase exports (REST
// answers, batch answers, expanded relations) as the requester may see
// them.
func Bind(app core.App) {
	app.OnRecordEnrich("events").BindFunc(func(e *core.RecordEnrichEvent) error {
		var auth *core.Record
		if e.RequestInfo != nil {
			auth = e.RequestInfo.Auth
		}
		Show(auth, e.Record)
		return e.Next()
	})
}

// Show sets the visibility of rec's clash fields for auth (it changes only
// rec's export, never its values). Records of other collections are left
// alone.
func Show(auth, rec *core.Record) {
	if rec == nil || rec.Collection().Name != "events" {
		return
	}
	if AudienceOf(auth) == Police {
		rec.Unhide(jurisdiction.PoliceEventFields...)
	} else {
		rec.Hide(jurisdiction.PoliceEventFields...)
	}
}

// Export is rec's public export as auth sees it, leaving rec unchanged.
func Export(auth, rec *core.Record) map[string]any {
	if rec.Collection().Name != "events" {
		return rec.PublicExport()
	}
	c := rec.Fresh()
	Show(auth, c)
	return c.PublicExport()
}
