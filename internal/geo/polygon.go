package geo

// Ring is a closed sequence of points. The closing point may be repeated
// (GeoJSON style) or left implicit: every function here treats the last
// point as connected back to the first, and a repeated closing point only
// adds a zero-length edge, which changes no result.
type Ring []Point

// Polygon is an outer ring followed by zero or more holes.
type Polygon []Ring

// MultiPolygon is a set of polygons forming one area, such as an
// administrative unit with islands or exclaves.
type MultiPolygon []Polygon

// Contains reports whether p lies in m.
//
// Each polygon is tested with the even-odd rule over all its rings, so a
// hole removes its area whatever the orientation of the rings; m contains
// p when any of its polygons does. A point exactly on any edge, including
// the edge of a hole, counts as inside: administrative areas are treated as
// closed sets so that a point on a border always belongs to some unit. The
// Index then breaks the tie between neighbours deterministically.
//
// "Exactly" is meant in floating point: coordinates read from decimal text
// are rarely exactly on a sloping edge, but always on a horizontal or
// vertical one and on vertices.
func (m MultiPolygon) Contains(p Point) bool {
	for _, poly := range m {
		inside := false
		for _, ring := range poly {
			n := len(ring)
			if n == 0 {
				continue
			}
			a := ring[n-1]
			for _, b := range ring {
				on, cross := edgeTest(a, b, p)
				if on {
					return true
				}
				if cross {
					inside = !inside
				}
				a = b
			}
		}
		if inside {
			return true
		}
	}
	return false
}

// edgeTest classifies p against the edge from a to b. on reports that p
// lies on the closed segment; cross reports that a ray from p towards
// increasing longitude crosses the edge, counting each vertex for only the
// edge above it (the half-open rule) so that a ray through a vertex is
// counted once.
//
// Both MultiPolygon.Contains and the Index use this one function, so the
// indexed and the linear lookups agree bit for bit.
func edgeTest(a, b, p Point) (on, cross bool) {
	aAbove, bAbove := a.Lat > p.Lat, b.Lat > p.Lat
	if aAbove == bAbove {
		// The edge does not straddle the ray's latitude. p can still be on
		// it if it is horizontal at p's latitude or ends exactly at p.
		if a.Lat == p.Lat || b.Lat == p.Lat {
			return onSegment(a, b, p), false
		}
		return false, false
	}
	// Settle the clear cases on longitude alone. Besides saving work, this
	// keeps rounding in orient from ever putting p inside when p is outside
	// the edge's bbox, so a bbox filter can never disagree with Contains.
	if p.Lon > max(a.Lon, b.Lon) {
		return false, false
	}
	if p.Lon < min(a.Lon, b.Lon) {
		return false, true
	}
	o := orient(a, b, p)
	if o == 0 {
		return true, false
	}
	// For an upward edge p is west of it when p is on its left (o > 0);
	// for a downward edge, when p is on its right.
	return false, bAbove == (o > 0)
}

// onSegment reports whether p lies on the closed segment ab.
func onSegment(a, b, p Point) bool {
	if p.Lat < min(a.Lat, b.Lat) || p.Lat > max(a.Lat, b.Lat) ||
		p.Lon < min(a.Lon, b.Lon) || p.Lon > max(a.Lon, b.Lon) {
		return false
	}
	return orient(a, b, p) == 0
}

// orient is twice the signed area of the triangle a, b, p with longitude as
// x and latitude as y: positive when p is left of the directed line a→b.
// The explicit float64 conversions forbid the compiler from fusing the
// products into FMA instructions, which would make the result depend on
// where the function is inlined.
func orient(a, b, p Point) float64 {
	return float64((b.Lon-a.Lon)*(p.Lat-a.Lat)) - float64((b.Lat-a.Lat)*(p.Lon-a.Lon))
}

// BBox returns the bounding box of every ring of m, or an empty box (see
// BBox.IsEmpty) when m has no point.
func (m MultiPolygon) BBox() BBox {
	b := EmptyBBox()
	for _, poly := range m {
		for _, ring := range poly {
			for _, p := range ring {
				b = b.Extend(p)
			}
		}
	}
	return b
}

// numPoints counts the points of every ring of m.
func (m MultiPolygon) numPoints() int {
	n := 0
	for _, poly := range m {
		for _, ring := range poly {
			n += len(ring)
		}
	}
	return n
}

// signedArea is the shoelace area of r in square degrees, positive when r
// runs counter-clockwise.
func (r Ring) signedArea() float64 {
	n := len(r)
	if n < 3 {
		return 0
	}
	s := 0.0
	a := r[n-1]
	for _, b := range r {
		s += float64(a.Lon*b.Lat) - float64(b.Lon*a.Lat)
		a = b
	}
	return s / 2
}
