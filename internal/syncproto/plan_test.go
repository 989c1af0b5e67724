package syncproto

import (
	"slices"
	"testing"
)

func TestScopeDiff(t *testing.T) {
	tests := []struct {
		name          string
		before, after []Scope
		put, remove   []Scope
	}{
		{"create", nil, []Scope{"party:p1", "all"}, []Scope{"all", "party:p1"}, nil},
		{"update same scopes", []Scope{"all", "party:p1"}, []Scope{"party:p1", "all"}, []Scope{"all", "party:p1"}, nil},
		{"assignment added", []Scope{"all", "party:p1"}, []Scope{"all", "party:p1", "unit:n1"}, []Scope{"all", "party:p1", "unit:n1"}, nil},
		{"unit swapped", []Scope{"all", "party:p1", "unit:n1"}, []Scope{"all", "party:p1", "unit:n2"}, []Scope{"all", "party:p1", "unit:n2"}, []Scope{"unit:n1"}},
		{"delete", []Scope{"unit:n1", "all", "party:p1"}, nil, nil, []Scope{"all", "party:p1", "unit:n1"}},
		{"duplicates", []Scope{"all", "all", "unit:n1", "unit:n1"}, []Scope{"all", "all"}, []Scope{"all"}, []Scope{"unit:n1"}},
		{"nothing", nil, nil, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before, after := slices.Clone(tt.before), slices.Clone(tt.after)
			put, remove := ScopeDiff(tt.before, tt.after)
			if !slices.Equal(put, tt.put) || !slices.Equal(remove, tt.remove) {
				t.Errorf("ScopeDiff = %v, %v; want %v, %v", put, remove, tt.put, tt.remove)
			}
			if !slices.Equal(before, tt.before) || !slices.Equal(after, tt.after) {
				t.Error("ScopeDiff modified its arguments")
			}
		})
	}
}
