package syncproto

import (
	"encoding/json"
	"math"
	"testing"
	"time"
)

type stamp struct{ t time.Time }

func (s stamp) MarshalJSON() ([]byte, error) {
	return json.Marshal(s.t.UTC().Format("2006-01-02 15:04:05.000Z"))
}

type rawJSON []byte

func (r rawJSON) MarshalJSON() ([]byte, error) { return r, nil }

func TestValueEqual(t *testing.T) {
	tests := []struct {
		name string
		a, b any
		want bool
	}{
		{"float int", float64(3), 3, true},
		{"float int64", float64(3), int64(3), true},
		{"float uint8", float64(3), uint8(3), true},
		{"float32", float32(0.5), 0.5, true},
		{"fraction vs int", 3.5, 3, false},
		{"json.Number int", json.Number("3"), float64(3), true},
		{"json.Number float", json.Number("3.25"), 3.25, true},
		{"json.Number bad", json.Number("x"), "x", true},
		{"large ints exact", int64(1<<62 + 1), int64(1<<62 + 1), true},
		{"large ints not rounded", int64(1<<62 + 1), float64(1 << 62), false},
		{"huge float vs int", 1e300, int64(math.MaxInt64), false},
		{"min int64", float64(math.MinInt64), int64(math.MinInt64), true},
		{"huge uint64", uint64(math.MaxUint64), float64(math.MaxUint64), true},
		{"NaN", math.NaN(), math.NaN(), false},
		{"nil nil", nil, nil, true},
		{"nil empty string", nil, "", true},
		{"empty array nil", []any{}, nil, true},
		{"empty []string empty string", []string{}, "", true},
		{"nil zero", nil, 0, false},
		{"nil false", nil, false, false},
		{"empty map vs nil", map[string]any{}, nil, false},
		{"strings", "a", "a", true},
		{"strings differ", "a", "b", false},
		{"string vs number", "3", 3, false},
		{"bools", true, true, true},
		{"bool vs number", true, 1, false},
		{"[]string vs []any", []string{"a", "b"}, []any{"a", "b"}, true},
		{"array order matters", []string{"a", "b"}, []any{"b", "a"}, false},
		{"array length", []any{"a"}, []any{"a", "b"}, false},
		{"array vs string", []any{"a"}, "a", false},
		{"nested numbers", []any{map[string]any{"n": 1}}, []any{map[string]any{"n": float64(1)}}, true},
		{"map missing key is nil", map[string]any{"a": 1, "b": nil}, map[string]any{"a": 1.0}, true},
		{"map missing key vs value", map[string]any{"a": 1}, map[string]any{"a": 1, "b": 2}, false},
		{"map vs array", map[string]any{}, []any{}, false},
		{"[]int", []int{1, 2}, []any{1.0, 2.0}, true},
		{"map[string]string", map[string]string{"a": "x"}, map[string]any{"a": "x"}, true},
		{"marshaler", stamp{time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)}, "2026-03-01 08:00:00.000Z", true},
		{"raw json", rawJSON(`{"lat":6.37,"lon":2.39}`), map[string]any{"lon": 2.39, "lat": 6.37}, true},
		{"raw json big int exact", rawJSON(`9007199254740993`), int64(9007199254740993), true},
		{"unmarshalable", make(chan int), "x", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ValueEqual(tt.a, tt.b); got != tt.want {
				t.Errorf("ValueEqual(%#v, %#v) = %v, want %v", tt.a, tt.b, got, tt.want)
			}
			if got := ValueEqual(tt.b, tt.a); got != tt.want {
				t.Errorf("ValueEqual(%#v, %#v) = %v, want %v (swapped)", tt.b, tt.a, got, tt.want)
			}
		})
	}
}
