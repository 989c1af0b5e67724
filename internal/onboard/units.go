package onboard

import (
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"

	"coprosec/internal/jurisdiction"
)

// UnitColumns is the header of a units file (DESIGN §6).
var UnitColumns = []string{"name", "kind", "departement", "parent", "communes", "arrondissements", "phone"}

// UnitRow is one unit of a units file, checked for shape; codes and the
// parent's name are resolved by the glue.
type UnitRow struct {
	Line            int
	Name            string
	Kind            string // jurisdiction.UnitDirectorate or UnitCommissariat
	Departement     string // a département code (BJ01)
	Parent          string // the directorate's name; empty for a directorate
	Communes        []string
	Arrondissements []string
	Phone           string
}

var (
	depCode  = regexp.MustCompile(`^BJ[0-9]{2}$`)
	comCode  = regexp.MustCompile(`^BJ[0-9]{4}$`)
	arrCode  = regexp.MustCompile(`^BJ[0-9]{4}-[0-9]{2}$`)
	unitTels = regexp.MustCompile(`^\+?[0-9 .()-]{8,32}$`)
)

// ReadUnits reads and checks a units file. A *FileError refuses the whole
// file; Problems lists every refused row (the rows are then not to be
// applied).
func ReadUnits(r io.Reader) ([]UnitRow, error) {
	recs, err := readFile(r, UnitColumns)
	if err != nil {
		return nil, err
	}
	var rows []UnitRow
	var probs Problems
	names := firstLines{}
	coveredBy := firstLines{} // arrondissement or commune code → first line covering it
	for _, rec := range recs {
		bad := func(field, code, format string, args ...any) {
			probs = append(probs, Problem{Line: rec.line, Field: field, Code: code, Message: fmt.Sprintf(format, args...)})
		}
		u := UnitRow{Line: rec.line, Name: rec.get("name"), Kind: strings.ToLower(rec.get("kind")),
			Departement: strings.ToUpper(rec.get("departement")), Parent: rec.get("parent"),
			Communes: splitCodes(strings.ToUpper(rec.get("communes"))), Arrondissements: splitCodes(strings.ToUpper(rec.get("arrondissements"))),
			Phone: rec.get("phone")}
		n := len(probs)
		if u.Name == "" {
			bad("name", CodeMissingValue, "A unit needs a name.")
		} else if first, dup := names.claim(strings.ToLower(u.Name), rec.line); dup {
			bad("name", CodeDuplicate, "%q is already on line %d.", u.Name, first)
		}
		switch u.Kind {
		case jurisdiction.UnitDirectorate:
			if u.Parent != "" {
				bad("parent", CodeInvalidValue, "A directorate has no parent.")
			}
			if len(u.Communes)+len(u.Arrondissements) > 0 {
				bad("communes", CodeInvalidValue, "A directorate covers no area of its own (J5): leave communes and arrondissements empty.")
			}
		case jurisdiction.UnitCommissariat:
			if u.Parent == "" {
				bad("parent", CodeMissingValue, "A commissariat needs the name of its directorate.")
			}
		case "":
			bad("kind", CodeMissingValue, "kind is directorate or commissariat.")
		default:
			bad("kind", CodeInvalidValue, "%q is not a kind: directorate or commissariat.", u.Kind)
		}
		if !depCode.MatchString(u.Departement) {
			bad("departement", CodeInvalidValue, "%q is not a département code (BJ01 … BJ12).", u.Departement)
		}
		for _, c := range u.Communes {
			if !comCode.MatchString(c) {
				bad("communes", CodeInvalidValue, "%q is not a commune code (e.g. BJ0800).", c)
			} else if !strings.HasPrefix(c, u.Departement) {
				bad("communes", CodeInvalidValue, "Commune %s is not in département %s.", c, u.Departement)
			}
		}
		for _, c := range u.Arrondissements {
			if !arrCode.MatchString(c) {
				bad("arrondissements", CodeInvalidValue, "%q is not an arrondissement code (e.g. BJ0800-01).", c)
			} else if !strings.HasPrefix(c, u.Departement) {
				bad("arrondissements", CodeInvalidValue, "Arrondissement %s is not in département %s.", c, u.Departement)
			}
		}
		// J5 within the file: each area has one commissariat (the stored
		// units are checked by the glue, row by row)
		for _, c := range append(slices.Clone(u.Communes), u.Arrondissements...) {
			field := "communes"
			if arrCode.MatchString(c) {
				field = "arrondissements"
			}
			if first, dup := coveredBy.claim(c, rec.line); dup {
				bad(field, jurisdiction.CodeCoverageConflict, "%s is also covered by line %d.", c, first)
			}
		}
		if u.Phone != "" && !unitTels.MatchString(u.Phone) {
			bad("phone", CodeInvalidValue, "%q is not a phone number.", u.Phone)
		}
		if len(probs) == n {
			rows = append(rows, u)
		}
	}
	if len(probs) > 0 {
		return nil, probs
	}
	return rows, nil
}
