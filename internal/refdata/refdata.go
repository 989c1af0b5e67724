// Package refdata embeds the public reference seed of DESIGN's appendix:
// the 12 départements and 77 communes of Benin with their OCHA p-codes, so
// that the product works before any boundary file is imported.
package refdata

import (
	"strings"
	"unicode/utf8"
)

// Departement is one of Benin's 12 first-level divisions.
type Departement struct {
	Code, Name, ISO string
	Communes        []Commune
}

// Commune is one of Benin's 77 second-level divisions.
type Commune struct {
	Code, Name string
}

// Of is "de NAME" with French elision: "d'Abomey-Calavi", "d'Ifangni",
// but "de Cotonou" and "de Ouidah" (an initial "ou" before a vowel is the
// consonant sound of "oui", which French does not elide before).
func Of(name string) string {
	lower := strings.ToLower(name)
	first, _ := utf8.DecodeRuneInString(lower)
	if !strings.ContainsRune("aeiouyàâäéèêëîïôöùûü", first) {
		return "de " + name
	}
	if strings.HasPrefix(lower, "ou") {
		if next, _ := utf8.DecodeRuneInString(lower[2:]); strings.ContainsRune("aeiouyàâäéèêëîïôöùûü", next) {
			return "de " + name
		}
	}
	return "d'" + name
}
