package hooks

import (
	"fmt"

	"github.com/pocketbase/pocketbase/core"
)

func (s *Service) bindServe() {
	s.app.OnServe().BindFunc(func(e *core.ServeEvent) error {
		// No installer superuser: admins are created with `superuser upsert`.
		e.InstallerFunc = nil

		s.bindAccountRateLimit(e)
		s.bindJurisdictionRoutes(e)

		if s.opts.Demo != nil && *s.opts.Demo {
			logins, err := SeedDemo(e.App, s.Now())
			if err != nil {
				return fmt.Errorf("demo seed: %w", err)
			}
			printDemoLogins(logins, e.Server.Addr)
		}
		return e.Next()
	})
}
