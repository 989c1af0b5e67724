// Package accounts holds the rules of Coprosec's user accounts (DESIGN §2):
// which roles belong to a party, which to a police unit, and what each
// account must be attached to. The role names are syncproto's (users.role).
package accounts

import (
	"coprosec/internal/jurisdiction"
	"coprosec/internal/syncproto"
)

// Codes of the account rules.
const (
	CodePartyRequired            = "party_required"
	CodeUnitNotAllowed           = "unit_not_allowed"
	CodeUnitRequired             = "unit_required"
	CodePartyNotAllowed          = "party_not_allowed"
	CodeDirectorNeedsDirectorate = "director_needs_directorate"
	CodeMinistryUnattached       = "ministry_unattached"
)

// IsParty reports whether role is a party's account.
func IsParty(role string) bool {
	return role == syncproto.RoleOrganizer || role == syncproto.RolePartyAdmin
}

// IsPolice reports whether role is a police unit's account.
func IsPolice(role string) bool {
	return role == syncproto.RoleOfficer || role == syncproto.RoleCommander || role == syncproto.RoleDirector
}

// Account is what the rules read of an account.
type Account struct {
	Role, Party, Unit string
	// UnitKind is the kind of Unit ("" when Unit is empty or unknown).
	UnitKind string
}

// Check refuses an account attached to the wrong kind of thing: a party
// account needs a party and no unit, a police account a unit and no party
// (a director's unit is a directorate), the ministry neither.
func Check(a Account) error {
	switch {
	case IsParty(a.Role):
		if a.Party == "" {
			return refuse(CodePartyRequired, "party", "A party account needs a party.")
		}
		if a.Unit != "" {
			return refuse(CodeUnitNotAllowed, "unit", "A party account cannot belong to a police unit.")
		}
	case IsPolice(a.Role):
		if a.Unit == "" {
			return refuse(CodeUnitRequired, "unit", "A police account needs a unit.")
		}
		if a.Party != "" {
			return refuse(CodePartyNotAllowed, "party", "A police account cannot belong to a party.")
		}
		if a.Role == syncproto.RoleDirector && a.UnitKind != jurisdiction.UnitDirectorate {
			return refuse(CodeDirectorNeedsDirectorate, "unit", "A director account must belong to a departmental directorate.")
		}
	case a.Role == syncproto.RoleMinistry:
		if a.Party != "" || a.Unit != "" {
			return refuse(CodeMinistryUnattached, "role", "A ministry account belongs to no party and no unit.")
		}
	}
	return nil
}

func refuse(code, field, message string) error {
	return &jurisdiction.RuleError{Code: code, Field: field, Message: message}
}
