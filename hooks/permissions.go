package hooks

import (
	"slices"

	"coprosec/internal/jurisdiction"

	"github.com/pocketbase/pocketbase/core"
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
}

func (s *Service) onWriteRequest(e *core.RecordRequestEvent) error {
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
		return s.authorizeEvent(*actor, auth.Id, r)
	case "assignments":
		return s.authorizeAssignment(app, auth, *actor, r)
	case "incidents":
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
