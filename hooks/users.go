package hooks

import (
	"github.com/pocketbase/pocketbase/core"
)

var (
	partyRoles  = map[string]bool{"organizer": true, "party_admin": true}
	policeRoles = map[string]bool{"officer": true, "commander": true, "director": true}
)

func (s *Service) bindUsers() {
	// Account consistency, on every write path (REST, dashboard, Go).
	s.app.OnRecordValidate("users").BindFunc(func(e *core.RecordEvent) error {
		if err := validateAccount(e.App, e.Record); err != nil {
			return err
		}
		return e.Next()
	})

	// Cutting off a lost phone: rotating the token key invalidates every
	// session of the account at once, and the auth rule refuses new ones.
	s.app.OnRecordUpdate("users").BindFunc(func(e *core.RecordEvent) error {
		if e.Record.GetBool("disabled") && !e.Record.Original().GetBool("disabled") {
			e.Record.RefreshTokenKey()
		}
		return e.Next()
	})
}

func validateAccount(app core.App, r *core.Record) error {
	role := r.GetString("role")
	party, unit := r.GetString("party"), r.GetString("unit")
	switch {
	case partyRoles[role]:
		if party == "" {
			return ruleError("party_required", "party", "A party account needs a party.")
		}
		if unit != "" {
			return ruleError("unit_not_allowed", "unit", "A party account cannot belong to a police unit.")
		}
	case policeRoles[role]:
		if unit == "" {
			return ruleError("unit_required", "unit", "A police account needs a unit.")
		}
		if party != "" {
			return ruleError("party_not_allowed", "party", "A police account cannot belong to a party.")
		}
		if role == "director" {
			u, err := app.FindRecordById("units", unit)
			if err != nil || u.GetString("kind") != "directorate" {
				return ruleError("director_needs_directorate", "unit", "A director account must belong to a departmental directorate.")
			}
		}
	case role == "ministry":
		if party != "" || unit != "" {
			return ruleError("ministry_unattached", "role", "A ministry account belongs to no party and no unit.")
		}
	}
	return nil
}
