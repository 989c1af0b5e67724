package migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

func init() {
	m.Register(addMustChangePassword, nil)
}

// addMustChangePassword adds users.must_change_password: true while the
// account's password is one somebody else chose (an initial password from
// `accounts import`, an account created or a password reset by its
// administrator), false once the account set its own. The field app asks
// for a new password before anything else while it is true. The server
// sets it (write.AuthorizeWrite); the account and its managers read it.
//
// A password reset by a manager needs the manage rule set here.
func addMustChangePassword(app core.App) error {
	users, err := app.FindCollectionByNameOrId("users")
	if err != nil {
		return err
	}
	users.Fields.Add(&core.BoolField{Name: "must_change_password",
		Help: "Mot de passe initial : à changer à la première connexion"})
	// An account's manager resets its password without knowing the old
	// one (PocketBase's manage rule): a party_admin its party's
	// organizers, the ministry police accounts; never one's own.
	users.ManageRule = rule(signedIn + ` && id != @request.auth.id && (` + or(
		`@request.auth.role = "party_admin" && @request.auth.party != "" && role = "organizer" && party = @request.auth.party`,
		isMinistry+` && (role = "officer" || role = "commander" || role = "director")`,
	) + `)`)
	return app.Save(users)
}
