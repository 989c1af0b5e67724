package write

import (
	"encoding/json"
	"math"
	"strconv"
	"strings"

	"coprosec/hooks/apierr"
	"coprosec/internal/geo"
	"coprosec/internal/jurisdiction"

	"github.com/pocketbase/pocketbase/core"
)

// CheckBodyTypes refuses values that PocketBase would silently coerce: a
// word for a number becomes 0, an object for a list becomes [], a number
// for a text becomes its digits, a geo point that is not {"lat": n, "lon":
// n} becomes (0, 0) and a bool that is not a boolean becomes false. A field
// phone sending "Cotonou" as a location must hear that it was wrong, not
// lose the place.
//
// body is the request body as sent: JSON values, or the strings of a
// multipart form (where every value is text, and a list repeats its key).
// Keys may carry PocketBase's modifiers ("field+", "+field", "field-").
func CheckBodyTypes(c *core.Collection, body map[string]any) error {
	for key, v := range body {
		name := strings.TrimSuffix(strings.TrimSuffix(strings.TrimPrefix(key, "+"), "+"), "-")
		f := c.Fields.GetByName(name)
		if f == nil || v == nil {
			continue
		}
		if err := checkValueType(f, name, v); err != nil {
			return err
		}
	}
	return nil
}

// CheckServerKeys refuses, with server_field, a client body that writes
// what only the server writes: the version, a hidden field, the
// timestamps, another id or another collection. PocketBase drops most of
// these silently; a client must hear that its write was not what it
// meant (REST and push answer the same). recordID is the record written
// ("" for a REST create, which may choose its id). Other unknown keys
// (replica extras such as "expand") are ignored, as PocketBase does.
func CheckServerKeys(c *core.Collection, body map[string]any, recordID string) error {
	refuse := func(key string) error {
		return apierr.Rule(jurisdiction.CodeServerField, key, `Field "`+key+`" is set by the server.`)
	}
	for key, v := range body {
		switch key {
		case core.FieldNameId:
			if s, _ := v.(string); recordID != "" && s != recordID {
				return refuse(key)
			}
			continue
		case "collectionId":
			if s, _ := v.(string); s != c.Id {
				return refuse(key)
			}
			continue
		case "collectionName":
			if s, _ := v.(string); s != c.Name {
				return refuse(key)
			}
			continue
		}
		name := strings.TrimSuffix(strings.TrimSuffix(strings.TrimPrefix(key, "+"), "+"), "-")
		f := c.Fields.GetByName(name)
		if f == nil {
			continue
		}
		// a password is hidden from reads but written by its owner
		hidden := f.GetHidden() && f.Type() != core.FieldTypePassword
		if name == "version" || hidden || f.Type() == core.FieldTypeAutodate {
			return refuse(name)
		}
	}
	return nil
}

func checkValueType(f core.Field, name string, v any) error {
	wrong := func(want string) error {
		return apierr.Rule(jurisdiction.CodeInvalidType, name, "Expected "+want+".")
	}
	switch f.Type() {
	case core.FieldTypeGeoPoint:
		if s, ok := v.(string); ok && s == "" {
			return nil
		}
		if _, ok := asPoint(v); !ok {
			return apierr.Rule(jurisdiction.CodeInvalidPoint, name, `Expected {"lat": …, "lon": …} in decimal degrees.`)
		}
	case core.FieldTypeBool:
		switch x := v.(type) {
		case bool:
		case string:
			if _, err := strconv.ParseBool(x); err != nil && x != "" {
				return apierr.Rule(jurisdiction.CodeInvalidBool, name, "Expected true or false.")
			}
		default:
			return apierr.Rule(jurisdiction.CodeInvalidBool, name, "Expected true or false.")
		}
	case core.FieldTypeNumber:
		n, ok := v.(float64)
		if s, isText := v.(string); isText {
			if strings.TrimSpace(s) == "" {
				return nil
			}
			var err error
			n, err = strconv.ParseFloat(strings.TrimSpace(s), 64)
			ok = err == nil
		}
		if !ok {
			return wrong("a number")
		}
		if math.IsNaN(n) || math.Abs(n) > maxSafeNumber {
			return numberOutOfRange(name)
		}
	case core.FieldTypeText, core.FieldTypeEditor, core.FieldTypeEmail, core.FieldTypeURL, core.FieldTypeDate, core.FieldTypePassword:
		if _, ok := v.(string); !ok {
			return wrong("text")
		}
	case core.FieldTypeSelect, core.FieldTypeRelation:
		if !isTextOrTextList(v) {
			return wrong("an id or a list of ids")
		}
	}
	return nil
}

func isTextOrTextList(v any) bool {
	switch x := v.(type) {
	case string, []string:
		return true
	case []any:
		for _, e := range x {
			if _, ok := e.(string); !ok {
				return false
			}
		}
		return true
	}
	return false
}

// maxSafeNumber is the largest integer every client reads exactly: a
// JavaScript number, a JSON decoder into float64, the receipt digest.
const maxSafeNumber = 1<<53 - 1

func numberOutOfRange(name string) error {
	return apierr.Rule(jurisdiction.CodeNumberOutOfRange, name, "The number is too large.")
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
