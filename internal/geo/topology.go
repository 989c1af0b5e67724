package geo

import (
	"encoding/binary"
	"math"
	"slices"
)

// Topology-preserving simplification of one layer of boundaries, for maps
// sent to phones (GET /api/geo/boundaries).
//
// Simplifying each polygon on its own moves the two copies of a shared
// border differently and opens gaps and overlaps between neighbours. Here
// the layer is cut into arcs first, as TopoJSON does: an arc is a run of
// border between two junctions (points where the rings on either side
// change), so a border shared by two features is one arc. Each arc is
// simplified once (Douglas–Peucker, tolerance in metres, junctions fixed)
// and both features are rebuilt from the same simplified arcs: their common
// border stays identical, vertex for vertex.
//
// The result is then checked: every ring keeps at least three distinct
// points and an area, no two simplified segments of the layer cross, touch
// or overlap unless they already did in the input, and no vertex changes
// side with respect to another ring (an island swallowed by a simplified
// coast). Arcs involved in a problem are simplified again with a quarter of
// their tolerance, until none is left (at worst an arc keeps all its
// points, as in the input).
//
// Coordinates are first rounded to micro-degrees (about 0.1 m), which makes
// every test below exact integer arithmetic.

// SimplifyStats describes one SimplifyShared run.
type SimplifyStats struct {
	Arcs, Shared          int // arcs of the layer; arcs used by two rings or more
	PointsIn, PointsOut   int // vertices before and after (closing points not counted)
	Refined, Iterations   int // arcs simplified again because of a problem; check rounds
	InheritedConflicts    int // segment conflicts already present in the input
	UnresolvedConflicts   int // conflicts left once every arc involved kept all its points
	RingsDropped          int // input rings with fewer than three distinct points
	ToleranceM            float64
	FinestToleranceM      float64 // smallest tolerance an arc ended with (0: some arc kept every point)
	QuantumDegrees        float64
	JunctionPoints        int
	ClosedArcs            int
	InputFeatures         int
	OutputRingsDegenerate int
}

// microDegrees is the rounding of coordinates: 1e-6° (about 0.11 m).
const microDegrees = 1e6

// ipt is a position in micro-degrees: x longitude, y latitude.
type ipt struct{ x, y int64 }

func quantize(p Point) ipt {
	return ipt{int64(math.Round(p.Lon * microDegrees)), int64(math.Round(p.Lat * microDegrees))}
}

func (q ipt) point() Point {
	return Point{Lat: float64(q.y) / microDegrees, Lon: float64(q.x) / microDegrees}
}

func (q ipt) less(o ipt) bool { return q.x < o.x || q.x == o.x && q.y < o.y }

// topoArc is a run of border between two junctions (open), or a whole
// ring that meets no other ring (closed; pts[0] is not repeated at the end).
type topoArc struct {
	pts    []ipt
	closed bool
	uses   int
	tol    float64 // current tolerance in metres; 0 keeps every point
	keep   []int32 // indices into pts of the kept points, in order
}

type arcRef struct {
	arc int
	rev bool
}

type topoRing struct {
	feature, poly, ring int
	arcs                []arcRef
	orig                []ipt // the input ring (rounded, no repeated point)
}

type topology struct {
	arcs  []*topoArc
	rings []*topoRing
	stats SimplifyStats
}

// SimplifyShared returns a copy of features (one layer) with every
// boundary simplified to toleranceM metres, shared borders simplified once
// and identically on both sides (see the comment at the top of this file).
// toleranceM <= 0 only rounds coordinates to micro-degrees.
func SimplifyShared(features []Feature, toleranceM float64) ([]Feature, SimplifyStats) {
	t := buildTopology(features)
	t.stats.ToleranceM = max(toleranceM, 0)
	t.stats.QuantumDegrees = 1 / microDegrees
	t.stats.InputFeatures = len(features)
	for _, a := range t.arcs {
		a.simplify(toleranceM)
	}
	t.repair()
	return t.features(features), t.stats
}

func buildTopology(features []Feature) *topology {
	t := &topology{}
	for fi, f := range features {
		for pi, poly := range f.Geometry {
			for ri, ring := range poly {
				pts := cleanRing(ring)
				if len(pts) < 3 {
					t.stats.RingsDropped++
					if ri == 0 {
						break // no outer ring: the polygon's holes go too
					}
					continue
				}
				t.stats.PointsIn += len(pts)
				t.rings = append(t.rings, &topoRing{feature: fi, poly: pi, ring: ri, orig: pts})
			}
		}
	}

	// A point is a junction when the rings through it do not all have the
	// same two neighbours there: the borders meet or part at it.
	type neighbours struct {
		a, b     ipt
		junction bool
	}
	seen := make(map[ipt]neighbours, t.stats.PointsIn)
	for _, r := range t.rings {
		n := len(r.orig)
		for i, p := range r.orig {
			a, b := r.orig[(i+n-1)%n], r.orig[(i+1)%n]
			if b.less(a) {
				a, b = b, a
			}
			v, ok := seen[p]
			switch {
			case !ok:
				seen[p] = neighbours{a: a, b: b}
			case !v.junction && (v.a != a || v.b != b):
				v.junction = true
				seen[p] = v
				t.stats.JunctionPoints++
			}
		}
	}

	byKey := map[string]int{}
	addArc := func(pts []ipt, closed bool) arcRef {
		key, rev := arcKey(pts, closed)
		if i, ok := byKey[key]; ok {
			t.arcs[i].uses++
			return arcRef{arc: i, rev: rev}
		}
		canon := slices.Clone(pts)
		if closed {
			canon = canonicalLoop(canon)
		} else if rev {
			slices.Reverse(canon)
		}
		byKey[key] = len(t.arcs)
		t.arcs = append(t.arcs, &topoArc{pts: canon, closed: closed, uses: 1})
		if closed {
			t.stats.ClosedArcs++
		}
		return arcRef{arc: len(t.arcs) - 1, rev: rev}
	}
	for _, r := range t.rings {
		n := len(r.orig)
		var js []int
		for i, p := range r.orig {
			if seen[p].junction {
				js = append(js, i)
			}
		}
		if len(js) == 0 {
			r.arcs = []arcRef{addArc(r.orig, true)}
			continue
		}
		for k, from := range js {
			to := js[0] + n
			if k+1 < len(js) {
				to = js[k+1]
			}
			pts := make([]ipt, 0, to-from+1)
			for i := from; i <= to; i++ {
				pts = append(pts, r.orig[i%n])
			}
			r.arcs = append(r.arcs, addArc(pts, false))
		}
	}
	t.stats.Arcs = len(t.arcs)
	for _, a := range t.arcs {
		if a.uses > 1 {
			t.stats.Shared++
		}
	}
	return t
}

// cleanRing rounds ring and drops repeated consecutive points and the
// closing point.
func cleanRing(ring Ring) []ipt {
	out := make([]ipt, 0, len(ring))
	for _, p := range ring {
		if !p.Valid() {
			continue
		}
		q := quantize(p)
		if len(out) > 0 && out[len(out)-1] == q {
			continue
		}
		out = append(out, q)
	}
	for len(out) > 1 && out[0] == out[len(out)-1] {
		out = out[:len(out)-1]
	}
	return out
}

// arcKey names an arc whichever way it is walked: rev reports that pts
// runs against the arc's canonical direction. An open arc runs from its
// smaller end (reading the points from both ends until they differ); a
// closed one starts at its smallest point, towards its smaller neighbour.
func arcKey(pts []ipt, closed bool) (string, bool) {
	n := len(pts)
	buf := make([]byte, 0, 1+16*n)
	rev := false
	if closed {
		buf = append(buf, 'C')
		m := 0
		for i, p := range pts {
			if p.less(pts[m]) {
				m = i
			}
		}
		rev = pts[(m+n-1)%n].less(pts[(m+1)%n])
		for k := range n {
			i := (m + k) % n
			if rev {
				i = (m - k + n) % n
			}
			buf = binary.LittleEndian.AppendUint64(buf, uint64(pts[i].x))
			buf = binary.LittleEndian.AppendUint64(buf, uint64(pts[i].y))
		}
		return string(buf), rev
	}
	buf = append(buf, 'O')
	for i := range n {
		a, b := pts[i], pts[n-1-i]
		if a != b {
			rev = b.less(a)
			break
		}
	}
	for k := range n {
		i := k
		if rev {
			i = n - 1 - k
		}
		buf = binary.LittleEndian.AppendUint64(buf, uint64(pts[i].x))
		buf = binary.LittleEndian.AppendUint64(buf, uint64(pts[i].y))
	}
	return string(buf), rev
}

// canonicalLoop is a closed arc's points in its canonical order (arcKey).
func canonicalLoop(pts []ipt) []ipt {
	n := len(pts)
	m := 0
	for i, p := range pts {
		if p.less(pts[m]) {
			m = i
		}
	}
	rev := pts[(m+n-1)%n].less(pts[(m+1)%n])
	out := make([]ipt, n)
	for k := range n {
		i := (m + k) % n
		if rev {
			i = (m - k + n) % n
		}
		out[k] = pts[i]
	}
	return out
}

// metres per micro-degree of latitude
const metresPerMicroDegree = earthRadiusM * math.Pi / 180 / microDegrees

// simplify keeps the points of a that Douglas–Peucker keeps at tol metres
// (every point when tol <= 0). An open arc keeps its two ends; a closed
// one keeps at least three points.
func (a *topoArc) simplify(tol float64) {
	n := len(a.pts)
	a.tol = max(tol, 0)
	if a.tol == 0 || n <= 2 || a.closed && n <= 3 {
		a.keepAll()
		return
	}
	// local equirectangular projection in metres
	ky := metresPerMicroDegree
	kx := ky * math.Cos(float64(a.pts[0].y)/microDegrees*math.Pi/180)
	xy := func(i int) (float64, float64) {
		p := a.pts[i%n]
		return float64(p.x) * kx, float64(p.y) * ky
	}
	keep := make([]bool, n+1)
	dp := func(first, last int) {
		stack := [][2]int{{first, last}}
		for len(stack) > 0 {
			s := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if s[1]-s[0] < 2 {
				continue
			}
			ax, ay := xy(s[0])
			bx, by := xy(s[1])
			best, bestD := -1, a.tol
			for i := s[0] + 1; i < s[1]; i++ {
				px, py := xy(i)
				if d := segmentDistance(px, py, ax, ay, bx, by); d > bestD {
					best, bestD = i, d
				}
			}
			if best >= 0 {
				keep[best] = true
				stack = append(stack, [2]int{s[0], best}, [2]int{best, s[1]})
			}
		}
	}
	if !a.closed {
		keep[0], keep[n-1] = true, true
		dp(0, n-1)
	} else {
		// start at pts[0], split at the point farthest from it
		x0, y0 := xy(0)
		far, farD := 1, -1.0
		for i := 1; i < n; i++ {
			x, y := xy(i)
			if d := math.Hypot(x-x0, y-y0); d > farD {
				far, farD = i, d
			}
		}
		keep[0], keep[far] = true, true
		dp(0, far)
		dp(far, n) // index n is pts[0] again
		if countTrue(keep[:n]) < 3 {
			// a loop smaller than the tolerance: keep the point farthest
			// from the chord so it stays a triangle
			ax, ay := xy(0)
			bx, by := xy(far)
			best, bestD := -1, -1.0
			for i := 1; i < n; i++ {
				if i == far {
					continue
				}
				px, py := xy(i)
				if d := segmentDistance(px, py, ax, ay, bx, by); d > bestD {
					best, bestD = i, d
				}
			}
			keep[best] = true
		}
	}
	a.keep = a.keep[:0]
	for i := range n {
		if keep[i] {
			a.keep = append(a.keep, int32(i))
		}
	}
}

func (a *topoArc) keepAll() {
	a.tol = 0
	a.keep = a.keep[:0]
	for i := range a.pts {
		a.keep = append(a.keep, int32(i))
	}
}

func (a *topoArc) full() bool { return len(a.keep) == len(a.pts) }

func countTrue(bs []bool) int {
	n := 0
	for _, b := range bs {
		if b {
			n++
		}
	}
	return n
}

// segmentDistance is the distance from p to the segment ab (plane).
func segmentDistance(px, py, ax, ay, bx, by float64) float64 {
	dx, dy := bx-ax, by-ay
	l2 := dx*dx + dy*dy
	if l2 == 0 {
		return math.Hypot(px-ax, py-ay)
	}
	u := ((px-ax)*dx + (py-ay)*dy) / l2
	u = max(0, min(1, u))
	return math.Hypot(px-(ax+u*dx), py-(ay+u*dy))
}

// kept is the simplified arc in the direction of ref.
func (t *topology) kept(ref arcRef) []ipt {
	a := t.arcs[ref.arc]
	out := make([]ipt, len(a.keep))
	for k, i := range a.keep {
		out[k] = a.pts[i]
	}
	if ref.rev {
		slices.Reverse(out)
	}
	return out
}

// ringPoints is r rebuilt from its simplified arcs (no closing point).
func (t *topology) ringPoints(r *topoRing) []ipt {
	if len(r.arcs) == 1 && t.arcs[r.arcs[0].arc].closed {
		return t.kept(r.arcs[0])
	}
	var out []ipt
	for _, ref := range r.arcs {
		pts := t.kept(ref)
		out = append(out, pts[:len(pts)-1]...) // the next arc starts where this one ends
	}
	return out
}

// repair simplifies again, with a quarter of their tolerance, the arcs
// involved in a problem until none is left.
func (t *topology) repair() {
	inherited := t.conflictPairs(true)
	t.stats.InheritedConflicts = len(inherited)
	refined := map[int]bool{}
	for {
		t.stats.Iterations++
		bad := t.problems(inherited)
		progressed := false
		for _, i := range bad {
			a := t.arcs[i]
			if a.full() {
				continue
			}
			refined[i] = true
			if a.tol/4 < 0.5 {
				a.keepAll()
			} else {
				a.simplify(a.tol / 4)
			}
			progressed = true
		}
		if !progressed {
			t.stats.UnresolvedConflicts = len(bad)
			break
		}
	}
	t.stats.Refined = len(refined)
	t.stats.FinestToleranceM = math.Inf(1)
	for _, a := range t.arcs {
		t.stats.PointsOut += len(a.keep) * a.uses
		t.stats.FinestToleranceM = min(t.stats.FinestToleranceM, a.tol)
		if !a.closed {
			t.stats.PointsOut -= a.uses // the end is the next arc's start
		}
	}
	if len(t.arcs) == 0 {
		t.stats.FinestToleranceM = 0
	}
	for _, r := range t.rings {
		if ringDegenerate(t.ringPoints(r)) {
			t.stats.OutputRingsDegenerate++
		}
	}
}

// problems lists the arcs of degenerate rings, of segments in conflict
// (but the pairs already in conflict in the input) and of rings a vertex
// changed sides of.
func (t *topology) problems(inherited map[[2]int]bool) []int {
	bad := map[int]bool{}
	ringPts := make([][]ipt, len(t.rings))
	for k, r := range t.rings {
		ringPts[k] = t.ringPoints(r)
		if ringDegenerate(ringPts[k]) {
			for _, ref := range r.arcs {
				bad[ref.arc] = true
			}
		}
	}
	for pair := range t.conflictPairs(false) {
		if !inherited[pair] {
			bad[pair[0]], bad[pair[1]] = true, true
		}
	}
	for _, pair := range t.sideChanges(ringPts) {
		for _, k := range pair {
			for _, ref := range t.rings[k].arcs {
				bad[ref.arc] = true
			}
		}
	}
	out := make([]int, 0, len(bad))
	for i := range bad {
		out = append(out, i)
	}
	slices.Sort(out)
	return out
}

// ringDegenerate reports a ring with fewer than three distinct points or
// no area.
func ringDegenerate(pts []ipt) bool {
	if len(pts) < 3 {
		return true
	}
	o := pts[0]
	var s int64
	for i := range pts {
		a, b := pts[i], pts[(i+1)%len(pts)]
		s += (a.x-o.x)*(b.y-o.y) - (b.x-o.x)*(a.y-o.y)
	}
	return s == 0
}

type topoSeg struct {
	a, b ipt
	arc  int
}

// segments are the segments of every arc, simplified or (original) in full.
func (t *topology) segments(original bool) []topoSeg {
	var segs []topoSeg
	for i, a := range t.arcs {
		pts := a.pts
		if !original {
			pts = make([]ipt, len(a.keep))
			for k, j := range a.keep {
				pts[k] = a.pts[j]
			}
		}
		for k := 0; k+1 < len(pts); k++ {
			segs = append(segs, topoSeg{pts[k], pts[k+1], i})
		}
		if a.closed && len(pts) > 1 {
			segs = append(segs, topoSeg{pts[len(pts)-1], pts[0], i})
		}
	}
	return segs
}

// conflictPairs is the set of arc pairs (smaller index first, possibly the
// same arc twice) with two segments that cross, touch other than at a
// shared end, or overlap.
func (t *topology) conflictPairs(original bool) map[[2]int]bool {
	segs := t.segments(original)
	out := map[[2]int]bool{}
	if len(segs) < 2 {
		return out
	}
	minX, minY, maxX, maxY := int64(math.MaxInt64), int64(math.MaxInt64), int64(math.MinInt64), int64(math.MinInt64)
	for _, s := range segs {
		minX, maxX = min(minX, s.a.x, s.b.x), max(maxX, s.a.x, s.b.x)
		minY, maxY = min(minY, s.a.y, s.b.y), max(maxY, s.a.y, s.b.y)
	}
	g := int64(max(1, min(512, int(math.Sqrt(float64(len(segs)))/2))))
	cw, ch := (maxX-minX)/g+1, (maxY-minY)/g+1
	cells := map[int64][]int32{}
	cellOf := func(x, y int64) (int64, int64) { return (x - minX) / cw, (y - minY) / ch }
	for i, s := range segs {
		x0, y0 := cellOf(min(s.a.x, s.b.x), min(s.a.y, s.b.y))
		x1, y1 := cellOf(max(s.a.x, s.b.x), max(s.a.y, s.b.y))
		for cx := x0; cx <= x1; cx++ {
			for cy := y0; cy <= y1; cy++ {
				cells[cx*g+cy] = append(cells[cx*g+cy], int32(i))
			}
		}
	}
	for c, list := range cells {
		for i := 0; i < len(list); i++ {
			s := segs[list[i]]
			for j := i + 1; j < len(list); j++ {
				u := segs[list[j]]
				// boxes must meet; test the pair only in the cell holding
				// the lower corner of their overlap
				ox, oy := max(min(s.a.x, s.b.x), min(u.a.x, u.b.x)), max(min(s.a.y, s.b.y), min(u.a.y, u.b.y))
				if ox > min(max(s.a.x, s.b.x), max(u.a.x, u.b.x)) || oy > min(max(s.a.y, s.b.y), max(u.a.y, u.b.y)) {
					continue
				}
				if cx, cy := cellOf(ox, oy); cx*g+cy != c {
					continue
				}
				if segmentsConflict(s.a, s.b, u.a, u.b) {
					p := [2]int{min(s.arc, u.arc), max(s.arc, u.arc)}
					out[p] = true
				}
			}
		}
	}
	return out
}

// cross is the orientation of c with respect to the directed line ab:
// positive on its left, exact.
func cross(a, b, c ipt) int64 { return (b.x-a.x)*(c.y-a.y) - (b.y-a.y)*(c.x-a.x) }

func sign(v int64) int {
	switch {
	case v > 0:
		return 1
	case v < 0:
		return -1
	}
	return 0
}

// onSeg reports whether c, collinear with ab, lies within its box.
func onSeg(a, b, c ipt) bool {
	return min(a.x, b.x) <= c.x && c.x <= max(a.x, b.x) && min(a.y, b.y) <= c.y && c.y <= max(a.y, b.y)
}

// segmentsConflict reports whether segments ab and cd (each of non-zero
// length) meet anywhere but at one end they share: a crossing, an end on
// the other's interior, an overlap, or the same segment twice.
func segmentsConflict(a, b, c, d ipt) bool {
	shareA, shareB := a == c || a == d, b == c || b == d
	if shareA && shareB {
		return true // the same segment twice
	}
	if shareA || shareB {
		p, q, r := a, b, d // p the shared end, q and r the others
		if shareB {
			p, q = b, a
		}
		if p == d {
			r = c
		}
		// they meet beyond p only when collinear and pointing the same way
		if cross(p, q, r) != 0 {
			return false
		}
		return (q.x-p.x)*(r.x-p.x)+(q.y-p.y)*(r.y-p.y) > 0
	}
	d1, d2 := sign(cross(a, b, c)), sign(cross(a, b, d))
	d3, d4 := sign(cross(c, d, a)), sign(cross(c, d, b))
	if d1*d2 < 0 && d3*d4 < 0 {
		return true
	}
	return d1 == 0 && onSeg(a, b, c) || d2 == 0 && onSeg(a, b, d) ||
		d3 == 0 && onSeg(c, d, a) || d4 == 0 && onSeg(c, d, b)
}

// sideChanges lists pairs of rings (indices into t.rings) where a vertex
// of the first lies on another side of the second (inside, outside or on
// it) than before simplification.
func (t *topology) sideChanges(ringPts [][]ipt) [][2]int {
	type box struct{ minX, minY, maxX, maxY int64 }
	boxes := make([]box, len(ringPts))
	for k, pts := range ringPts {
		b := box{math.MaxInt64, math.MaxInt64, math.MinInt64, math.MinInt64}
		for _, p := range pts {
			b = box{min(b.minX, p.x), min(b.minY, p.y), max(b.maxX, p.x), max(b.maxY, p.y)}
		}
		for _, p := range t.rings[k].orig {
			b = box{min(b.minX, p.x), min(b.minY, p.y), max(b.maxX, p.x), max(b.maxY, p.y)}
		}
		boxes[k] = b
	}
	// rings sorted by their box's west edge, swept east
	order := make([]int, len(ringPts))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(i, j int) int { return sign(boxes[i].minX - boxes[j].minX) })
	var out [][2]int
	arcsOf := make([]map[int]bool, len(t.rings))
	for k, r := range t.rings {
		arcsOf[k] = map[int]bool{}
		for _, ref := range r.arcs {
			arcsOf[k][ref.arc] = true
		}
	}
	// check reports whether a kept vertex of b, on an arc a does not use
	// (so not on a's boundary, but by accident), changed sides of a. One
	// vertex is enough: without crossings, all of them stay on one side.
	check := func(b, a int) bool {
		for _, ref := range t.rings[b].arcs {
			if arcsOf[a][ref.arc] {
				continue
			}
			arc := t.arcs[ref.arc]
			for _, i := range arc.keep {
				v := arc.pts[i]
				if v.x < boxes[a].minX || v.x > boxes[a].maxX || v.y < boxes[a].minY || v.y > boxes[a].maxY {
					return false // outside both versions of a
				}
				s, o := ringSide(ringPts[a], v), ringSide(t.rings[a].orig, v)
				if s == 0 && o == 0 {
					continue // on a's boundary in both: try another
				}
				return s != o
			}
		}
		return false
	}
	for x, i := range order {
		for _, j := range order[x+1:] {
			if boxes[j].minX > boxes[i].maxX {
				break
			}
			if boxes[j].minY > boxes[i].maxY || boxes[i].minY > boxes[j].maxY {
				continue
			}
			if check(i, j) {
				out = append(out, [2]int{i, j})
			}
			if check(j, i) {
				out = append(out, [2]int{j, i})
			}
		}
	}
	return out
}

// ringSide is 1 when p is inside ring, 0 on its boundary, -1 outside
// (even-odd rule, exact).
func ringSide(ring []ipt, p ipt) int {
	inside := false
	n := len(ring)
	for i := range n {
		a, b := ring[i], ring[(i+1)%n]
		if cross(a, b, p) == 0 && onSeg(a, b, p) {
			return 0
		}
		if (a.y > p.y) != (b.y > p.y) {
			// x of the edge at p.y, compared without division
			c := cross(a, b, p)
			if (b.y > a.y) == (c > 0) {
				inside = !inside
			}
		}
	}
	if inside {
		return 1
	}
	return -1
}

// features rebuilds the input features from the simplified arcs.
func (t *topology) features(in []Feature) []Feature {
	out := make([]Feature, len(in))
	for i, f := range in {
		out[i] = f
		out[i].Geometry = nil
	}
	prevFeature, prevPoly := -1, -1
	for _, r := range t.rings {
		pts := t.ringPoints(r)
		ring := make(Ring, 0, len(pts)+1)
		for _, p := range pts {
			ring = append(ring, p.point())
		}
		ring = append(ring, ring[0])
		f := &out[r.feature]
		if r.feature != prevFeature || r.poly != prevPoly {
			f.Geometry = append(f.Geometry, Polygon{})
			prevFeature, prevPoly = r.feature, r.poly
		}
		last := &f.Geometry[len(f.Geometry)-1]
		*last = append(*last, ring)
	}
	return out
}
