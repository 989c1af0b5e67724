package accounts

import (
	"strings"
	"unicode"
)

// NormalizeIdentity is the sign-in identity as stored: an e-mail in lower
// case, a phone number in +229 form whether typed locally (8 or 10
// digits), with 00229 or 229, or with spaces, dots, dashes and brackets.
// It is the field app's normalizeIdentity (pb_public/js/session.js), so that
// a number signs in to the same account however it is typed; anything else
// comes back trimmed.
func NormalizeIdentity(raw string) string {
	s := strings.TrimSpace(raw)
	if strings.Contains(s, "@") {
		return strings.ToLower(s)
	}
	digits := strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || strings.ContainsRune(".-()", r) {
			return -1
		}
		return r
	}, s)
	if strings.HasPrefix(digits, "00") {
		digits = "+" + digits[2:]
	}
	if allDigits(digits) {
		if strings.HasPrefix(digits, "229") && len(digits) >= 11 {
			return "+" + digits
		}
		if len(digits) == 8 || len(digits) == 10 {
			return "+229" + digits
		}
	}
	return digits
}

func allDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

// ContactPhone is a contact's phone number as stored (NormalizeIdentity's
// +229 form for a local number, any international number kept with its
// +), or ok=false for text that is not a phone number. An empty number is
// allowed: contacts are optional.
func ContactPhone(raw string) (phone string, ok bool) {
	if strings.TrimSpace(raw) == "" {
		return "", true
	}
	if strings.Contains(raw, "@") {
		return "", false
	}
	p := NormalizeIdentity(raw)
	digits := strings.TrimPrefix(p, "+")
	if !strings.HasPrefix(p, "+") || !allDigits(digits) || len(digits) < 8 || len(digits) > 15 {
		return "", false
	}
	return p, true
}
