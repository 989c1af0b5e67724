package write

import (
	"fmt"
	"sync/atomic"
	"time"

	"coprosec/internal/geo"
	"coprosec/internal/jurisdiction"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
)

// Geography is the in-memory view of the reference divisions and their
// polygons that the jurisdiction rules query. It implements
// jurisdiction.Geography with record ids, and keeps codes for responses.
type Geography struct {
	resolver *geo.Resolver // nil without imported boundaries
	stamp    string        // boundaries fingerprint it was built from

	// record id by code, and the parents of each division by record id
	depByCode, comByCode, arrByCode map[string]string
	places                          map[string]jurisdiction.Place // commune or arrondissement id → place
	codeByID                        map[string]string
	nameByID                        map[string]string
	checkedAt                       atomic.Int64 // unix nanos of the last staleness check
}

var _ jurisdiction.Geography = (*Geography)(nil)

func (g *Geography) HasBoundaries() bool { return g.resolver != nil }

func (g *Geography) Locate(p geo.Point) (jurisdiction.Place, bool) {
	if g.resolver == nil {
		return jurisdiction.Place{}, false
	}
	res, ok := g.resolver.Resolve(p)
	if !ok {
		return jurisdiction.Place{}, false
	}
	return jurisdiction.Place{
		Departement:    g.depByCode[res.Departement],
		Commune:        g.comByCode[res.Commune],
		Arrondissement: g.arrByCode[res.Arrondissement],
	}, true
}

func (g *Geography) ArrondissementPlace(id string) (jurisdiction.Place, bool) {
	p, ok := g.places[id]
	return p, ok && p.Arrondissement == id
}

func (g *Geography) CommunePlace(id string) (jurisdiction.Place, bool) {
	p, ok := g.places[id]
	return p, ok && p.Arrondissement == "" && p.Commune == id
}

// geographyStaleAfter bounds how long a serving process may use polygons
// after `coprosec geo import` ran in another process.
const geographyStaleAfter = 2 * time.Second

// Geography returns the current geography, rebuilding it when the
// reference data or boundaries changed (in this process or another).
func (s *Engine) Geography(app core.App) (*Geography, error) {
	s.geoMu.RLock()
	g := s.geo
	s.geoMu.RUnlock()
	if g != nil && time.Since(time.Unix(0, g.checkedAt.Load())) < geographyStaleAfter {
		return g, nil
	}
	stamp, err := geographyStamp(app)
	if err != nil {
		return nil, err
	}
	if g != nil && g.stamp == stamp {
		g.checkedAt.Store(time.Now().UnixNano())
		return g, nil
	}
	s.geoMu.Lock()
	defer s.geoMu.Unlock()
	if s.geo != nil && s.geo.stamp == stamp {
		return s.geo, nil
	}
	g, err = loadGeography(app)
	if err != nil {
		return nil, err
	}
	g.stamp = stamp
	g.checkedAt.Store(time.Now().UnixNano())
	s.geo = g
	return g, nil
}

// InvalidateGeography drops the cached geography (after an import).
func (s *Engine) InvalidateGeography() {
	s.geoMu.Lock()
	s.geo = nil
	s.geoMu.Unlock()
}

// geographyCollections hold what the cached geography is built from.
var geographyCollections = []string{"boundaries", "departements", "communes", "arrondissements"}

// bindGeography drops the cached geography whenever this process writes
// what it is built from (an import through ImportBoundaries, a dashboard
// edit), once the write is committed or rolled back, so that the next
// request sees it at once. Writes by another process (`coprosec geo
// import` beside a running server) are caught by the stamp check within
// geographyStaleAfter.
func (s *Engine) bindGeography() {
	invalidate := func(e *core.ModelEvent) error {
		s.InvalidateGeography()
		return e.Next()
	}
	invalidateOnError := func(e *core.ModelErrorEvent) error {
		s.InvalidateGeography()
		return e.Next()
	}
	tags := geographyCollections
	s.app.OnModelAfterCreateSuccess(tags...).BindFunc(invalidate)
	s.app.OnModelAfterUpdateSuccess(tags...).BindFunc(invalidate)
	s.app.OnModelAfterDeleteSuccess(tags...).BindFunc(invalidate)
	s.app.OnModelAfterCreateError(tags...).BindFunc(invalidateOnError)
	s.app.OnModelAfterUpdateError(tags...).BindFunc(invalidateOnError)
	s.app.OnModelAfterDeleteError(tags...).BindFunc(invalidateOnError)
}

func geographyStamp(app core.App) (string, error) {
	var row struct {
		N, M, K int
		U, V, W string
	}
	err := app.DB().NewQuery(`SELECT
		(SELECT COUNT(*) FROM boundaries) AS n, (SELECT COALESCE(MAX(updated),'') FROM boundaries) AS u,
		(SELECT COUNT(*) FROM arrondissements) AS m, (SELECT COALESCE(MAX(updated),'') FROM arrondissements) AS v,
		(SELECT COUNT(*) FROM communes) AS k, (SELECT COALESCE(MAX(updated),'') FROM communes) AS w`).One(&row)
	if err != nil {
		return "", fmt.Errorf("geography stamp: %w", err)
	}
	return fmt.Sprint(row), nil
}

func loadGeography(app core.App) (*Geography, error) {
	g := &Geography{
		depByCode: map[string]string{}, comByCode: map[string]string{}, arrByCode: map[string]string{},
		places: map[string]jurisdiction.Place{}, codeByID: map[string]string{}, nameByID: map[string]string{},
	}
	type row struct {
		ID, Code, Name, Commune, Departement string
	}
	var deps, coms, arrs []row
	q := func(sql string, dst *[]row) error { return app.DB().NewQuery(sql).All(dst) }
	if err := q(`SELECT id, code, name, '' AS commune, '' AS departement FROM departements`, &deps); err != nil {
		return nil, err
	}
	if err := q(`SELECT id, code, name, '' AS commune, departement FROM communes`, &coms); err != nil {
		return nil, err
	}
	if err := q(`SELECT id, code, name, commune, departement FROM arrondissements`, &arrs); err != nil {
		return nil, err
	}
	for _, d := range deps {
		g.depByCode[d.Code], g.codeByID[d.ID], g.nameByID[d.ID] = d.ID, d.Code, d.Name
	}
	for _, c := range coms {
		g.comByCode[c.Code], g.codeByID[c.ID], g.nameByID[c.ID] = c.ID, c.Code, c.Name
		g.places[c.ID] = jurisdiction.Place{Departement: c.Departement, Commune: c.ID}
	}
	for _, a := range arrs {
		g.arrByCode[a.Code], g.codeByID[a.ID], g.nameByID[a.ID] = a.ID, a.Code, a.Name
		g.places[a.ID] = jurisdiction.Place{Departement: a.Departement, Commune: a.Commune, Arrondissement: a.ID}
	}

	features, err := StoredBoundaries(app, "")
	if err != nil {
		return nil, err
	}
	if len(features) > 0 {
		byLevel := map[geo.Level][]geo.Feature{}
		for _, f := range features {
			byLevel[f.Level] = append(byLevel[f.Level], f)
		}
		g.resolver = geo.NewResolver(byLevel[geo.Departement], byLevel[geo.Commune], byLevel[geo.Arrondissement])
	}
	return g, nil
}

var levelNames = map[string]geo.Level{
	"departement":    geo.Departement,
	"commune":        geo.Commune,
	"arrondissement": geo.Arrondissement,
}

// StoredBoundaries reads stored polygons (one level, or all when level
// is empty) with the parent codes of their reference records.
func StoredBoundaries(app core.App, level string) ([]geo.Feature, error) {
	var rows []struct {
		Level, Code, Geometry string
		Name, Parent, DepCode string
	}
	sql := `SELECT b.level, b.code, b.geometry,
		COALESCE(d.name, c.name, a.name, '') AS name,
		COALESCE(cd.code, ac.code, '') AS parent,
		COALESCE(d.code, cd.code, ad.code, '') AS dep_code
	FROM boundaries b
	LEFT JOIN departements d ON b.level = 'departement' AND d.code = b.code
	LEFT JOIN communes c ON b.level = 'commune' AND c.code = b.code
	LEFT JOIN departements cd ON cd.id = c.departement
	LEFT JOIN arrondissements a ON b.level = 'arrondissement' AND a.code = b.code
	LEFT JOIN communes ac ON ac.id = a.commune
	LEFT JOIN departements ad ON ad.id = a.departement`
	q := app.DB().NewQuery(sql)
	if level != "" {
		q = app.DB().NewQuery(sql + ` WHERE b.level = {:level}`).Bind(dbx.Params{"level": level})
	}
	if err := q.All(&rows); err != nil {
		return nil, fmt.Errorf("loading boundaries: %w", err)
	}
	out := make([]geo.Feature, 0, len(rows))
	for _, r := range rows {
		m, err := geo.DecodeGeometry([]byte(r.Geometry))
		if err != nil {
			return nil, fmt.Errorf("stored boundary %s %s: %w", r.Level, r.Code, err)
		}
		out = append(out, geo.Feature{
			Level: levelNames[r.Level], Code: r.Code, Name: r.Name,
			ParentCode: r.Parent, DepartementCode: r.DepCode, Geometry: m,
		})
	}
	return out, nil
}

// Division names one département, commune or arrondissement in responses.
type Division struct {
	ID   string `json:"id"`
	Code string `json:"code"`
	Name string `json:"name"`
}

// Division is the division of record id, nil for "".
func (g *Geography) Division(id string) *Division {
	if id == "" {
		return nil
	}
	return &Division{ID: id, Code: g.codeByID[id], Name: g.nameByID[id]}
}

// ArrondissementByCode is the record id of the arrondissement code ("" if unknown).
func (g *Geography) ArrondissementByCode(code string) string { return g.arrByCode[code] }

// CommuneByCode is the record id of the commune code ("" if unknown).
func (g *Geography) CommuneByCode(code string) string { return g.comByCode[code] }

// Stamp fingerprints the reference divisions and boundaries g was built
// from: it changes with every import or edit of them.
func (g *Geography) Stamp() string { return g.stamp }

// DivisionLevel is the level of a division code ("departement", "commune"
// or "arrondissement"), "" when no division has it.
func (g *Geography) DivisionLevel(code string) string {
	switch {
	case g.depByCode[code] != "":
		return "departement"
	case g.comByCode[code] != "":
		return "commune"
	case g.arrByCode[code] != "":
		return "arrondissement"
	}
	return ""
}

// DepartementByCode is the record id of the département code ("" if unknown).
func (g *Geography) DepartementByCode(code string) string { return g.depByCode[code] }

// Code is the code of the division of record id ("" if unknown).
func (g *Geography) Code(id string) string { return g.codeByID[id] }

// Name is the name of the division of record id ("" if unknown).
func (g *Geography) Name(id string) string { return g.nameByID[id] }
