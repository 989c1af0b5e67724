package geo

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// sq is a closed ring through the given lon, lat pairs.
func sq(coords ...[2]float64) Ring {
	r := make(Ring, 0, len(coords)+1)
	for _, c := range coords {
		r = append(r, Point{Lon: c[0], Lat: c[1]})
	}
	return append(r, r[0])
}

// metresToDeg is a length in degrees of latitude.
func metresToDeg(m float64) float64 { return m / (earthRadiusM * math.Pi / 180) }

// zigzag is a border from (lon0, lat) to (lon1, lat) with n teeth of
// amplitude ampM metres.
func zigzag(lon0, lon1, lat float64, n int, ampM float64) [][2]float64 {
	var out [][2]float64
	for i := 0; i <= n; i++ {
		dy := 0.0
		if i%2 == 1 {
			dy = metresToDeg(ampM)
		}
		out = append(out, [2]float64{lon0 + (lon1-lon0)*float64(i)/float64(n), lat + dy})
	}
	return out
}

// twoNeighbours are two squares sharing a wiggly border at lat 6.5.
func twoNeighbours(ampM float64) []Feature {
	border := zigzag(2.0, 2.2, 6.5, 40, ampM)
	south := append([][2]float64{{2.0, 6.3}, {2.2, 6.3}}, reversed(border)...) // 2.2,6.5 … 2.0,6.5
	north := append(slices.Clone(border), [2]float64{2.2, 6.7}, [2]float64{2.0, 6.7})
	return []Feature{
		{Level: Commune, Code: "S", Geometry: MultiPolygon{{sq(south...)}}},
		{Level: Commune, Code: "N", Geometry: MultiPolygon{{sq(north...)}}},
	}
}

func reversed[T any](s []T) []T {
	c := slices.Clone(s)
	slices.Reverse(c)
	return c
}

// edges counts the undirected edges of every ring of fs.
func edges(fs []Feature) map[[2]Point]int {
	out := map[[2]Point]int{}
	for _, f := range fs {
		for _, poly := range f.Geometry {
			for _, r := range poly {
				for i := 0; i+1 < len(r); i++ {
					a, b := r[i], r[i+1]
					if b.Lon < a.Lon || b.Lon == a.Lon && b.Lat < a.Lat {
						a, b = b, a
					}
					out[[2]Point{a, b}]++
				}
			}
		}
	}
	return out
}

// checkValid fails t when a ring of fs is not a valid area, or when two
// segments of the layer conflict (cross, touch, overlap).
func checkValid(t *testing.T, fs []Feature) {
	t.Helper()
	for _, f := range fs {
		if err := f.Geometry.Valid(); err != nil {
			t.Errorf("%s: %v", f.Code, err)
		}
	}
	topo := buildTopology(fs)
	for _, a := range topo.arcs {
		a.keepAll()
	}
	if c := topo.conflictPairs(true); len(c) > 0 {
		t.Errorf("%d conflicting arc pairs in the output", len(c))
	}
}

func TestSimplifySharedBorderOnce(t *testing.T) {
	in := twoNeighbours(20) // teeth of 20 m
	out, st := SimplifyShared(in, 100)
	checkValid(t, out)
	if st.Shared != 1 || st.JunctionPoints != 2 {
		t.Errorf("stats %+v: want one shared arc between two junctions", st)
	}
	// the wiggles went: each square is back to (about) 4 corners
	for _, f := range out {
		if n := len(f.Geometry[0][0]); n > 6 {
			t.Errorf("%s kept %d points, want the teeth simplified away", f.Code, n)
		}
	}
	// every edge inside the layer is used by both squares: no gap, no overlap
	inner := 0
	for e, n := range edges(out) {
		onOuter := e[0].Lat == 6.3 && e[1].Lat == 6.3 || e[0].Lat == 6.7 && e[1].Lat == 6.7 ||
			e[0].Lon == 2.0 && e[1].Lon == 2.0 || e[0].Lon == 2.2 && e[1].Lon == 2.2
		switch {
		case onOuter && n != 1:
			t.Errorf("outer edge %v used %d times", e, n)
		case !onOuter && n != 2:
			t.Errorf("border edge %v used %d times, want 2 (once by each side)", e, n)
		case !onOuter:
			inner++
		}
	}
	if inner == 0 {
		t.Error("no shared border edge in the output")
	}
}

func TestSimplifySharedToleranceZeroKeepsEveryPoint(t *testing.T) {
	in := twoNeighbours(20)
	out, st := SimplifyShared(in, 0)
	if st.PointsIn != st.PointsOut {
		t.Errorf("points %d → %d at tolerance 0", st.PointsIn, st.PointsOut)
	}
	for i := range in {
		a, b := sortedVertices(in[i].Geometry[0][0]), sortedVertices(out[i].Geometry[0][0])
		if len(a) != len(b) {
			t.Fatalf("%s: %d vertices → %d at tolerance 0", in[i].Code, len(a), len(b))
		}
		for k := range a {
			if math.Abs(a[k].Lat-b[k].Lat) > 1e-6 || math.Abs(a[k].Lon-b[k].Lon) > 1e-6 {
				t.Errorf("%s: vertex %v became %v at tolerance 0", in[i].Code, a[k], b[k])
			}
		}
	}
}

func TestSimplifySharedKeepsThinRingsAreas(t *testing.T) {
	// A lens between two junctions, 30 m thick, beside a big neighbour on
	// each side: at 500 m both of its arcs would become the same chord.
	w := metresToDeg(15)
	top := zigzag(2.0, 2.1, 6.5+w, 4, 0)
	bottom := zigzag(2.0, 2.1, 6.5-w, 4, 0)
	lensPts := [][2]float64{{2.0, 6.5}}
	for _, p := range top[1 : len(top)-1] {
		lensPts = append(lensPts, p)
	}
	lensPts = append(lensPts, [2]float64{2.1, 6.5})
	for _, p := range reversed(bottom[1 : len(bottom)-1]) {
		lensPts = append(lensPts, p)
	}
	in := []Feature{{Level: Commune, Code: "lens", Geometry: MultiPolygon{{sq(lensPts...)}}}}
	out, _ := SimplifyShared(in, 500)
	checkValid(t, out)
	if n := len(out[0].Geometry[0][0]); n < 4 {
		t.Fatalf("lens kept %d points", n)
	}
}

func TestSimplifySharedNoCrossingBetweenNearbyRings(t *testing.T) {
	// A's north border has a bay 250 m deep; B, 200 m north of A, reaches
	// into it with a thin peninsula 430 m long. At 300 m the bay alone
	// goes (the peninsula stays), and A's straightened border would cross
	// the peninsula. The two borders are separate arcs, yet must not cross.
	d := metresToDeg
	a := sq([2]float64{2.0, 6.0}, [2]float64{2.1, 6.0}, [2]float64{2.1, 6.5},
		[2]float64{2.052, 6.5}, [2]float64{2.05, 6.5 - d(250)}, [2]float64{2.048, 6.5}, [2]float64{2.0, 6.5})
	b := sq([2]float64{2.0, 6.5 + d(200)}, [2]float64{2.0497, 6.5 + d(200)}, [2]float64{2.05, 6.5 - d(230)},
		[2]float64{2.0503, 6.5 + d(200)}, [2]float64{2.1, 6.5 + d(200)}, [2]float64{2.1, 6.9}, [2]float64{2.0, 6.9})
	in := []Feature{{Code: "A", Geometry: MultiPolygon{{a}}}, {Code: "B", Geometry: MultiPolygon{{b}}}}
	checkValid(t, in)
	out, st := SimplifyShared(in, 300)
	checkValid(t, out)
	if st.Refined == 0 {
		t.Errorf("stats %+v: the crossing should have been repaired", st)
	}
	if len(out[0].Geometry[0][0]) < 6 {
		t.Errorf("A's bay went: %v", out[0].Geometry[0][0])
	}
}

func TestSimplifySharedIslandStaysOutside(t *testing.T) {
	// A tiny island in a bay 150 m deep: at 400 m the coast would
	// straighten over the island, no segment crossing.
	d := metresToDeg
	coast := sq([2]float64{2.0, 6.0}, [2]float64{2.1, 6.0}, [2]float64{2.1, 6.5},
		[2]float64{2.052, 6.5}, [2]float64{2.05, 6.5 - d(150)}, [2]float64{2.048, 6.5}, [2]float64{2.0, 6.5})
	isle := sq([2]float64{2.0499, 6.5 - d(60)}, [2]float64{2.0501, 6.5 - d(60)}, [2]float64{2.05, 6.5 - d(50)})
	in := []Feature{{Code: "coast", Geometry: MultiPolygon{{coast}}}, {Code: "isle", Geometry: MultiPolygon{{isle}}}}
	for _, p := range isle {
		if (MultiPolygon{{coast}}).Contains(p) {
			t.Fatal("fixture: the island is inside the coast")
		}
	}
	out, st := SimplifyShared(in, 400)
	checkValid(t, out)
	for _, p := range out[1].Geometry[0][0] {
		if out[0].Geometry.Contains(p) {
			t.Fatalf("island vertex %v ends up inside the coast polygon (%+v)", p, st)
		}
	}
}

func TestSimplifySharedEnclave(t *testing.T) {
	// B is an enclave in A: A's hole is B's outer ring, one closed arc.
	var circle [][2]float64
	for i := range 60 {
		a := 2 * math.Pi * float64(i) / 60
		circle = append(circle, [2]float64{2.05 + 0.02*math.Cos(a) + 0.0001*float64(i%2), 6.5 + 0.02*math.Sin(a)})
	}
	outer := sq([2]float64{2.0, 6.45}, [2]float64{2.1, 6.45}, [2]float64{2.1, 6.55}, [2]float64{2.0, 6.55})
	in := []Feature{
		{Code: "A", Geometry: MultiPolygon{{outer, sq(reversed(circle)...)}}},
		{Code: "B", Geometry: MultiPolygon{{sq(circle...)}}},
	}
	out, st := SimplifyShared(in, 50)
	checkValid(t, out)
	if st.ClosedArcs != 2 || st.Shared != 1 {
		t.Errorf("stats %+v: want the hole and the enclave to share one closed arc", st)
	}
	hole, enclave := sortedVertices(out[0].Geometry[0][1]), sortedVertices(out[1].Geometry[0][0])
	if len(hole) != len(enclave) || len(hole) >= 60 {
		t.Fatalf("hole %d points, enclave %d", len(hole), len(enclave))
	}
	if !slices.Equal(hole, enclave) {
		t.Error("A's hole and B's outline differ")
	}
}

// sortedVertices is r's vertices without its closing point, sorted.
func sortedVertices(r Ring) []Point {
	v := slices.Clone(r)
	if len(v) > 1 && v[0] == v[len(v)-1] {
		v = v[:len(v)-1]
	}
	slices.SortFunc(v, func(a, b Point) int {
		if c := cmpFloat(a.Lon, b.Lon); c != 0 {
			return c
		}
		return cmpFloat(a.Lat, b.Lat)
	})
	return v
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func TestSegmentsConflict(t *testing.T) {
	p := func(x, y int64) ipt { return ipt{x, y} }
	cases := []struct {
		name       string
		a, b, c, d ipt
		want       bool
	}{
		{"crossing", p(0, 0), p(10, 10), p(0, 10), p(10, 0), true},
		{"disjoint", p(0, 0), p(10, 0), p(0, 5), p(10, 5), false},
		{"shared end", p(0, 0), p(10, 0), p(10, 0), p(10, 10), false},
		{"shared end, folding back", p(0, 0), p(10, 0), p(10, 0), p(5, 0), true},
		{"end on interior", p(0, 0), p(10, 0), p(5, 0), p(5, 5), true},
		{"collinear overlap", p(0, 0), p(10, 0), p(5, 0), p(15, 0), true},
		{"collinear apart", p(0, 0), p(10, 0), p(11, 0), p(15, 0), false},
		{"same segment", p(0, 0), p(10, 0), p(10, 0), p(0, 0), true},
	}
	for _, c := range cases {
		if got := segmentsConflict(c.a, c.b, c.c, c.d); got != c.want {
			t.Errorf("%s: got %v", c.name, got)
		}
	}
}

// TestSimplifySharedBenin simplifies the real layers: every ring stays a
// valid area, no segment conflict appears, and random points are covered
// by at most one feature (no overlap) and, away from the country's own
// border, by exactly the features that covered them before (no gap).
func TestSimplifySharedBenin(t *testing.T) {
	d := loadBenin(t)
	rng := rand.New(rand.NewPCG(13, 13))
	for _, level := range []Level{Departement, Commune, Arrondissement} {
		in := d.layers[level].Features
		for _, tol := range []float64{100, 1000} {
			out, st := SimplifyShared(in, tol)
			if st.PointsOut >= st.PointsIn || st.UnresolvedConflicts > 0 || st.OutputRingsDegenerate > 0 {
				t.Errorf("%v at %v m: %+v", level, tol, st)
			}
			for _, f := range out {
				if err := f.Geometry.Valid(); err != nil {
					t.Errorf("%v %s: %v", level, f.Code, err)
				}
			}
			// the country's border: the arcs used once
			topo := buildTopology(in)
			var outer [][2]Point
			for _, a := range topo.arcs {
				if a.uses > 1 {
					continue
				}
				for i := 0; i+1 < len(a.pts); i++ {
					outer = append(outer, [2]Point{a.pts[i].point(), a.pts[i+1].point()})
				}
			}
			ix := NewIndex(in)
			bb := ix.bounds
			overlaps, gaps := 0, 0
			for range 3000 {
				p := Point{Lat: bb.MinLat + rng.Float64()*(bb.MaxLat-bb.MinLat), Lon: bb.MinLon + rng.Float64()*(bb.MaxLon-bb.MinLon)}
				before, after := 0, 0
				for i := range in {
					if in[i].Geometry.Contains(p) {
						before++
					}
					if out[i].Geometry.Contains(p) {
						after++
					}
				}
				if after > 1 {
					overlaps++
				}
				if before == 1 && after == 0 && distanceToSegments(p, outer) > 2*tol {
					gaps++
				}
			}
			if overlaps > 0 || gaps > 0 {
				t.Errorf("%v at %v m: %d overlapping and %d uncovered sample points of 3000", level, tol, overlaps, gaps)
			}
		}
	}
}

func distanceToSegments(p Point, segs [][2]Point) float64 {
	best := math.Inf(1)
	ky := earthRadiusM * math.Pi / 180
	kx := ky * math.Cos(p.Lat*math.Pi/180)
	for _, s := range segs {
		d := segmentDistance(p.Lon*kx, p.Lat*ky, s[0].Lon*kx, s[0].Lat*ky, s[1].Lon*kx, s[1].Lat*ky)
		best = min(best, d)
	}
	return best
}

func BenchmarkSimplifySharedArrondissements(b *testing.B) {
	d := loadBenin(b)
	for b.Loop() {
		SimplifyShared(d.layers[Arrondissement].Features, 100)
	}
}

func TestAppendGeometryJSONReadsBack(t *testing.T) {
	in := twoNeighbours(20)
	for _, m := range []MultiPolygon{in[0].Geometry, append(slices.Clone(in[0].Geometry), in[1].Geometry...)} {
		got, err := DecodeGeometry(AppendGeometryJSON(nil, m))
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(m) || !slices.Equal(got[0][0], m[0][0]) {
			t.Errorf("read back %v, want %v", got, m)
		}
	}
}
