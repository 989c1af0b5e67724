package routes

import (
	"net/http"
	"strconv"
	"strings"

	"coprosec/hooks/apierr"
	"coprosec/hooks/write"
	"coprosec/internal/geo"
	"coprosec/internal/jurisdiction"

	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
)

type unitRef struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Kind string `json:"kind"`
}

type resolveResponse struct {
	Departement    *write.Division `json:"departement"`
	Commune        *write.Division `json:"commune"`
	Arrondissement *write.Division `json:"arrondissement"`
	LeadUnit       *unitRef        `json:"lead_unit"`
	Directorate    *unitRef        `json:"directorate"`
	Uncovered      bool            `json:"uncovered"`
}

func (s *Routes) bindJurisdictionRoutes(se *core.ServeEvent) {
	se.Router.GET("/api/jurisdiction/resolve", s.handleResolve).Bind(apis.RequireAuth())
}

// handleResolve answers GET /api/jurisdiction/resolve?lat=&lon= (or
// ?commune=CODE / ?arrondissement=CODE) with the divisions containing the
// place and the units that would protect an event there (J1–J3).
func (s *Routes) handleResolve(e *core.RequestEvent) error {
	q := e.Request.URL.Query()
	g, err := s.write.Geography(e.App)
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
			return apierr.Rule(jurisdiction.CodeInvalidPoint, "", "lat and lon must be decimal degrees (lat in [-90, 90], lon in [-180, 180]).")
		}
		if !g.HasBoundaries() {
			return apierr.Rule(jurisdiction.CodeNoBoundaries, "", "No boundaries are imported yet: run `coprosec geo import` first.")
		}
		if place, ok = g.Locate(p); !ok {
			return apierr.Rule(jurisdiction.CodeOutsideTerritory, "", "The point is outside the territory of Benin.")
		}
	case q.Has("arrondissement"):
		id := g.ArrondissementByCode(strings.TrimSpace(q.Get("arrondissement")))
		if place, ok = g.ArrondissementPlace(id); !ok {
			return apierr.Rule(jurisdiction.CodeUnknownArrondissement, "arrondissement", "Unknown arrondissement code.")
		}
	case q.Has("commune"):
		id := g.CommuneByCode(strings.TrimSpace(q.Get("commune")))
		if place, ok = g.CommunePlace(id); !ok {
			return apierr.Rule(jurisdiction.CodeUnknownCommune, "commune", "Unknown commune code.")
		}
	default:
		return apierr.Rule(jurisdiction.CodeLocationRequired, "", "Give lat and lon, or commune, or arrondissement.")
	}

	resp := resolveResponse{
		Departement:    g.Division(place.Departement),
		Commune:        g.Division(place.Commune),
		Arrondissement: g.Division(place.Arrondissement),
	}
	units, err := write.LoadUnits(e.App)
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

func unitByID(units []jurisdiction.Unit, id string) *unitRef {
	for _, u := range units {
		if u.ID == id {
			return &unitRef{ID: u.ID, Name: u.Name, Kind: u.Kind}
		}
	}
	return nil
}
