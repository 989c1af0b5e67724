package write

import (
	"coprosec/hooks/apierr"
	"coprosec/internal/accounts"
	"coprosec/internal/syncproto"

	"github.com/pocketbase/pocketbase/core"
)

func (s *Engine) bindUsers() {
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

// validateAccount applies the account rules (internal/accounts) to r.
func validateAccount(app core.App, r *core.Record) error {
	a := accounts.Account{Role: r.GetString("role"), Party: r.GetString("party"), Unit: r.GetString("unit")}
	if a.Role == syncproto.RoleDirector && a.Unit != "" {
		if u, err := app.FindRecordById("units", a.Unit); err == nil {
			a.UnitKind = u.GetString("kind")
		}
	}
	return apierr.FromRule(accounts.Check(a))
}
