package migrations

import (
	"github.com/pocketbase/pocketbase/core"
)

// AuthTokenDays is how long a field phone's session lives. A phone that
// stays offline for a week must still sync when it returns, so sessions are
// long; a lost phone is cut off at once by setting `disabled`, which
// rotates the account's token key (hooks/users.go).
const AuthTokenDays = 30

// applySecurityDefaults overrides PocketBase defaults that do not fit a
// police system: the app name, batch limits and the per-IP rate limits.
func applySecurityDefaults(app core.App) error {
	s := app.Settings()
	s.Meta.AppName = "Coprosec"
	s.Meta.SenderName = "Coprosec"

	s.Batch.Enabled = true
	s.Batch.MaxRequests = 50
	s.Batch.Timeout = 10
	s.Batch.MaxBodySize = 4 << 20

	// PocketBase's limiter counts per IP. Carrier NAT puts hundreds of
	// phones behind one address, so per-IP rules apply to guests only
	// (sign-in attempts and anonymous calls); signed-in traffic is limited
	// per account, and failed sign-ins per account (and, for sprays, per
	// IP), by hooks/routes/ratelimit.go.
	s.RateLimits.Enabled = true
	s.RateLimits.Rules = []core.RateLimitRule{
		{Label: "*:auth", Audience: core.RateLimitRuleAudienceGuest, MaxRequests: 60, Duration: 60},
		{Label: "*:create", Audience: core.RateLimitRuleAudienceGuest, MaxRequests: 10, Duration: 60},
		{Label: "/api/batch", Audience: core.RateLimitRuleAudienceGuest, MaxRequests: 5, Duration: 60},
		{Label: "/api/", Audience: core.RateLimitRuleAudienceGuest, MaxRequests: 300, Duration: 60},
	}
	return app.Save(s)
}

// configureUsers sets the auth options of the `users` collection: no
// public sign-up (create rule below), login by email or phone, no alert
// emails, long-lived sessions and an auth rule that refuses disabled
// accounts.
func configureUsers(users *core.Collection) {
	users.PasswordAuth.Enabled = true
	users.PasswordAuth.IdentityFields = []string{core.FieldNameEmail, "phone"}
	users.AuthAlert.Enabled = false
	users.OTP.Enabled = false
	users.MFA.Enabled = false
	users.OAuth2.Enabled = false
	users.AuthToken.Duration = AuthTokenDays * 24 * 3600
	users.AuthRule = rule(`disabled = false`)
	users.ManageRule = nil
}

// usersRules encodes who manages which accounts (DESIGN §2): a party_admin
// its party's organizers, the ministry police accounts, a director sees the
// accounts of its département's units, and nobody changes its own role,
// party, unit or disabled flag.
func usersRules(app core.App, users *core.Collection) error {
	policeRole := `(role = "officer" || role = "commander" || role = "director")`
	bodyPoliceRole := `(@request.body.role = "officer" || @request.body.role = "commander" || @request.body.role = "director")`
	ownOrganizer := `@request.auth.role = "party_admin" && @request.auth.party != "" && role = "organizer" && party = @request.auth.party`
	locked := `@request.body.role:changed = false && @request.body.party:changed = false && @request.body.unit:changed = false`

	users.ListRule = rule(signedIn + " && (" + or(
		`id = @request.auth.id`,
		isMinistry,
		`@request.auth.role = "party_admin" && @request.auth.party != "" && party = @request.auth.party`,
		isDirector+` && unit.departement = `+authDep,
	) + ")")
	users.ViewRule = users.ListRule
	users.CreateRule = rule(signedIn + " && (" + or(
		`@request.auth.role = "party_admin" && @request.auth.party != "" && @request.body.role = "organizer" && @request.body.party = @request.auth.party && @request.body.unit:isset = false`,
		isMinistry+` && `+bodyPoliceRole+` && @request.body.unit != "" && @request.body.party:isset = false`,
	) + ")")
	users.UpdateRule = rule(signedIn + " && (" + or(
		`id = @request.auth.id && `+locked+` && @request.body.disabled:changed = false`,
		ownOrganizer+` && id != @request.auth.id && `+locked,
		isMinistry+` && id != @request.auth.id && `+policeRole+` && (@request.body.role:isset = false || `+bodyPoliceRole+`) && @request.body.party:changed = false && (@request.body.unit:isset = false || @request.body.unit != "")`,
	) + ")")
	users.DeleteRule = rule(signedIn + " && (" + or(
		ownOrganizer+` && id != @request.auth.id`,
		isMinistry+` && `+policeRole,
	) + ")")
	return app.Save(users)
}
