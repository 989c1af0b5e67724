package syncproto

import (
	"slices"
	"testing"
)

func TestUserScopes(t *testing.T) {
	tests := []struct {
		name string
		u    User
		want []Scope
	}{
		{"organizer", User{ID: "u1", Role: RoleOrganizer, Party: "p1", Unit: "x"}, []Scope{"party:p1", "ref", "user:u1"}},
		{"party admin", User{ID: "u1", Role: RolePartyAdmin, Party: "p1"}, []Scope{"party:p1", "ref", "user:u1"}},
		{"organizer without party", User{ID: "u1", Role: RoleOrganizer}, []Scope{"ref", "user:u1"}},
		{"officer", User{ID: "u2", Role: RoleOfficer, Unit: "n1", Party: "p1"}, []Scope{"ref", "unit:n1", "user:u2"}},
		{"commander", User{ID: "u2", Role: RoleCommander, Unit: "n1"}, []Scope{"ref", "unit:n1", "user:u2"}},
		{"officer without unit", User{ID: "u2", Role: RoleOfficer}, []Scope{"ref", "user:u2"}},
		{"director", User{ID: "u3", Role: RoleDirector, Unit: "n1", Departement: "d1"}, []Scope{"departement:d1", "ref", "user:u3"}},
		{"director without departement", User{ID: "u3", Role: RoleDirector, Unit: "n1"}, []Scope{"ref", "user:u3"}},
		{"ministry", User{ID: "u4", Role: RoleMinistry}, []Scope{"all", "ref", "user:u4"}},
		{"unknown role", User{ID: "u5", Role: "admin", Party: "p1", Unit: "n1", Departement: "d1"}, []Scope{"ref", "user:u5"}},
		{"empty role", User{ID: "u5"}, []Scope{"ref", "user:u5"}},
		{"no id", User{Role: RoleMinistry}, []Scope{"all", "ref"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := UserScopes(tt.u); !slices.Equal(got, tt.want) {
				t.Errorf("UserScopes(%+v) = %v, want %v", tt.u, got, tt.want)
			}
		})
	}
}

func TestRecordScopes(t *testing.T) {
	tests := []struct {
		name string
		r    RecordFacts
		want []Scope
	}{
		{"departement", RecordFacts{Collection: "departements", ID: "d1", Party: "p"}, []Scope{"ref"}},
		{"communes", RecordFacts{Collection: "communes"}, []Scope{"ref"}},
		{"arrondissements", RecordFacts{Collection: "arrondissements"}, []Scope{"ref"}},
		{"units", RecordFacts{Collection: "units", Units: []string{"n1"}}, []Scope{"ref"}},
		{"parties", RecordFacts{Collection: "parties", Party: "p1"}, []Scope{"ref"}},
		{"elections", RecordFacts{Collection: "elections"}, []Scope{"ref"}},
		{"itinerary", RecordFacts{Collection: "itineraries", Party: "p1", Units: []string{"n1"}}, []Scope{"all", "party:p1"}},
		{"itinerary without party", RecordFacts{Collection: "itineraries"}, []Scope{"all"}},
		{"event", RecordFacts{Collection: "events", Party: "p1", Units: []string{"n2", "n1", "n2"}, Departements: []string{"d1", "d1", "d2"}},
			[]Scope{"all", "departement:d1", "departement:d2", "party:p1", "unit:n1", "unit:n2"}},
		{"event unassigned", RecordFacts{Collection: "events", Party: "p1"}, []Scope{"all", "party:p1"}},
		{"event empty ids skipped", RecordFacts{Collection: "events", Party: "p1", Units: []string{""}, Departements: []string{""}}, []Scope{"all", "party:p1"}},
		{"assignment", RecordFacts{Collection: "assignments", Party: "p1", Units: []string{"n1"}, Departements: []string{"d1"}},
			[]Scope{"all", "departement:d1", "party:p1", "unit:n1"}},
		{"receipt", RecordFacts{Collection: "receipts", Party: "p1", Units: []string{"n1"}, Departements: []string{"d1"}},
			[]Scope{"all", "departement:d1", "party:p1", "unit:n1"}},
		{"incident", RecordFacts{Collection: "incidents", Party: "p1", ReportedBy: "u1", Units: []string{"n1"}, Departements: []string{"d1"}},
			[]Scope{"all", "departement:d1", "unit:n1", "user:u1"}},
		{"user", RecordFacts{Collection: "users", ID: "u1", Party: "p1", Units: []string{"n1"}}, []Scope{"user:u1"}},
		{"user without id", RecordFacts{Collection: "users"}, []Scope{}},
		{"unknown collection", RecordFacts{Collection: "logs", ID: "x"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := RecordScopes(tt.r)
			if !slices.Equal(got, tt.want) {
				t.Errorf("RecordScopes(%+v) = %v, want %v", tt.r, got, tt.want)
			}
		})
	}
}

// Every role must see exactly what DESIGN §5 says through the scopes it
// shares with a record.
func TestVisibility(t *testing.T) {
	event := RecordScopes(RecordFacts{Collection: "events", Party: "p1", Units: []string{"n1"}, Departements: []string{"d1", "d9"}})
	incident := RecordScopes(RecordFacts{Collection: "incidents", ReportedBy: "u1", Units: []string{"n1"}, Departements: []string{"d1"}})
	itinerary := RecordScopes(RecordFacts{Collection: "itineraries", Party: "p1"})
	self := RecordScopes(RecordFacts{Collection: "users", ID: "u4"})
	ref := RecordScopes(RecordFacts{Collection: "units"})
	users := map[string]User{
		"organizer p1":    {ID: "u1", Role: RoleOrganizer, Party: "p1"},
		"organizer p2":    {ID: "u2", Role: RoleOrganizer, Party: "p2"},
		"officer n1":      {ID: "u3", Role: RoleOfficer, Unit: "n1"},
		"officer n2":      {ID: "u5", Role: RoleOfficer, Unit: "n2"},
		"director d1":     {ID: "u6", Role: RoleDirector, Unit: "n0", Departement: "d1"},
		"directorate d9":  {ID: "u7", Role: RoleDirector, Unit: "n9", Departement: "d9"},
		"director d2":     {ID: "u8", Role: RoleDirector, Unit: "n7", Departement: "d2"},
		"ministry":        {ID: "u4", Role: RoleMinistry},
		"unknown role u9": {ID: "u9", Role: "guest"},
	}
	tests := []struct {
		user                                   string
		event, incident, itinerary, self, refs bool
	}{
		{"organizer p1", true, true, true, false, true}, // incident: reporter
		{"organizer p2", false, false, false, false, true},
		{"officer n1", true, true, false, false, true},
		{"officer n2", false, false, false, false, true},
		{"director d1", true, true, false, false, true},
		{"directorate d9", true, false, false, false, true},
		{"director d2", false, false, false, false, true},
		{"ministry", true, true, true, true, true},
		{"unknown role u9", false, false, false, false, true},
	}
	sees := func(u, r []Scope) bool {
		for _, s := range r {
			if slices.Contains(u, s) {
				return true
			}
		}
		return false
	}
	for _, tt := range tests {
		u := UserScopes(users[tt.user])
		got := [5]bool{sees(u, event), sees(u, incident), sees(u, itinerary), sees(u, self), sees(u, ref)}
		want := [5]bool{tt.event, tt.incident, tt.itinerary, tt.self, tt.refs}
		if got != want {
			t.Errorf("%s: sees event, incident, itinerary, user u4, ref = %v, want %v", tt.user, got, want)
		}
	}
}

// A change logged in the police scopes of an event reaches every police
// account and the ministry that sees the event, and no party account.
func TestPoliceScopes(t *testing.T) {
	event := RecordScopes(RecordFacts{Collection: "events", Party: "p1", Units: []string{"n1"}, Departements: []string{"d1"}})
	police := PoliceScopes(event)
	if want := []Scope{"all", "departement:d1", "unit:n1"}; !slices.Equal(police, want) {
		t.Fatalf("PoliceScopes(%v) = %v, want %v", event, police, want)
	}
	for _, u := range []User{
		{ID: "u1", Role: RoleOrganizer, Party: "p1"}, {ID: "u2", Role: RolePartyAdmin, Party: "p1"},
		{ID: "u3", Role: RoleOfficer, Unit: "n1"}, {ID: "u4", Role: RoleCommander, Unit: "n1"},
		{ID: "u5", Role: RoleDirector, Unit: "n9", Departement: "d1"}, {ID: "u6", Role: RoleMinistry},
		// an officer's party is ignored (UserScopes), never a way in
		{ID: "u7", Role: RoleOfficer, Unit: "n1", Party: "p1"},
	} {
		party := u.Role == RoleOrganizer || u.Role == RolePartyAdmin
		hears := false
		for _, s := range UserScopes(u) {
			hears = hears || slices.Contains(police, s)
		}
		if hears == party {
			t.Errorf("%s (%s): hears a police-only change = %v", u.ID, u.Role, hears)
		}
	}
	if got := PoliceScopes([]Scope{"party:p1", "user:u1", "ref", "other:x"}); len(got) != 0 {
		t.Errorf("PoliceScopes kept %v", got)
	}
}

func TestFingerprint(t *testing.T) {
	a := Fingerprint([]Scope{"ref", "unit:n1", "user:u1"})
	tests := []struct {
		name   string
		scopes []Scope
		same   bool
	}{
		{"same order", []Scope{"ref", "unit:n1", "user:u1"}, true},
		{"other order", []Scope{"user:u1", "ref", "unit:n1"}, true},
		{"duplicates", []Scope{"user:u1", "ref", "unit:n1", "ref"}, true},
		{"other unit", []Scope{"ref", "unit:n2", "user:u1"}, false},
		{"subset", []Scope{"ref", "user:u1"}, false},
		{"joined differently", []Scope{"ref", "unit:n1user:u1"}, false},
		{"empty", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Fingerprint(tt.scopes)
			if (got == a) != tt.same {
				t.Errorf("Fingerprint(%v) = %s, base %s, want same=%v", tt.scopes, got, a, tt.same)
			}
			if len(got) != 16 {
				t.Errorf("len(Fingerprint) = %d, want 16", len(got))
			}
		})
	}
	in := []Scope{"user:u1", "ref"}
	Fingerprint(in)
	if in[0] != "user:u1" {
		t.Error("Fingerprint reordered its argument")
	}
	if Fingerprint(nil) != Fingerprint([]Scope{}) {
		t.Error("nil and empty fingerprints differ")
	}
}

func TestCollections(t *testing.T) {
	tests := []struct {
		c                        string
		synced, ref, clientWrite bool
	}{
		{"departements", true, true, false},
		{"elections", true, true, false},
		{"itineraries", true, false, true},
		{"events", true, false, true},
		{"incidents", true, false, true},
		{"assignments", true, false, true},
		{"receipts", true, false, false},
		{"users", true, false, false},
		{"_superusers", false, false, false},
		{"", false, false, false},
	}
	for _, tt := range tests {
		if IsSynced(tt.c) != tt.synced || IsReference(tt.c) != tt.ref || IsClientWritable(tt.c) != tt.clientWrite {
			t.Errorf("%q: synced, reference, writable = %v %v %v, want %v %v %v", tt.c,
				IsSynced(tt.c), IsReference(tt.c), IsClientWritable(tt.c), tt.synced, tt.ref, tt.clientWrite)
		}
	}
	if got := SyncedCollections(); len(got) != 12 || !slices.IsSorted(got) {
		t.Errorf("SyncedCollections() = %v, want 12 sorted names", got)
	}
}
