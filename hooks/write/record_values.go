package write

import (
	"math"
	"time"
	"unicode/utf8"

	"coprosec/internal/jurisdiction"

	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/core"
)

// Dates outside these bounds are refused: no election, campaign or incident
// of this system lies there, and a year 9999 sorts every list wrongly and
// outlives every receipt.
var (
	earliestDate = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	latestDate   = time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC)
)

// checkValues refuses, on every write path, stored values that no client
// can read back as written: text that is not UTF-8 (a multipart form is
// not checked by any JSON decoder), numbers beyond ±2^53 (a phone's
// JavaScript rounds them, the receipt digest cannot be computed), dates
// outside [earliestDate, latestDate). Such a value, once stored, made an
// event impossible to acknowledge; refused here it is a 400 with a code.
func checkValues(r *core.Record) validation.Errors {
	errs := validation.Errors{}
	for _, f := range r.Collection().Fields {
		name := f.GetName()
		switch f.Type() {
		case core.FieldTypeText, core.FieldTypeEditor, core.FieldTypeEmail, core.FieldTypeURL:
			if s, ok := r.GetRaw(name).(string); ok && !utf8.ValidString(s) {
				errs[name] = validation.NewError(jurisdiction.CodeInvalidText, "The text is not valid UTF-8.")
			}
		case core.FieldTypeSelect, core.FieldTypeRelation:
			for _, s := range r.GetStringSlice(name) {
				if !utf8.ValidString(s) {
					errs[name] = validation.NewError(jurisdiction.CodeInvalidText, "The value is not valid UTF-8.")
				}
			}
		case core.FieldTypeNumber:
			if n := r.GetFloat(name); math.IsNaN(n) || math.Abs(n) > maxSafeNumber {
				errs[name] = validation.NewError(jurisdiction.CodeNumberOutOfRange, "The number is too large.")
			}
		case core.FieldTypeDate:
			if d := r.GetDateTime(name); !d.IsZero() && (d.Time().Before(earliestDate) || !d.Time().Before(latestDate)) {
				errs[name] = validation.NewError(jurisdiction.CodeDateOutOfRange, "The date must lie between 2000 and 2099.")
			}
		}
	}
	return errs
}
