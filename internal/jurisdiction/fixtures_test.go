package jurisdiction

import (
	"strings"
	"testing"
	"time"

	"coprosec/internal/geo"
)

// fakeGeo is a grid of squares covering lat [6.3, 6.5) × lon [2.0, 2.8):
//
//	département A: lon [2.0, 2.4), B: lon [2.4, 2.8)
//	commune 1: lat [6.3, 6.4), commune 2: lat [6.4, 6.5)
//	arrondissement x: first 0.2° of the département's longitudes, y: the rest
//
// Ids: "depA", "comA1", "arrA1x", ...
type fakeGeo struct{ noBoundaries bool }

func (f fakeGeo) HasBoundaries() bool { return !f.noBoundaries }

func (fakeGeo) Locate(p geo.Point) (Place, bool) {
	if p.Lat < 6.3 || p.Lat >= 6.5 || p.Lon < 2.0 || p.Lon >= 2.8 {
		return Place{}, false
	}
	d, west := "A", 2.0
	if p.Lon >= 2.4 {
		d, west = "B", 2.4
	}
	c := "1"
	if p.Lat >= 6.4 {
		c = "2"
	}
	a := "x"
	if p.Lon-west >= 0.2 {
		a = "y"
	}
	return mkPlace(d, c, a), true
}

func mkPlace(d, c, a string) Place {
	p := Place{Departement: "dep" + d}
	if c != "" {
		p.Commune = "com" + d + c
	}
	if a != "" {
		p.Arrondissement = "arr" + d + c + a
	}
	return p
}

func validParts(d, c string) bool {
	return (d == "A" || d == "B") && (c == "1" || c == "2")
}

func (fakeGeo) ArrondissementPlace(id string) (Place, bool) {
	s, ok := strings.CutPrefix(id, "arr")
	if !ok || len(s) != 3 || !validParts(s[0:1], s[1:2]) || (s[2] != 'x' && s[2] != 'y') {
		return Place{}, false
	}
	return mkPlace(s[0:1], s[1:2], s[2:3]), true
}

func (fakeGeo) CommunePlace(id string) (Place, bool) {
	s, ok := strings.CutPrefix(id, "com")
	if !ok || len(s) != 2 || !validParts(s[0:1], s[1:2]) {
		return Place{}, false
	}
	return mkPlace(s[0:1], s[1:2], ""), true
}

// Centres of some arrondissements.
var (
	ptA1x = geo.Point{Lat: 6.35, Lon: 2.1}
	ptA1y = geo.Point{Lat: 6.35, Lon: 2.3}
	ptA2x = geo.Point{Lat: 6.45, Lon: 2.1}
	ptB1x = geo.Point{Lat: 6.35, Lon: 2.5}
	ptB2y = geo.Point{Lat: 6.45, Lon: 2.7}
)

func pp(p geo.Point) *geo.Point { return &p }

// testUnits: arrA1x → Godomey (arrondissement level, beats Calavi),
// comA1 → Calavi (commune level), arrB1x → Porto-Novo; comA2 and the rest of
// B are uncovered.
func testUnits() []Unit {
	return []Unit{
		{ID: "dirA", Name: "DDP Atlantique", Kind: UnitDirectorate, Departement: "depA"},
		{ID: "dirB", Name: "DDP Ouémé", Kind: UnitDirectorate, Departement: "depB"},
		{ID: "cCalavi", Name: "Commissariat de Calavi", Kind: UnitCommissariat, Departement: "depA", Parent: "dirA", Communes: []string{"comA1"}},
		{ID: "cGodomey", Name: "Commissariat de Godomey", Kind: UnitCommissariat, Departement: "depA", Parent: "dirA", Arrondissements: []string{"arrA1x"}},
		{ID: "cPN", Name: "Commissariat de Porto-Novo", Kind: UnitCommissariat, Departement: "depB", Parent: "dirB", Arrondissements: []string{"arrB1x"}},
	}
}

// lt returns the instant of a local (WAT) wall time.
func lt(y int, m time.Month, d, h, min int) time.Time {
	return time.Date(y, m, d, h, min, 0, 0, Local).UTC()
}

func testElection() Election {
	return Election{
		ID:            "el2026",
		CampaignStart: lt(2026, 3, 28, 0, 0),
		CampaignEnd:   lt(2026, 4, 13, 0, 0), // past the vote, so the eve/day rule is tested on its own
		ElectionDay:   time.Date(2026, 4, 12, 0, 0, 0, 0, time.UTC),
		Parties:       []string{"p1", "p2"},
		Active:        true,
	}
}

func wantCode(t *testing.T, err error, code, field string) {
	t.Helper()
	if code == "" {
		if err != nil {
			t.Fatalf("want no error, got %v", err)
		}
		return
	}
	re, ok := AsRuleError(err)
	if !ok {
		t.Fatalf("want %s error, got %v", code, err)
	}
	if re.Code != code || re.Field != field {
		t.Fatalf("want code %q field %q, got code %q field %q (%s)", code, field, re.Code, re.Field, re.Message)
	}
	if re.Message == "" {
		t.Fatalf("empty message for %s", code)
	}
}
