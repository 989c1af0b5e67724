package write

import (
	"coprosec/hooks/apierr"
	"coprosec/internal/jurisdiction"

	"github.com/pocketbase/pocketbase/core"
)

func (s *Engine) bindIncidents() {
	s.app.OnRecordCreate("incidents").BindFunc(s.onIncidentSave)
	s.app.OnRecordUpdate("incidents").BindFunc(s.onIncidentSave)
}

// onIncidentSave routes an incident to a unit on every write path: the lead
// unit of its event, or else the unit covering its location (J1/J2).
func (s *Engine) onIncidentSave(e *core.RecordEvent) error {
	r := e.Record
	if r.GetString("status") == "" {
		r.Set("status", "unverified")
	}
	routingChanged := r.IsNew() || !sameValue(r.Original().Get("event"), r.Get("event")) ||
		!sameValue(r.Original().Get("location"), r.Get("location"))
	if !r.IsNew() && r.GetString("event") == "" && pointOf(r, "location") == nil {
		// its event was deleted (PocketBase clears the relation): the
		// incident stays with the unit that received it
		routingChanged = false
	}
	// the unit coverage is read only when needed, at most once per session
	coverage := func() (*jurisdiction.Coverage, error) { return unitCoverage(e.App) }
	if routingChanged {
		if err := s.routeIncident(e.App, r, coverage); err != nil {
			return err
		}
	}
	flagged := jurisdiction.IncidentFlagged(r.GetInt("severity"))
	r.Set("flagged", flagged)
	if flagged {
		c, err := coverage()
		if err != nil {
			return err
		}
		dir, _ := c.Directorate(r.GetString("departement"))
		r.Set("directorate", dir)
	} else {
		r.Set("directorate", "")
	}
	return e.Next()
}

func (s *Engine) routeIncident(app core.App, r *core.Record, coverage func() (*jurisdiction.Coverage, error)) error {
	if eventID := r.GetString("event"); eventID != "" {
		ev, err := app.FindRecordById("events", eventID)
		if err != nil {
			return apierr.Rule(jurisdiction.CodeUnknownEvent, "event", "Unknown event.")
		}
		for _, f := range []string{"commune", "arrondissement", "departement"} {
			r.Set(f, ev.GetString(f))
		}
		r.Set("unit", ev.GetString("lead_unit"))
		return nil
	}
	p := pointOf(r, "location")
	if p == nil {
		return apierr.Rule(jurisdiction.CodeLocationRequired, "location", "An incident needs an event or a location.")
	}
	g, err := s.Geography(app)
	if err != nil {
		return err
	}
	place, err := jurisdiction.Resolve(jurisdiction.Event{Location: p}, g)
	if err != nil {
		return apierr.FromRule(err)
	}
	cov, err := coverage()
	if err != nil {
		return err
	}
	lead, _, err := cov.Lead(place)
	if err != nil {
		return apierr.FromRule(err)
	}
	r.Set("commune", place.Commune)
	r.Set("arrondissement", place.Arrondissement)
	r.Set("departement", place.Departement)
	r.Set("unit", lead)
	return nil
}
