// Offline verification of acknowledgement receipts: EdDSA (Ed25519) JWTs
// whose header names the signing key (`kid`), checked against the server's
// public JWKS cached on the phone, and against the revocations that reached
// the phone through sync (receipts records with `revoked_at`).
// Verification codes are the server's (internal/receipts): malformed,
// wrong_algorithm, unknown_key, bad_signature, revoked, not_yet_valid, expired.

const CLOCK_SKEW_S = 120; // cheap phones drift; do not refuse a receipt for 2 minutes

function b64urlBytes(s) {
  if (!/^[A-Za-z0-9_-]*$/.test(s)) throw new Error('base64url');
  const b64 = s.replace(/-/g, '+').replace(/_/g, '/') + '==='.slice((s.length + 3) % 4);
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

function b64urlJSON(s) {
  return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(b64urlBytes(s)));
}

function bytesB64url(bytes) {
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** Extracts a token from pasted text (tolerates spaces, line breaks, a URL). */
export function extractToken(text) {
  const m = /[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{20,}/.exec(String(text || '').replace(/\s+/g, ''));
  return m ? m[0] : '';
}

/**
 * Verifies token. `keys`: cached JWKS keys; `isRevoked(number)` → revocation
 * record or null. Resolves { valid, code, claims, revocation }.
 */
export async function verify(token, { keys = [], isRevoked = () => null, now = Date.now() } = {}) {
  const parts = String(token || '').split('.');
  let header;
  let claims;
  try {
    if (parts.length !== 3) throw new Error('parts');
    header = b64urlJSON(parts[0]);
    claims = b64urlJSON(parts[1]);
    if (!header || typeof header !== 'object' || !claims || typeof claims !== 'object') throw new Error('json');
  } catch {
    return { valid: false, code: 'malformed', claims: null };
  }
  if (header.alg !== 'EdDSA') return { valid: false, code: 'wrong_algorithm', claims };
  if (!keys.length) return { valid: false, code: 'no_keys', claims };
  const jwk = keys.find((k) => k.kid && k.kid === header.kid);
  if (!header.kid || !jwk) return { valid: false, code: 'unknown_key', claims };
  if (!crypto.subtle) return { valid: false, code: 'no_webcrypto', claims };

  let ok = false;
  try {
    const key = await crypto.subtle.importKey('jwk', { kty: 'OKP', crv: 'Ed25519', x: jwk.x }, { name: 'Ed25519' }, false, ['verify']);
    const sig = b64urlBytes(parts[2]);
    const signed = new TextEncoder().encode(`${parts[0]}.${parts[1]}`);
    ok = await crypto.subtle.verify({ name: 'Ed25519' }, key, sig, signed);
  } catch (err) {
    if (err && err.name === 'NotSupportedError') return { valid: false, code: 'no_webcrypto', claims };
    ok = false;
  }
  if (!ok) return { valid: false, code: 'bad_signature', claims };
  if (claims.iss !== 'coprosec') return { valid: false, code: 'wrong_issuer', claims };

  const revocation = claims.num ? isRevoked(claims.num) : null;
  if (revocation) return { valid: false, code: 'revoked', claims, revocation };
  const t = Math.floor(now / 1000);
  if (typeof claims.nbf === 'number' && claims.nbf > t + CLOCK_SKEW_S) return { valid: false, code: 'not_yet_valid', claims };
  if (typeof claims.exp !== 'number' || claims.exp < t - CLOCK_SKEW_S) return { valid: false, code: 'expired', claims };
  return { valid: true, code: '', claims };
}

// --- declaration digest ----------------------------------------------------
// The "dig" claim is the SHA-256 of the declared details in RFC 8785 (JCS)
// form (see internal/receipts/digest.go). JSON.stringify already escapes
// strings and formats numbers the JCS way, so only key order and the
// canonical field set need care.

function utcSecond(value) {
  const d = new Date(String(value).replace(' ', 'T'));
  return `${d.toISOString().slice(0, 19)}Z`;
}

export function canonicalDetails(ev, { communeCode = '', arrondissementCode = '' } = {}) {
  const loc = ev.location;
  const hasLoc = loc && typeof loc.lat === 'number' && typeof loc.lon === 'number' && !(loc.lat === 0 && loc.lon === 0);
  const route = Array.isArray(ev.route) ? ev.route.map((p) => [p.lat, p.lon]) : [];
  const needs = [...new Set(ev.security_needs || [])].sort();
  const obj = {
    arrondissement: arrondissementCode,
    commune: communeCode,
    ends_at: utcSecond(ev.ends_at),
    expected_attendance: ev.expected_attendance || 0,
    kind: ev.kind || '',
    lat: hasLoc ? loc.lat : null,
    lon: hasLoc ? loc.lon : null,
    place: ev.place || '',
    route,
    security_needs: needs,
    sound_vehicle: !!ev.sound_vehicle,
    starts_at: utcSecond(ev.starts_at),
    title: ev.title || '',
    v: 1,
  };
  return JSON.stringify(obj); // keys above are already in code-point order
}

export async function digest(ev, codes) {
  const bytes = new TextEncoder().encode(canonicalDetails(ev, codes));
  return bytesB64url(new Uint8Array(await crypto.subtle.digest('SHA-256', bytes)));
}
