package hooks

import (
	"fmt"
	"net/http"
	"os"

	"coprosec/hooks/demo"
	"coprosec/hooks/write"

	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
)

// bindServe prepares serving: no installer account, the receipt keys of a
// first start, the field app at /, and the demo seed when asked for.
func bindServe(app core.App, w *write.Engine, cfg *Config) {
	app.OnServe().BindFunc(func(e *core.ServeEvent) error {
		// No installer superuser: admins are created with `superuser upsert`.
		e.InstallerFunc = nil

		if _, err := w.Keyring(e.App); err != nil { // first start: generate the signing keys
			return fmt.Errorf("receipt keys: %w", err)
		}

		bindFieldApp(e, cfg.PublicDir)

		if cfg.Demo {
			logins, err := demo.Seed(e.App, w.Now())
			if err != nil {
				return fmt.Errorf("demo seed: %w", err)
			}
			addr := ""
			if e.Server != nil {
				addr = e.Server.Addr
			}
			demo.PrintLogins(logins, addr)
		}
		return e.Next()
	})
}

// bindFieldApp serves the field app (pb_public/, plain ES modules) at /,
// gzipped for 2G.
func bindFieldApp(e *core.ServeEvent, dir string) {
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
