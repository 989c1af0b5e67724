package receipts

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Verification codes, stable for the user interface to translate.
const (
	CodeMalformed      = "malformed"       // not a receipt: bad encoding, missing or inconsistent claims
	CodeWrongAlgorithm = "wrong_algorithm" // alg is not EdDSA (none, HS256, …)
	CodeUnknownKey     = "unknown_key"     // kid absent or not in the key set
	CodeBadSignature   = "bad_signature"   // forged or altered
	CodeRevoked        = "revoked"         // authentic but withdrawn
	CodeNotYetValid    = "not_yet_valid"   // authentic, valid later
	CodeExpired        = "expired"         // authentic, no longer valid
)

// Leeway absorbs clock skew: police phones in the field are often minutes
// off, and a checkpoint must not turn a party away over that.
const Leeway = 2 * time.Minute

// MaxTokenSize bounds accepted tokens. A receipt is well under 2 KiB; the
// bound keeps hostile input (a scanned QR code, a pasted string) cheap.
const MaxTokenSize = 8 << 10

// Result is the outcome of Verify.
type Result struct {
	Valid   bool    `json:"valid"`
	Revoked bool    `json:"revoked"` // authentic and listed as revoked
	Claims  *Claims `json:"claims,omitempty"`
	Error   string  `json:"error,omitempty"` // English; for logs and fallbacks
	Code    string  `json:"code,omitempty"`  // one of the Code constants; empty when Valid
	Reason  string  `json:"-"`               // why a revoked receipt was revoked (a machine word)
}

// Verify checks a receipt token against the published keys, the revocation
// list and the time now (with Leeway either way). Valid is true only when
// every check passes. Claims is set whenever the payload could be decoded,
// even for an invalid receipt, so a checkpoint can see what it claims; it
// must be trusted only when Valid.
//
// Checks run in this order, and Code names the first failure: structure
// (malformed), algorithm (wrong_algorithm), key id (unknown_key), signature
// (bad_signature), claim consistency (malformed), revocation (revoked),
// nbf/iat (not_yet_valid), exp (expired).
func Verify(token string, keys JWKS, revoked RevocationList, now time.Time) Result {
	if len(token) > MaxTokenSize {
		return failure(nil, CodeMalformed, "receipt is too long")
	}
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return failure(nil, CodeMalformed, "receipt must have three dot-separated parts")
	}
	// The payload is decoded on its own, before anything is trusted, only so
	// that invalid receipts can still be shown.
	claims := decodeClaims(parts[1])

	alg, kid, err := decodeHeader(parts[0])
	if err != nil {
		return failure(claims, CodeMalformed, err.Error())
	}
	// Pinning the algorithm before looking at keys is what defeats "none"
	// and the HS256-with-the-public-key confusion attack.
	if alg != jwt.SigningMethodEdDSA.Alg() {
		return failure(claims, CodeWrongAlgorithm, fmt.Sprintf("algorithm %.40q is not accepted; receipts use EdDSA", alg))
	}
	if claims == nil {
		return failure(nil, CodeMalformed, "receipt payload is not valid base64url JSON claims")
	}
	if kid == "" {
		return failure(claims, CodeUnknownKey, "receipt does not name its signing key (no kid)")
	}
	pubs := keys.lookup(kid)
	if len(pubs) == 0 {
		return failure(claims, CodeUnknownKey, fmt.Sprintf("receipt was signed with key %.60q, which is not in the key set", kid))
	}

	// The library does the cryptographic check, pinned to EdDSA and to the
	// keys found above; claims are validated below, with our own codes.
	var verified Claims
	parser := jwt.NewParser(
		jwt.WithValidMethods([]string{jwt.SigningMethodEdDSA.Alg()}),
		jwt.WithStrictDecoding(),
		jwt.WithoutClaimsValidation(),
	)
	keyset := jwt.VerificationKeySet{}
	for _, p := range pubs {
		keyset.Keys = append(keyset.Keys, p)
	}
	_, err = parser.ParseWithClaims(token, &verified, func(*jwt.Token) (any, error) { return keyset, nil })
	switch {
	case errors.Is(err, jwt.ErrTokenSignatureInvalid):
		return failure(claims, CodeBadSignature, "receipt signature does not match its contents")
	case err != nil:
		return failure(claims, CodeMalformed, "receipt is malformed: "+err.Error())
	}
	claims = &verified

	if err := claims.check(); err != nil {
		return failure(claims, CodeMalformed, "receipt claims are invalid: "+err.Error())
	}
	if r, ok := revoked.Lookup(claims.Number); ok {
		res := failure(claims, CodeRevoked, fmt.Sprintf("receipt %s was revoked at %s", claims.Number, r.RevokedAt.UTC().Format(time.RFC3339)))
		if r.Reason != "" {
			res.Error += ": " + r.Reason
		}
		res.Reason = r.Reason
		res.Revoked = true
		return res
	}
	later := now.Add(Leeway)
	if nbf := claims.NotBefore; nbf != nil && later.Before(nbf.Time) {
		return failure(claims, CodeNotYetValid, "receipt is not valid before "+nbf.UTC().Format(time.RFC3339))
	}
	if iat := claims.IssuedAt; later.Before(iat.Time) {
		return failure(claims, CodeNotYetValid, "receipt is issued in the future, at "+iat.UTC().Format(time.RFC3339))
	}
	if exp := claims.ExpiresAt; !now.Add(-Leeway).Before(exp.Time) {
		return failure(claims, CodeExpired, "receipt expired at "+exp.UTC().Format(time.RFC3339))
	}
	return Result{Valid: true, Claims: claims}
}

func failure(c *Claims, code, msg string) Result {
	return Result{Claims: c, Code: code, Error: msg}
}

// decodeHeader reads alg and kid from the protected header. Member names
// are matched exactly (encoding/json would match "ALG" too). A "crit"
// header is refused: we implement no extensions, and RFC 7515 §4.1.11
// requires rejecting tokens whose critical extensions are not understood.
func decodeHeader(seg string) (alg, kid string, err error) {
	raw, err := b64.DecodeString(seg)
	if err != nil {
		return "", "", errors.New("receipt header is not base64url")
	}
	var h map[string]json.RawMessage
	if err := json.Unmarshal(raw, &h); err != nil || h == nil {
		return "", "", errors.New("receipt header is not a JSON object")
	}
	if _, ok := h["crit"]; ok {
		return "", "", errors.New("receipt header has critical extensions, which are not supported")
	}
	a, ok := h["alg"]
	if !ok || json.Unmarshal(a, &alg) != nil || alg == "" {
		return "", "", errors.New("receipt header has no algorithm")
	}
	if k, ok := h["kid"]; ok && json.Unmarshal(k, &kid) != nil {
		return "", "", errors.New("receipt header kid is not a string")
	}
	return alg, kid, nil
}

// decodeClaims decodes the payload segment, or returns nil.
func decodeClaims(seg string) *Claims {
	raw, err := b64.DecodeString(seg)
	if err != nil {
		return nil
	}
	var c Claims
	if err := json.Unmarshal(raw, &c); err != nil {
		return nil
	}
	return &c
}

// Answer is the verification answer of POST /api/receipts/verify and of
// `coprosec receipts verify` (DESIGN §5): every key always present.
type Answer struct {
	Valid   bool    `json:"valid"`
	Revoked bool    `json:"revoked"`
	Claims  *Claims `json:"claims"`
	Error   string  `json:"error"`
	Code    string  `json:"code"`
}

// Answer is r as answered to a client. The claims are answered only for a
// valid receipt: those of a forged, expired or revoked token are whatever
// its bearer wrote or no longer stand, and a verifier must not show them as
// the server's word.
func (r Result) Answer() Answer {
	a := Answer{Valid: r.Valid, Revoked: r.Revoked, Error: r.Error, Code: r.Code}
	if r.Valid {
		a.Claims = r.Claims
	}
	return a
}
