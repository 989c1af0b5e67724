package jurisdiction

import (
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"
	"time"

	"coprosec/internal/geo"
)

func TestClashes(t *testing.T) {
	t0 := lt(2026, 4, 5, 10, 0)
	h := time.Hour
	p := geo.Point{Lat: 6.35, Lon: 2.35}
	far := geo.Point{Lat: 6.35, Lon: 2.36} // ≈1.1 km east
	near := geo.Point{Lat: 6.3530, Lon: 2.35}
	d := geo.DistanceMeters(p, near)
	a := ClashCandidate{ID: "a", Party: "p1", Status: EventDeclared, Arrondissement: "arrA1y", Location: &p, StartsAt: t0, EndsAt: t0.Add(2 * h)}
	with := func(f func(*ClashCandidate)) ClashCandidate {
		b := a
		b.ID, b.Party = "b", "p2"
		f(&b)
		return b
	}
	std := ClashParams{RadiusM: 500, BufferMin: 60}
	noBuf := ClashParams{RadiusM: 500}
	noPoint := func(c ClashCandidate) ClashCandidate { c.Location = nil; return c }
	tests := []struct {
		name string
		a, b ClashCandidate
		p    ClashParams
		want bool
	}{
		{"same place and time, different parties", a, with(func(*ClashCandidate) {}), std, true},
		{"same party", a, with(func(b *ClashCandidate) { b.Party = "p1" }), std, false},
		{"empty party", a, with(func(b *ClashCandidate) { b.Party = "" }), std, false},
		{"same event", a, with(func(b *ClashCandidate) { b.ID = "a" }), std, false},
		{"other cancelled", a, with(func(b *ClashCandidate) { b.Status = EventCancelled }), std, false},
		{"self cancelled", with(func(b *ClashCandidate) { b.ID = "c"; b.Status = EventCancelled }), a, std, false},
		{"completed still counts", a, with(func(b *ClashCandidate) { b.Status = EventCompleted }), std, true},
		{"touching, buffer 0", a, with(func(b *ClashCandidate) { b.StartsAt, b.EndsAt = t0.Add(2*h), t0.Add(3*h) }), noBuf, false},
		{"touching, buffer 0, reversed", with(func(b *ClashCandidate) { b.StartsAt, b.EndsAt = t0.Add(2*h), t0.Add(3*h) }), a, noBuf, false},
		{"1 minute overlap, buffer 0", a, with(func(b *ClashCandidate) { b.StartsAt, b.EndsAt = t0.Add(2*h-time.Minute), t0.Add(3*h) }), noBuf, true},
		{"touching, buffer 60", a, with(func(b *ClashCandidate) { b.StartsAt, b.EndsAt = t0.Add(2*h), t0.Add(3*h) }), std, true},
		{"gap 59 min, buffer 60", a, with(func(b *ClashCandidate) { b.StartsAt, b.EndsAt = t0.Add(2*h+59*time.Minute), t0.Add(4*h) }), std, true},
		{"gap 60 min, buffer 60", a, with(func(b *ClashCandidate) { b.StartsAt, b.EndsAt = t0.Add(3*h), t0.Add(4*h) }), std, false},
		{"gap 60 min before, buffer 60", a, with(func(b *ClashCandidate) { b.StartsAt, b.EndsAt = t0.Add(-2*h), t0.Add(-h) }), std, false},
		{"gap 59 min before, buffer 60", a, with(func(b *ClashCandidate) { b.StartsAt, b.EndsAt = t0.Add(-2*h), t0.Add(-h+time.Minute) }), std, true},
		{"radius boundary: exactly radius", a, with(func(b *ClashCandidate) { b.Location = &near }), ClashParams{RadiusM: d}, true},
		{"radius boundary: just beyond", a, with(func(b *ClashCandidate) { b.Location = &near }), ClashParams{RadiusM: math.Nextafter(d, 0)}, false},
		{"far, same arrondissement", a, with(func(b *ClashCandidate) { b.Location = &far }), std, false},
		{"no point, same arrondissement", noPoint(a), with(func(b *ClashCandidate) {}), std, true},
		{"point vs no point, same arrondissement", a, with(func(b *ClashCandidate) { b.Location = nil }), std, true},
		{"no point, other arrondissement", noPoint(a), with(func(b *ClashCandidate) { b.Arrondissement = "arrA1x" }), std, false},
		{"no point, no arrondissement (commune only)", func() ClashCandidate { c := noPoint(a); c.Arrondissement = ""; return c }(),
			with(func(b *ClashCandidate) { b.Location = nil; b.Arrondissement = "" }), std, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Clashes(tc.a, tc.b, tc.p); got != tc.want {
				t.Fatalf("Clashes = %v, want %v", got, tc.want)
			}
			if got := Clashes(tc.b, tc.a, tc.p); got != tc.want {
				t.Fatalf("not symmetric")
			}
		})
	}
}

func TestCandidateOf(t *testing.T) {
	ev := Event{ID: "e", Party: "p1", Location: pp(ptA1x), StartsAt: declared, EndsAt: declared.Add(time.Hour)}
	c := CandidateOf(ev, mkPlace("A", "1", "x"))
	if c.Status != EventDeclared || c.Arrondissement != "arrA1x" || c.Location != ev.Location || c.ID != "e" || !c.EndsAt.Equal(ev.EndsAt) {
		t.Fatalf("%+v", c)
	}
}

func TestTimeWindow(t *testing.T) {
	ev := Event{StartsAt: lt(2026, 4, 5, 10, 0), EndsAt: lt(2026, 4, 5, 12, 0)}
	from, to := TimeWindow(ev, time.Hour)
	if !from.Equal(lt(2026, 4, 5, 9, 0)) || !to.Equal(lt(2026, 4, 5, 13, 0)) {
		t.Fatal(from, to)
	}
	if f, _ := TimeWindow(ev, -time.Hour); !f.Equal(ev.StartsAt) {
		t.Fatal("negative buffer")
	}
	// The SQL window filter (other.starts_at < to AND other.ends_at > from)
	// equals the time part of Clashes: starting exactly at `to` is out.
	a := ClashCandidate{ID: "a", Party: "p1", Arrondissement: "x", StartsAt: ev.StartsAt, EndsAt: ev.EndsAt}
	b := ClashCandidate{ID: "b", Party: "p2", Arrondissement: "x", StartsAt: to, EndsAt: to.Add(time.Hour)}
	if Clashes(a, b, ClashParams{BufferMin: 60}) {
		t.Fatal("event starting at window end must not clash")
	}
	b.StartsAt = to.Add(-time.Nanosecond)
	if !Clashes(a, b, ClashParams{BufferMin: 60}) {
		t.Fatal("event starting inside window must clash")
	}
}

func TestClashCellsKeys(t *testing.T) {
	p := geo.Point{Lat: 6.355, Lon: 2.345}
	own, search := ClashCells(&p, "arrA1y", 500)
	if !slices.Equal(own, []string{"g:635:234", "a:arrA1y"}) {
		t.Fatalf("own %v", own)
	}
	if len(search) > 10 || !slices.Contains(search, "g:635:234") || search[len(search)-1] != "a:arrA1y" {
		t.Fatalf("search %v", search)
	}
	own, search = ClashCells(nil, "arrA1y", 500)
	if !slices.Equal(own, []string{"a:arrA1y"}) || !slices.Equal(search, []string{"a:arrA1y"}) {
		t.Fatalf("no point: %v %v", own, search)
	}
	own, search = ClashCells(nil, "", 500)
	if own != nil || search != nil {
		t.Fatal("commune-only events have no keys")
	}
	neg := geo.Point{Lat: -0.005, Lon: -0.001}
	if k := CellKey(neg); k != "g:-1:-1" {
		t.Fatalf("negative cell key %s", k)
	}
}

// TestClashCellsComplete checks, against brute force on random events, that
// every clashing pair is found by the candidate search: search(a) ∩ own(b)
// is non-empty whenever Clashes(a, b).
func TestClashCellsComplete(t *testing.T) {
	rng := rand.New(rand.NewPCG(2026, 4))
	t0 := lt(2026, 4, 5, 10, 0)
	type box struct{ lat, lon, size float64 }
	boxes := []box{{6.3, 2.3, 0.06}, {60.0, 10.0, 0.06}, {-0.03, -0.03, 0.06}, {11.5, 3.5, 0.3}}
	radii := []float64{0, 1, 500, 1111.95, 2500, 7000}
	arrs := []string{"x", "y", "z", ""}
	for _, bx := range boxes {
		const n = 300
		evs := make([]ClashCandidate, n)
		for i := range evs {
			c := ClashCandidate{ID: strconv.Itoa(i), Party: "p" + strconv.Itoa(i), StartsAt: t0, EndsAt: t0.Add(time.Hour),
				Arrondissement: arrs[rng.IntN(len(arrs))]}
			if rng.IntN(5) > 0 {
				pt := geo.Point{Lat: bx.lat + rng.Float64()*bx.size, Lon: bx.lon + rng.Float64()*bx.size}
				switch rng.IntN(6) { // snap some points onto cell edges
				case 0:
					pt.Lat = math.Round(pt.Lat*100) / 100
				case 1:
					pt.Lon = math.Round(pt.Lon*100) / 100
				}
				c.Location = &pt
			}
			evs[i] = c
		}
		for _, r := range radii {
			params := ClashParams{RadiusM: r}
			own := make([][]string, n)
			search := make([]map[string]bool, n)
			for i, e := range evs {
				var s []string
				own[i], s = ClashCells(e.Location, e.Arrondissement, r)
				search[i] = map[string]bool{}
				for _, k := range s {
					search[i][k] = true
				}
			}
			pairs := 0
			for i := range evs {
				for j := range evs {
					if i == j || !Clashes(evs[i], evs[j], params) {
						continue
					}
					pairs++
					if !slices.ContainsFunc(own[j], func(k string) bool { return search[i][k] }) {
						t.Fatalf("box %v radius %v: %d does not find %d (%+v / %+v): own %v", bx, r, i, j, evs[i].Location, evs[j].Location, own[j])
					}
				}
			}
			if r >= 500 && pairs == 0 {
				t.Fatalf("box %v radius %v: no clashing pairs, test is vacuous", bx, r)
			}
		}
	}
}
