package geo

import "testing"

func TestResolver(t *testing.T) {
	deps := []Feature{{Level: Departement, Code: "D1", DepartementCode: "D1", Geometry: MultiPolygon{{rect(0, 0, 10, 10)}}}}
	communes := []Feature{
		{Level: Commune, Code: "C1", ParentCode: "D1", DepartementCode: "D1", Geometry: MultiPolygon{{rect(0, 0, 5, 10)}}},
		// A commune with only a parent code.
		{Level: Commune, Code: "C2", ParentCode: "D1", Geometry: MultiPolygon{{rect(5, 0, 10, 5)}}},
	}
	arrs := []Feature{
		{Level: Arrondissement, Code: "A1", ParentCode: "C1", DepartementCode: "D1", Geometry: MultiPolygon{{rect(0, 0, 5, 5)}}},
		// Without département code: taken from the commune.
		{Level: Arrondissement, Code: "A2", ParentCode: "C2", Geometry: MultiPolygon{{rect(5, 0, 10, 5)}}},
		// Without any parent (geoBoundaries before AssignParents).
		{Level: Arrondissement, Code: "A3", Geometry: MultiPolygon{{rect(0, 5, 2, 10)}}},
	}
	r := NewResolver(deps, communes, arrs)
	tests := []struct {
		name string
		p    Point
		want Resolution
		ok   bool
	}{
		{"arrondissement", Point{Lat: 1, Lon: 1}, Resolution{"D1", "C1", "A1"}, true},
		{"arrondissement without departement", Point{Lat: 1, Lon: 7}, Resolution{"D1", "C2", "A2"}, true},
		{"arrondissement without parents", Point{Lat: 7, Lon: 1}, Resolution{"D1", "C1", "A3"}, true},
		{"commune only", Point{Lat: 7, Lon: 3}, Resolution{"D1", "C1", ""}, true},
		{"departement only", Point{Lat: 7, Lon: 7}, Resolution{"D1", "", ""}, true},
		{"outside", Point{Lat: 20, Lon: 20}, Resolution{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := r.Resolve(tt.p)
			if got != tt.want || ok != tt.ok {
				t.Errorf("Resolve(%v) = %+v, %v; want %+v, %v", tt.p, got, ok, tt.want, tt.ok)
			}
		})
	}
	if r.Empty() {
		t.Error("Empty() = true")
	}
	if !NewResolver(nil, nil, nil).Empty() {
		t.Error("Empty() = false for no features")
	}
	if _, ok := NewResolver(nil, nil, nil).Resolve(Point{}); ok {
		t.Error("empty resolver resolved a point")
	}
	if r.Index(Commune).Len() != 2 || r.Index(0) != nil {
		t.Error("Index(level) is wrong")
	}
}
