package geo

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// MaxGeoJSONBytes bounds what ReadGeoJSON accepts. Benin's arrondissement
// layer is under 1 MiB; the limit leaves room for finer sources while
// keeping a hostile upload from exhausting memory.
const MaxGeoJSONBytes = 64 << 20

// Layouts recognised by ReadGeoJSON, as reported in Layer.Layout.
const (
	// LayoutCoprosec is the layout of the project's reference files:
	// properties code, name and, optionally, parent_code,
	// departement_code and iso_3166_2.
	LayoutCoprosec = "coprosec"
	// LayoutGeoBoundaries is the layout of geoboundaries.org downloads:
	// properties shapeName, shapeID, shapeISO and shapeType (ADM1–ADM3).
	// It carries no parent codes; see AssignParents.
	LayoutGeoBoundaries = "geoboundaries"
)

var (
	// ErrMalformed is wrapped by every error ReadGeoJSON returns for input
	// it cannot accept, except ErrTooLarge.
	ErrMalformed = errors.New("geo: malformed GeoJSON")
	// ErrTooLarge is returned when the input exceeds MaxGeoJSONBytes.
	ErrTooLarge = errors.New("geo: GeoJSON input exceeds 64 MiB")
)

// Layer is one administrative level read from a GeoJSON file.
type Layer struct {
	Level    Level
	Layout   string
	Features []Feature
}

type rawCollection struct {
	Type     string            `json:"type"`
	Features []json.RawMessage `json:"features"`
}

type rawFeature struct {
	Type       string                     `json:"type"`
	Properties map[string]json.RawMessage `json:"properties"`
	Geometry   *rawGeometry               `json:"geometry"`
}

type rawGeometry struct {
	Type        string          `json:"type"`
	Coordinates json.RawMessage `json:"coordinates"`
}

// ReadGeoJSON reads a FeatureCollection holding one administrative level
// in either the coprosec or the geoBoundaries layout.
//
// All features must share one layout and one level, have a non-empty code
// (unique in the layer) and name, and a valid Polygon or MultiPolygon
// geometry; rings that are not closed are closed. In the coprosec layout,
// DepartementCode is departement_code when present, else the feature's own
// code for a département and its parent_code for a commune; the
// geoBoundaries layout leaves parents empty. Errors wrap ErrMalformed
// and name the offending feature by its index in the collection, so that
// an operator can fix a file without a GIS tool.
func ReadGeoJSON(r io.Reader) (*Layer, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxGeoJSONBytes+1))
	if err != nil {
		return nil, fmt.Errorf("geo: reading GeoJSON: %w", err)
	}
	if len(data) > MaxGeoJSONBytes {
		return nil, ErrTooLarge
	}

	var fc rawCollection
	if err := json.Unmarshal(data, &fc); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	if fc.Type != "FeatureCollection" {
		return nil, fmt.Errorf("%w: type is %q, want \"FeatureCollection\"", ErrMalformed, fc.Type)
	}
	if len(fc.Features) == 0 {
		return nil, fmt.Errorf("%w: FeatureCollection has no features", ErrMalformed)
	}

	layer := &Layer{Features: make([]Feature, 0, len(fc.Features))}
	seen := make(map[string]int, len(fc.Features))
	for i, raw := range fc.Features {
		f, layout, err := decodeFeature(raw)
		if err != nil {
			return nil, fmt.Errorf("%w: feature %d: %v", ErrMalformed, i, err)
		}
		if i == 0 {
			layer.Layout, layer.Level = layout, f.Level
		}
		if layout != layer.Layout {
			return nil, fmt.Errorf("%w: feature %d: %s layout, but feature 0 has the %s layout",
				ErrMalformed, i, layout, layer.Layout)
		}
		if f.Level != layer.Level {
			return nil, fmt.Errorf("%w: feature %d (%q): level %v, but feature 0 has level %v; a file holds one level",
				ErrMalformed, i, f.Code, f.Level, layer.Level)
		}
		if j, dup := seen[f.Code]; dup {
			return nil, fmt.Errorf("%w: feature %d: duplicate code %q (also feature %d)", ErrMalformed, i, f.Code, j)
		}
		seen[f.Code] = i
		layer.Features = append(layer.Features, f)
	}
	return layer, nil
}

// decodeFeature decodes one GeoJSON Feature and reports its layout. Errors
// are plain; the caller adds the sentinel and the feature index.
func decodeFeature(raw json.RawMessage) (Feature, string, error) {
	var rf rawFeature
	if err := json.Unmarshal(raw, &rf); err != nil {
		return Feature{}, "", err
	}
	if rf.Type != "Feature" {
		return Feature{}, "", fmt.Errorf("type is %q, want \"Feature\"", rf.Type)
	}

	var (
		f      Feature
		layout string
		err    error
	)
	switch {
	case hasAny(rf.Properties, "shapeID", "shapeType", "shapeName"):
		layout = LayoutGeoBoundaries
		f, err = geoBoundariesProps(rf.Properties)
	case hasAny(rf.Properties, "code", "name", "parent_code"):
		layout = LayoutCoprosec
		f, err = coprosecProps(rf.Properties)
	default:
		err = errors.New("unknown layout: properties have neither code and name (coprosec) " +
			"nor shapeID, shapeName and shapeType (geoBoundaries)")
	}
	if err != nil {
		return Feature{}, "", err
	}

	if rf.Geometry == nil {
		return Feature{}, "", fmt.Errorf("%q has no geometry", f.Code)
	}
	f.Geometry, err = decodeGeometry(rf.Geometry)
	if err != nil {
		return Feature{}, "", fmt.Errorf("%q: %v", f.Code, err)
	}
	return f, layout, nil
}

// coprosecProps reads the project layout. The level comes from the shape of
// the code (BJ01, BJ0101, BJ0101-01); codes of another shape fall back on
// the parent_code: none means a département.
func coprosecProps(props map[string]json.RawMessage) (Feature, error) {
	var f Feature
	var err error
	get := func(key string) string {
		if err != nil {
			return ""
		}
		var s string
		s, err = stringProp(props, key)
		return s
	}
	f.Code = get("code")
	f.Name = get("name")
	f.ParentCode = get("parent_code")
	f.DepartementCode = get("departement_code")
	f.ISO = get("iso_3166_2")
	if err != nil {
		return Feature{}, err
	}
	if f.Code == "" {
		return Feature{}, errors.New("missing property code")
	}
	if f.Name == "" {
		return Feature{}, fmt.Errorf("%q: missing property name", f.Code)
	}
	if f.ParentCode == f.Code {
		return Feature{}, fmt.Errorf("%q: parent_code is the feature's own code", f.Code)
	}

	f.Level = codeLevel(f.Code)
	parentLevel := codeLevel(f.ParentCode)
	switch {
	case f.ParentCode == "":
		if f.Level == 0 {
			f.Level = Departement
		}
	case f.Level == Departement:
		return Feature{}, fmt.Errorf("%q: a département code cannot have parent_code %q", f.Code, f.ParentCode)
	case f.Level == 0 && parentLevel == Arrondissement:
		return Feature{}, fmt.Errorf("%q: parent_code %q is an arrondissement code; arrondissements have no children here",
			f.Code, f.ParentCode)
	case f.Level == 0 && parentLevel != 0:
		f.Level = parentLevel + 1
	case f.Level == 0:
		// Neither code has a known shape: a separate departement_code
		// means the parent is a commune.
		f.Level = Commune
		if f.DepartementCode != "" && f.DepartementCode != f.ParentCode {
			f.Level = Arrondissement
		}
	case parentLevel != 0 && parentLevel != f.Level-1:
		return Feature{}, fmt.Errorf("%q: parent_code %q is a %v code, want a %v code",
			f.Code, f.ParentCode, parentLevel, f.Level-1)
	}

	if f.DepartementCode == "" {
		switch f.Level {
		case Departement:
			f.DepartementCode = f.Code
		case Commune:
			f.DepartementCode = f.ParentCode
		}
	}
	return f, nil
}

// geoBoundariesProps reads the geoBoundaries layout.
func geoBoundariesProps(props map[string]json.RawMessage) (Feature, error) {
	var f Feature
	var vals [4]string
	for i, key := range [...]string{"shapeID", "shapeName", "shapeType", "shapeISO"} {
		s, err := stringProp(props, key)
		if err != nil {
			return Feature{}, err
		}
		vals[i] = s
	}
	f.Code, f.Name = vals[0], vals[1]
	if f.Code == "" {
		return Feature{}, errors.New("missing property shapeID")
	}
	if f.Name == "" {
		return Feature{}, fmt.Errorf("%q: missing property shapeName", f.Code)
	}
	switch vals[2] {
	case "ADM1":
		f.Level = Departement
		f.DepartementCode = f.Code
	case "ADM2":
		f.Level = Commune
	case "ADM3":
		f.Level = Arrondissement
	case "":
		return Feature{}, fmt.Errorf("%q: missing property shapeType", f.Code)
	default:
		return Feature{}, fmt.Errorf("%q: shapeType %q is not ADM1, ADM2 or ADM3", f.Code, vals[2])
	}
	// geoBoundaries writes "None" where a unit has no ISO code.
	if vals[3] != "None" {
		f.ISO = vals[3]
	}
	return f, nil
}

// stringProp returns the trimmed string property key; absent and null
// both give "". Any other JSON type is an error rather than a silent
// conversion, since a numeric code would likely lose leading zeros.
func stringProp(props map[string]json.RawMessage, key string) (string, error) {
	raw, ok := props[key]
	if !ok {
		return "", nil
	}
	var s *string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", fmt.Errorf("property %s is not a string: %s", key, truncate(raw, 40))
	}
	if s == nil {
		return "", nil
	}
	return strings.TrimSpace(*s), nil
}

func hasAny(props map[string]json.RawMessage, keys ...string) bool {
	for _, k := range keys {
		if _, ok := props[k]; ok {
			return true
		}
	}
	return false
}

func truncate(b []byte, n int) string {
	if len(b) <= n {
		return string(b)
	}
	return string(b[:n]) + "…"
}

// codeLevel recognises p-code shapes: two upper-case letters and two
// digits for a département (BJ01), four digits for a commune (BJ0101),
// and a commune code with "-NN" for an arrondissement (BJ0101-01). Any
// other string gives 0.
func codeLevel(code string) Level {
	digits := func(s string) bool {
		for i := 0; i < len(s); i++ {
			if s[i] < '0' || s[i] > '9' {
				return false
			}
		}
		return true
	}
	if len(code) < 4 || code[0] < 'A' || code[0] > 'Z' || code[1] < 'A' || code[1] > 'Z' {
		return 0
	}
	switch {
	case len(code) == 4 && digits(code[2:]):
		return Departement
	case len(code) == 6 && digits(code[2:]):
		return Commune
	case len(code) == 9 && digits(code[2:6]) && code[6] == '-' && digits(code[7:]):
		return Arrondissement
	}
	return 0
}

// decodeGeometry converts a Polygon or MultiPolygon, closing open rings and
// rejecting positions outside the WGS84 range.
func decodeGeometry(g *rawGeometry) (MultiPolygon, error) {
	var polys [][][][]float64
	switch g.Type {
	case "Polygon":
		var p [][][]float64
		if err := json.Unmarshal(g.Coordinates, &p); err != nil {
			return nil, fmt.Errorf("Polygon coordinates: %v", err)
		}
		polys = [][][][]float64{p}
	case "MultiPolygon":
		if err := json.Unmarshal(g.Coordinates, &polys); err != nil {
			return nil, fmt.Errorf("MultiPolygon coordinates: %v", err)
		}
	default:
		return nil, fmt.Errorf("unsupported geometry type %q, want Polygon or MultiPolygon", g.Type)
	}

	m := make(MultiPolygon, len(polys))
	for i, poly := range polys {
		m[i] = make(Polygon, len(poly))
		for j, ring := range poly {
			r := make(Ring, len(ring), len(ring)+1)
			for k, pos := range ring {
				if len(pos) < 2 {
					return nil, fmt.Errorf("polygon %d ring %d position %d has %d numbers, want [lon, lat]",
						i, j, k, len(pos))
				}
				p := Point{Lat: pos[1], Lon: pos[0]}
				if !p.Valid() {
					return nil, fmt.Errorf("polygon %d ring %d position %d: bad coordinates [%v, %v], want lon in [-180, 180] and lat in [-90, 90]",
						i, j, k, pos[0], pos[1])
				}
				r[k] = p
			}
			if n := len(r); n > 0 && r[0] != r[n-1] {
				r = append(r, r[0])
			}
			m[i][j] = r
		}
	}
	if err := m.Valid(); err != nil {
		return nil, fmt.Errorf("invalid geometry: %v", err)
	}
	return m, nil
}
