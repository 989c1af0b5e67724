// Package i18n is the language of the messages people read: the French
// catalog of every stable error code the server answers (Coprosec's own
// and PocketBase's common validation codes), and the choice between French
// (the default) and English from an Accept-Language header. Codes never
// change with the language; only messages do. English messages are the
// detailed ones built where an error is raised; this package holds no
// English.
package i18n

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Lang is the language of an answer.
type Lang string

const (
	French  Lang = "fr" // the default
	English Lang = "en"
)

// FromAcceptLanguage chooses the language of an answer from an
// Accept-Language header: English only when an English tag has a strictly
// higher quality than every French tag (or English is acceptable and French
// is not listed); French otherwise, also when the header is absent, invalid
// or lists neither. Wildcards do not count.
func FromAcceptLanguage(header string) Lang {
	en, fr := -1.0, -1.0 // best quality of each; -1: not listed
	for item := range strings.SplitSeq(header, ",") {
		tag, params, _ := strings.Cut(item, ";")
		tag = strings.ToLower(strings.TrimSpace(tag))
		primary, _, _ := strings.Cut(tag, "-")
		q, ok := quality(params)
		if !ok {
			continue
		}
		switch primary {
		case "en":
			en = max(en, q)
		case "fr":
			fr = max(fr, q)
		}
	}
	if en > 0 && en > fr {
		return English
	}
	return French
}

// quality reads the q parameter of one Accept-Language item (1 when
// absent); ok is false for a malformed one.
func quality(params string) (float64, bool) {
	q := 1.0
	for p := range strings.SplitSeq(params, ";") {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		name, value, found := strings.Cut(p, "=")
		if !found || !strings.EqualFold(strings.TrimSpace(name), "q") {
			continue
		}
		v, err := strconv.ParseFloat(strings.TrimSpace(value), 64)
		if err != nil || v < 0 || v > 1 || math.IsNaN(v) {
			return 0, false
		}
		q = v
	}
	return q, true
}

// Message is the French message of code (an error code, a flag, or a
// variant key such as "too_many_failed_signins.address"), with params
// filled in for its {{.name}} placeholders (PocketBase's template syntax);
// ok is false when the catalog does not know code.
func Message(code string, params map[string]any) (msg string, ok bool) {
	msg, ok = french[code]
	if !ok {
		return "", false
	}
	for strings.Contains(msg, "{{") {
		start := strings.Index(msg, "{{")
		end := strings.Index(msg[start:], "}}")
		if end < 0 {
			break
		}
		name := strings.TrimPrefix(strings.TrimSpace(msg[start+2:start+end]), ".")
		value := "?"
		if v, found := params[name]; found {
			value = fmt.Sprint(v)
		}
		msg = msg[:start] + value + msg[start+end+2:]
	}
	return msg, true
}

// Generic is the French message of an error whose code the catalog does
// not know.
const Generic = "Requête invalide."

// Or is Message, or Generic for an unknown code.
func Or(code string, params map[string]any) string {
	if m, ok := Message(code, params); ok {
		return m
	}
	return Generic
}

// Wait says a wait to people, in either language: "45 s", "2 min", "3 h".
func Wait(d time.Duration) string {
	switch {
	case d < time.Minute:
		return strconv.Itoa(max(1, int(math.Ceil(d.Seconds())))) + " s"
	case d <= time.Hour:
		return strconv.Itoa(int(math.Ceil(d.Minutes()))) + " min"
	default:
		return strconv.Itoa(int(math.Ceil(d.Hours()))) + " h"
	}
}

// Phrase is the French of one of PocketBase's top-level error messages
// (the "message" beside the data of an error), ok false when unknown.
func Phrase(english string) (string, bool) {
	m, ok := phrases[english]
	return m, ok
}
