package write

import (
	"fmt"
	"time"

	"coprosec/hooks/apierr"
	"coprosec/internal/jurisdiction"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
)

// Event fields that change where or when an event happens, or who must
// protect it: editing any of them recomputes the assignments (J6).
var eventPlacementFields = []string{"party", "election", "kind", "commune", "arrondissement",
	"location", "route", "starts_at", "ends_at", "sound_vehicle", "place"}

func (s *Engine) bindEvents() {
	s.app.OnRecordCreate("events").BindFunc(s.onEventSave)
	s.app.OnRecordUpdate("events").BindFunc(s.onEventSave)
	// Events are cancelled, not deleted, but a superuser may delete one:
	// its clash partners must not keep pointing at it.
	s.app.OnRecordDelete("events").BindFunc(func(e *core.RecordEvent) error {
		return s.withTx(e, func(tx core.App) error {
			before, err := partnersBefore(tx, e.Record)
			if err != nil {
				return err
			}
			old, notices := storedCandidate(e.Record), map[string]bool{}
			if err := noticeChanges(tx, e.Record.GetString("election"), &old, nil, true, notices); err != nil {
				return err
			}
			if err := s.linkClashes(tx, clashLinkOf(e.Record), before, nil, notices); err != nil {
				return err
			}
			return e.Next()
		})
	})
}

// eventOutcome is what planEvent decided, applied after the row is written.
type eventOutcome struct {
	created       bool // the event is new: it has no assignments yet
	recompute     bool
	plan          jurisdiction.Plan
	timeOrPlace   bool
	cancelled     bool
	clashWith     []string // every partner after this write
	clashBefore   []string // every partner before this write
	revokeReceipt string   // non-empty: revoke the event's receipts with this reason
	// the event as stored before this write (nil when new), for the
	// notices of the other parties' events (refreshNotices)
	noticeBefore   *jurisdiction.ClashCandidate
	electionBefore string
}

// onEventSave applies DESIGN §4 to every write of an event, whatever its
// path, in one transaction with its assignments, clash links and receipts.
func (s *Engine) onEventSave(e *core.RecordEvent) error {
	return s.withTx(e, func(tx core.App) error {
		rec := e.Record
		if isSystemWrite(e.Context) {
			// a follow-up write by the server (clash links): nothing to
			// decide (bindVersions counts the change)
			return e.Next()
		}
		out, err := s.planEvent(tx, rec, isReplan(e.Context))
		if err != nil {
			return err
		}
		if err := e.Next(); err != nil {
			return err
		}
		return s.applyEventOutcome(tx, rec, out)
	})
}

// planEvent restores the server-set fields, runs J1–J4 and J7–J10 when the
// event's place, time or party changed, and sets the outcome on rec.
//
// A replan (coverage changed) recomputes the assignments without re-checking
// the legal rules: they held when the event was declared.
func (s *Engine) planEvent(tx core.App, rec *core.Record, replan bool) (eventOutcome, error) {
	now := s.Now()
	isNew := rec.IsNew()
	out := eventOutcome{created: isNew}
	var before *core.Record
	if !isNew {
		before = rec.Original()
		for _, f := range jurisdiction.RecomputedEventFields {
			rec.Set(f, before.Get(f))
		}
		// created_by is the server's; PocketBase clears it when the
		// account is deleted (the audit keeps who it was), which must not
		// leave a reference that refuses every later write of the event
		if by := before.GetString("created_by"); rec.GetString("created_by") != by &&
			!(rec.GetString("created_by") == "" && !userExists(tx, by)) {
			rec.Set("created_by", by)
		}
		var err error
		if out.clashBefore, err = partnersBefore(tx, before); err != nil {
			return out, err
		}
		c := storedCandidate(before)
		out.noticeBefore, out.electionBefore = &c, before.GetString("election")
	} else {
		for _, f := range jurisdiction.RecomputedEventFields {
			rec.Set(f, nil)
		}
		rec.Set("declared_at", now)
		if rec.GetString("status") == "" {
			rec.Set("status", jurisdiction.EventDeclared)
		}
	}

	if err := setContacts(tx, rec); err != nil {
		return out, err
	}

	status := rec.GetString("status")
	out.cancelled = status == jurisdiction.EventCancelled && (isNew || before.GetString("status") != status)
	placementChanged := isNew || replan
	for _, f := range eventPlacementFields {
		if !isNew && !sameValue(before.Get(f), rec.Get(f)) {
			placementChanged = true
		}
	}

	ev, err := eventFromRecord(rec)
	if err != nil {
		return out, apierr.Rule(jurisdiction.CodeInvalidRoute, "route", err.Error())
	}
	switch {
	case out.cancelled:
		// A cancelled event keeps its units informed but clashes with
		// nothing and its receipt no longer stands.
		setClashes(rec, nil)
		rec.Set("clash_notice", false)
		out.revokeReceipt = "cancelled"
	case placementChanged && status != jurisdiction.EventCancelled && status != jurisdiction.EventCompleted:
		out.recompute = true
		if !isNew {
			prev, _ := eventFromRecord(before)
			// the commune and arrondissement the server derived from the
			// old pin are derived again from the new one
			g, err := s.Geography(tx)
			if err != nil {
				return out, err
			}
			ev = jurisdiction.Moved(prev, ev, g)
			// the free-text place is part of "where" too: the receipt names it
			out.timeOrPlace = jurisdiction.TimeOrPlaceChanged(prev, ev) || before.GetString("place") != rec.GetString("place")
			if out.timeOrPlace {
				ev.ChangedAt = now
			}
		}
		if err := s.decidePlacement(tx, rec, ev, !replan, &out); err != nil {
			return out, err
		}
	}
	return out, nil
}

// decidePlacement runs the location, legal and assignment rules.
func (s *Engine) decidePlacement(tx core.App, rec *core.Record, ev jurisdiction.Event, checkRules bool, out *eventOutcome) error {
	elRec, err := findElection(tx, ev.Election)
	if err != nil {
		return apierr.Rule(jurisdiction.CodeUnknownElection, "election", "Unknown election.")
	}
	el := electionFromRecord(elRec)
	g, err := s.Geography(tx)
	if err != nil {
		return err
	}
	place, err := jurisdiction.Resolve(ev, g)
	if err != nil {
		return apierr.FromRule(err)
	}
	if checkRules {
		if err := jurisdiction.CheckRules(ev, el); err != nil {
			return apierr.FromRule(err)
		}
	}
	cov, err := unitCoverage(tx)
	if err != nil {
		return err
	}
	plan, err := jurisdiction.Assign(ev, place, g, cov, el)
	if err != nil {
		return apierr.FromRule(err)
	}
	out.plan = plan

	rec.Set("departement", place.Departement)
	rec.Set("commune", place.Commune)
	rec.Set("arrondissement", place.Arrondissement)
	rec.Set("lead_unit", plan.LeadUnit)
	rec.Set("directorate", plan.Directorate)
	rec.Set("uncovered", plan.Uncovered)
	rec.Set("late_notice", plan.LateNotice)

	partners, cell, area, err := findClashes(tx, rec.Id, ev, place, el)
	if err != nil {
		return err
	}
	rec.Set("clash_cell", cell)
	rec.Set("clash_area", area)
	setClashes(rec, partners)
	out.clashWith = linkIDs(partners)
	notice, err := ownNotice(tx, jurisdiction.CandidateOf(ev, place), ev.Election, el.ClashParams())
	if err != nil {
		return err
	}
	rec.Set("clash_notice", notice)
	return nil
}

// applyEventOutcome writes what follows from the saved event: assignments
// (J2–J6, J9, J11), clash links on the other events (J10) and receipt
// revocation (J6).
func (s *Engine) applyEventOutcome(tx core.App, rec *core.Record, out eventOutcome) error {
	if out.recompute {
		revoke, err := s.syncAssignments(tx, rec.Id, out.plan, out.timeOrPlace, out.created)
		if err != nil {
			return err
		}
		if revoke && out.revokeReceipt == "" {
			out.revokeReceipt = "time_or_place_changed"
			if !out.timeOrPlace {
				out.revokeReceipt = "reassigned"
			}
		}
	}
	if out.recompute || out.cancelled {
		now, election, notices := storedCandidate(rec), rec.GetString("election"), map[string]bool{}
		if out.noticeBefore != nil && out.electionBefore != election {
			// moved to another election: two separate neighbourhoods
			if err := noticeChanges(tx, out.electionBefore, out.noticeBefore, nil, false, notices); err != nil {
				return err
			}
			out.noticeBefore = nil
		}
		if err := noticeChanges(tx, election, out.noticeBefore, &now, false, notices); err != nil {
			return err
		}
		if err := s.linkClashes(tx, clashLinkOf(rec), out.clashBefore, out.clashWith, notices); err != nil {
			return err
		}
	}
	if out.revokeReceipt != "" {
		if err := s.revokeReceipts(tx, rec.Id, out.revokeReceipt); err != nil {
			return err
		}
	}
	return nil
}

// syncAssignments makes the stored assignments of an event match plan (a
// created event has none to read).
func (s *Engine) syncAssignments(tx core.App, eventID string, plan jurisdiction.Plan, timeOrPlace, created bool) (revokeReceipt bool, err error) {
	var records []*core.Record
	if !created {
		if records, err = tx.FindAllRecords("assignments", dbx.HashExp{"event": eventID}); err != nil {
			return false, err
		}
	}
	old := make([]jurisdiction.Assignment, len(records))
	byID := map[string]*core.Record{}
	for i, r := range records {
		old[i] = assignmentFromRecord(r)
		byID[r.Id] = r
	}
	keep, create, remove, revoke := jurisdiction.Reassign(old, plan, timeOrPlace)
	for _, a := range remove {
		if err := deleteSystem(tx, byID[a.ID]); err != nil {
			return false, fmt.Errorf("removing assignment of unit %s: %w", a.Unit, err)
		}
	}
	for _, u := range keep {
		if !u.Changed() {
			continue
		}
		r := byID[u.Before.ID]
		setAssignment(r, u.After)
		if err := saveSystem(tx, r); err != nil {
			return false, fmt.Errorf("updating assignment of unit %s: %w", u.After.Unit, err)
		}
	}
	col, err := tx.FindCachedCollectionByNameOrId("assignments")
	if err != nil {
		return false, err
	}
	for _, p := range create {
		r := core.NewRecord(col)
		r.Id = sortableID(time.Now())
		setAssignment(r, jurisdiction.Assignment{Event: eventID, Unit: p.Unit, Role: p.Role, Status: p.Status, DueAt: p.DueAt})
		if err := saveSystem(tx, r); err != nil {
			return false, fmt.Errorf("creating assignment of unit %s: %w", p.Unit, err)
		}
	}
	return revoke, nil
}

// userExists reports whether the users record id exists in tx.
func userExists(tx core.App, id string) bool {
	var n int
	err := tx.DB().Select("COUNT(*)").From("users").Where(dbx.HashExp{"id": id}).Row(&n)
	return err != nil || n > 0 // on a read error, keep the reference
}
