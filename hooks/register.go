// Package hooks is the PocketBase glue of Coprosec: it binds every hook,
// route, cron job and command through Register, which main.go and every test
// app call, so that no behaviour exists that a test app lacks. The rules
// themselves live in internal/ packages that do not import PocketBase.
package hooks

import (
	"sync"
	"time"

	"github.com/pocketbase/pocketbase/core"
)

// Options configures Register.
type Options struct {
	// Demo, when it points to true at serve time, seeds the demo data once
	// and prints the demo logins.
	Demo *bool
	// PublicDir is the directory of the field app served at / (default
	// pb_public, relative to the working directory).
	PublicDir *string
	// Now is the clock used by every rule (notice, deadlines, cron); tests
	// inject a fixed one. Defaults to time.Now.
	Now func() time.Time
}

// Service holds what the hooks share: the app, the clock and caches.
type Service struct {
	app  core.App
	opts Options

	geoMu sync.RWMutex
	geo   *geography // nil until first use; reset after a boundary import

	// actors maps a record being saved by a request to the signed-in
	// user saving it, so that model hooks (audit) know who acted.
	actors sync.Map // *core.Record → *core.Record
	pokes  *poker

	// devicePulls: when each device's status was last written by a pull
	// (user id + "\x00" + device → time.Time), see pullStatusDue
	devicePulls sync.Map
}

// Register binds every Coprosec hook, route and cron job to app.
func Register(app core.App, opts Options) *Service {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	s := &Service{app: app, opts: opts}
	s.bindServe()
	s.bindUsers()
	s.bindSignInGuard()
	s.bindReference()
	s.bindGeography()
	s.bindRecordValidation()
	s.bindSessionTracking()
	s.bindCapture()
	s.bindPermissions()
	s.bindEvents()
	s.bindAssignments()
	s.bindIncidents()
	s.bindUnits()
	s.bindDeadlines()
	s.bindRealtime()
	return s
}

// Now is the service clock, in UTC.
func (s *Service) Now() time.Time { return s.opts.Now().UTC() }

// SetClock replaces the service clock (tests).
func (s *Service) SetClock(now func() time.Time) { s.opts.Now = now }
