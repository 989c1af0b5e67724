package jurisdiction

import (
	"reflect"
	"testing"
	"time"

	"coprosec/internal/geo"
)

var declared = lt(2026, 4, 1, 9, 0)

func place(t testing.TB, ev Event) Place {
	t.Helper()
	p, err := Resolve(ev, fakeGeo{})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

type ua struct {
	Unit   string
	Role   Role
	Status Status
}

func units(p Plan) []ua {
	out := make([]ua, 0, len(p.Assignments))
	for _, a := range p.Assignments {
		out = append(out, ua{a.Unit, a.Role, a.Status})
	}
	return out
}

func TestAssignLead(t *testing.T) {
	cov := NewCoverage(testUnits())
	start := declared.Add(5 * 24 * time.Hour)
	base := Event{Party: "p1", Kind: KindMeeting, StartsAt: start, EndsAt: start.Add(2 * time.Hour), DeclaredAt: declared}
	tests := []struct {
		name      string
		ev        Event
		lead      string
		uncovered bool
		want      []ua
	}{
		{"arrondissement coverage beats commune coverage", Event{Location: pp(ptA1x)}, "cGodomey", false,
			[]ua{{"cGodomey", RoleLead, StatusPending}, {"dirA", RoleOversight, StatusPending}}},
		{"commune-level coverage", Event{Location: pp(ptA1y)}, "cCalavi", false,
			[]ua{{"cCalavi", RoleLead, StatusPending}, {"dirA", RoleOversight, StatusPending}}},
		{"commune-only event uses commune coverage", Event{Commune: "comA1"}, "cCalavi", false,
			[]ua{{"cCalavi", RoleLead, StatusPending}, {"dirA", RoleOversight, StatusPending}}},
		{"arrondissement coverage in B", Event{Arrondissement: "arrB1x"}, "cPN", false,
			[]ua{{"cPN", RoleLead, StatusPending}, {"dirB", RoleOversight, StatusPending}}},
		{"uncovered: directorate leads", Event{Location: pp(ptA2x)}, "dirA", true,
			[]ua{{"dirA", RoleLead, StatusPending}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ev := base
			ev.Location, ev.Commune, ev.Arrondissement = tc.ev.Location, tc.ev.Commune, tc.ev.Arrondissement
			plan, err := Assign(ev, place(t, ev), fakeGeo{}, cov, testElection())
			if err != nil {
				t.Fatal(err)
			}
			if plan.LeadUnit != tc.lead || plan.Uncovered != tc.uncovered || plan.LateNotice {
				t.Fatalf("plan %+v", plan)
			}
			if got := units(plan); !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("assignments %v, want %v", got, tc.want)
			}
		})
	}
}

func TestAssignNoDirectorate(t *testing.T) {
	var us []Unit
	for _, u := range testUnits() {
		if u.Departement == "depA" {
			us = append(us, u)
		}
	}
	cov := NewCoverage(us)
	ev := Event{Location: pp(ptB2y), StartsAt: declared.Add(100 * time.Hour), EndsAt: declared.Add(101 * time.Hour), DeclaredAt: declared}
	_, err := Assign(ev, place(t, ev), fakeGeo{}, cov, testElection())
	wantCode(t, err, CodeNoDirectorate, "")
	// Covered by a commissariat, but the département has no directorate.
	us = append(us, Unit{ID: "cPN", Kind: UnitCommissariat, Departement: "depB", Arrondissements: []string{"arrB1x"}})
	ev.Location = pp(ptB1x)
	_, err = Assign(ev, place(t, ev), fakeGeo{}, NewCoverage(us), testElection())
	wantCode(t, err, CodeNoDirectorate, "")
}

func TestLateNotice(t *testing.T) {
	cov := NewCoverage(testUnits())
	tests := []struct {
		name   string
		notice time.Duration
		pt     geo.Point
		late   bool
		want   []ua
	}{
		{"exactly 72h: on time", 72 * time.Hour, ptA1x, false,
			[]ua{{"cGodomey", RoleLead, StatusPending}, {"dirA", RoleOversight, StatusPending}}},
		{"72h - 1s: late, directorate escalated", 72*time.Hour - time.Second, ptA1x, true,
			[]ua{{"cGodomey", RoleLead, StatusPending}, {"dirA", RoleOversight, StatusEscalated}}},
		{"late and uncovered: leading directorate escalated", 10 * time.Hour, ptA2x, true,
			[]ua{{"dirA", RoleLead, StatusEscalated}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			start := declared.Add(tc.notice)
			ev := Event{Kind: KindMeeting, Location: pp(tc.pt), StartsAt: start, EndsAt: start.Add(time.Hour), DeclaredAt: declared}
			plan, err := Assign(ev, place(t, ev), fakeGeo{}, cov, testElection())
			if err != nil {
				t.Fatal(err)
			}
			if plan.LateNotice != tc.late {
				t.Fatalf("late = %v", plan.LateNotice)
			}
			if got := units(plan); !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("assignments %v, want %v", got, tc.want)
			}
		})
	}
	el := testElection()
	el.NoticeHours = -1 // explicit "no notice requirement"
	ev := Event{Location: pp(ptA1x), StartsAt: declared.Add(time.Minute), EndsAt: declared.Add(time.Hour), DeclaredAt: declared}
	if plan, _ := Assign(ev, place(t, ev), fakeGeo{}, cov, el); plan.LateNotice {
		t.Fatal("negative notice hours must disable late notice")
	}
}

func TestDueAt(t *testing.T) {
	tests := []struct {
		name   string
		starts time.Duration // after base
		want   time.Duration // after base
	}{
		{"normal: base + ack hours", 5 * 24 * time.Hour, 12 * time.Hour},
		{"start exactly 24h later: ack hours", 24 * time.Hour, 12 * time.Hour},
		{"start within 24h: 1h", 24*time.Hour - time.Second, time.Hour},
		{"start in 2h: 1h", 2 * time.Hour, time.Hour},
		{"start in 30 min: clamped to start", 30 * time.Minute, 30 * time.Minute},
		{"started already: base", -time.Hour, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := DueAt(declared, declared.Add(tc.starts), 12); !got.Equal(declared.Add(tc.want)) {
				t.Fatalf("due %v, want %v", got.Sub(declared), tc.want)
			}
		})
	}
	// Through Assign: every assignment carries it; ChangedAt is the base when later.
	cov := NewCoverage(testUnits())
	ev := Event{Location: pp(ptA1x), StartsAt: declared.Add(20 * time.Hour), EndsAt: declared.Add(21 * time.Hour), DeclaredAt: declared}
	plan, err := Assign(ev, place(t, ev), fakeGeo{}, cov, testElection())
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range plan.Assignments {
		if !a.DueAt.Equal(declared.Add(time.Hour)) {
			t.Fatalf("%s due %v", a.Unit, a.DueAt)
		}
	}
	ev.ChangedAt = declared.Add(10 * time.Hour)
	plan, _ = Assign(ev, place(t, ev), fakeGeo{}, cov, testElection())
	if !plan.Assignments[0].DueAt.Equal(ev.ChangedAt.Add(time.Hour)) {
		t.Fatalf("due from ChangedAt: %v", plan.Assignments[0].DueAt)
	}
}

func TestOverdue(t *testing.T) {
	due := declared.Add(12 * time.Hour)
	lead := Assignment{Role: RoleLead, Status: StatusPending, DueAt: due}
	tests := []struct {
		name string
		a    Assignment
		now  time.Time
		want bool
	}{
		{"pending lead past due", lead, due.Add(time.Second), true},
		{"exactly at due", lead, due, false},
		{"before due", lead, due.Add(-time.Minute), false},
		{"support", Assignment{Role: RoleSupport, Status: StatusPending, DueAt: due}, due.Add(time.Hour), false},
		{"acknowledged", Assignment{Role: RoleLead, Status: StatusAcknowledged, DueAt: due}, due.Add(time.Hour), false},
		{"already escalated", Assignment{Role: RoleLead, Status: StatusEscalated, DueAt: due}, due.Add(time.Hour), false},
		{"adjustment requested", Assignment{Role: RoleLead, Status: StatusAdjustmentRequested, DueAt: due}, due.Add(time.Hour), false},
		{"no due date", Assignment{Role: RoleLead, Status: StatusPending}, due, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Overdue(tc.a, tc.now); got != tc.want {
				t.Fatalf("Overdue = %v", got)
			}
		})
	}
}

func TestAssignRoute(t *testing.T) {
	cov := NewCoverage(testUnits())
	start := declared.Add(100 * time.Hour)
	// Route from Godomey's arrondissement through Calavi's, an uncovered
	// arrondissement, Porto-Novo's arrondissement (département B) and an
	// uncovered one of B.
	route := []geo.Point{ptA1x, ptA1y, ptA2x, ptB1x, ptB2y, ptB1x}
	mk := func(kind string, route []geo.Point) Event {
		return Event{Party: "p1", Kind: kind, Location: pp(ptA1x), Route: route, StartsAt: start, EndsAt: start.Add(3 * time.Hour), DeclaredAt: declared}
	}
	leadAndDir := []ua{{"cGodomey", RoleLead, StatusPending}, {"dirA", RoleOversight, StatusPending}}
	across := append(leadAndDir[:2:2],
		ua{"cCalavi", RoleSupport, StatusPending},
		ua{"cPN", RoleSupport, StatusPending},
		ua{"dirB", RoleOversight, StatusPending})
	long := make([]geo.Point, MaxRoutePoints+1)
	for i := range long {
		long[i] = ptA1x
	}
	tests := []struct {
		name      string
		ev        Event
		g         Geography
		want      []ua
		code, fld string
	}{
		{"caravan across two départements", mk(KindCaravan, route), fakeGeo{}, across, "", ""},
		{"march across two départements", mk(KindMarch, route), fakeGeo{}, across, "", ""},
		{"route inside lead's area", mk(KindCaravan, []geo.Point{ptA1x, ptA1x}), fakeGeo{}, leadAndDir, "", ""},
		{"uncovered only: no support", mk(KindCaravan, []geo.Point{ptA2x}), fakeGeo{}, leadAndDir, "", ""},
		{"meeting route ignored", mk(KindMeeting, route), fakeGeo{}, leadAndDir, "", ""},
		{"500 points ok", mk(KindCaravan, long[:MaxRoutePoints]), fakeGeo{}, leadAndDir, "", ""},
		{"501 points", mk(KindCaravan, long), fakeGeo{}, nil, CodeRouteTooLong, "route"},
		{"route point outside Benin", mk(KindCaravan, []geo.Point{ptA1x, {Lat: 6.2, Lon: 2.1}}), fakeGeo{}, nil, CodeOutsideTerritory, "route"},
		{"invalid route point", mk(KindCaravan, []geo.Point{{Lat: 100, Lon: 2.1}}), fakeGeo{}, nil, CodeOutsideTerritory, "route"},
		{"no boundaries: route adds nothing", mk(KindCaravan, route), fakeGeo{noBoundaries: true}, leadAndDir, "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			plan, err := Assign(tc.ev, mkPlace("A", "1", "x"), tc.g, cov, testElection())
			wantCode(t, err, tc.code, tc.fld)
			if err != nil {
				return
			}
			if got := units(plan); !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("assignments %v, want %v", got, tc.want)
			}
		})
	}
	// A route into a département without directorate.
	var noB []Unit
	for _, u := range testUnits() {
		if u.ID != "dirB" {
			noB = append(noB, u)
		}
	}
	_, err := Assign(mk(KindCaravan, route), mkPlace("A", "1", "x"), fakeGeo{}, NewCoverage(noB), testElection())
	wantCode(t, err, CodeNoDirectorate, "route")
}

func TestCoverageIndex(t *testing.T) {
	cov := NewCoverage(testUnits())
	if got := cov.UnitsCovering(mkPlace("A", "1", "x")); !reflect.DeepEqual(got, []string{"cGodomey", "cCalavi"}) {
		t.Fatalf("UnitsCovering %v", got)
	}
	if got := cov.UnitsCovering(mkPlace("A", "2", "x")); len(got) != 0 {
		t.Fatalf("UnitsCovering uncovered %v", got)
	}
	if d, ok := cov.Directorate("depB"); !ok || d != "dirB" {
		t.Fatal("Directorate")
	}
	if u, ok := cov.Unit("cPN"); !ok || u.Name != "Commissariat de Porto-Novo" {
		t.Fatal("Unit")
	}
	_, _, err := cov.Lead(Place{})
	wantCode(t, err, CodeNoDirectorate, "")
	// Duplicated coverage (invalid data): smallest ID wins deterministically.
	dup := append(testUnits(), Unit{ID: "cAAA", Kind: UnitCommissariat, Departement: "depA", Parent: "dirA", Arrondissements: []string{"arrA1x"}})
	if id, _, _ := NewCoverage(dup).Lead(mkPlace("A", "1", "x")); id != "cAAA" {
		t.Fatalf("tie-break: %s", id)
	}
}

func BenchmarkAssign(b *testing.B) {
	cov := NewCoverage(testUnits())
	route := make([]geo.Point, MaxRoutePoints)
	for i := range route {
		f := float64(i) / float64(len(route))
		route[i] = geo.Point{Lat: 6.3 + 0.199*f, Lon: 2.0 + 0.799*f}
	}
	start := declared.Add(100 * time.Hour)
	ev := Event{Party: "p1", Kind: KindCaravan, Location: pp(ptA1x), Route: route, StartsAt: start, EndsAt: start.Add(3 * time.Hour), DeclaredAt: declared}
	g := fakeGeo{}
	el := testElection()
	b.ReportAllocs()
	for b.Loop() {
		pl, err := Resolve(ev, g)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := Assign(ev, pl, g, cov, el); err != nil {
			b.Fatal(err)
		}
	}
}
