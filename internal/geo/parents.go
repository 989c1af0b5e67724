package geo

import (
	"cmp"
	"errors"
	"fmt"
)

// ErrNoParent is wrapped by AssignParents errors for children that no
// parent feature covers.
var ErrNoParent = errors.New("geo: no parent found")

// AssignParents fills in ParentCode, and DepartementCode, for the children
// that lack a ParentCode, as in the geoBoundaries layout, by locating each
// child in parents, the index of the level just above.
//
// A child's InteriorPoint is located first; it lies deep inside the child,
// so it lands in the right parent even when the two layers' borders differ
// slightly. If it lands in no parent (a gap between the parent polygons),
// the candidate parents are those whose bbox overlaps the child's, and the
// one containing the most child vertices wins, then the one with the
// largest bbox overlap, then the lowest code.
//
// DepartementCode becomes the parent's code for a parent département, or
// the parent's DepartementCode (else its ParentCode) for a parent commune;
// it stays empty if the parent knows neither, so assign communes before
// arrondissements.
//
// Children are changed only if every child gets a parent; otherwise the
// error lists each failure.
func AssignParents(children []Feature, parents *Index) error {
	if parents == nil || parents.Len() == 0 {
		return fmt.Errorf("%w: the parent index is empty", ErrNoParent)
	}
	found := make([]*Feature, len(children))
	var errs []error
	for i := range children {
		c := &children[i]
		if c.ParentCode != "" {
			continue
		}
		p, ok := parents.Locate(c.Geometry.InteriorPoint())
		if !ok {
			p, ok = parents.mostVertices(c.Geometry)
		}
		switch {
		case !ok:
			errs = append(errs, fmt.Errorf("%w: %v %q (%s)", ErrNoParent, c.Level, c.Code, c.Name))
		case c.Level != 0 && p.Level != 0 && p.Level != c.Level-1:
			errs = append(errs, fmt.Errorf("geo: %v %q cannot have %v %q as parent", c.Level, c.Code, p.Level, p.Code))
		default:
			found[i] = p
		}
	}
	if len(errs) > 0 {
		return errors.Join(errs...)
	}

	for i, p := range found {
		if p == nil {
			continue
		}
		c := &children[i]
		c.ParentCode = p.Code
		switch {
		case p.Level == Departement:
			c.DepartementCode = p.Code
		case p.DepartementCode != "":
			c.DepartementCode = p.DepartementCode
		default:
			c.DepartementCode = p.ParentCode
		}
	}
	return nil
}

// mostVertices is AssignParents' fallback: the feature whose geometry
// contains the most vertices of m, as described there.
func (ix *Index) mostVertices(m MultiPolygon) (*Feature, bool) {
	mb := m.BBox()
	best, bestCount, bestOverlap := -1, 0, 0.0
	for i := range ix.features {
		if ix.geoms[i] == nil || !ix.bboxes[i].Intersects(mb) {
			continue
		}
		count := 0
		for _, poly := range m {
			for _, ring := range poly {
				if n := len(ring); n > 1 && ring[0] == ring[n-1] {
					ring = ring[:n-1] // count the closing point once
				}
				for _, v := range ring {
					if ix.bboxes[i].Contains(v) && ix.geoms[i].contains(v) {
						count++
					}
				}
			}
		}
		overlap := ix.bboxes[i].intersection(mb).area()
		// Features are sorted by code, so keeping the first of equals
		// picks the lowest code.
		if c := cmp.Or(cmp.Compare(count, bestCount), cmp.Compare(overlap, bestOverlap)); count > 0 && c > 0 {
			best, bestCount, bestOverlap = i, count, overlap
		}
	}
	if best < 0 {
		return nil, false
	}
	return &ix.features[best], true
}
