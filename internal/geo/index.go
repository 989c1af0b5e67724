package geo

import (
	"cmp"
	"math"
	"slices"
)

// Index finds the feature containing a point. It is immutable after
// NewIndex and safe for concurrent use.
//
// A uniform grid over the features' bounding boxes narrows a query to the
// few features whose bbox overlaps the query's cell, and each feature's
// edges are banded by latitude (see bandedGeometry), so a query tests a
// handful of edges instead of the tens of thousands of a linear scan.
//
// When several features contain a point, which happens on a border shared
// by neighbours since borders count as inside, the one with the lowest
// Code wins (then the earliest in the input), so every point has exactly
// one answer.
type Index struct {
	features []Feature // sorted by code, which is the tie-breaking order
	bboxes   []BBox
	geoms    []*bandedGeometry
	byCode   map[string]int

	bounds     BBox
	nx, ny     int
	invW, invH float64 // cells per degree of longitude and latitude
	cellStart  []int32 // cell c holds cellItems[cellStart[c]:cellStart[c+1]]
	cellItems  []int32 // feature indexes, ascending, hence by code
}

// cellsPerFeature sets the grid resolution. Between 1 and 16 it made no
// measurable difference on Benin's arrondissements, whose bboxes overlap
// a lot anyway; the edge bands do most of the work.
const cellsPerFeature = 4

// maxCells bounds the grid's memory whatever the input.
const maxCells = 1 << 20

// NewIndex indexes a copy of features (the geometries are shared, not
// copied; do not modify them afterwards). Features whose geometry has no
// finite bounding box cannot be located but can still be found with Get.
func NewIndex(features []Feature) *Index {
	ix := &Index{
		features: slices.Clone(features),
		byCode:   make(map[string]int, len(features)),
		bounds:   EmptyBBox(),
	}
	slices.SortStableFunc(ix.features, func(a, b Feature) int { return cmp.Compare(a.Code, b.Code) })

	ix.bboxes = make([]BBox, len(ix.features))
	ix.geoms = make([]*bandedGeometry, len(ix.features))
	indexed := 0
	for i := range ix.features {
		f := &ix.features[i]
		if _, dup := ix.byCode[f.Code]; !dup {
			ix.byCode[f.Code] = i
		}
		b := f.Geometry.BBox()
		ix.bboxes[i] = b
		if b.IsEmpty() || !b.finite() {
			continue
		}
		ix.geoms[i] = newBandedGeometry(f.Geometry, b)
		ix.bounds = ix.bounds.Union(b)
		indexed++
	}
	if indexed > 0 {
		ix.buildGrid(indexed)
	}
	return ix
}

func (ix *Index) buildGrid(indexed int) {
	w := ix.bounds.MaxLon - ix.bounds.MinLon
	h := ix.bounds.MaxLat - ix.bounds.MinLat
	target := float64(min(indexed*cellsPerFeature, maxCells))
	ix.nx, ix.ny = 1, 1
	switch {
	case w > 0 && h > 0:
		side := math.Sqrt(w * h / target)
		ix.nx = int(min(math.Ceil(w/side), math.Sqrt(maxCells)))
		ix.ny = int(min(math.Ceil(h/side), math.Sqrt(maxCells)))
	case w > 0:
		ix.nx = int(target)
	case h > 0:
		ix.ny = int(target)
	}
	ix.nx, ix.ny = max(ix.nx, 1), max(ix.ny, 1)
	if w > 0 {
		ix.invW = float64(ix.nx) / w
	}
	if h > 0 {
		ix.invH = float64(ix.ny) / h
	}

	// Count, prefix-sum, fill: one flat slice for all cells.
	ncell := ix.nx * ix.ny
	start := make([]int32, ncell+1)
	ix.eachCell(func(_ int32, c int) { start[c+1]++ })
	for c := 1; c <= ncell; c++ {
		start[c] += start[c-1]
	}
	ix.cellStart = start
	ix.cellItems = make([]int32, start[ncell])
	next := slices.Clone(start[:ncell])
	ix.eachCell(func(i int32, c int) {
		ix.cellItems[next[c]] = i
		next[c]++
	})
}

// eachCell calls fn for every (feature, cell) pair where the feature's bbox
// overlaps the cell, in ascending feature order.
func (ix *Index) eachCell(fn func(i int32, c int)) {
	for i, b := range ix.bboxes {
		if ix.geoms[i] == nil {
			continue
		}
		x0, y0 := ix.cell(Point{Lat: b.MinLat, Lon: b.MinLon})
		x1, y1 := ix.cell(Point{Lat: b.MaxLat, Lon: b.MaxLon})
		for y := y0; y <= y1; y++ {
			for x := x0; x <= x1; x++ {
				fn(int32(i), y*ix.nx+x)
			}
		}
	}
}

// cell maps p to grid coordinates, clamped to the grid. The mapping is
// monotonic in each axis, so a point inside a bbox always maps to a cell
// that the bbox was registered in.
func (ix *Index) cell(p Point) (x, y int) {
	return clampCell((p.Lon-ix.bounds.MinLon)*ix.invW, ix.nx),
		clampCell((p.Lat-ix.bounds.MinLat)*ix.invH, ix.ny)
}

func clampCell(f float64, n int) int {
	f = math.Floor(f)
	switch {
	case !(f >= 0):
		return 0
	case f >= float64(n):
		return n - 1
	}
	return int(f)
}

// Locate returns the feature containing p, with the tie-breaking described
// on Index. The returned Feature belongs to the index; do not modify it.
func (ix *Index) Locate(p Point) (*Feature, bool) {
	if ix.cellStart == nil || !ix.bounds.Contains(p) {
		return nil, false
	}
	x, y := ix.cell(p)
	c := y*ix.nx + x
	for _, i := range ix.cellItems[ix.cellStart[c]:ix.cellStart[c+1]] {
		if ix.bboxes[i].Contains(p) && ix.geoms[i].contains(p) {
			return &ix.features[i], true
		}
	}
	return nil, false
}

// Len returns the number of features in the index.
func (ix *Index) Len() int { return len(ix.features) }

// Get returns the feature with the given code.
func (ix *Index) Get(code string) (*Feature, bool) {
	i, ok := ix.byCode[code]
	if !ok {
		return nil, false
	}
	return &ix.features[i], true
}

// Features returns the indexed features sorted by code. The slice belongs
// to the index; do not modify it.
func (ix *Index) Features() []Feature { return ix.features }

// LinearLocate is the reference for Index.Locate: it tests every feature
// with MultiPolygon.Contains, without any bounding-box shortcut, and
// applies the same tie-breaking (lowest code, then earliest in features).
// It exists for tests and for the benchmark that justifies the Index.
func LinearLocate(features []Feature, p Point) (*Feature, bool) {
	best := -1
	for i := range features {
		if (best < 0 || features[i].Code < features[best].Code) && features[i].Geometry.Contains(p) {
			best = i
		}
	}
	if best < 0 {
		return nil, false
	}
	return &features[best], true
}
