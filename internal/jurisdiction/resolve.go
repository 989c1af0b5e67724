package jurisdiction

// Resolve applies J1 and returns the event's place, with Commune and
// Departement always derived from the finest level known.
//
// Checks, in order (first violation returned):
//  1. none of commune/arrondissement/location → location_required (no field);
//  2. unknown arrondissement / commune id → unknown_place (that field);
//  3. location not a valid WGS84 point → outside_territory (location);
//  4. with loaded boundaries: point outside Benin → outside_territory
//     (location); given arrondissement contradicting the point →
//     location_mismatch (arrondissement); given commune contradicting the
//     point → location_mismatch (commune);
//  5. given arrondissement in another commune than the given commune →
//     location_mismatch (arrondissement);
//  6. a point-only event while boundaries are not loaded cannot be placed →
//     location_required (commune).
//
// Without boundaries a point is kept but not checked against the ids.
func Resolve(ev Event, g Geography) (Place, error) {
	if ev.Location == nil && ev.Commune == "" && ev.Arrondissement == "" {
		return Place{}, ruleErr(CodeLocationRequired, "",
			"an event needs a commune, an arrondissement or a location")
	}
	var arrPlace, comPlace, located Place
	if ev.Arrondissement != "" {
		p, ok := g.ArrondissementPlace(ev.Arrondissement)
		if !ok {
			return Place{}, ruleErr(CodeUnknownPlace, "arrondissement", "unknown arrondissement %q", ev.Arrondissement)
		}
		arrPlace = p
	}
	if ev.Commune != "" {
		p, ok := g.CommunePlace(ev.Commune)
		if !ok {
			return Place{}, ruleErr(CodeUnknownPlace, "commune", "unknown commune %q", ev.Commune)
		}
		comPlace = p
	}
	if ev.Location != nil {
		pt := *ev.Location
		if !pt.Valid() {
			return Place{}, ruleErr(CodeOutsideTerritory, "location", "location (%v, %v) is not a valid position", pt.Lat, pt.Lon)
		}
		if g.HasBoundaries() {
			p, ok := g.Locate(pt)
			if !ok {
				return Place{}, ruleErr(CodeOutsideTerritory, "location", "location (%.6f, %.6f) is outside Benin", pt.Lat, pt.Lon)
			}
			located = p
			if ev.Arrondissement != "" && !compatible(located, arrPlace) {
				return Place{}, ruleErr(CodeLocationMismatch, "arrondissement",
					"location (%.6f, %.6f) is not in arrondissement %q (it is in %s)", pt.Lat, pt.Lon, ev.Arrondissement, describe(located))
			}
			if ev.Commune != "" && !compatible(located, comPlace) {
				return Place{}, ruleErr(CodeLocationMismatch, "commune",
					"location (%.6f, %.6f) is not in commune %q (it is in %s)", pt.Lat, pt.Lon, ev.Commune, describe(located))
			}
		}
	}
	if ev.Arrondissement != "" && ev.Commune != "" && !compatible(arrPlace, comPlace) {
		return Place{}, ruleErr(CodeLocationMismatch, "arrondissement",
			"arrondissement %q belongs to commune %q, not to commune %q", ev.Arrondissement, arrPlace.Commune, ev.Commune)
	}
	best := finest(located, arrPlace, comPlace)
	if best.Departement == "" {
		return Place{}, ruleErr(CodeLocationRequired, "commune",
			"boundaries are not loaded: the location alone cannot be placed, give a commune or an arrondissement")
	}
	return best, nil
}

// compatible reports whether a and b agree on every level both know.
func compatible(a, b Place) bool {
	eq := func(x, y string) bool { return x == "" || y == "" || x == y }
	return eq(a.Departement, b.Departement) && eq(a.Commune, b.Commune) && eq(a.Arrondissement, b.Arrondissement)
}

func level(p Place) int {
	switch {
	case p.Arrondissement != "":
		return 3
	case p.Commune != "":
		return 2
	case p.Departement != "":
		return 1
	}
	return 0
}

// finest returns the most specific of compatible places (first wins ties).
func finest(ps ...Place) Place {
	var best Place
	for _, p := range ps {
		if level(p) > level(best) {
			best = p
		}
	}
	return best
}

func describe(p Place) string {
	switch {
	case p.Arrondissement != "":
		return "arrondissement \"" + p.Arrondissement + "\" of commune \"" + p.Commune + "\""
	case p.Commune != "":
		return "commune \"" + p.Commune + "\""
	default:
		return "département \"" + p.Departement + "\""
	}
}

// Moved is the event of an update from before to after as J1 must place
// it: a place field the write left as it was (commune, arrondissement) is
// dropped when a more precise one changed, so that it is derived again
// rather than taken as a contradiction. Moving the pin re-derives both;
// choosing another arrondissement re-derives the commune; another commune
// drops the arrondissement of the old one. A value the write changed is
// kept, and Resolve refuses it if it contradicts the point. Without
// boundaries (g cannot locate a point) a moved pin keeps the ids.
func Moved(before, after Event, g Geography) Event {
	communeKept := after.Commune == before.Commune
	arrKept := after.Arrondissement == before.Arrondissement
	switch {
	case after.Location != nil && !pointPtrEqual(before.Location, after.Location) && g.HasBoundaries():
		if communeKept {
			after.Commune = ""
		}
		if arrKept {
			after.Arrondissement = ""
		}
	case !communeKept && arrKept:
		after.Arrondissement = ""
	case communeKept && !arrKept && after.Arrondissement != "":
		after.Commune = ""
	}
	return after
}
