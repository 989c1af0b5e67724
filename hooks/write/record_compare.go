package write

import (
	"slices"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"
)

// comparableValues maps field values (a record's, or a client's update of
// r) to what they mean, so that the conflict check of a push compares
// values, not spellings: a value is read as field f would store it (a
// date sent as RFC 3339 or in PocketBase's layout is the same instant),
// and a multi-value select or relation is a set (the same security needs
// in another order are no edit). Unknown keys pass unchanged.
func comparableValues(r *core.Record, values map[string]any) map[string]any {
	out := make(map[string]any, len(values))
	for k, v := range values {
		f := r.Collection().Fields.GetByName(k)
		if f == nil {
			out[k] = v
			continue
		}
		out[k] = comparableValue(f, r, v)
	}
	return out
}

func comparableValue(f core.Field, r *core.Record, v any) any {
	if prepared, err := f.PrepareValue(r, v); err == nil {
		v = prepared
	}
	switch x := v.(type) {
	case types.DateTime:
		return x.String()
	case []string:
		if isSetField(f) {
			sorted := slices.Clone(x)
			slices.Sort(sorted)
			return sorted
		}
	}
	return v
}

// isSetField reports whether f holds several values whose order carries
// no meaning.
func isSetField(f core.Field) bool {
	switch f := f.(type) {
	case *core.SelectField:
		return f.IsMultiple()
	case *core.RelationField:
		return f.IsMultiple()
	}
	return false
}
