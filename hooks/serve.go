package hooks

import (
	"fmt"
	"net/http"
	"os"

	"github.com/pocketbase/pocketbase/apis"

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

		s.bindFieldApp(e)

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

// bindFieldApp serves the field app (pb_public/, plain ES modules) at /,
// gzipped for 2G.
func (s *Service) bindFieldApp(e *core.ServeEvent) {
	dir := "pb_public"
	if s.opts.PublicDir != nil && *s.opts.PublicDir != "" {
		dir = *s.opts.PublicDir
	}
	if e.Router.HasRoute(http.MethodGet, "/{path...}") {
		return
	}
	static := apis.Static(os.DirFS(dir), false)
	e.Router.GET("/{path...}", func(re *core.RequestEvent) error {
		// PocketBase's CORS middleware adds "Vary: Origin". Module scripts
		// are requested with an Origin header and the service worker's
		// precache without one, so the worker could not revalidate (304)
		// what the page just downloaded and every file would cross the 2G
		// link twice on a first visit.
		h := re.Response.Header()
		vary := h.Values("Vary")
		h.Del("Vary")
		for _, v := range vary {
			if v != "Origin" {
				h.Add("Vary", v)
			}
		}
		return static(re)
	}).Bind(apis.Gzip())
}
