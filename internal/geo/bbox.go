package geo

import "math"

// BBox is an axis-aligned bounding box in decimal degrees. Bounds are
// inclusive, so a point on the box's border is contained.
//
// A box whose minimum exceeds its maximum is empty; EmptyBBox returns the
// canonical empty box, which is also the identity for Extend.
type BBox struct {
	MinLat float64 `json:"min_lat"`
	MinLon float64 `json:"min_lon"`
	MaxLat float64 `json:"max_lat"`
	MaxLon float64 `json:"max_lon"`
}

// EmptyBBox returns a box that contains nothing. Extending it with a point
// yields the degenerate box around that point.
func EmptyBBox() BBox {
	return BBox{
		MinLat: math.Inf(1), MinLon: math.Inf(1),
		MaxLat: math.Inf(-1), MaxLon: math.Inf(-1),
	}
}

// IsEmpty reports whether b contains no point. A box with a NaN bound is
// empty too, because no comparison against it can succeed.
func (b BBox) IsEmpty() bool {
	return !(b.MinLat <= b.MaxLat && b.MinLon <= b.MaxLon)
}

// Contains reports whether p lies inside b or on its border.
func (b BBox) Contains(p Point) bool {
	return p.Lat >= b.MinLat && p.Lat <= b.MaxLat &&
		p.Lon >= b.MinLon && p.Lon <= b.MaxLon
}

// Intersects reports whether a and b share at least one point. Boxes that
// only touch along an edge or a corner intersect.
func (b BBox) Intersects(o BBox) bool {
	return b.MinLat <= o.MaxLat && o.MinLat <= b.MaxLat &&
		b.MinLon <= o.MaxLon && o.MinLon <= b.MaxLon
}

// Extend returns the smallest box containing both b and p.
func (b BBox) Extend(p Point) BBox {
	b.MinLat = math.Min(b.MinLat, p.Lat)
	b.MinLon = math.Min(b.MinLon, p.Lon)
	b.MaxLat = math.Max(b.MaxLat, p.Lat)
	b.MaxLon = math.Max(b.MaxLon, p.Lon)
	return b
}

// Union returns the smallest box containing both b and o.
func (b BBox) Union(o BBox) BBox {
	if o.IsEmpty() {
		return b
	}
	if b.IsEmpty() {
		return o
	}
	return b.Extend(Point{o.MinLat, o.MinLon}).Extend(Point{o.MaxLat, o.MaxLon})
}

// intersection returns the overlap of b and o, empty when they are disjoint.
func (b BBox) intersection(o BBox) BBox {
	return BBox{
		MinLat: math.Max(b.MinLat, o.MinLat),
		MinLon: math.Max(b.MinLon, o.MinLon),
		MaxLat: math.Min(b.MaxLat, o.MaxLat),
		MaxLon: math.Min(b.MaxLon, o.MaxLon),
	}
}

// area is the box area in square degrees; it is only used to rank
// overlaps, so the distortion of degrees does not matter.
func (b BBox) area() float64 {
	if b.IsEmpty() {
		return 0
	}
	return (b.MaxLat - b.MinLat) * (b.MaxLon - b.MinLon)
}

// finite reports whether every bound is a finite number.
func (b BBox) finite() bool {
	return isFinite(b.MinLat) && isFinite(b.MinLon) &&
		isFinite(b.MaxLat) && isFinite(b.MaxLon)
}

func isFinite(f float64) bool { return !math.IsNaN(f) && !math.IsInf(f, 0) }
