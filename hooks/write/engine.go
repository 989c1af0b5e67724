// Package write is everything that happens inside Coprosec's one write
// transaction, PocketBase core's role: the write session and its caches,
// record validation and versions, the rules glue for events, assignments,
// units, incidents and users (J1–J12 on every write path), change capture
// into the sync log, audit rows, receipt issuance, and the application of a
// sync push. The rules themselves live in internal/ packages.
//
// Committed changes are published on the engine's Feed; write never calls
// the realtime fan-out or any route.
package write

import (
	"sync"
	"time"

	"github.com/pocketbase/pocketbase/core"
)

// Config configures Bind.
type Config struct {
	// Now is the clock of every rule (notice, deadlines, cron); tests
	// inject a fixed one. Defaults to time.Now.
	Now func() time.Time
}

// Engine is the write side of one app: its clock, the reference geography
// it caches, who is acting for the records being saved, and the feed of
// committed changes.
type Engine struct {
	app core.App
	now func() time.Time

	geoMu sync.RWMutex
	geo   *Geography // nil until first use; reset after a boundary import

	// actors maps a record being saved by a request to the signed-in
	// user or superuser saving it, so that model hooks (audit) know who
	// acted.
	actors sync.Map // *core.Record → *core.Record

	feed Feed

	escalating sync.Mutex // held by the running escalation job (RunEscalationJob)
}

// Bind binds every write-transaction hook and the escalation job to app.
func Bind(app core.App, cfg Config) *Engine {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	s := &Engine{app: app, now: cfg.Now}
	s.bindUsers()
	s.bindElections()
	s.bindGeography()
	s.bindRecordValidation()
	s.bindSessionTracking()
	s.bindCapture()
	s.bindEvents()
	s.bindItineraries()
	s.bindAssignments()
	s.bindIncidents()
	s.bindUnits()
	s.bindDeadlines()
	s.bindViewGuard()
	return s
}

// Now is the engine clock, in UTC.
func (s *Engine) Now() time.Time { return s.now().UTC() }

// SetClock replaces the engine clock (tests).
func (s *Engine) SetClock(now func() time.Time) { s.now = now }

// Feed is the feed of committed changes (realtime listens to it).
func (s *Engine) Feed() *Feed { return &s.feed }

// Acting records that auth (a user or a superuser) is saving r until the
// returned func is called, so that the audit row of the save, and those of
// the writes it causes, name it.
func (s *Engine) Acting(r, auth *core.Record) (done func()) {
	s.actors.Store(r, auth)
	return func() { s.actors.Delete(r) }
}
