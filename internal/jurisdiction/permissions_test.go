package jurisdiction

import (
	"slices"
	"testing"
	"time"
)

func TestCheckEventWrite(t *testing.T) {
	org := Actor{Role: ActorOrganizer, Party: "p1"}
	org2 := Actor{Role: ActorOrganizer, Party: "p2"}
	officer := Actor{Role: ActorOfficer, Unit: "cGodomey", UnitDepartement: "depA"}
	commander := Actor{Role: ActorCommander, Unit: "cGodomey", UnitDepartement: "depA"}
	otherCmd := Actor{Role: ActorCommander, Unit: "cCalavi", UnitDepartement: "depA"}
	director := Actor{Role: ActorDirector, Unit: "dirA", UnitDepartement: "depA"}
	base := Event{ID: "e1", Party: "p1", Election: "el2026", Kind: KindMeeting, Status: EventDeclared, Commune: "comA1",
		StartsAt: lt(2026, 4, 5, 10, 0), EndsAt: lt(2026, 4, 5, 12, 0)}
	st := func(s string) *Event { e := base; e.Status = s; return &e }
	to := func(s string) Event { e := base; e.Status = s; return e }
	moved := base
	moved.StartsAt = moved.StartsAt.Add(time.Hour)
	otherEl := base
	otherEl.Election = "el2031"
	otherParty := base
	otherParty.Party = "p2"
	lead := "cGodomey"
	tests := []struct {
		name      string
		actor     Actor
		before    *Event
		after     Event
		changed   []string // nil = EventFieldsChanged
		lead      string
		code, fld string
	}{
		// organizers
		{"org create", org, nil, base, nil, "", "", ""},
		{"org create, empty status", org, nil, to(""), nil, "", "", ""},
		{"org create in progress", org, nil, to(EventInProgress), nil, "", CodeInvalidStatusTransition, "status"},
		{"org create, server field", org, nil, base, []string{"party", "lead_unit"}, "", CodeServerField, "lead_unit"},
		{"org create for another party", org2, nil, base, nil, "", CodeForbidden, "party"},
		{"org without party", Actor{Role: ActorOrganizer}, nil, base, nil, "", CodeForbidden, "party"},
		{"org edits time", org, &base, moved, nil, lead, "", ""},
		{"org cancels", org, &base, to(EventCancelled), nil, lead, "", ""},
		{"org un-cancels", org, st(EventCancelled), base, nil, lead, CodeEventClosed, "status"},
		{"org edits cancelled", org, st(EventCancelled), func() Event { e := moved; e.Status = EventCancelled; return e }(), nil, lead, CodeEventClosed, "status"},
		{"org edits completed", org, st(EventCompleted), to(EventCompleted), []string{"title"}, lead, CodeEventClosed, "status"},
		{"org sets in progress", org, &base, to(EventInProgress), nil, lead, CodeInvalidStatusTransition, "status"},
		{"org sets completed", org, &base, to(EventCompleted), nil, lead, CodeInvalidStatusTransition, "status"},
		{"org cancels in-progress", org, st(EventInProgress), to(EventCancelled), nil, lead, CodeInvalidStatusTransition, "status"},
		{"org edits in-progress", org, st(EventInProgress), func() Event { e := moved; e.Status = EventInProgress; return e }(), nil, lead, "", ""},
		{"org writes clash", org, &base, base, []string{"clash"}, lead, CodeServerField, "clash"},
		{"org writes declared_at", org, &base, base, []string{"declared_at"}, lead, CodeServerField, "declared_at"},
		{"org of another party", org2, &base, moved, nil, lead, CodeForbidden, "party"},
		{"org takes over event", org2, &base, otherParty, nil, lead, CodeForbidden, "party"},
		{"org changes election", org, &base, otherEl, nil, lead, CodeForbiddenField, "election"},
		// police
		{"officer of lead starts", officer, &base, to(EventInProgress), nil, lead, "", ""},
		{"commander of lead completes", commander, st(EventInProgress), to(EventCompleted), nil, lead, "", ""},
		{"commander completes declared", commander, &base, to(EventCompleted), nil, lead, "", ""},
		{"director leading (uncovered) starts", director, &base, to(EventInProgress), nil, "dirA", "", ""},
		{"director not leading", director, &base, to(EventInProgress), nil, lead, CodeForbidden, "status"},
		{"commander of other unit", otherCmd, &base, to(EventInProgress), nil, lead, CodeForbidden, "status"},
		{"commander edits time", commander, &base, moved, nil, lead, CodeForbiddenField, "starts_at"},
		{"officer edits title", officer, &base, base, []string{"title"}, lead, CodeForbiddenField, "title"},
		{"commander cancels", commander, &base, to(EventCancelled), nil, lead, CodeInvalidStatusTransition, "status"},
		{"commander undoes in progress", commander, st(EventInProgress), to(EventDeclared), nil, lead, "", ""},
		{"commander reopens completed", commander, st(EventCompleted), to(EventInProgress), nil, lead, "", ""},
		{"commander undoes completed", commander, st(EventCompleted), to(EventDeclared), nil, lead, "", ""},
		{"officer undoes in progress", officer, st(EventInProgress), to(EventDeclared), nil, lead, CodeInvalidStatusTransition, "status"},
		{"officer reopens completed", officer, st(EventCompleted), to(EventInProgress), nil, lead, CodeEventClosed, "status"},
		{"other commander reopens", otherCmd, st(EventCompleted), to(EventInProgress), nil, lead, CodeEventClosed, "status"},
		{"commander reopens and edits", commander, st(EventCompleted), to(EventInProgress), []string{"status", "title"}, lead, CodeEventClosed, "status"},
		{"commander un-cancels", commander, st(EventCancelled), to(EventDeclared), nil, lead, CodeEventClosed, "status"},
		{"police create", commander, nil, base, nil, lead, CodeForbidden, ""},
		{"police server field", commander, &base, base, []string{"lead_unit"}, lead, CodeServerField, "lead_unit"},
		// others
		{"unknown role", Actor{Role: "journalist"}, &base, moved, nil, lead, CodeForbidden, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			changed := tc.changed
			if changed == nil {
				changed = EventFieldsChanged(tc.before, tc.after)
			}
			during := lt(2026, 4, 5, 11, 0)
			wantCode(t, CheckEventWrite(tc.actor, tc.before, tc.after, changed, tc.lead, during), tc.code, tc.fld)
		})
	}
}

func TestCheckAssignmentWrite(t *testing.T) {
	commander := Actor{Role: ActorCommander, Unit: "cGodomey", UnitDepartement: "depA"}
	otherCmd := Actor{Role: ActorCommander, Unit: "cCalavi", UnitDepartement: "depA"}
	director := Actor{Role: ActorDirector, Unit: "dirA", UnitDepartement: "depA"}
	directorB := Actor{Role: ActorDirector, Unit: "dirB", UnitDepartement: "depB"}
	officer := Actor{Role: ActorOfficer, Unit: "cGodomey", UnitDepartement: "depA"}
	organizer := Actor{Role: ActorOrganizer, Party: "p1"}
	base := Assignment{ID: "as1", Event: "e1", Unit: "cGodomey", Role: RoleLead, Status: StatusPending, DueAt: declared}
	with := func(f func(*Assignment)) Assignment { a := base; f(&a); return a }
	from := func(s Status) Assignment { return with(func(a *Assignment) { a.Status = s }) }
	ack := from(StatusAcknowledged)
	adj := func(reason string) Assignment {
		return with(func(a *Assignment) { a.Status = StatusAdjustmentRequested; a.Reason = reason })
	}
	ctx := AssignmentContext{UnitDepartement: "depA", EventStatus: EventDeclared}
	tests := []struct {
		name          string
		actor         Actor
		before, after Assignment
		ctx           AssignmentContext
		code, fld     string
	}{
		{"commander acknowledges", commander, base, ack, ctx, "", ""},
		{"commander acknowledges escalated", commander, from(StatusEscalated), ack, ctx, "", ""},
		{"commander acknowledges after adjustment", commander, adj("x"), with(func(a *Assignment) { a.Status = StatusAcknowledged; a.Reason = "x" }), ctx, "", ""},
		{"director acknowledges", director, base, ack, ctx, "", ""},
		{"director of other département", directorB, base, ack, ctx, CodeForbidden, ""},
		{"commander of other unit", otherCmd, base, ack, ctx, CodeForbidden, ""},
		{"officer", officer, base, ack, ctx, CodeForbidden, ""},
		{"organizer", organizer, base, ack, ctx, CodeForbidden, ""},
		{"adjustment with reason", commander, base, adj("need 3 more vehicles"), ctx, "", ""},
		{"adjustment after acknowledging", director, ack, adj("route unsafe"), ctx, "", ""},
		{"adjustment without reason", commander, base, adj(""), ctx, CodeReasonRequired, "reason"},
		{"adjustment with blank reason", commander, base, adj("  \n"), ctx, CodeReasonRequired, "reason"},
		{"reason cleared while requested", commander, adj("x"), adj(""), ctx, CodeReasonRequired, "reason"},
		{"reason edited while requested", commander, adj("x"), adj("y"), ctx, "", ""},
		{"reason without adjustment", commander, base, with(func(a *Assignment) { a.Reason = "hmm" }), ctx, CodeForbiddenField, "reason"},
		{"refusal", commander, base, from("refused"), ctx, CodeInvalidStatusTransition, "status"},
		{"back to pending", commander, ack, base, ctx, CodeInvalidStatusTransition, "status"},
		{"self-escalation", commander, base, from(StatusEscalated), ctx, CodeInvalidStatusTransition, "status"},
		{"commander sets officers and plan", commander, base, with(func(a *Assignment) { a.Officers = 12; a.Plan = "cordon" }), ctx, "", ""},
		{"commander sets zero officers", commander, with(func(a *Assignment) { a.Officers = 3 }), base, ctx, "", ""},
		{"negative officers", commander, base, with(func(a *Assignment) { a.Officers = -1 }), ctx, CodeInvalidOfficers, "officers"},
		{"director sets officers", director, base, with(func(a *Assignment) { a.Officers = 2 }), ctx, CodeForbiddenField, "officers"},
		{"director sets plan", director, base, with(func(a *Assignment) { a.Plan = "x" }), ctx, CodeForbiddenField, "plan"},
		{"commander sets due_at", commander, base, with(func(a *Assignment) { a.DueAt = declared.Add(time.Hour) }), ctx, CodeServerField, "due_at"},
		{"commander sets role", commander, base, with(func(a *Assignment) { a.Role = RoleSupport }), ctx, CodeServerField, "role"},
		{"commander sets acknowledged_by", commander, base, with(func(a *Assignment) { a.AcknowledgedBy = "me" }), ctx, CodeServerField, "acknowledged_by"},
		{"commander moves unit", commander, base, with(func(a *Assignment) { a.Unit = "cCalavi" }), ctx, CodeServerField, "unit"},
		{"event cancelled", commander, base, ack, AssignmentContext{UnitDepartement: "depA", EventStatus: EventCancelled}, CodeEventClosed, ""},
		{"event completed", commander, base, ack, AssignmentContext{UnitDepartement: "depA", EventStatus: EventCompleted}, CodeEventClosed, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			changed := AssignmentFieldsChanged(tc.before, tc.after)
			wantCode(t, CheckAssignmentWrite(tc.actor, tc.before, tc.after, changed, tc.ctx), tc.code, tc.fld)
		})
	}
}

func TestFieldsChanged(t *testing.T) {
	e := Event{Party: "p1", Kind: KindMeeting, Commune: "comA1", StartsAt: declared}
	if got := EventFieldsChanged(nil, e); !slices.Equal(got, []string{"party", "kind", "commune", "starts_at"}) {
		t.Fatalf("create: %v", got)
	}
	b := e
	b.Status = ""
	a := e
	a.Status = EventDeclared
	if got := EventFieldsChanged(&b, a); len(got) != 0 {
		t.Fatalf("empty status == declared: %v", got)
	}
	now := declared
	if got := AssignmentFieldsChanged(Assignment{}, Assignment{AcknowledgedAt: &now, Officers: 1}); !slices.Equal(got, []string{"acknowledged_at", "officers"}) {
		t.Fatalf("assignment: %v", got)
	}
}

// The French of every code is in internal/i18n (TestCatalogCoversEveryCode).
func TestHasCode(t *testing.T) {
	err := error(ruleErr(CodeQuietHours, "", "x"))
	if !HasCode(err, CodeQuietHours) || HasCode(nil, CodeQuietHours) {
		t.Fatal("HasCode")
	}
}

// TestCheckEventWriteClock: police statuses follow the event's time, so that
// no officer can freeze an event days ahead (J12).
func TestCheckEventWriteClock(t *testing.T) {
	officer := Actor{Role: ActorOfficer, Unit: "cGodomey", UnitDepartement: "depA"}
	commander := Actor{Role: ActorCommander, Unit: "cGodomey", UnitDepartement: "depA"}
	base := Event{ID: "e1", Party: "p1", Election: "el2026", Kind: KindMeeting, Status: EventDeclared, Commune: "comA1",
		StartsAt: lt(2026, 4, 5, 10, 0), EndsAt: lt(2026, 4, 5, 12, 0)}
	st := func(s string) *Event { e := base; e.Status = s; return &e }
	to := func(s string) Event { e := base; e.Status = s; return e }
	tests := []struct {
		name   string
		actor  Actor
		before *Event
		after  Event
		now    time.Time
		code   string
	}{
		{"officer starts 3 days early", officer, &base, to(EventInProgress), lt(2026, 4, 2, 10, 0), CodeStatusOutOfWindow},
		{"officer starts as the crowd gathers", officer, &base, to(EventInProgress), lt(2026, 4, 5, 8, 0), ""},
		{"officer starts 2h01 early", officer, &base, to(EventInProgress), lt(2026, 4, 5, 7, 59), CodeStatusOutOfWindow},
		{"officer starts after the report window", officer, &base, to(EventInProgress), lt(2026, 4, 6, 0, 1), CodeStatusOutOfWindow},
		{"commander completes 8 days early", commander, &base, to(EventCompleted), lt(2026, 3, 28, 10, 0), CodeStatusOutOfWindow},
		{"commander completes before start", commander, st(EventInProgress), to(EventCompleted), lt(2026, 4, 5, 9, 59), CodeStatusOutOfWindow},
		{"commander completes a week later", commander, &base, to(EventCompleted), lt(2026, 4, 12, 10, 0), ""},
		{"commander undoes a week early", commander, st(EventCompleted), to(EventDeclared), lt(2026, 3, 28, 10, 0), ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := CheckEventWrite(tc.actor, tc.before, tc.after, EventFieldsChanged(tc.before, tc.after), "cGodomey", tc.now)
			fld := ""
			if tc.code != "" {
				fld = "status"
			}
			wantCode(t, err, tc.code, fld)
		})
	}
}
