package accounts

import (
	"testing"

	"coprosec/internal/jurisdiction"
)

func TestCheck(t *testing.T) {
	tests := []struct {
		name string
		a    Account
		code string // "" when accepted
	}{
		{"organizer with party", Account{Role: RoleOrganizer, Party: "p"}, ""},
		{"party admin with party", Account{Role: RolePartyAdmin, Party: "p"}, ""},
		{"organizer without party", Account{Role: RoleOrganizer}, CodePartyRequired},
		{"organizer with a unit", Account{Role: RoleOrganizer, Party: "p", Unit: "u"}, CodeUnitNotAllowed},
		{"officer with unit", Account{Role: RoleOfficer, Unit: "u", UnitKind: jurisdiction.UnitCommissariat}, ""},
		{"commander without unit", Account{Role: RoleCommander}, CodeUnitRequired},
		{"officer with a party", Account{Role: RoleOfficer, Unit: "u", Party: "p"}, CodePartyNotAllowed},
		{"director of a directorate", Account{Role: RoleDirector, Unit: "d", UnitKind: jurisdiction.UnitDirectorate}, ""},
		{"director of a commissariat", Account{Role: RoleDirector, Unit: "u", UnitKind: jurisdiction.UnitCommissariat}, CodeDirectorNeedsDirectorate},
		{"director of an unknown unit", Account{Role: RoleDirector, Unit: "u"}, CodeDirectorNeedsDirectorate},
		{"ministry alone", Account{Role: RoleMinistry}, ""},
		{"ministry with a unit", Account{Role: RoleMinistry, Unit: "u"}, CodeMinistryUnattached},
		{"ministry with a party", Account{Role: RoleMinistry, Party: "p"}, CodeMinistryUnattached},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Check(tt.a)
			if tt.code == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if !jurisdiction.HasCode(err, tt.code) {
				t.Fatalf("got %v, want code %s", err, tt.code)
			}
		})
	}
}

func TestRoleKinds(t *testing.T) {
	for _, r := range []string{RoleOrganizer, RolePartyAdmin} {
		if !IsParty(r) || IsPolice(r) {
			t.Errorf("%s: party %v police %v", r, IsParty(r), IsPolice(r))
		}
	}
	for _, r := range []string{RoleOfficer, RoleCommander, RoleDirector} {
		if IsParty(r) || !IsPolice(r) {
			t.Errorf("%s: party %v police %v", r, IsParty(r), IsPolice(r))
		}
	}
	if IsParty(RoleMinistry) || IsPolice(RoleMinistry) {
		t.Error("ministry is neither")
	}
}
