package jurisdiction

import (
	"slices"
	"time"

	"coprosec/internal/geo"
)

// AssignmentUpdate is an existing assignment that stays, with its new
// values. Save After when Changed().
type AssignmentUpdate struct {
	Before, After Assignment
}

// Changed reports whether After differs from Before.
func (u AssignmentUpdate) Changed() bool {
	b, a := u.Before, u.After
	return b.Role != a.Role || b.Status != a.Status || !b.DueAt.Equal(a.DueAt) ||
		!timePtrEqual(b.AcknowledgedAt, a.AcknowledgedAt) || b.AcknowledgedBy != a.AcknowledgedBy ||
		b.Reason != a.Reason || b.Officers != a.Officers || b.Plan != a.Plan
}

func timePtrEqual(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Equal(*b)
}

// Reassign applies J6: it diffs the existing assignments of an event (old)
// against a fresh plan (Assign with the new place/time/coverage).
//
//   - keep: units in both, in plan order. Role always takes the plan's role.
//     When timeOrPlaceChanged: Status resets to the plan's initial status
//     (pending, or escalated for the directorate of a late-notice event),
//     AcknowledgedAt/AcknowledgedBy and Reason are cleared and DueAt takes the
//     plan's value; Officers and Plan are kept. Otherwise status, ack fields
//     and DueAt are kept.
//   - create: planned units without an assignment, in plan order.
//   - remove: old assignments whose unit is no longer planned, plus duplicate
//     assignments for one unit (the first is kept), in old order.
//   - revokeReceipt: the acknowledgement a receipt attests no longer holds:
//     timeOrPlaceChanged with at least one old assignment, or the old lead
//     unit is no longer the lead. The glue revokes a receipt if one exists.
func Reassign(old []Assignment, plan Plan, timeOrPlaceChanged bool) (keep []AssignmentUpdate, create []PlannedAssignment, remove []Assignment, revokeReceipt bool) {
	planned := make(map[string]bool, len(plan.Assignments))
	for _, pa := range plan.Assignments {
		planned[pa.Unit] = true
	}
	byUnit := make(map[string]Assignment, len(old))
	oldLead := ""
	for _, a := range old {
		if _, dup := byUnit[a.Unit]; dup || !planned[a.Unit] {
			if !dup {
				byUnit[a.Unit] = a
			}
			remove = append(remove, a)
		} else {
			byUnit[a.Unit] = a
		}
		if a.Role == RoleLead && oldLead == "" {
			oldLead = a.Unit
		}
	}
	for _, pa := range plan.Assignments {
		a, ok := byUnit[pa.Unit]
		if !ok {
			create = append(create, pa)
			continue
		}
		after := a
		after.Role = pa.Role
		if timeOrPlaceChanged {
			after.Status = pa.Status
			after.AcknowledgedAt = nil
			after.AcknowledgedBy = ""
			after.Reason = ""
			after.DueAt = pa.DueAt
		}
		keep = append(keep, AssignmentUpdate{Before: a, After: after})
	}
	revokeReceipt = (timeOrPlaceChanged && len(old) > 0) || (oldLead != "" && oldLead != plan.LeadUnit)
	return keep, create, remove, revokeReceipt
}

// TimeOrPlaceChanged reports whether an edit changes what J6 calls time or
// place: starts_at, ends_at, commune, arrondissement, location or route.
func TimeOrPlaceChanged(before, after Event) bool {
	return !before.StartsAt.Equal(after.StartsAt) || !before.EndsAt.Equal(after.EndsAt) ||
		before.Commune != after.Commune || before.Arrondissement != after.Arrondissement ||
		!pointPtrEqual(before.Location, after.Location) || !slices.Equal(before.Route, after.Route)
}

func pointPtrEqual(a, b *geo.Point) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}
