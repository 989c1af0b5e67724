package jurisdiction

import (
	"time"
)

// Assign computes the assignments of an event placed at place (J2, J3, J4,
// J9, J11). el is defaulted internally.
//
//   - J2: lead = Coverage.Lead(place); uncovered when the directorate leads.
//   - J3: the event's directorate gets oversight unless it leads.
//   - J4: only for caravan/march. Route validated first: > MaxRoutePoints →
//     route_too_long; an invalid point, or (boundaries loaded) a point
//     outside Benin → outside_territory, field route. Each route point's
//     effective commissariat (Coverage.Covering) not yet assigned gets
//     support; each other département crossed adds its directorate as
//     oversight (no_directorate, field route, if it has none). Without
//     loaded boundaries route points cannot be placed and add nothing.
//   - J9: LateNotice when StartsAt − DeclaredAt < NoticeHours. The event's
//     directorate assignment then starts escalated (whether it is oversight
//     or lead); all other assignments start pending.
//   - J11: every assignment gets DueAt(base, StartsAt, AckHours) where base is
//     the later of DeclaredAt and ChangedAt. Only the lead's deadline is
//     enforced (Overdue).
func Assign(ev Event, place Place, g Geography, cov *Coverage, el Election) (Plan, error) {
	el = el.Defaults()
	var routePlaces []Place // nil without boundaries
	if hasRoute(ev.Kind) {
		var err error
		if routePlaces, err = placeRoute(ev, g); err != nil {
			return Plan{}, err
		}
	}
	lead, uncovered, err := cov.Lead(place)
	if err != nil {
		return Plan{}, err
	}
	dir, ok := cov.Directorate(place.Departement)
	if !ok { // a commissariat leads but its département has no directorate
		return Plan{}, ruleErr(CodeNoDirectorate, "", "no directorate is configured for département %q", place.Departement)
	}
	late := LateNotice(ev, el.NoticeHours)
	base := ev.DeclaredAt
	if ev.ChangedAt.After(base) {
		base = ev.ChangedAt
	}
	due := DueAt(base, ev.StartsAt, el.AckHours)
	plan := Plan{Place: place, LeadUnit: lead, Directorate: dir, Uncovered: uncovered, LateNotice: late}
	seen := map[string]bool{}
	add := func(unit string, role Role) {
		if seen[unit] {
			return
		}
		seen[unit] = true
		st := StatusPending
		if late && unit == dir {
			st = StatusEscalated
		}
		plan.Assignments = append(plan.Assignments, PlannedAssignment{Unit: unit, Role: role, Status: st, DueAt: due})
	}
	add(lead, RoleLead)
	add(dir, RoleOversight)

	if len(routePlaces) > 0 {
		done := map[Place]bool{place: true}
		for i, pl := range routePlaces {
			if done[pl] {
				continue
			}
			done[pl] = true
			if u, ok := cov.Covering(pl); ok {
				add(u, RoleSupport)
			}
			if pl.Departement != place.Departement {
				d, ok := cov.Directorate(pl.Departement)
				if !ok {
					return Plan{}, ruleErr(CodeNoDirectorate, "route",
						"route point %d is in département %q, which has no directorate", i, pl.Departement)
				}
				add(d, RoleOversight)
			}
		}
	}
	return plan, nil
}

// placeRoute validates the route and, when boundaries are loaded, returns
// the place of every point.
func placeRoute(ev Event, g Geography) ([]Place, error) {
	if len(ev.Route) > MaxRoutePoints {
		return nil, ruleErr(CodeRouteTooLong, "route", "route has %d points; at most %d are allowed", len(ev.Route), MaxRoutePoints)
	}
	boundaries := g.HasBoundaries()
	var places []Place
	if boundaries {
		places = make([]Place, len(ev.Route))
	}
	for i, pt := range ev.Route {
		if !pt.Valid() {
			return nil, ruleErr(CodeOutsideTerritory, "route", "route point %d (%v, %v) is not a valid position", i, pt.Lat, pt.Lon)
		}
		if boundaries {
			pl, ok := g.Locate(pt)
			if !ok {
				return nil, ruleErr(CodeOutsideTerritory, "route", "route point %d (%.6f, %.6f) is outside Benin", i, pt.Lat, pt.Lon)
			}
			places[i] = pl
		}
	}
	return places, nil
}

// LateNotice applies J9: true when the event was declared fewer than
// noticeHours before it starts (StartsAt − DeclaredAt < noticeHours; exactly
// noticeHours is on time). noticeHours ≤ 0 never flags.
func LateNotice(ev Event, noticeHours int) bool {
	if noticeHours <= 0 {
		return false
	}
	return ev.StartsAt.Sub(ev.DeclaredAt) < time.Duration(noticeHours)*time.Hour
}

// DueAt applies J11: base + ackHours, or base + 1h when the event starts less
// than 24h after base (exactly 24h uses ackHours). The result is clamped to
// starts_at (never after the start) and then to base (never before base, for
// events declared after they started).
func DueAt(base, startsAt time.Time, ackHours int) time.Time {
	due := base.Add(time.Duration(max(ackHours, 0)) * time.Hour)
	if startsAt.Sub(base) < 24*time.Hour {
		due = base.Add(time.Hour)
	}
	if due.After(startsAt) {
		due = startsAt
	}
	if due.Before(base) {
		due = base
	}
	return due
}

// Overdue reports whether a cron job should escalate a: a pending lead
// assignment strictly past its DueAt (now == DueAt is not overdue; a zero
// DueAt never is).
func Overdue(a Assignment, now time.Time) bool {
	return a.Role == RoleLead && a.Status == StatusPending && !a.DueAt.IsZero() && now.After(a.DueAt)
}
