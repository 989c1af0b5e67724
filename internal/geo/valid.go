package geo

import (
	"errors"
	"fmt"
)

// Valid reports why m cannot be used as an area, or nil when it can.
//
// It checks what the lookups rely on: at least one polygon, every polygon
// with an outer ring, every ring with at least three distinct positions
// (four once closed, whether the closing point is written out or left
// implicit), every coordinate a finite WGS84 position, and every ring
// enclosing a non-zero area. It does not look for self-intersections or
// overlapping polygons; those make Contains follow the even-odd rule
// rather than fail.
func (m MultiPolygon) Valid() error {
	if len(m) == 0 {
		return errors.New("geometry has no polygon")
	}
	for i, poly := range m {
		if len(poly) == 0 {
			return fmt.Errorf("polygon %d has no ring", i)
		}
		for j, ring := range poly {
			if err := ring.valid(); err != nil {
				return fmt.Errorf("polygon %d ring %d: %w", i, j, err)
			}
		}
	}
	return nil
}

func (r Ring) valid() error {
	for k, p := range r {
		if !p.Valid() {
			return fmt.Errorf("position %d (lat %v, lon %v) is not a valid WGS84 position", k, p.Lat, p.Lon)
		}
	}
	n := len(r)
	if n > 0 && r[0] == r[n-1] {
		n-- // the explicit closing point is not a new position
	}
	if n < 3 {
		return fmt.Errorf("ring has %d distinct positions, want at least 3", n)
	}
	if r.signedArea() == 0 {
		return errors.New("ring encloses no area")
	}
	return nil
}
