package accounts

import (
	"testing"

	"coprosec/internal/jurisdiction"
	"coprosec/internal/syncproto"
)

func TestCheck(t *testing.T) {
	tests := []struct {
		name string
		a    Account
		code string // "" when accepted
	}{
		{"organizer with party", Account{Role: syncproto.RoleOrganizer, Party: "p"}, ""},
		{"party admin with party", Account{Role: syncproto.RolePartyAdmin, Party: "p"}, ""},
		{"organizer without party", Account{Role: syncproto.RoleOrganizer}, CodePartyRequired},
		{"organizer with a unit", Account{Role: syncproto.RoleOrganizer, Party: "p", Unit: "u"}, CodeUnitNotAllowed},
		{"officer with unit", Account{Role: syncproto.RoleOfficer, Unit: "u", UnitKind: jurisdiction.UnitCommissariat}, ""},
		{"commander without unit", Account{Role: syncproto.RoleCommander}, CodeUnitRequired},
		{"officer with a party", Account{Role: syncproto.RoleOfficer, Unit: "u", Party: "p"}, CodePartyNotAllowed},
		{"director of a directorate", Account{Role: syncproto.RoleDirector, Unit: "d", UnitKind: jurisdiction.UnitDirectorate}, ""},
		{"director of a commissariat", Account{Role: syncproto.RoleDirector, Unit: "u", UnitKind: jurisdiction.UnitCommissariat}, CodeDirectorNeedsDirectorate},
		{"director of an unknown unit", Account{Role: syncproto.RoleDirector, Unit: "u"}, CodeDirectorNeedsDirectorate},
		{"ministry alone", Account{Role: syncproto.RoleMinistry}, ""},
		{"ministry with a unit", Account{Role: syncproto.RoleMinistry, Unit: "u"}, CodeMinistryUnattached},
		{"ministry with a party", Account{Role: syncproto.RoleMinistry, Party: "p"}, CodeMinistryUnattached},
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
	for _, r := range []string{syncproto.RoleOrganizer, syncproto.RolePartyAdmin} {
		if !IsParty(r) || IsPolice(r) {
			t.Errorf("%s: party %v police %v", r, IsParty(r), IsPolice(r))
		}
	}
	for _, r := range []string{syncproto.RoleOfficer, syncproto.RoleCommander, syncproto.RoleDirector} {
		if IsParty(r) || !IsPolice(r) {
			t.Errorf("%s: party %v police %v", r, IsParty(r), IsPolice(r))
		}
	}
	if IsParty(syncproto.RoleMinistry) || IsPolice(syncproto.RoleMinistry) {
		t.Error("ministry is neither")
	}
}
