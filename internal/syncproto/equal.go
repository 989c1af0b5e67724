package syncproto

import (
	"encoding/json"
	"math"
	"reflect"
	"strconv"
	"strings"
)

// ValueEqual reports whether two field values are the same for merging.
// One side usually comes from the database (Go types, possibly PocketBase
// types such as DateTime or JSONRaw) and the other from a client's JSON
// (float64, string, bool, nil, []any, map[string]any). The rules:
//
//   - Numbers compare by value across Go types: float64(3) == int(3) ==
//     json.Number("3"). Integers compare exactly, without a float64 round
//     trip, so large ids do not collide.
//   - nil, "" and an empty array are all "empty" and equal to each other:
//     PocketBase stores a cleared text, relation, select or file field as
//     "" or [] whichever the client sent, so null vs "" is not an edit.
//     0 and false are not empty: they are real values in number and bool
//     fields.
//   - Arrays compare element-wise, in order; objects key-wise, a missing
//     key being nil.
//   - Other types (time, PocketBase types, structs) compare by their JSON
//     encoding, decoded back to plain values, so a DateTime equals the
//     string it marshals to.
func ValueEqual(a, b any) bool {
	return plainEqual(plain(a), plain(b))
}

func plainEqual(a, b any) bool {
	if isEmpty(a) && isEmpty(b) {
		return true
	}
	switch x := a.(type) {
	case int64:
		switch y := b.(type) {
		case int64:
			return x == y
		case float64:
			return intFloatEqual(x, y)
		}
		return false
	case float64:
		switch y := b.(type) {
		case int64:
			return intFloatEqual(y, x)
		case float64:
			return x == y
		}
		return false
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !plainEqual(plain(x[i]), plain(y[i])) {
				return false
			}
		}
		return true
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok {
			return false
		}
		for k, v := range x {
			if !plainEqual(plain(v), plain(y[k])) {
				return false
			}
		}
		for k, v := range y {
			if _, done := x[k]; !done && !plainEqual(nil, plain(v)) {
				return false
			}
		}
		return true
	}
	// nil, bool, string, or a value JSON could not express.
	return reflect.DeepEqual(a, b)
}

func isEmpty(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case string:
		return x == ""
	case []any:
		return len(x) == 0
	}
	return false
}

func intFloatEqual(i int64, f float64) bool {
	// -2^63 is exact in float64; 2^63 is not an int64.
	if f != math.Trunc(f) || f < -(1<<63) || f >= 1<<63 {
		return false
	}
	return int64(f) == i
}

// plain maps v to nil, bool, string, int64, float64, []any or
// map[string]any where it can. Element normalisation of []any and
// map[string]any is left to plainEqual so it stays lazy.
func plain(v any) any {
	switch x := v.(type) {
	case nil, bool, string, float64, int64, []any, map[string]any:
		return x
	case float32:
		return float64(x)
	case int:
		return int64(x)
	case int8:
		return int64(x)
	case int16:
		return int64(x)
	case int32:
		return int64(x)
	case uint:
		return uintPlain(uint64(x))
	case uint8:
		return int64(x)
	case uint16:
		return int64(x)
	case uint32:
		return int64(x)
	case uint64:
		return uintPlain(x)
	case json.Number:
		return numberPlain(string(x))
	case []string:
		out := make([]any, len(x))
		for i, s := range x {
			out[i] = s
		}
		return out
	}
	// Anything else: through its JSON form. UseNumber keeps integers exact.
	b, err := json.Marshal(v)
	if err != nil {
		return v
	}
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.UseNumber()
	var out any
	if dec.Decode(&out) != nil {
		return v
	}
	return deepPlain(out)
}

// deepPlain converts json.Number leaves of a decoded value.
func deepPlain(v any) any {
	switch x := v.(type) {
	case json.Number:
		return numberPlain(string(x))
	case []any:
		for i := range x {
			x[i] = deepPlain(x[i])
		}
	case map[string]any:
		for k := range x {
			x[k] = deepPlain(x[k])
		}
	}
	return v
}

func uintPlain(u uint64) any {
	if u <= math.MaxInt64 {
		return int64(u)
	}
	return float64(u)
}

func numberPlain(s string) any {
	if i, err := strconv.ParseInt(s, 10, 64); err == nil {
		return i
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		return f
	}
	return s
}
