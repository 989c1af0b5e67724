package onboard

import (
	"crypto/rand"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"

	"coprosec/internal/accounts"
	"coprosec/internal/jurisdiction"
	"coprosec/internal/syncproto"
)

// AccountColumns is the header of an accounts file (DESIGN §6).
var AccountColumns = []string{"name", "phone", "email", "role", "party", "unit"}

// AccountRow is one account of an accounts file, checked for shape; the
// party (an acronym) and the unit (a name) are resolved by the glue.
type AccountRow struct {
	Line  int
	Name  string
	Phone string // +229 form, or empty
	Email string // lower case, or empty
	Role  string
	Party string // acronym, for party accounts
	Unit  string // unit name, for police accounts
}

var (
	beninPhone = regexp.MustCompile(`^\+229[0-9]{8}([0-9]{2})?$`)
	emailShape = regexp.MustCompile(`^[^@\s]+@[^@\s]+\.[^@\s]+$`)
	roles      = []string{syncproto.RoleOrganizer, syncproto.RolePartyAdmin, syncproto.RoleOfficer,
		syncproto.RoleCommander, syncproto.RoleDirector, syncproto.RoleMinistry}
)

// ReadAccounts reads and checks an accounts file, like ReadUnits.
func ReadAccounts(r io.Reader) ([]AccountRow, error) {
	recs, err := readFile(r, AccountColumns)
	if err != nil {
		return nil, err
	}
	var rows []AccountRow
	var probs Problems
	phones, emails := firstLines{}, firstLines{}
	for _, rec := range recs {
		bad := func(field, code, format string, args ...any) {
			probs = append(probs, Problem{Line: rec.line, Field: field, Code: code, Message: fmt.Sprintf(format, args...)})
		}
		a := AccountRow{Line: rec.line, Name: rec.get("name"), Role: strings.ToLower(rec.get("role")),
			Party: strings.ToUpper(rec.get("party")), Unit: rec.get("unit")}
		n := len(probs)
		if a.Name == "" {
			bad("name", CodeMissingValue, "An account needs a name.")
		}
		if raw := rec.get("phone"); raw != "" {
			a.Phone = accounts.NormalizeIdentity(raw)
			if !beninPhone.MatchString(a.Phone) {
				bad("phone", CodeInvalidValue, "%q is not a Benin phone number (8 or 10 digits, or +229…).", raw)
			} else if first, dup := phones.claim(a.Phone, rec.line); dup {
				bad("phone", CodeDuplicate, "%s is already on line %d.", a.Phone, first)
			}
		}
		if raw := rec.get("email"); raw != "" {
			a.Email = strings.ToLower(raw)
			if !emailShape.MatchString(a.Email) {
				bad("email", CodeInvalidValue, "%q is not an e-mail address.", raw)
			} else if first, dup := emails.claim(a.Email, rec.line); dup {
				bad("email", CodeDuplicate, "%s is already on line %d.", a.Email, first)
			}
		}
		if a.Phone == "" && a.Email == "" {
			bad("phone", CodeMissingValue, "An account needs a phone number or an e-mail to sign in with.")
		}
		if !slices.Contains(roles, a.Role) {
			bad("role", CodeInvalidValue, "%q is not a role: %s.", a.Role, strings.Join(roles, ", "))
		} else if err := accounts.Check(accounts.Account{Role: a.Role, Party: a.Party, Unit: a.Unit, UnitKind: jurisdiction.UnitDirectorate}); err != nil {
			// the director's unit kind is checked once the unit is known
			re, _ := jurisdiction.AsRuleError(err)
			bad(re.Field, re.Code, "%s", re.Message)
		}
		if len(probs) == n {
			rows = append(rows, a)
		}
	}
	if len(probs) > 0 {
		return nil, probs
	}
	return rows, nil
}

// passwordAlphabet leaves out characters read one for another on a paper
// slip (0/O, 1/l/I).
const passwordAlphabet = "abcdefghjkmnpqrstuvwxyz23456789"

// InitialPassword is a random first password to hand out on a slip:
// three groups of four characters (about 59 bits), which its owner
// replaces at first sign-in.
func InitialPassword() (string, error) {
	var b strings.Builder
	buf := make([]byte, 1)
	for i := 0; i < 12; {
		if _, err := rand.Read(buf); err != nil {
			return "", err
		}
		// rejection sampling: no bias towards the first letters
		if int(buf[0]) >= 256-256%len(passwordAlphabet) {
			continue
		}
		if i > 0 && i%4 == 0 {
			b.WriteByte('-')
		}
		b.WriteByte(passwordAlphabet[int(buf[0])%len(passwordAlphabet)])
		i++
	}
	return b.String(), nil
}
