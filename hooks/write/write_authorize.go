package write

import (
	"slices"

	"coprosec/hooks/apierr"
	"coprosec/internal/jurisdiction"

	"github.com/pocketbase/pocketbase/core"
)

// actorID is the id of the user whose request is saving r ("" for server
// code and the dashboard's superusers).
func (s *Engine) actorID(r *core.Record) string {
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

// AuthorizeWrite applies J12 and the server-set field rules to a client
// write of r by auth, and sets the fields the server derives from the
// actor (created_by, reported_by, acknowledged_by/at).
func (s *Engine) AuthorizeWrite(app core.App, auth *core.Record, r *core.Record) error {
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
	case "users":
		// One's own phone is a sign-in identifier that the account's
		// administrator sets: changing it oneself would answer whether
		// another account uses a number (the unique index), a directory
		// of who is registered.
		if !r.IsNew() && r.Id == auth.Id && r.GetString("phone") != r.Original().GetString("phone") {
			return apierr.Rule(jurisdiction.CodeForbiddenField, "phone", "Your phone number is changed by your account administrator.")
		}
		return authorizePassword(auth, r)
	case "itineraries":
		if r.IsNew() {
			r.Set("created_by", auth.Id)
		} else if r.GetString("created_by") != r.Original().GetString("created_by") {
			return apierr.Rule(jurisdiction.CodeServerField, "created_by", `Field "created_by" is set by the server.`)
		}
	}
	return nil
}

func (s *Engine) authorizeEvent(actor jurisdiction.Actor, authID string, r *core.Record) error {
	changed := changedFields(r)
	if i := slices.IndexFunc(changed, func(f string) bool { return slices.Contains(jurisdiction.InternalEventFields, f) }); i >= 0 {
		// named, so the dashboard shows it at the field
		return apierr.Rule(jurisdiction.CodeServerField, changed[i], `Field "`+changed[i]+`" is set by the server.`)
	}
	after, err := eventFromRecord(r)
	if err != nil {
		return apierr.Rule(jurisdiction.CodeInvalidRoute, "route", err.Error())
	}
	var before *jurisdiction.Event
	lead := ""
	if !r.IsNew() {
		b, _ := eventFromRecord(r.Original())
		before, lead = &b, r.Original().GetString("lead_unit")
	}
	if err := jurisdiction.CheckEventWrite(actor, before, after, changed, lead, s.Now()); err != nil {
		return apierr.FromRule(err)
	}
	if r.IsNew() {
		r.Set("created_by", authID)
	}
	return nil
}

func (s *Engine) authorizeAssignment(app core.App, auth *core.Record, actor jurisdiction.Actor, r *core.Record) error {
	if r.IsNew() {
		return apierr.Rule(jurisdiction.CodeForbidden, "", "Assignments are created by the server.")
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
		return apierr.FromRule(err)
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

func (s *Engine) authorizeIncident(auth *core.Record, actor jurisdiction.Actor, r *core.Record) error {
	for _, f := range changedFields(r) {
		if slices.Contains(serverIncidentFields, f) {
			return apierr.Rule(jurisdiction.CodeServerField, f, `Field "`+f+`" is set by the server.`)
		}
	}
	isParty := actor.Role == jurisdiction.ActorOrganizer
	if r.IsNew() {
		r.Set("reported_by", auth.Id)
		if isParty || r.GetString("status") == "" {
			if st := r.GetString("status"); st != "" && st != "unverified" {
				return apierr.Rule(jurisdiction.CodeForbiddenField, "status", "A party report starts unverified; the police verify it.")
			}
			r.Set("status", "unverified")
		}
		return nil
	}
	if isParty && r.GetString("status") != r.Original().GetString("status") {
		return apierr.Rule(jurisdiction.CodeForbiddenField, "status", "Only the police verify or close an incident.")
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
		return apierr.Rule(jurisdiction.CodeForbidden, "itinerary", "The itinerary must be one of the event's party.")
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
	unknown := apierr.Rule(jurisdiction.CodeUnknownEvent, "event", "Unknown event.")
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

// authorizePassword keeps users.must_change_password true exactly while
// the account's password is one somebody else chose: set when an
// administrator creates the account or sets its password, cleared when
// the account sets its own. Nobody sets the flag by hand (a superuser
// may, from the dashboard).
func authorizePassword(auth, r *core.Record) error {
	const flag = "must_change_password"
	if r.GetBool(flag) != (!r.IsNew() && r.Original().GetBool(flag)) {
		return apierr.Rule(jurisdiction.CodeServerField, flag, `Field "`+flag+`" is set by the server.`)
	}
	if r.IsNew() || r.GetString("password") != "" { // a new password, in plain text until saved
		r.Set(flag, r.IsNew() || r.Id != auth.Id)
	}
	return nil
}
