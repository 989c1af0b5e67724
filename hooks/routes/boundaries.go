package routes

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"coprosec/hooks/apierr"
	"coprosec/hooks/write"
	"coprosec/internal/geo"

	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
)

// Codes of GET /api/geo/boundaries.
const (
	CodeInvalidLevel    = "invalid_level"    // level is not departement, commune or arrondissement
	CodeInvalidSimplify = "invalid_simplify" // simplify_m is not a whole number of metres in range
	CodeUnknownDivision = "unknown_division" // within names no division
	CodeInvalidWithin   = "invalid_within"   // within is finer than level
)

// DefaultSimplifyM is the tolerance of boundaries sent without simplify_m:
// 100 m, about 5 px at zoom 13 (a town) and below a pixel at the zoom of
// a département; MaxSimplifyM bounds what a client may ask.
const (
	DefaultSimplifyM = 100
	MaxSimplifyM     = 10000
)

var levelRank = map[string]int{"departement": 1, "commune": 2, "arrondissement": 3}

// boundaryLayer is one level of boundaries simplified at one tolerance,
// each feature already encoded.
type boundaryLayer struct {
	features []boundaryFeature
}

type boundaryFeature struct {
	code, commune, departement string
	json                       []byte
}

type boundaryKey struct {
	stamp, level string
	tol          int
}

// boundaryCache keeps the few layers last asked for: a layer is
// simplified whole (never a part of it), so that a commune asked alone has
// exactly the borders it has in the whole country, and its neighbour asked
// later fits it.
type boundaryCache struct {
	mu      sync.Mutex
	entries map[boundaryKey]*boundaryLayer
	order   []boundaryKey
}

const boundaryCacheSize = 8

func (c *boundaryCache) layer(app core.App, key boundaryKey) (*boundaryLayer, error) {
	c.mu.Lock()
	defer c.mu.Unlock() // one simplification at a time: at most ~0.1 s
	if l, ok := c.entries[key]; ok {
		return l, nil
	}
	features, err := write.StoredBoundaries(app, key.level)
	if err != nil {
		return nil, err
	}
	simplified, _ := geo.SimplifyShared(features, float64(key.tol))
	l := &boundaryLayer{features: make([]boundaryFeature, 0, len(simplified))}
	for _, f := range simplified {
		if len(f.Geometry) == 0 {
			continue
		}
		bf := boundaryFeature{code: f.Code, departement: f.DepartementCode}
		props := map[string]string{"code": f.Code, "name": f.Name, "level": key.level}
		switch key.level {
		case "commune":
			props["departement"] = f.DepartementCode
		case "arrondissement":
			bf.commune = f.ParentCode
			props["commune"], props["departement"] = f.ParentCode, f.DepartementCode
		}
		rawProps, err := json.Marshal(props)
		if err != nil {
			return nil, err
		}
		rawID, _ := json.Marshal(f.Code)
		b := append([]byte(`{"type":"Feature","id":`), rawID...)
		b = append(b, `,"properties":`...)
		b = append(b, rawProps...)
		b = append(b, `,"geometry":`...)
		b = geo.AppendGeometryJSON(b, f.Geometry)
		bf.json = append(b, '}')
		l.features = append(l.features, bf)
	}
	if c.entries == nil {
		c.entries = map[boundaryKey]*boundaryLayer{}
	}
	if len(c.order) >= boundaryCacheSize {
		delete(c.entries, c.order[0])
		c.order = c.order[1:]
	}
	c.entries[key] = l
	c.order = append(c.order, key)
	return l, nil
}

func (s *Routes) bindGeoRoutes(se *core.ServeEvent) {
	se.Router.GET("/api/geo/boundaries", s.handleBoundaries).Bind(apis.RequireAuth(), apis.Gzip())
}

// handleBoundaries answers GET /api/geo/boundaries?level=L[&within=CODE]
// [&simplify_m=N] (DESIGN §5): the stored boundaries of one level as a
// GeoJSON FeatureCollection, simplified without breaking shared borders,
// with an ETag (a matching If-None-Match answers 304).
func (s *Routes) handleBoundaries(e *core.RequestEvent) error {
	q := e.Request.URL.Query()
	level := strings.TrimSpace(q.Get("level"))
	if levelRank[level] == 0 {
		return apierr.Rule(CodeInvalidLevel, "level", "level must be departement, commune or arrondissement.")
	}
	tol := DefaultSimplifyM
	if raw := strings.TrimSpace(q.Get("simplify_m")); q.Has("simplify_m") {
		n, err := strconv.Atoi(raw)
		if err != nil || n < 0 || n > MaxSimplifyM {
			return apierr.Rule(CodeInvalidSimplify, "simplify_m", "simplify_m must be a whole number of metres from 0 (no simplification) to "+strconv.Itoa(MaxSimplifyM)+".")
		}
		tol = n
	}
	g, err := s.write.Geography(e.App)
	if err != nil {
		return e.InternalServerError("", err)
	}
	within := strings.TrimSpace(q.Get("within"))
	withinLevel := ""
	if within != "" {
		if withinLevel = g.DivisionLevel(within); withinLevel == "" {
			return apierr.Rule(CodeUnknownDivision, "within", "within must be the code of a département, a commune or an arrondissement.")
		}
		if levelRank[withinLevel] > levelRank[level] {
			return apierr.Rule(CodeInvalidWithin, "within", "within must be a division of the level asked or a coarser one (a "+withinLevel+" has no "+level+" inside it).")
		}
	}
	layer, err := s.boundaries.layer(e.App, boundaryKey{stamp: g.Stamp(), level: level, tol: tol})
	if err != nil {
		return e.InternalServerError("", err)
	}

	body := []byte(`{"type":"FeatureCollection","features":[`)
	n := 0
	for _, f := range layer.features {
		switch {
		case within == "":
		case withinLevel == level && f.code != within,
			withinLevel == "departement" && f.departement != within,
			withinLevel == "commune" && level == "arrondissement" && f.commune != within:
			continue
		}
		if n > 0 {
			body = append(body, ',')
		}
		body = append(body, f.json...)
		n++
	}
	body = append(body, "]}"...)

	sum := sha256.Sum256(body)
	etag := `W/"` + hex.EncodeToString(sum[:16]) + `"`
	h := e.Response.Header()
	h.Set("ETag", etag)
	// every client revalidates (boundaries change with an import); an
	// unchanged layer costs a 304
	h.Set("Cache-Control", "private, no-cache")
	if etagMatches(e.Request.Header.Get("If-None-Match"), etag) {
		return e.NoContent(http.StatusNotModified)
	}
	return e.Blob(http.StatusOK, "application/geo+json", body)
}

// etagMatches is If-None-Match's weak comparison of header with etag.
func etagMatches(header, etag string) bool {
	if header == "" {
		return false
	}
	bare := strings.TrimPrefix(etag, "W/")
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimSpace(t)
		if t == "*" || strings.TrimPrefix(t, "W/") == bare {
			return true
		}
	}
	return false
}
