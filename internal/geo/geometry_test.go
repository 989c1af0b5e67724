package geo

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// rect returns the closed ring of an axis-aligned rectangle, counter-clockwise.
func rect(minLon, minLat, maxLon, maxLat float64) Ring {
	return Ring{
		{Lat: minLat, Lon: minLon}, {Lat: minLat, Lon: maxLon},
		{Lat: maxLat, Lon: maxLon}, {Lat: maxLat, Lon: minLon},
		{Lat: minLat, Lon: minLon},
	}
}

// ringOf builds a ring from lon,lat pairs, as GeoJSON writes them.
func ringOf(lonLat ...float64) Ring {
	r := make(Ring, 0, len(lonLat)/2)
	for i := 0; i+1 < len(lonLat); i += 2 {
		r = append(r, Point{Lat: lonLat[i+1], Lon: lonLat[i]})
	}
	return r
}

var (
	// squareWithHole is 0..10 with a 4..6 hole.
	squareWithHole = MultiPolygon{{rect(0, 0, 10, 10), rect(4, 4, 6, 6)}}
	// uShape is a concave U: 0..9 wide, 0..9 high, open at the top
	// between lon 3 and 6 down to lat 3. Its centroid is in the notch.
	uShape = MultiPolygon{{ringOf(0, 0, 9, 0, 9, 9, 6, 9, 6, 3, 3, 3, 3, 9, 0, 9, 0, 0)}}
	// twoIslands has two disjoint squares, the second with its ring left
	// open (no repeated closing point) and clockwise.
	twoIslands = MultiPolygon{
		{rect(0, 0, 1, 1)},
		{ringOf(5, 5, 5, 6, 6, 6, 6, 5)},
	}
)

func TestMultiPolygonContains(t *testing.T) {
	tests := []struct {
		name string
		m    MultiPolygon
		p    Point
		want bool
	}{
		{"square interior", squareWithHole, Point{Lat: 2, Lon: 2}, true},
		{"in hole", squareWithHole, Point{Lat: 5, Lon: 5}, false},
		{"outside", squareWithHole, Point{Lat: 11, Lon: 5}, false},
		{"west of square", squareWithHole, Point{Lat: 5, Lon: -1}, false},
		{"on outer edge", squareWithHole, Point{Lat: 0, Lon: 5}, true},
		{"on vertical outer edge", squareWithHole, Point{Lat: 3, Lon: 10}, true},
		{"on outer vertex", squareWithHole, Point{Lat: 10, Lon: 10}, true},
		{"on hole edge", squareWithHole, Point{Lat: 4, Lon: 5}, true},
		{"on hole vertex", squareWithHole, Point{Lat: 6, Lon: 6}, true},
		{"ray through hole vertices", squareWithHole, Point{Lat: 6, Lon: 1}, true},
		{"ray through outer vertex level", squareWithHole, Point{Lat: 10, Lon: 11}, false},
		{"concave arm", uShape, Point{Lat: 6, Lon: 1.5}, true},
		{"concave notch", uShape, Point{Lat: 6, Lon: 4.5}, false},
		{"concave notch floor", uShape, Point{Lat: 3, Lon: 4.5}, true},
		{"concave base", uShape, Point{Lat: 1, Lon: 4.5}, true},
		{"concave ray through notch", uShape, Point{Lat: 9, Lon: 4.5}, false},
		{"concave inner corner", uShape, Point{Lat: 3, Lon: 3}, true},
		{"first island", twoIslands, Point{Lat: 0.5, Lon: 0.5}, true},
		{"open clockwise island", twoIslands, Point{Lat: 5.5, Lon: 5.5}, true},
		{"open ring closing edge", twoIslands, Point{Lat: 5, Lon: 5.5}, true},
		{"between islands", twoIslands, Point{Lat: 3, Lon: 3}, false},
		{"sloped edge", MultiPolygon{{ringOf(0, 0, 4, 0, 0, 4, 0, 0)}}, Point{Lat: 2, Lon: 2}, true},
		{"just outside sloped edge", MultiPolygon{{ringOf(0, 0, 4, 0, 0, 4, 0, 0)}}, Point{Lat: 2, Lon: 2.0000001}, false},
		{"NaN", squareWithHole, Point{Lat: math.NaN(), Lon: 2}, false},
		{"empty", nil, Point{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.m.Contains(tt.p); got != tt.want {
				t.Errorf("Contains(%v) = %v, want %v", tt.p, got, tt.want)
			}
			// The banded form used by the Index must agree.
			if b := tt.m.BBox(); !b.IsEmpty() && b.Contains(tt.p) {
				if got := newBandedGeometry(tt.m, b).contains(tt.p); got != tt.want {
					t.Errorf("banded contains(%v) = %v, want %v", tt.p, got, tt.want)
				}
			}
		})
	}
}

// TestBandedMatchesContains checks the banded edge lists against the plain
// scan on many points, including points on a coarse lattice that hits
// vertices and edges exactly.
func TestBandedMatchesContains(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	star := Ring{}
	for i := range 41 {
		r := 3.0
		if i%2 == 1 {
			r = 1
		}
		a := 2 * math.Pi * float64(i) / 40
		star = append(star, Point{Lat: 5 + r*math.Sin(a), Lon: 5 + r*math.Cos(a)})
	}
	star[40] = star[0]
	for _, m := range []MultiPolygon{squareWithHole, uShape, twoIslands, {{star}}} {
		b := m.BBox()
		g := newBandedGeometry(m, b)
		check := func(p Point) {
			if !b.Contains(p) {
				if m.Contains(p) {
					t.Fatalf("Contains(%v) true outside bbox %v", p, b)
				}
				return
			}
			if got, want := g.contains(p), m.Contains(p); got != want {
				t.Fatalf("banded contains(%v) = %v, Contains = %v", p, got, want)
			}
		}
		for range 5000 {
			check(Point{Lat: -1 + rng.Float64()*12, Lon: -1 + rng.Float64()*12})
		}
		for lat := -1.0; lat <= 11; lat += 0.5 {
			for lon := -1.0; lon <= 11; lon += 0.5 {
				check(Point{Lat: lat, Lon: lon})
			}
		}
	}
}

func TestBBox(t *testing.T) {
	b := BBox{MinLat: 0, MinLon: 0, MaxLat: 2, MaxLon: 4}
	for _, tt := range []struct {
		p    Point
		want bool
	}{
		{Point{Lat: 1, Lon: 1}, true},
		{Point{Lat: 0, Lon: 4}, true}, // corner: borders are inclusive
		{Point{Lat: 2.1, Lon: 1}, false},
		{Point{Lat: 1, Lon: -0.1}, false},
		{Point{Lat: math.NaN(), Lon: 1}, false},
	} {
		if got := b.Contains(tt.p); got != tt.want {
			t.Errorf("%v.Contains(%v) = %v, want %v", b, tt.p, got, tt.want)
		}
	}
	for _, tt := range []struct {
		o    BBox
		want bool
	}{
		{BBox{MinLat: 1, MinLon: 1, MaxLat: 3, MaxLon: 5}, true},
		{BBox{MinLat: 2, MinLon: 4, MaxLat: 3, MaxLon: 5}, true}, // touching corner
		{BBox{MinLat: -1, MinLon: -1, MaxLat: 5, MaxLon: 5}, true},
		{BBox{MinLat: 2.5, MinLon: 0, MaxLat: 3, MaxLon: 1}, false},
		{EmptyBBox(), false},
	} {
		if got := b.Intersects(tt.o); got != tt.want {
			t.Errorf("%v.Intersects(%v) = %v, want %v", b, tt.o, got, tt.want)
		}
	}
	if got := squareWithHole.BBox(); got != (BBox{MinLat: 0, MinLon: 0, MaxLat: 10, MaxLon: 10}) {
		t.Errorf("BBox = %v", got)
	}
	if !MultiPolygon(nil).BBox().IsEmpty() {
		t.Error("empty geometry has a non-empty bbox")
	}
}

func TestInteriorPoint(t *testing.T) {
	// A ring of radius 1 round the square's hole: the middle scanline goes
	// through the hole, so the point must come from the wider side parts.
	thinRing := MultiPolygon{{rect(0, 0, 10, 10), rect(0.5, 0.5, 9.5, 9.5)}}
	// A sliver far thinner than the scanline spacing.
	sliver := MultiPolygon{{ringOf(0, 0, 10, 0, 10, 1e-7, 0, 0)}}
	tests := []struct {
		name string
		m    MultiPolygon
	}{
		{"square with hole", squareWithHole},
		{"concave", uShape},
		{"islands", twoIslands},
		{"thin ring", thinRing},
		{"sliver", sliver},
		{"triangle", MultiPolygon{{ringOf(0, 0, 4, 0, 0, 4, 0, 0)}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := tt.m.InteriorPoint()
			if !tt.m.Contains(p) {
				t.Fatalf("InteriorPoint %v is not inside", p)
			}
		})
	}
	// The U's centroid (4.5, ~3.9) is in the notch; the interior point must
	// not be, and it should be off the border.
	if p := uShape.InteriorPoint(); p.Lat > 3 && p.Lon > 3 && p.Lon < 6 {
		t.Errorf("U interior point %v is in the notch", p)
	}
	if p := squareWithHole.InteriorPoint(); p.Lat == 0 || p.Lon == 0 {
		t.Errorf("square interior point %v is on the border", p)
	}
	if p := MultiPolygon(nil).InteriorPoint(); p != (Point{}) {
		t.Errorf("empty InteriorPoint = %v, want zero", p)
	}
}

func TestValid(t *testing.T) {
	tests := []struct {
		name string
		m    MultiPolygon
		want string // substring of the error, "" for valid
	}{
		{"square with hole", squareWithHole, ""},
		{"open ring", twoIslands, ""},
		{"no polygon", MultiPolygon{}, "no polygon"},
		{"no ring", MultiPolygon{{}}, "no ring"},
		{"two points", MultiPolygon{{ringOf(0, 0, 1, 1, 0, 0)}}, "2 distinct positions"},
		{"collinear", MultiPolygon{{ringOf(0, 0, 1, 1, 2, 2, 0, 0)}}, "no area"},
		{"NaN", MultiPolygon{{ringOf(0, 0, 1, math.NaN(), 1, 1, 0, 0)}}, "not a valid WGS84"},
		{"Inf", MultiPolygon{{ringOf(0, 0, math.Inf(1), 0, 1, 1, 0, 0)}}, "not a valid WGS84"},
		{"lat out of range", MultiPolygon{{ringOf(0, 0, 1, 91, 1, 1, 0, 0)}}, "not a valid WGS84"},
		{"bad hole", MultiPolygon{{rect(0, 0, 1, 1), ringOf(0, 0)}}, "polygon 0 ring 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.m.Valid()
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("Valid() = %v, want nil", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("Valid() = %v, want error containing %q", err, tt.want)
			}
		})
	}
}

func TestLevelString(t *testing.T) {
	for l, want := range map[Level]string{
		Departement: "departement", Commune: "commune", Arrondissement: "arrondissement", 0: "Level(0)",
	} {
		if got := l.String(); got != want {
			t.Errorf("Level(%d).String() = %q, want %q", int(l), got, want)
		}
	}
}

// TestBandedZigzag guards against quadratic storage: every edge of a zigzag
// spans the whole latitude range, so bands must be coarsened.
func TestBandedZigzag(t *testing.T) {
	const n = 4000
	ring := Ring{{Lat: -80, Lon: -170}}
	for i := range n {
		lat := 80.0
		if i%2 == 1 {
			lat = -79
		}
		ring = append(ring, Point{Lat: lat, Lon: -170 + 340*float64(i)/n})
	}
	ring = append(ring, Point{Lat: -80, Lon: 170}, ring[0])
	m := MultiPolygon{{ring}}
	g := newBandedGeometry(m, m.BBox())
	if len(g.edges) > maxCopiesPerEdge*m.numPoints() {
		t.Errorf("%d band entries for %d edges", len(g.edges), m.numPoints())
	}
	for _, p := range []Point{{Lat: 0, Lon: 0}, {Lat: 0, Lon: 0.04}, {Lat: -79.5, Lon: 3}, {Lat: 85, Lon: 0}} {
		if got, want := g.contains(p), m.Contains(p); got != want {
			t.Errorf("contains(%v) = %v, want %v", p, got, want)
		}
	}
	if p := m.InteriorPoint(); !m.Contains(p) {
		t.Errorf("InteriorPoint %v not inside", p)
	}
}
