package geo

import "strconv"

// Level is the tier of an administrative unit in Benin's hierarchy:
// 12 départements, 77 communes, 546 arrondissements.
type Level int

// The zero Level is deliberately not a tier, so that a forgotten level is
// detectable.
const (
	Departement Level = iota + 1
	Commune
	Arrondissement
)

// String returns the lower-case French name without accents, as used in
// codes and logs: "departement", "commune" or "arrondissement".
func (l Level) String() string {
	switch l {
	case Departement:
		return "departement"
	case Commune:
		return "commune"
	case Arrondissement:
		return "arrondissement"
	}
	return "Level(" + strconv.Itoa(int(l)) + ")"
}

// Feature is one administrative unit with its boundary.
type Feature struct {
	Level Level
	// Code identifies the unit within its layer: an OCHA p-code such as
	// "BJ01" or "BJ0101", a derived arrondissement code such as
	// "BJ0101-01", or a geoBoundaries shapeID.
	Code string
	Name string
	// ParentCode is the code of the enclosing unit one level up; empty for
	// départements and for layers that do not carry it (see AssignParents).
	ParentCode string
	// DepartementCode is the code of the enclosing département; for a
	// département it is its own code.
	DepartementCode string
	// ISO is the ISO 3166-2 code of a département, such as "BJ-AL", when the
	// source has one.
	ISO      string
	Geometry MultiPolygon
}
