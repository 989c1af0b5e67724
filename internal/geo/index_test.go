package geo

import (
	"math"
	"math/rand/v2"
	"testing"
)

func feat(level Level, code, parent string, m MultiPolygon) Feature {
	return Feature{Level: level, Code: code, Name: "name " + code, ParentCode: parent, Geometry: m}
}

// grid4 is four 1×1 squares meeting at (1,1), with codes out of order in
// the slice so that tie-breaking by code is visible.
func grid4() []Feature {
	return []Feature{
		feat(Commune, "D", "", MultiPolygon{{rect(1, 1, 2, 2)}}),
		feat(Commune, "B", "", MultiPolygon{{rect(1, 0, 2, 1)}}),
		feat(Commune, "C", "", MultiPolygon{{rect(0, 1, 1, 2)}}),
		feat(Commune, "A", "", MultiPolygon{{rect(0, 0, 1, 1)}}),
	}
}

func TestIndexLocate(t *testing.T) {
	fs := grid4()
	ix := NewIndex(fs)
	tests := []struct {
		name string
		p    Point
		want string // "" for not found
	}{
		{"inside A", Point{Lat: 0.5, Lon: 0.5}, "A"},
		{"inside D", Point{Lat: 1.5, Lon: 1.5}, "D"},
		{"shared corner of all four", Point{Lat: 1, Lon: 1}, "A"},
		{"border B|D", Point{Lat: 1, Lon: 1.5}, "B"},
		{"border C|D", Point{Lat: 1.5, Lon: 1}, "C"},
		{"border A|C", Point{Lat: 1, Lon: 0.5}, "A"},
		{"outer border of D", Point{Lat: 2, Lon: 2}, "D"},
		{"outside", Point{Lat: 3, Lon: 0.5}, ""},
		{"outside grid west", Point{Lat: 0.5, Lon: -1}, ""},
		{"NaN", Point{Lat: math.NaN(), Lon: 0.5}, ""},
		{"Inf", Point{Lat: 0.5, Lon: math.Inf(1)}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for name, locate := range map[string]func(Point) (*Feature, bool){
				"Index":        ix.Locate,
				"LinearLocate": func(p Point) (*Feature, bool) { return LinearLocate(fs, p) },
			} {
				f, ok := locate(tt.p)
				got := ""
				if ok {
					got = f.Code
				}
				if got != tt.want || ok != (tt.want != "") {
					t.Errorf("%s(%v) = %q, %v; want %q", name, tt.p, got, ok, tt.want)
				}
			}
		})
	}
	if ix.Len() != 4 {
		t.Errorf("Len = %d, want 4", ix.Len())
	}
	if f, ok := ix.Get("C"); !ok || f.Code != "C" {
		t.Errorf("Get(C) = %v, %v", f, ok)
	}
	if _, ok := ix.Get("Z"); ok {
		t.Error("Get(Z) found something")
	}
}

func TestIndexEdgeCases(t *testing.T) {
	if _, ok := NewIndex(nil).Locate(Point{}); ok {
		t.Error("empty index located a point")
	}
	// A feature without geometry can be fetched but never located.
	ix := NewIndex([]Feature{feat(Commune, "X", "", nil), feat(Commune, "Y", "", squareWithHole)})
	if _, ok := ix.Get("X"); !ok {
		t.Error("Get(X) failed")
	}
	if f, ok := ix.Locate(Point{Lat: 1, Lon: 1}); !ok || f.Code != "Y" {
		t.Errorf("Locate = %v, %v; want Y", f, ok)
	}
	// Duplicate codes: the earlier feature wins, for Get and Locate.
	dup := []Feature{
		feat(Commune, "K", "first", MultiPolygon{{rect(0, 0, 2, 2)}}),
		feat(Commune, "K", "second", MultiPolygon{{rect(0, 0, 2, 2)}}),
	}
	ix = NewIndex(dup)
	if f, _ := ix.Get("K"); f.ParentCode != "first" {
		t.Errorf("Get(K) = %q, want first", f.ParentCode)
	}
	if f, _ := ix.Locate(Point{Lat: 1, Lon: 1}); f.ParentCode != "first" {
		t.Errorf("Locate = %q, want first", f.ParentCode)
	}
	if f, _ := LinearLocate(dup, Point{Lat: 1, Lon: 1}); f.ParentCode != "first" {
		t.Errorf("LinearLocate = %q, want first", f.ParentCode)
	}
	// Degenerate extents: all features on one latitude or one point.
	flat := []Feature{feat(Commune, "F", "", MultiPolygon{{ringOf(0, 0, 1, 0, 2, 0, 0, 0)}})}
	if f, ok := NewIndex(flat).Locate(Point{Lat: 0, Lon: 1.5}); !ok || f.Code != "F" {
		t.Errorf("flat Locate = %v, %v", f, ok)
	}
}

// TestIndexMatchesLinear compares the index with the linear scan on random
// overlapping and touching polygons, at random points and at every vertex.
func TestIndexMatchesLinear(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	var fs []Feature
	for i := range 60 {
		// Random star-shaped polygons on a coarse lattice, so that many
		// vertices and edges coincide between features.
		cx, cy := float64(rng.IntN(20)), float64(rng.IntN(20))
		n := 3 + rng.IntN(8)
		ring := Ring{}
		for k := range n {
			a := 2 * math.Pi * (float64(k) + rng.Float64()*0.5) / float64(n)
			r := 1 + float64(rng.IntN(4))
			ring = append(ring, Point{Lat: math.Round(cy + r*math.Sin(a)), Lon: math.Round(cx + r*math.Cos(a))})
		}
		ring = append(ring, ring[0])
		m := MultiPolygon{{ring}}
		if m.Valid() != nil {
			continue
		}
		fs = append(fs, feat(Arrondissement, string(rune('a'+i%26))+string(rune('A'+i/26)), "", m))
	}
	ix := NewIndex(fs)
	check := func(p Point) {
		f1, ok1 := ix.Locate(p)
		f2, ok2 := LinearLocate(fs, p)
		if ok1 != ok2 || (ok1 && f1.Code != f2.Code) {
			t.Fatalf("at %v: Index %v %v, LinearLocate %v %v", p, f1, ok1, f2, ok2)
		}
	}
	for range 20000 {
		check(Point{Lat: -5 + rng.Float64()*30, Lon: -5 + rng.Float64()*30})
	}
	for lat := -5.0; lat <= 25; lat += 0.5 {
		for lon := -5.0; lon <= 25; lon += 0.5 {
			check(Point{Lat: lat, Lon: lon})
		}
	}
}
