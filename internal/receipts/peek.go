package receipts

import (
	"encoding/base64"
	"encoding/json"
	"strings"
	"time"
)

// Peek reads the key id and expiry of one of our own stored tokens, without
// verifying it (the server signed it; this only decides which keys to keep).
func Peek(token string) (kid string, exp time.Time, ok bool) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return "", exp, false
	}
	var h struct {
		Kid string `json:"kid"`
	}
	var c struct {
		Exp int64 `json:"exp"`
	}
	hb, err1 := base64.RawURLEncoding.DecodeString(parts[0])
	cb, err2 := base64.RawURLEncoding.DecodeString(parts[1])
	if err1 != nil || err2 != nil || json.Unmarshal(hb, &h) != nil || json.Unmarshal(cb, &c) != nil {
		return "", exp, false
	}
	return h.Kid, time.Unix(c.Exp, 0), h.Kid != ""
}

// KeysInUse lists the key ids that signed one of tokens not yet expired at
// now (revoked ones included, so that a phone sees "revoked" rather than
// "unknown key").
func KeysInUse(tokens []string, now time.Time) map[string]bool {
	out := map[string]bool{}
	for _, tok := range tokens {
		kid, exp, ok := Peek(tok)
		if ok && exp.After(now.Add(-Leeway)) {
			out[kid] = true
		}
	}
	return out
}
