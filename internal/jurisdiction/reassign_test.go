package jurisdiction

import (
	"reflect"
	"testing"
	"time"

	"coprosec/internal/geo"
)

func TestReassign(t *testing.T) {
	ackAt := declared.Add(2 * time.Hour)
	oldDue := declared.Add(12 * time.Hour)
	newDue := declared.Add(40 * time.Hour)
	acked := func(id, unit string, role Role) Assignment {
		return Assignment{ID: id, Unit: unit, Role: role, Status: StatusAcknowledged, DueAt: oldDue,
			AcknowledgedAt: &ackAt, AcknowledgedBy: "u1", Officers: 4, Plan: "2 vehicles"}
	}
	old := []Assignment{
		acked("a1", "cGodomey", RoleLead),
		acked("a2", "dirA", RoleOversight),
		{ID: "a3", Unit: "cPN", Role: RoleSupport, Status: StatusAdjustmentRequested, Reason: "too few officers", DueAt: oldDue},
	}
	plan := Plan{LeadUnit: "cGodomey", Directorate: "dirA", Assignments: []PlannedAssignment{
		{Unit: "cGodomey", Role: RoleLead, Status: StatusPending, DueAt: newDue},
		{Unit: "dirA", Role: RoleOversight, Status: StatusEscalated, DueAt: newDue},
		{Unit: "cCalavi", Role: RoleSupport, Status: StatusPending, DueAt: newDue},
	}}

	t.Run("nothing relevant changed: keep status", func(t *testing.T) {
		keep, create, remove, revoke := Reassign(old, plan, false)
		if len(keep) != 2 || keep[0].Changed() || keep[1].Changed() {
			t.Fatalf("keep %+v", keep)
		}
		if keep[0].After.Status != StatusAcknowledged || keep[0].After.AcknowledgedAt == nil {
			t.Fatal("status must be kept")
		}
		if len(create) != 1 || create[0].Unit != "cCalavi" {
			t.Fatalf("create %+v", create)
		}
		if len(remove) != 1 || remove[0].ID != "a3" {
			t.Fatalf("remove %+v", remove)
		}
		if revoke {
			t.Fatal("no revoke expected")
		}
	})

	t.Run("time or place changed: reset", func(t *testing.T) {
		keep, _, remove, revoke := Reassign(old, plan, true)
		if !revoke || len(remove) != 1 {
			t.Fatalf("revoke %v remove %v", revoke, remove)
		}
		want := []Assignment{
			{ID: "a1", Unit: "cGodomey", Role: RoleLead, Status: StatusPending, DueAt: newDue, Officers: 4, Plan: "2 vehicles"},
			{ID: "a2", Unit: "dirA", Role: RoleOversight, Status: StatusEscalated, DueAt: newDue, Officers: 4, Plan: "2 vehicles"},
		}
		for i, u := range keep {
			if !u.Changed() || !reflect.DeepEqual(u.After, want[i]) {
				t.Fatalf("keep[%d] = %+v, want %+v", i, u.After, want[i])
			}
		}
	})

	t.Run("coverage change: lead moves, role changes, status kept", func(t *testing.T) {
		p := Plan{LeadUnit: "cCalavi", Directorate: "dirA", Assignments: []PlannedAssignment{
			{Unit: "cCalavi", Role: RoleLead, Status: StatusPending, DueAt: newDue},
			{Unit: "dirA", Role: RoleOversight, Status: StatusPending, DueAt: newDue},
			{Unit: "cGodomey", Role: RoleSupport, Status: StatusPending, DueAt: newDue},
		}}
		keep, create, remove, revoke := Reassign(old, p, false)
		if !revoke {
			t.Fatal("lead changed: receipt must be revoked")
		}
		if len(create) != 1 || create[0].Unit != "cCalavi" || create[0].Role != RoleLead {
			t.Fatalf("create %+v", create)
		}
		if len(remove) != 1 || remove[0].ID != "a3" {
			t.Fatalf("remove %+v", remove)
		}
		if len(keep) != 2 || keep[1].After.Unit != "cGodomey" || keep[1].After.Role != RoleSupport ||
			keep[1].After.Status != StatusAcknowledged || !keep[1].Changed() || keep[0].Changed() {
			t.Fatalf("keep %+v", keep)
		}
	})

	t.Run("duplicates removed, first kept", func(t *testing.T) {
		dup := append(old[:2:2], Assignment{ID: "a9", Unit: "cGodomey", Role: RoleLead, Status: StatusPending})
		keep, _, remove, _ := Reassign(dup, plan, false)
		if keep[0].Before.ID != "a1" || len(remove) != 1 || remove[0].ID != "a9" {
			t.Fatalf("keep %+v remove %+v", keep, remove)
		}
	})

	t.Run("first assignment of an event", func(t *testing.T) {
		keep, create, remove, revoke := Reassign(nil, plan, true)
		if len(keep) != 0 || len(remove) != 0 || len(create) != 3 || revoke {
			t.Fatal("creation")
		}
	})
}

func TestTimeOrPlaceChanged(t *testing.T) {
	b := Event{StartsAt: declared, EndsAt: declared.Add(time.Hour), Commune: "comA1", Location: pp(ptA1x), Route: []geo.Point{ptA1x}}
	same := b
	same.Location = pp(ptA1x)
	same.Route = []geo.Point{ptA1x}
	same.Kind = KindRally // not time/place
	if TimeOrPlaceChanged(b, same) {
		t.Fatal("no change")
	}
	for name, mod := range map[string]func(*Event){
		"start":    func(e *Event) { e.StartsAt = e.StartsAt.Add(time.Minute) },
		"end":      func(e *Event) { e.EndsAt = e.EndsAt.Add(time.Minute) },
		"commune":  func(e *Event) { e.Commune = "comA2" },
		"arr":      func(e *Event) { e.Arrondissement = "arrA1x" },
		"location": func(e *Event) { e.Location = pp(ptA1y) },
		"no loc":   func(e *Event) { e.Location = nil },
		"route":    func(e *Event) { e.Route = append(e.Route, ptA1y) },
	} {
		a := b
		a.Route = []geo.Point{ptA1x}
		mod(&a)
		if !TimeOrPlaceChanged(b, a) {
			t.Errorf("%s: change not detected", name)
		}
	}
}
