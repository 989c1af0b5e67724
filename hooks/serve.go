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
		s.bindReceiptRoutes(e)
		s.bindSyncRoutes(e)
		if _, err := s.loadKeyring(e.App); err != nil { // first start: generate the signing keys
			return fmt.Errorf("receipt keys: %w", err)
		}

		if s.opts.Demo != nil && *s.opts.Demo {
			logins, err := SeedDemo(e.App, s.Now())
			if err != nil {
				return fmt.Errorf("demo seed: %w", err)
			}
			addr := ""
			if e.Server != nil {
				addr = e.Server.Addr
			}
			printDemoLogins(logins, addr)
		}
		return e.Next()
	})
}
