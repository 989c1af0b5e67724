package jurisdiction

import (
	"slices"
	"strings"
	"time"
)

// ServerEventFields are event fields only the server writes (J12).
var ServerEventFields = []string{
	"departement", "lead_unit", "directorate", "declared_at", "late_notice",
	"uncovered", "clash", "clash_with", "clash_count", "clash_notice", "version", "created_by",
	// the contacts the police call (from the declaring account and the itinerary)
	"organizer_name", "organizer_phone", "leader", "leader_phone",
}

// PoliceEventFields are server fields that only police, the ministry and
// superusers read (J10): the exact clash flag, its partners and their
// count. A party reads clash_notice instead (Notices), which depends on
// other parties' events only through their arrondissement and three-hour
// slots, and never a partner.
var PoliceEventFields = []string{"clash", "clash_with", "clash_count"}

// InternalEventFields are kept by the server and shown to no client: the
// per-field versions of the merge and the clash cells.
var InternalEventFields = []string{"field_versions", "clash_cell", "clash_area"}

// RecomputedEventFields are restored or recomputed on every event save,
// whatever the write path put there: the server fields but created_by
// (set from the request's actor), and the internal ones.
var RecomputedEventFields = slices.Concat(
	slices.DeleteFunc(slices.Clone(ServerEventFields), func(f string) bool { return f == "created_by" }),
	InternalEventFields)

// ClientAssignmentFields are the only assignment fields a client may write;
// every other assignment field is server-set (event, unit, role, due_at,
// acknowledged_at, acknowledged_by, ...).
var ClientAssignmentFields = []string{"status", "reason", "officers", "plan"}

func isPolice(role string) bool {
	return role == ActorOfficer || role == ActorCommander || role == ActorDirector
}

func closedStatus(s string) bool { return s == EventCancelled || s == EventCompleted }

// The window in which police may mark an event in progress: from
// InProgressEarly before its start (crowds gather, the unit deploys) to
// InProgressLate after its end (the report is written afterwards).
const (
	InProgressEarly = 2 * time.Hour
	InProgressLate  = 12 * time.Hour
)

// CheckStatusWindow refuses a police status that the clock contradicts: an
// event marked in progress days ahead, or completed before it began, can no
// longer be edited, acknowledged or given a receipt, which would let one
// officer refuse a lawful declaration (J12).
func CheckStatusWindow(ev Event, to string, now time.Time) error {
	switch to {
	case EventInProgress:
		if now.Before(ev.StartsAt.Add(-InProgressEarly)) || now.After(ev.EndsAt.Add(InProgressLate)) {
			return ruleErr(CodeStatusOutOfWindow, "status", "an event can be marked in progress only from %.0f h before its start to %.0f h after its end",
				InProgressEarly.Hours(), InProgressLate.Hours())
		}
	case EventCompleted:
		if now.Before(ev.StartsAt) {
			return ruleErr(CodeStatusOutOfWindow, "status", "an event can be marked completed only once it has started")
		}
	}
	return nil
}

// isStatusUndo reports whether the write is the lead commander taking back
// a police status set by mistake: in_progress → declared, completed →
// in_progress or declared, the status alone.
func isStatusUndo(actor Actor, before *Event, after Event, changed []string, leadUnit string) bool {
	if before == nil || actor.Role != ActorCommander || actor.Unit == "" || actor.Unit != leadUnit {
		return false
	}
	if len(changed) != 1 || changed[0] != "status" {
		return false
	}
	from, to := before.status(), after.status()
	return (from == EventInProgress && to == EventDeclared) ||
		(from == EventCompleted && (to == EventInProgress || to == EventDeclared))
}

// CheckEventWrite applies J12 to an event create (before == nil) or update.
// changed lists the record field names (PocketBase names) whose value the
// request changes (on create: the fields it sets), including server fields;
// EventFieldsChanged computes it for the fields of Event, the glue adds the
// other fields (title, server fields, ...). leadUnit is
// the event's current lead unit (updates). Checks, in order:
//
//  1. update of a cancelled/completed event → event_closed (field status);
//  2. any server field in changed → server_field (that field);
//  3. organizer: actor.Party must be the event's party (before and after) →
//     forbidden (party), so the party is immutable; changing the election →
//     forbidden_field (election); status: create only as declared (or
//     empty), update only declared → cancelled → invalid_status_transition;
//  4. police (officer/commander/director): no create → forbidden; only
//     status may change → forbidden_field (first other field); actor.Unit
//     must be leadUnit → forbidden (status); transitions declared →
//     in_progress, declared → completed, in_progress → completed, else
//     invalid_status_transition; in_progress only from InProgressEarly
//     before the start to InProgressLate after the end, completed only once
//     the event has started → status_out_of_window (CheckStatusWindow);
//     the lead's commander may undo a status (in_progress → declared,
//     completed → in_progress or declared), even of a completed event;
//  5. other roles → forbidden.
//
// Nothing un-cancels; organizers edit other fields freely while the event is
// declared or in progress. now is the server clock.
func CheckEventWrite(actor Actor, before *Event, after Event, changed []string, leadUnit string, now time.Time) error {
	if before != nil && closedStatus(before.status()) && !isStatusUndo(actor, before, after, changed, leadUnit) {
		return ruleErr(CodeEventClosed, "status", "event %q is %s and can no longer be modified", before.ID, before.status())
	}
	for _, f := range changed {
		if slices.Contains(ServerEventFields, f) {
			return ruleErr(CodeServerField, f, "field %q is set by the server", f)
		}
	}
	from, to := EventDeclared, after.status()
	if before != nil {
		from = before.status()
	}
	switch {
	case actor.Role == ActorOrganizer:
		if actor.Party == "" || after.Party != actor.Party || (before != nil && before.Party != actor.Party) {
			return ruleErr(CodeForbidden, "party", "organizer of party %q cannot write events of party %q", actor.Party, after.Party)
		}
		if before != nil {
			if before.Election != after.Election {
				return ruleErr(CodeForbiddenField, "election", "the election of an event cannot be changed")
			}
		}
		if before == nil {
			if to != EventDeclared {
				return ruleErr(CodeInvalidStatusTransition, "status", "a new event must have status %q, not %q", EventDeclared, to)
			}
			return nil
		}
		if from != to && !(from == EventDeclared && to == EventCancelled) {
			return ruleErr(CodeInvalidStatusTransition, "status", "organizers may only change status from %q to %q, not from %q to %q",
				EventDeclared, EventCancelled, from, to)
		}
		return nil
	case isPolice(actor.Role):
		if before == nil {
			return ruleErr(CodeForbidden, "", "police units cannot declare events")
		}
		for _, f := range changed {
			if f != "status" {
				return ruleErr(CodeForbiddenField, f, "police may only change the status of an event, not %q", f)
			}
		}
		if actor.Unit == "" || actor.Unit != leadUnit {
			return ruleErr(CodeForbidden, "status", "only the lead unit %q may change the status of event %q", leadUnit, before.ID)
		}
		if from == to || isStatusUndo(actor, before, after, changed, leadUnit) {
			return nil
		}
		ok := (from == EventDeclared && (to == EventInProgress || to == EventCompleted)) ||
			(from == EventInProgress && to == EventCompleted)
		if !ok {
			return ruleErr(CodeInvalidStatusTransition, "status", "police may not change event status from %q to %q", from, to)
		}
		return CheckStatusWindow(after, to, now)
	default:
		return ruleErr(CodeForbidden, "", "role %q cannot write events", actor.Role)
	}
}

// AssignmentContext is what CheckAssignmentWrite needs besides the record.
type AssignmentContext struct {
	UnitDepartement string // département of the assigned unit
	EventStatus     string // status of the assignment's event
}

// CheckAssignmentWrite applies J12 to an assignment update by a client
// (assignments are created/removed only by the server). changed lists the
// field names whose value the request changes (AssignmentFieldsChanged).
// Checks, in order:
//
//  1. event cancelled/completed → event_closed;
//  2. a field outside ClientAssignmentFields → server_field (that field);
//  3. actor must be the commander of the assigned unit or the director of
//     its département → forbidden (organizers and officers never);
//  4. officers/plan written by a non-commander → forbidden_field;
//     officers < 0 → invalid_officers;
//  5. status change: → acknowledged from pending|escalated|
//     adjustment_requested; → adjustment_requested from pending|escalated|
//     acknowledged; anything else (incl. refusals) → invalid_status_transition;
//  6. reason written while the resulting status is not adjustment_requested
//     → forbidden_field (reason); resulting status adjustment_requested
//     (newly, or reason edited) with a blank reason → reason_required.
//
// The glue sets acknowledged_at/acknowledged_by when status becomes
// acknowledged.
func CheckAssignmentWrite(actor Actor, before, after Assignment, changed []string, ctx AssignmentContext) error {
	if closedStatus(ctx.EventStatus) {
		return ruleErr(CodeEventClosed, "", "the event is %s; its assignments can no longer be modified", ctx.EventStatus)
	}
	for _, f := range changed {
		if !slices.Contains(ClientAssignmentFields, f) {
			return ruleErr(CodeServerField, f, "assignment field %q is set by the server", f)
		}
	}
	commander := actor.Role == ActorCommander && actor.Unit != "" && actor.Unit == before.Unit
	director := actor.Role == ActorDirector && actor.UnitDepartement != "" && actor.UnitDepartement == ctx.UnitDepartement
	if !commander && !director {
		return ruleErr(CodeForbidden, "", "only the commander of unit %q or the director of its département may update this assignment", before.Unit)
	}
	for _, f := range changed {
		if (f == "officers" || f == "plan") && !commander {
			return ruleErr(CodeForbiddenField, f, "only the commander of unit %q may set %q", before.Unit, f)
		}
	}
	if after.Officers < 0 {
		return ruleErr(CodeInvalidOfficers, "officers", "officers must be 0 or more, not %d", after.Officers)
	}
	statusChanged := before.Status != after.Status
	if statusChanged {
		var ok bool
		switch after.Status {
		case StatusAcknowledged:
			ok = before.Status == StatusPending || before.Status == StatusEscalated || before.Status == StatusAdjustmentRequested
		case StatusAdjustmentRequested:
			ok = before.Status == StatusPending || before.Status == StatusEscalated || before.Status == StatusAcknowledged
		}
		if !ok {
			return ruleErr(CodeInvalidStatusTransition, "status",
				"assignment status cannot change from %q to %q (police acknowledge or request an adjustment; they cannot refuse)", before.Status, after.Status)
		}
	}
	reasonChanged := before.Reason != after.Reason
	if reasonChanged && after.Status != StatusAdjustmentRequested {
		return ruleErr(CodeForbiddenField, "reason", "a reason can only be given with an adjustment request")
	}
	if after.Status == StatusAdjustmentRequested && (statusChanged || reasonChanged) && strings.TrimSpace(after.Reason) == "" {
		return ruleErr(CodeReasonRequired, "reason", "an adjustment request needs a reason")
	}
	return nil
}

// EventFieldsChanged lists the PocketBase names of Event fields that differ
// (party, election, kind, status, commune, arrondissement, location, route,
// starts_at, ends_at, sound_vehicle). With before == nil it lists the
// non-empty fields of after. ID, DeclaredAt and ChangedAt are not compared.
func EventFieldsChanged(before *Event, after Event) []string {
	b := Event{}
	if before != nil {
		b = *before
	}
	var out []string
	add := func(name string, diff bool) {
		if diff {
			out = append(out, name)
		}
	}
	add("party", b.Party != after.Party)
	add("election", b.Election != after.Election)
	add("kind", b.Kind != after.Kind)
	add("status", before == nil && after.Status != "" || before != nil && b.status() != after.status())
	add("commune", b.Commune != after.Commune)
	add("arrondissement", b.Arrondissement != after.Arrondissement)
	add("location", !pointPtrEqual(b.Location, after.Location))
	add("route", !slices.Equal(b.Route, after.Route))
	add("starts_at", !b.StartsAt.Equal(after.StartsAt))
	add("ends_at", !b.EndsAt.Equal(after.EndsAt))
	add("sound_vehicle", b.SoundVehicle != after.SoundVehicle)
	return out
}

// AssignmentFieldsChanged lists the PocketBase names of Assignment fields
// that differ (event, unit, role, status, due_at, acknowledged_at,
// acknowledged_by, reason, officers, plan).
func AssignmentFieldsChanged(before, after Assignment) []string {
	var out []string
	add := func(name string, diff bool) {
		if diff {
			out = append(out, name)
		}
	}
	add("event", before.Event != after.Event)
	add("unit", before.Unit != after.Unit)
	add("role", before.Role != after.Role)
	add("status", before.Status != after.Status)
	add("due_at", !before.DueAt.Equal(after.DueAt))
	add("acknowledged_at", !timePtrEqual(before.AcknowledgedAt, after.AcknowledgedAt))
	add("acknowledged_by", before.AcknowledgedBy != after.AcknowledgedBy)
	add("reason", before.Reason != after.Reason)
	add("officers", before.Officers != after.Officers)
	add("plan", before.Plan != after.Plan)
	return out
}
