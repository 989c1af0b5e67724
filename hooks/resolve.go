package hooks

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"coprosec/internal/geo"
	"coprosec/internal/jurisdiction"

	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/list"
)

// division names one département, commune or arrondissement in responses.
type division struct {
	ID   string `json:"id"`
	Code string `json:"code"`
	Name string `json:"name"`
}

type unitRef struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Kind string `json:"kind"`
}

type resolveResponse struct {
	Departement    *division `json:"departement"`
	Commune        *division `json:"commune"`
	Arrondissement *division `json:"arrondissement"`
	LeadUnit       *unitRef  `json:"lead_unit"`
	Directorate    *unitRef  `json:"directorate"`
	Uncovered      bool      `json:"uncovered"`
}

func (s *Service) bindJurisdictionRoutes(se *core.ServeEvent) {
	se.Router.GET("/api/jurisdiction/resolve", s.handleResolve).Bind(apis.RequireAuth())
}

// handleResolve answers GET /api/jurisdiction/resolve?lat=&lon= (or
// ?commune=CODE / ?arrondissement=CODE) with the divisions containing the
// place and the units that would protect an event there (J1–J3).
func (s *Service) handleResolve(e *core.RequestEvent) error {
	q := e.Request.URL.Query()
	g, err := s.Geography(e.App)
	if err != nil {
		return e.InternalServerError("", err)
	}
	var place jurisdiction.Place
	var ok bool
	switch {
	case q.Has("lat") || q.Has("lon"):
		lat, err1 := strconv.ParseFloat(strings.TrimSpace(q.Get("lat")), 64)
		lon, err2 := strconv.ParseFloat(strings.TrimSpace(q.Get("lon")), 64)
		p := geo.Point{Lat: lat, Lon: lon}
		if err1 != nil || err2 != nil || !p.Valid() {
			return ruleError("invalid_point", "", "lat and lon must be decimal degrees (lat in [-90, 90], lon in [-180, 180]).")
		}
		if !g.HasBoundaries() {
			return ruleError("no_boundaries", "", "No boundaries are imported yet: run `coprosec geo import` first.")
		}
		if place, ok = g.Locate(p); !ok {
			return ruleError("outside_territory", "", "The point is outside the territory of Benin.")
		}
	case q.Has("arrondissement"):
		id := g.arrByCode[strings.TrimSpace(q.Get("arrondissement"))]
		if place, ok = g.ArrondissementPlace(id); !ok {
			return ruleError("unknown_arrondissement", "arrondissement", "Unknown arrondissement code.")
		}
	case q.Has("commune"):
		id := g.comByCode[strings.TrimSpace(q.Get("commune"))]
		if place, ok = g.CommunePlace(id); !ok {
			return ruleError("unknown_commune", "commune", "Unknown commune code.")
		}
	default:
		return ruleError("location_required", "", "Give lat and lon, or commune, or arrondissement.")
	}

	resp := resolveResponse{
		Departement:    g.division(place.Departement),
		Commune:        g.division(place.Commune),
		Arrondissement: g.division(place.Arrondissement),
	}
	units, err := loadUnits(e.App)
	if err != nil {
		return e.InternalServerError("", err)
	}
	cov := jurisdiction.NewCoverage(units)
	// With no unit at all (not even a directorate) the place is uncovered
	// too: lead_unit stays null rather than failing the look-up.
	lead, uncovered, err := cov.Lead(place)
	resp.Uncovered = uncovered
	if err == nil {
		resp.LeadUnit = unitByID(units, lead)
	}
	if dir, ok := cov.Directorate(place.Departement); ok {
		resp.Directorate = unitByID(units, dir)
	}
	return e.JSON(http.StatusOK, resp)
}

func (g *geography) division(id string) *division {
	if id == "" {
		return nil
	}
	return &division{ID: id, Code: g.codeByID[id], Name: g.nameByID[id]}
}

func unitByID(units []jurisdiction.Unit, id string) *unitRef {
	for _, u := range units {
		if u.ID == id {
			return &unitRef{ID: u.ID, Name: u.Name, Kind: u.Kind}
		}
	}
	return nil
}

// loadUnits reads every unit with its coverage, as the rules need them.
//
// Every event write calls it (J2–J4 need the whole coverage), so it reads
// the seven columns straight from the table rather than through
// FindAllRecords, which builds full records with field interceptors and
// hooks: with one commissariat per arrondissement (558 units) that was
// ~60% of the time of declaring an event. It reads through app, so inside
// a transaction it sees that transaction's own unit edits.
func loadUnits(app core.App) ([]jurisdiction.Unit, error) {
	var rows []struct {
		ID, Name, Kind, Departement, Parent string
		Communes, Arrondissements           string
	}
	err := app.DB().NewQuery(`SELECT id, name, kind, departement, parent, communes, arrondissements FROM units`).All(&rows)
	if err != nil {
		return nil, fmt.Errorf("loading units: %w", err)
	}
	units := make([]jurisdiction.Unit, len(rows))
	for i, r := range rows {
		units[i] = jurisdiction.Unit{
			ID: r.ID, Name: r.Name, Kind: r.Kind, Departement: r.Departement, Parent: r.Parent,
			// multiple relations are stored as JSON arrays of ids; this
			// also accepts a bare id, as PocketBase's own reader does
			Communes: list.ToUniqueStringSlice(r.Communes), Arrondissements: list.ToUniqueStringSlice(r.Arrondissements),
		}
	}
	return units, nil
}

func unitFromRecord(r *core.Record) jurisdiction.Unit {
	return jurisdiction.Unit{
		ID: r.Id, Name: r.GetString("name"), Kind: r.GetString("kind"),
		Departement: r.GetString("departement"), Parent: r.GetString("parent"),
		Communes: r.GetStringSlice("communes"), Arrondissements: r.GetStringSlice("arrondissements"),
	}
}
