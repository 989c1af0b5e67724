// Verifies a Coprosec receipt with an independent JOSE implementation
// (panva/jose), using nothing but the published key set.
//
//   node verify_receipt.mjs JWKS_FILE TOKEN_FILE [--now RFC3339]
//
// JWKS_FILE is the JSON of GET /api/receipts/jwks; TOKEN_FILE holds the
// receipt JWT. On success it prints {"valid":true,"kid":…,"payload":{…}}
// and exits 0; on failure it prints {"valid":false,"code":…,"error":…} and
// exits 1 (2 for a usage error). --now verifies as of another time, for
// receipts whose event is over.
import { readFileSync } from 'node:fs';
import { createLocalJWKSet, jwtVerify, decodeProtectedHeader } from 'jose';

function usage(msg) {
  process.stderr.write(`${msg}\nusage: node verify_receipt.mjs JWKS_FILE TOKEN_FILE [--now RFC3339]\n`);
  process.exit(2);
}

const args = process.argv.slice(2);
let now;
const i = args.indexOf('--now');
if (i >= 0) {
  now = new Date(args[i + 1]);
  if (Number.isNaN(now.getTime())) usage('--now needs an RFC 3339 time');
  args.splice(i, 2);
}
if (args.length !== 2) usage('expected JWKS_FILE and TOKEN_FILE');

let jwks, token;
try {
  jwks = JSON.parse(readFileSync(args[0], 'utf8'));
  token = readFileSync(args[1], 'utf8').trim();
} catch (err) {
  usage(`cannot read input: ${err.message}`);
}

try {
  const keys = createLocalJWKSet(jwks);
  const { payload, protectedHeader } = await jwtVerify(token, keys, {
    algorithms: ['EdDSA'],
    issuer: 'coprosec',
    clockTolerance: 120, // same leeway as the Go verifier
    ...(now ? { currentDate: now } : {}),
  });
  process.stdout.write(JSON.stringify({ valid: true, kid: protectedHeader.kid, payload }) + '\n');
} catch (err) {
  let kid;
  try { kid = decodeProtectedHeader(token).kid; } catch { /* not even a JWS */ }
  process.stdout.write(JSON.stringify({ valid: false, kid, code: err.code ?? 'ERR_UNKNOWN', error: err.message }) + '\n');
  process.exit(1);
}
