package hooks

import "github.com/pocketbase/pocketbase/core"

// CanAccess exposes canAccess to the external tests.
var CanAccess = canAccess

// InSession runs fn in a write session of s, as a push batch does.
func (s *Service) InSession(app core.App, fn func(tx core.App) error) error {
	return s.inSession(app, func(tx core.App, _ *writeSession) error { return fn(tx) })
}
