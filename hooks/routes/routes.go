// Package routes is every HTTP route and middleware of Coprosec, the role of
// PocketBase's apis: sync pull and push, jurisdiction resolve, receipts,
// rate limits, the client filter guard and the request-level checks of
// record writes. Routes parse and answer; what happens inside the write
// transaction is the write engine's.
package routes

import (
	"sync"
	"sync/atomic"

	"coprosec/hooks/clashview"
	"coprosec/hooks/write"

	"github.com/pocketbase/pocketbase/core"
)

// Routes serves the HTTP side of one app.
type Routes struct {
	app   core.App
	write *write.Engine

	// devicePulls: when each device's status was last written by a pull
	// (see pullStatusDue)
	devicePulls sync.Map // deviceKey → time.Time

	// durability: how far the log is replicated (a durabilityBox; its
	// Durability nil without a replica)
	durability atomic.Value
	// simplified boundary layers (GET /api/geo/boundaries)
	boundaries boundaryCache
}

// Bind binds the request hooks of app and, at serve time, its routes and
// middlewares.
func Bind(app core.App, w *write.Engine) *Routes {
	s := &Routes{app: app, write: w}
	s.bindSignInGuard()
	s.bindRecordRequests()
	s.bindRealtimeFilterGuard()
	s.bindRealtimeCaps()
	// an event's clash fields in every REST answer and in PocketBase's
	// own realtime broadcast, as the account may see them (J10)
	clashview.Bind(app)
	app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		s.bindLocalize(se)
		s.bindAccountRateLimit(se)
		s.bindFilterGuard(se)
		s.bindWritePosition(se)
		s.bindRecordWriteTransaction(se)
		s.bindJurisdictionRoutes(se)
		s.bindReceiptRoutes(se)
		s.bindSyncRoutes(se)
		s.bindImportRoutes(se)
		s.bindOpsRoutes(se)
		s.bindGeoRoutes(se)
		s.bindSituationRoutes(se)
		return se.Next()
	})
	return s
}
