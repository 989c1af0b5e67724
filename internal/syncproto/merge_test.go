package syncproto

import (
	"errors"
	"maps"
	"slices"
	"testing"
)

func TestMerge(t *testing.T) {
	current := map[string]any{"title": "Rally", "place": "Cotonou", "crowd": float64(200), "notes": ""}
	fv := map[string]int64{"title": 1, "place": 3, "crowd": 5}
	tests := []struct {
		name      string
		base      int64
		changes   map[string]any
		apply     map[string]any
		conflicts []string
		err       error
	}{
		{"up to date", 5, map[string]any{"title": "Big rally", "crowd": 300},
			map[string]any{"title": "Big rally", "crowd": 300}, nil, nil},
		{"untouched since base", 3, map[string]any{"title": "Big rally", "place": "Porto-Novo"},
			map[string]any{"title": "Big rally", "place": "Porto-Novo"}, nil, nil},
		{"concurrent edit conflicts", 2, map[string]any{"title": "Big rally", "place": "Porto-Novo"},
			map[string]any{"title": "Big rally"}, []string{"place"}, nil},
		{"identical concurrent edit", 2, map[string]any{"place": "Cotonou", "crowd": 200},
			map[string]any{}, nil, nil},
		{"several conflicts sorted", 0, map[string]any{"place": "X", "crowd": 1, "title": "T"},
			map[string]any{}, []string{"crowd", "place", "title"}, nil},
		{"never-set field applies", 0, map[string]any{"notes": "bring water", "new": true},
			map[string]any{"notes": "bring water", "new": true}, nil, nil},
		{"null vs empty is no edit", 0, map[string]any{"notes": nil, "absent": ""},
			map[string]any{}, nil, nil},
		{"clearing a changed field conflicts", 4, map[string]any{"crowd": nil},
			map[string]any{}, []string{"crowd"}, nil},
		{"no changes", 5, nil, map[string]any{}, nil, nil},
		{"base ahead", 6, map[string]any{"title": "x"}, nil, nil, ErrBadBase},
		{"negative base", -1, map[string]any{"title": "x"}, nil, nil, ErrBadBase},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cur, vers := maps.Clone(current), maps.Clone(fv)
			apply, conflicts, err := Merge(cur, vers, 5, tt.base, tt.changes)
			if !errors.Is(err, tt.err) {
				t.Fatalf("err = %v, want %v", err, tt.err)
			}
			if !maps.Equal(apply, tt.apply) || !slices.Equal(conflicts, tt.conflicts) {
				t.Errorf("Merge = %v, %v; want %v, %v", apply, conflicts, tt.apply, tt.conflicts)
			}
			if tt.err == nil && apply == nil {
				t.Error("apply is nil")
			}
			if !maps.Equal(cur, current) || !maps.Equal(vers, fv) {
				t.Error("Merge modified its inputs")
			}
		})
	}
	// Without field_versions (a new record), nothing conflicts.
	if apply, c, err := Merge(nil, nil, 1, 0, map[string]any{"a": 1}); err != nil || len(c) != 0 || apply["a"] != 1 {
		t.Errorf("Merge with nil maps = %v, %v, %v", apply, c, err)
	}
}

func TestBump(t *testing.T) {
	tests := []struct {
		name    string
		fv      map[string]int64
		changed []string
		v       int64
		want    map[string]int64
	}{
		{"create", nil, []string{"title", "place"}, 1, map[string]int64{"title": 1, "place": 1}},
		{"update", map[string]int64{"title": 1, "place": 1}, []string{"place"}, 2, map[string]int64{"title": 1, "place": 2}},
		{"nothing changed", map[string]int64{"title": 1}, nil, 2, map[string]int64{"title": 1}},
		{"duplicate names", map[string]int64{}, []string{"a", "a"}, 3, map[string]int64{"a": 3}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := maps.Clone(tt.fv)
			got := Bump(tt.fv, tt.changed, tt.v)
			if !maps.Equal(got, tt.want) {
				t.Errorf("Bump = %v, want %v", got, tt.want)
			}
			if !maps.Equal(in, tt.fv) {
				t.Error("Bump modified its input")
			}
		})
	}
}

// Two devices editing different fields from the same base both land; the
// second device's edit of a field the first changed is a conflict.
func TestMergeScenario(t *testing.T) {
	rec := map[string]any{"title": "Rally", "place": "Cotonou"}
	fv := Bump(nil, []string{"title", "place"}, 1)
	version := int64(1)

	apply, conflicts, err := Merge(rec, fv, version, 1, map[string]any{"title": "Big rally"})
	if err != nil || len(conflicts) != 0 {
		t.Fatal(conflicts, err)
	}
	version++
	maps.Copy(rec, apply)
	fv = Bump(fv, slices.Collect(maps.Keys(apply)), version)

	apply, conflicts, err = Merge(rec, fv, version, 1, map[string]any{"place": "Parakou", "title": "Small rally"})
	if err != nil || !slices.Equal(conflicts, []string{"title"}) || !maps.Equal(apply, map[string]any{"place": "Parakou"}) {
		t.Fatalf("second device: %v, %v, %v", apply, conflicts, err)
	}
}
