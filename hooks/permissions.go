package hooks

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"coprosec/internal/jurisdiction"

	"github.com/ganigeorgiev/fexpr"
	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/dbutils"
	"github.com/pocketbase/pocketbase/tools/hook"
)

// Client-written collections whose writes are checked beyond the API rules
// (J12). The API rules decide who may touch a record at all; these checks
// decide which fields and transitions, with a stable code. Sync push calls
// authorizeWrite too, so both paths refuse the same things.
var checkedCollections = []string{"events", "assignments", "incidents", "itineraries"}

func (s *Service) bindPermissions() {
	s.app.OnRecordCreateRequest(checkedCollections...).BindFunc(s.onWriteRequest)
	s.app.OnRecordUpdateRequest(checkedCollections...).BindFunc(s.onWriteRequest)
	s.app.OnRecordDeleteRequest(checkedCollections...).BindFunc(func(e *core.RecordRequestEvent) error {
		s.actors.Store(e.Record, e.Auth)
		defer s.actors.Delete(e.Record)
		return e.Next()
	})
	s.bindFilterGuard()
}

func (s *Service) onWriteRequest(e *core.RecordRequestEvent) error {
	if body, ok := rawJSONBody(e.RequestEvent); ok {
		if err := checkBodyTypes(e.Collection, body); err != nil {
			return err
		}
	}
	if err := s.authorizeWrite(e.App, e.Auth, e.Record); err != nil {
		return err
	}
	s.actors.Store(e.Record, e.Auth)
	defer s.actors.Delete(e.Record)
	return e.Next()
}

// actorID is the id of the user whose request is saving r ("" for server
// code and the dashboard's superusers).
func (s *Service) actorID(r *core.Record) string {
	v, ok := s.actors.Load(r)
	if !ok || v == nil {
		return ""
	}
	auth, _ := v.(*core.Record)
	if auth == nil || auth.IsSuperuser() {
		return ""
	}
	return auth.Id
}

// authorizeWrite applies J12 and the server-set field rules to a client
// write of r by auth, and sets the fields the server derives from the
// actor (created_by, reported_by, acknowledged_by/at).
func (s *Service) authorizeWrite(app core.App, auth *core.Record, r *core.Record) error {
	actor := actorOf(app, auth)
	if actor == nil {
		return nil
	}
	switch r.Collection().Name {
	case "events":
		if err := checkItinerary(app, r); err != nil {
			return err
		}
		return s.authorizeEvent(*actor, auth.Id, r)
	case "assignments":
		return s.authorizeAssignment(app, auth, *actor, r)
	case "incidents":
		if err := checkIncidentEvent(app, auth, r); err != nil {
			return err
		}
		return s.authorizeIncident(auth, *actor, r)
	case "itineraries":
		if r.IsNew() {
			r.Set("created_by", auth.Id)
		} else if r.GetString("created_by") != r.Original().GetString("created_by") {
			return ruleError(jurisdiction.CodeServerField, "created_by", `Field "created_by" is set by the server.`)
		}
	}
	return nil
}

func (s *Service) authorizeEvent(actor jurisdiction.Actor, authID string, r *core.Record) error {
	changed := changedFields(r)
	if slices.Contains(changed, "field_versions") || slices.Contains(changed, "clash_cell") || slices.Contains(changed, "clash_area") {
		return ruleError(jurisdiction.CodeServerField, "", "Internal fields are set by the server.")
	}
	after, err := eventFromRecord(r)
	if err != nil {
		return ruleError("invalid_route", "route", err.Error())
	}
	var before *jurisdiction.Event
	lead := ""
	if !r.IsNew() {
		b, _ := eventFromRecord(r.Original())
		before, lead = &b, r.Original().GetString("lead_unit")
	}
	if err := jurisdiction.CheckEventWrite(actor, before, after, changed, lead); err != nil {
		return asAPIError(err)
	}
	if r.IsNew() {
		r.Set("created_by", authID)
	}
	return nil
}

func (s *Service) authorizeAssignment(app core.App, auth *core.Record, actor jurisdiction.Actor, r *core.Record) error {
	if r.IsNew() {
		return ruleError(jurisdiction.CodeForbidden, "", "Assignments are created by the server.")
	}
	before, after := assignmentFromRecord(r.Original()), assignmentFromRecord(r)
	ctx := jurisdiction.AssignmentContext{}
	if u, err := app.FindRecordById("units", before.Unit); err == nil {
		ctx.UnitDepartement = u.GetString("departement")
	}
	if ev, err := app.FindRecordById("events", before.Event); err == nil {
		ctx.EventStatus = ev.GetString("status")
	}
	changed := changedFields(r)
	if err := jurisdiction.CheckAssignmentWrite(actor, before, after, changed, ctx); err != nil {
		return asAPIError(err)
	}
	if after.Status != before.Status {
		if after.Status == jurisdiction.StatusAcknowledged {
			r.Set("acknowledged_by", auth.Id)
			r.Set("acknowledged_at", s.Now())
		} else {
			r.Set("acknowledged_by", "")
			r.Set("acknowledged_at", "")
		}
	}
	return nil
}

var serverIncidentFields = []string{"reported_by", "unit", "commune", "arrondissement", "departement", "directorate", "flagged", "version"}

func (s *Service) authorizeIncident(auth *core.Record, actor jurisdiction.Actor, r *core.Record) error {
	for _, f := range changedFields(r) {
		if slices.Contains(serverIncidentFields, f) {
			return ruleError(jurisdiction.CodeServerField, f, `Field "`+f+`" is set by the server.`)
		}
	}
	isParty := actor.Role == jurisdiction.ActorOrganizer
	if r.IsNew() {
		r.Set("reported_by", auth.Id)
		if isParty || r.GetString("status") == "" {
			if st := r.GetString("status"); st != "" && st != "unverified" {
				return ruleError(jurisdiction.CodeForbiddenField, "status", "A party report starts unverified; the police verify it.")
			}
			r.Set("status", "unverified")
		}
		return nil
	}
	if isParty && r.GetString("status") != r.Original().GetString("status") {
		return ruleError(jurisdiction.CodeForbiddenField, "status", "Only the police verify or close an incident.")
	}
	return nil
}

// referenceChanged reports whether a client write sets the relation field
// of r to a new non-empty value.
func referenceChanged(r *core.Record, field string) bool {
	id := r.GetString(field)
	return id != "" && (r.IsNew() || id != r.Original().GetString(field))
}

// checkItinerary refuses an event placed on an itinerary of another party:
// an organizer cannot attach its events to (or learn about) another
// party's campaign tour.
func checkItinerary(app core.App, r *core.Record) error {
	if !referenceChanged(r, "itinerary") {
		return nil
	}
	it, err := app.FindRecordById("itineraries", r.GetString("itinerary"))
	if err != nil || it.GetString("party") != r.GetString("party") {
		return ruleError(jurisdiction.CodeForbidden, "itinerary", "The itinerary must be one of the event's party.")
	}
	return nil
}

// checkIncidentEvent refuses an incident tied to an event its reporter may
// not see: the server copies the event's place and lead unit onto the
// incident, so the reference would reveal them (and route the report to a
// unit the reporter cannot address). An invisible event answers exactly as
// a missing one, so that the refusal does not confirm it exists.
func checkIncidentEvent(app core.App, auth *core.Record, r *core.Record) error {
	if !referenceChanged(r, "event") {
		return nil
	}
	unknown := ruleError("unknown_event", "event", "Unknown event.")
	ev, err := app.FindRecordById("events", r.GetString("event"))
	if err != nil {
		return unknown
	}
	info := &core.RequestInfo{Auth: auth, Context: core.RequestInfoContextDefault}
	if ok, err := app.CanAccessRecord(ev, info, ev.Collection().ViewRule); err != nil || !ok {
		return unknown
	}
	return nil
}

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

const codeFilterNotAllowed = "filter_not_allowed"

func (s *Service) bindFilterGuard() {
	s.app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		se.Router.Bind(&hook.Handler[*core.RequestEvent]{
			Id:       "coprosecFilterGuard",
			Priority: apis.DefaultLoadAuthTokenMiddlewarePriority + 2, // once the auth token is loaded
			Func: func(e *core.RequestEvent) error {
				filter := e.Request.URL.Query().Get("filter")
				if filter == "" || e.HasSuperuserAuth() || e.Request.Method != http.MethodGet {
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
				return e.Next()
			},
		})
		return se.Next()
	})
	// realtime subscriptions carry the same filters in their options
	s.app.OnRealtimeSubscribeRequest().BindFunc(func(e *core.RealtimeSubscribeRequestEvent) error {
		if e.Auth != nil && e.Auth.IsSuperuser() {
			return e.Next()
		}
		for _, sub := range e.Subscriptions {
			u, err := url.Parse(sub)
			if err != nil {
				continue
			}
			var opts struct {
				Query map[string]any `json:"query"`
			}
			if raw := u.Query().Get("options"); raw == "" || json.Unmarshal([]byte(raw), &opts) != nil {
				continue
			}
			filter, _ := opts.Query["filter"].(string)
			if filter == "" {
				continue
			}
			collection, _, _ := strings.Cut(u.Path, "/")
			if err := checkClientFilter(e.App, collection, filter); err != nil {
				return err
			}
		}
		return e.Next()
	})
}

// checkClientFilter refuses a filter of collection that compares, with an
// all-match operator, a field reached through several related records.
// Unknown collections and unparsable filters are left to PocketBase.
func checkClientFilter(app core.App, collection, filter string) error {
	c, err := app.FindCachedCollectionByNameOrId(collection)
	if err != nil {
		return nil
	}
	groups, err := fexpr.Parse(filter)
	if err != nil {
		return nil
	}
	var bad string
	var walk func(item any)
	walk = func(item any) {
		switch x := item.(type) {
		case []fexpr.ExprGroup:
			for _, g := range x {
				walk(g.Item)
			}
		case fexpr.ExprGroup:
			walk(x.Item)
		case fexpr.Expr:
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
		}
	}
	walk(groups)
	if bad == "" {
		return nil
	}
	return ruleError(codeFilterNotAllowed, "filter", fmt.Sprintf(
		"%q reaches several related records: compare it with an any-match operator (?=, ?!=, ?~, ?>, …).", bad))
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
