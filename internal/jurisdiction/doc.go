// Package jurisdiction holds Coprosec's jurisdiction-assignment rules J1–J12
// as pure functions over plain structs. It does not import PocketBase: the
// glue loads records into these structs, calls the functions and saves the
// outcome. All times given to the package are instants (UTC in the database);
// local time is Africa/Porto-Novo, a fixed UTC+1 with no DST ([Local]).
//
// Typical flow for an event create/update:
//
//	CheckEventWrite(actor, before, after, changed, leadUnit, now) // J12
//	place, err := Resolve(ev, geo)                             // J1
//	err = CheckRules(ev, election)                             // J7, J8
//	plan, err := Assign(ev, place, geo, coverage, election)    // J2–J4, J9, J11
//	keep, create, remove, revoke := Reassign(old, plan, TimeOrPlaceChanged(before, after)) // J6
//	own, search := ClashCells(ev.Location, place.Arrondissement, election.ClashParams().RadiusM) // J10
//
// Semantics decided here (see each function for details):
//
//   - Errors are *RuleError{Code, Field, Message}. Every check returns the
//     first violation found, in a documented, fixed order (no multi-errors).
//   - J1: arrondissement beats commune beats département; with a point and
//     loaded boundaries the point is authoritative and given ids must agree
//     with it. A point-only event without loaded boundaries cannot be placed
//     and gets location_required (field commune).
//   - J2/J4: "the unit covering a place" is always the effective one: the
//     commissariat covering the arrondissement, else the one covering the
//     commune at commune level, else nobody (the directorate leads, uncovered).
//   - J7: windows are half-open [starts_at, ends_at). The vote eve and the vote
//     day are the two local calendar days ending at local midnight after the
//     vote; an event ending exactly at 00:00 local of the eve is allowed.
//   - J9: late when starts_at - declared_at < notice_hours (exactly
//     notice_hours is on time).
//   - J10: events have up to two index keys: their grid cell (when they have
//     a point) and their arrondissement key (when the arrondissement is known).
//   - J11: due_at is never after starts_at and never before its base time.
package jurisdiction
