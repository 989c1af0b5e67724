package geo

import (
	"math"
	"slices"
)

// InteriorPoint returns a point that m contains, for use where a centroid
// would not do: the centroid of a concave or multi-part unit can fall
// outside it, or inside a neighbour.
//
// It intersects m with horizontal scanlines and returns the midpoint of the
// widest inside interval. The bbox middle latitude is tried first, and a
// few other latitudes are compared with it, because a point in the middle
// of a wide interval is far from the borders, which keeps it robust when
// the result is located in a slightly different layer (see AssignParents).
// If no scanline finds an interval, for example for a sliver thinner than
// the scanline spacing, finer scanlines are tried and, last, the first
// vertex, which is inside by the on-edge rule of Contains.
//
// For an m without points it returns the zero Point; check Valid first.
func (m MultiPolygon) InteriorPoint() Point {
	b := m.BBox()
	if b.IsEmpty() {
		return Point{}
	}
	h := b.MaxLat - b.MinLat
	var xs []float64

	// First pass: the middle latitude and eight others, middle first so it
	// wins ties. Keep the widest interval overall.
	best, bestW := Point{}, 0.0
	for _, f := range [...]float64{0.5, 0.4, 0.6, 0.3, 0.7, 0.2, 0.8, 0.1, 0.9} {
		lat := b.MinLat + f*h
		var p Point
		var w float64
		p, w, xs = widestInterval(m, lat, xs)
		if w > bestW && m.Contains(p) {
			best, bestW = p, w
		}
	}
	if bestW > 0 {
		return best
	}

	// Fallback: walk ever finer latitude grids until something is found.
	// Odd multiples only: the even ones were tried by the coarser grid.
	for steps := 16; steps <= 1<<12; steps *= 2 {
		for i := 1; i < steps; i += 2 {
			lat := b.MinLat + float64(i)/float64(steps)*h
			var p Point
			var w float64
			p, w, xs = widestInterval(m, lat, xs)
			if w > 0 && m.Contains(p) {
				return p
			}
		}
	}
	for _, poly := range m {
		for _, ring := range poly {
			if len(ring) > 0 {
				return ring[0]
			}
		}
	}
	return Point{}
}

// widestInterval intersects each polygon of m with the horizontal line at
// lat and returns the midpoint and width of the widest interval that the
// polygon's even-odd rule puts inside. xs is scratch space, returned for
// reuse.
func widestInterval(m MultiPolygon, lat float64, xs []float64) (Point, float64, []float64) {
	var best Point
	bestW := 0.0
	for _, poly := range m {
		xs = xs[:0]
		for _, ring := range poly {
			n := len(ring)
			if n == 0 {
				continue
			}
			a := ring[n-1]
			for _, c := range ring {
				// Same half-open rule as edgeTest: each vertex belongs to
				// the edge above it, so crossings come in pairs.
				if (a.Lat > lat) != (c.Lat > lat) {
					t := (lat - a.Lat) / (c.Lat - a.Lat)
					xs = append(xs, a.Lon+t*(c.Lon-a.Lon))
				}
				a = c
			}
		}
		slices.Sort(xs)
		for i := 0; i+1 < len(xs); i += 2 {
			if w := xs[i+1] - xs[i]; w > bestW && !math.IsNaN(w) {
				best, bestW = Point{Lat: lat, Lon: xs[i] + w/2}, w
			}
		}
	}
	return best, bestW, xs
}
