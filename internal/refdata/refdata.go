// Package refdata embeds the public reference seed of DESIGN's appendix:
// the 12 départements and 77 communes of Benin with their OCHA p-codes, so
// that the product works before any boundary file is imported.
package refdata

// Departement is one of Benin's 12 first-level divisions.
type Departement struct {
	Code, Name, ISO string
	Communes        []Commune
}

// Commune is one of Benin's 77 second-level divisions.
type Commune struct {
	Code, Name string
}
