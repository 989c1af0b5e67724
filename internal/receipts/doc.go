// Package receipts issues and verifies the signed acknowledgment receipts
// that Coprosec hands to a party once the lead police unit has acknowledged
// one of its campaign events.
//
// A receipt is a compact JWS (RFC 7515) carrying a JWT (RFC 7519) signed
// with Ed25519 ("alg":"EdDSA", RFC 8037). Police phones verify it offline
// with nothing but the published key set (see [Keyring.JWKS]) and, when they
// have one, the latest [RevocationList]. Because other implementations (the
// phone app, a Node "jose" script) must verify the same tokens, the package
// follows the RFCs to the letter: unpadded base64url everywhere, JWKs with
// "kty":"OKP" and "crv":"Ed25519", and key ids that are RFC 7638 thumbprints.
//
// The package does not import PocketBase: the backend feeds it plain values
// and stores what it returns (see [MarshalKeyring]).
//
// # Claims
//
// Besides the registered claims, a receipt carries short private claims so
// that the token stays small enough for a QR code that a cheap phone camera
// can read in poor light:
//
//	iss  always "coprosec"
//	sub  event id (same as evt)
//	jti  receipt number (same as num)
//	iat  acknowledgment time (NumericDate)
//	nbf  acknowledgment time (NumericDate)
//	exp  event end + grace (NumericDate; grace defaults to 6h)
//	num  receipt number, e.g. "BJ08-2026-000123"
//	evt  event id
//	pty  party id
//	pac  party acronym
//	unt  lead police unit id
//	unn  lead police unit name
//	dep  departement code
//	com  commune code
//	arr  arrondissement code
//	plc  place, as declared
//	sta  event start, RFC 3339 UTC
//	end  event end, RFC 3339 UTC
//	ack  acknowledgment time, RFC 3339 UTC
//	dig  digest of the declared details (see [DeclaredDetails.Canonical])
//
// # Verification codes
//
// [Verify] reports one machine-readable code per failure so that the user
// interface can translate it: malformed, wrong_algorithm, unknown_key,
// bad_signature, revoked, not_yet_valid, expired. A valid receipt has an
// empty code.
package receipts
