package write

import (
	"encoding/json"
	"strconv"

	"coprosec/hooks/apierr"
	"coprosec/internal/geo"
	"coprosec/internal/jurisdiction"

	"github.com/pocketbase/pocketbase/core"
)

// CheckBodyTypes refuses values that PocketBase would silently coerce: a
// geo point that is not {"lat": n, "lon": n} becomes (0, 0) and a bool
// that is not a boolean becomes false. A field phone sending "Cotonou" as
// a location must hear that it was wrong, not lose the place.
func CheckBodyTypes(c *core.Collection, body map[string]any) error {
	for key, v := range body {
		f := c.Fields.GetByName(key)
		if f == nil || v == nil {
			continue
		}
		switch f.Type() {
		case core.FieldTypeGeoPoint:
			if s, ok := v.(string); ok && s == "" {
				continue
			}
			if _, ok := asPoint(v); !ok {
				return apierr.Rule(jurisdiction.CodeInvalidPoint, key, `Expected {"lat": …, "lon": …} in decimal degrees.`)
			}
		case core.FieldTypeBool:
			switch x := v.(type) {
			case bool:
			case string:
				if _, err := strconv.ParseBool(x); err != nil && x != "" {
					return apierr.Rule(jurisdiction.CodeInvalidBool, key, "Expected true or false.")
				}
			default:
				return apierr.Rule(jurisdiction.CodeInvalidBool, key, "Expected true or false.")
			}
		}
	}
	return nil
}

// asPoint reads a {"lat", "lon"} object (or its JSON string, as multipart
// forms send it) with finite, in-range coordinates.
func asPoint(v any) (geo.Point, bool) {
	if s, ok := v.(string); ok {
		var m map[string]any
		if json.Unmarshal([]byte(s), &m) != nil {
			return geo.Point{}, false
		}
		v = m
	}
	m, ok := v.(map[string]any)
	if !ok {
		return geo.Point{}, false
	}
	lat, ok1 := m["lat"].(float64)
	lon, ok2 := m["lon"].(float64)
	p := geo.Point{Lat: lat, Lon: lon}
	return p, ok1 && ok2 && p.Valid()
}
