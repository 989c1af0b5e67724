package receipts

import (
	"fmt"
	"strconv"
	"strings"
)

// Receipt numbers look like BJ08-2026-000123: country, two-digit
// departement code, four-digit year, and a sequence number of at least six
// digits that simply grows longer past 999999. Every number has exactly one
// spelling, so revocation lookups can compare strings.

const seqMinDigits = 6

// FormatNumber formats a receipt number. It does not validate its input;
// Issue refuses numbers that ParseNumber rejects (for instance a
// departement code that is not two digits, or a negative sequence).
func FormatNumber(departementCode string, year int, seq int64) string {
	return fmt.Sprintf("BJ%s-%04d-%0*d", departementCode, year, seqMinDigits, seq)
}

// ParseNumber splits a receipt number into its parts. It accepts only the
// exact spelling FormatNumber produces.
func ParseNumber(s string) (departementCode string, year int, seq int64, err error) {
	bad := func(why string) (string, int, int64, error) {
		return "", 0, 0, fmt.Errorf("receipts: receipt number %q: %s", s, why)
	}
	rest, ok := strings.CutPrefix(s, "BJ")
	if !ok {
		return bad(`must start with "BJ"`)
	}
	parts := strings.Split(rest, "-")
	if len(parts) != 3 {
		return bad("must have three dash-separated parts")
	}
	dep, yr, sq := parts[0], parts[1], parts[2]
	if len(dep) != 2 || !allDigits(dep) {
		return bad("departement code must be two digits")
	}
	if len(yr) != 4 || !allDigits(yr) {
		return bad("year must be four digits")
	}
	if len(sq) < seqMinDigits || !allDigits(sq) {
		return bad("sequence must be at least six digits")
	}
	if len(sq) > seqMinDigits && sq[0] == '0' {
		return bad("sequence has extra leading zeros")
	}
	year, _ = strconv.Atoi(yr) // four digits always fit
	seq, err = strconv.ParseInt(sq, 10, 64)
	if err != nil {
		return bad("sequence is too large")
	}
	return dep, year, seq, nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// numberDigits is the two-digit département part of a receipt number for a
// département code such as "BJ08"; "00" when the code is not of that form
// (an event is always placed, so this does not happen for a real receipt).
func numberDigits(departementCode string) string {
	digits := strings.TrimPrefix(departementCode, "BJ")
	if len(digits) != 2 || !allDigits(digits) {
		return "00"
	}
	return digits
}

// NumberPrefix is what every receipt number of a département code ("BJ08")
// and year starts with, up to the sequence: "BJ08-2026-".
func NumberPrefix(departementCode string, year int) string {
	n := FormatNumber(numberDigits(departementCode), year, 0)
	return n[:strings.LastIndexByte(n, '-')+1]
}

// NumberAfter is the receipt number that follows sequence last (0 when
// none was issued) for a département code and year.
func NumberAfter(departementCode string, year int, last int64) string {
	return FormatNumber(numberDigits(departementCode), year, last+1)
}
