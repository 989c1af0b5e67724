package geo

import (
	"strings"
	"unicode"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// LostLetters reports whether a name has letters replaced by "?" or U+FFFD.
func LostLetters(name string) bool { return strings.ContainsAny(name, "?\uFFFD") }

// WildcardName compares a name with lost letters to a stored one: equal
// once folded, where each "?" or U+FFFD stands for any one letter.
func WildcardName(lossy, name string) bool {
	a, b := []rune(FoldName(lossy)), []rune(FoldName(name))
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] && a[i] != '?' && a[i] != '\uFFFD' {
			return false
		}
	}
	return true
}

// FoldName compares names across sources: "Sèmè-Kpodji" = "SEME KPODJI".
func FoldName(s string) string {
	t := transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
	out, _, _ := transform.String(t, s)
	out = strings.ToLower(out)
	out = strings.NewReplacer("-", " ", "'", " ", "’", " ").Replace(out)
	return strings.Join(strings.Fields(out), " ")
}
