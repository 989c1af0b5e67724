package jurisdiction

import (
	"math"
	"strconv"
	"time"

	"coprosec/internal/geo"
)

// ClashParams are the J10 parameters (see Election.ClashParams).
type ClashParams struct {
	RadiusM   float64 // inclusive: distance ≤ RadiusM clashes
	BufferMin int     // windows clash when their gap is < BufferMin minutes
}

// Buffer returns BufferMin as a duration (negative → 0).
func (p ClashParams) Buffer() time.Duration {
	return time.Duration(max(p.BufferMin, 0)) * time.Minute
}

// ClashCandidate is the subset of an event the clash predicates need.
// Arrondissement and Commune are the resolved ones (Place); Commune is read
// by the party notice only (Notices).
type ClashCandidate struct {
	ID, Party, Status string
	Arrondissement    string
	Commune           string
	Location          *geo.Point
	StartsAt, EndsAt  time.Time
}

// CandidateOf builds a ClashCandidate from an event and its resolved place.
func CandidateOf(ev Event, place Place) ClashCandidate {
	return ClashCandidate{ID: ev.ID, Party: ev.Party, Status: ev.status(), Arrondissement: place.Arrondissement,
		Commune: place.Commune, Location: ev.Location, StartsAt: ev.StartsAt, EndsAt: ev.EndsAt}
}

// Clashes is the exact J10 predicate. a and b clash when all hold:
//   - they are different events (IDs differ, or are empty);
//   - both parties are non-empty and different;
//   - neither is cancelled (completed/in-progress events still count);
//   - their windows overlap once widened by the buffer: a.start − buf <
//     b.end and b.start < a.end + buf (half-open: with buffer 0 touching
//     windows do not clash; with buffer > 0 a gap strictly smaller than the
//     buffer clashes);
//   - both have a point and DistanceMeters ≤ RadiusM, or at least one has no
//     point and both have the same non-empty arrondissement. (An event known
//     only by its commune therefore never clashes.)
//
// The election is not compared: the glue only compares events of one
// election, or deliberately across elections.
func Clashes(a, b ClashCandidate, p ClashParams) bool {
	if a.ID != "" && a.ID == b.ID {
		return false
	}
	if a.Party == "" || b.Party == "" || a.Party == b.Party {
		return false
	}
	if a.Status == EventCancelled || b.Status == EventCancelled {
		return false
	}
	buf := p.Buffer()
	if !(a.StartsAt.Add(-buf).Before(b.EndsAt) && b.StartsAt.Before(a.EndsAt.Add(buf))) {
		return false
	}
	if a.Location != nil && b.Location != nil {
		return geo.DistanceMeters(*a.Location, *b.Location) <= max(p.RadiusM, 0)
	}
	return a.Arrondissement != "" && a.Arrondissement == b.Arrondissement
}

// TimeWindow returns the candidate time window for ev's clash search: other
// events can clash only if other.starts_at < to AND other.ends_at > from
// (exactly the time part of Clashes).
func TimeWindow(ev Event, buffer time.Duration) (from, to time.Time) {
	buffer = max(buffer, 0)
	return ev.StartsAt.Add(-buffer), ev.EndsAt.Add(buffer)
}

// CellSizeDeg is the clash grid cell size in degrees, in latitude and longitude.
const CellSizeDeg = 0.01

// minEarthRadiusM is a lower bound of any Earth radius a distance function may
// use (polar radius, rounded down), so search extents are over-estimates.
const minEarthRadiusM = 6_350_000

func cellIndex(deg float64) int { return int(math.Floor(deg / CellSizeDeg)) }

func gridKey(i, j int) string {
	return "g:" + strconv.Itoa(i) + ":" + strconv.Itoa(j)
}

// CellKey is the grid cell key "g:<i>:<j>" of p, i = floor(lat/0.01),
// j = floor(lon/0.01).
func CellKey(p geo.Point) string { return gridKey(cellIndex(p.Lat), cellIndex(p.Lon)) }

// ArrondissementKey is the clash index key "a:<id>" of an arrondissement.
func ArrondissementKey(id string) string { return "a:" + id }

// ClashCells gives the J10 index keys of an event and the keys to search.
//
// Index: store one row (event, key) per key in own: the grid cell key
// CellKey(*p) when the event has a point, and ArrondissementKey(arr) when its
// resolved arrondissement is known. (Zero, one or two keys.)
//
// Search: the candidates of an event are the events having any key in
// search, further filtered by TimeWindow and Clashes:
//   - with a point: every grid cell that can hold a point within radiusM —
//     cells from floor((lat−Δlat)/0.01) to floor((lat+Δlat)/0.01) and likewise
//     for lon, where Δlat is radiusM as an angle and Δlon the largest
//     longitude difference possible within radiusM at the most poleward
//     latitude of the band (≈ radius / cell size in metres at that latitude,
//     rounded up, on each side) — plus ArrondissementKey(arr) when known, to
//     find no-point events of the same arrondissement;
//   - without a point: ArrondissementKey(arr) only, which finds both point
//     and no-point events of the arrondissement (all are indexed under it).
//
// Completeness: if Clashes(a, b) then search(a) ∩ own(b) ≠ ∅, for any a, b.
// Both-point pairs: b's cell is inside a's searched range because the
// extents over-estimate the haversine distance (whatever Earth radius ≥ 6350
// km the distance uses). Other pairs share a non-empty arrondissement, whose
// key both index and the searcher always searches. The search is symmetric,
// so searching from the new/edited event alone is enough. Grid keys do not
// wrap the antimeridian (irrelevant for Benin). Size: for 500 m at Benin's
// latitudes at most 3×3 cells + 1 key; it grows as (2·radius/1.1 km)².
func ClashCells(p *geo.Point, arrondissement string, radiusM float64) (own []string, search []string) {
	if p != nil {
		own = append(own, CellKey(*p))
	}
	if arrondissement != "" {
		own = append(own, ArrondissementKey(arrondissement))
	}
	if p != nil {
		ang := max(radiusM, 0)/minEarthRadiusM*(1+1e-9) + 1e-12 // radians, over-estimated
		dLat := ang * 180 / math.Pi
		latMax := math.Min(90, math.Max(math.Abs(p.Lat-dLat), math.Abs(p.Lat+dLat)))
		dLon := 180.0
		if c := math.Cos(latMax * math.Pi / 180); c > 0 {
			if s := math.Sin(ang/2) / c; s < 1 {
				dLon = 2*math.Asin(s)*180/math.Pi*(1+1e-9) + 1e-12
			}
		}
		i0, i1 := cellIndex(p.Lat-dLat), cellIndex(p.Lat+dLat)
		j0, j1 := cellIndex(p.Lon-dLon), cellIndex(p.Lon+dLon)
		search = make([]string, 0, (i1-i0+1)*(j1-j0+1)+1)
		for i := i0; i <= i1; i++ {
			for j := j0; j <= j1; j++ {
				search = append(search, gridKey(i, j))
			}
		}
	}
	if arrondissement != "" {
		search = append(search, ArrondissementKey(arrondissement))
	}
	return own, search
}
