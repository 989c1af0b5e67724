// Unit checks of the app's pure modules, run in Node against the very files
// the browser loads (plain ES modules, no build): local-time conversions,
// campaign rules, the QR encoder (decoded back with jsQR), the receipt
// digest (against the Go golden string) and offline Ed25519 verification.
// `node unit.mjs` runs them alone; run.mjs runs them first.

import { generateKeyPairSync, sign } from 'node:crypto';
import jsQR from 'jsqr';

const js = (p) => new URL(`../pb_public/js/${p}`, import.meta.url).href;

function eq(a, b, what) {
  if (JSON.stringify(a) !== JSON.stringify(b)) throw new Error(`${what}: got ${JSON.stringify(a)}, want ${JSON.stringify(b)}`);
}

export const checks = {
  async 'time: Porto-Novo is UTC+1 whatever the device zone'() {
    const t = await import(js('time.js'));
    eq(t.fromLocalInput('2026-03-10T10:00'), '2026-03-10T09:00:00.000Z', 'fromLocalInput');
    eq(t.toLocalInput('2026-03-10 09:00:00.000Z'), '2026-03-10T10:00', 'toLocalInput of a PocketBase date');
    eq(t.localDayKey('2026-03-10T23:30:00Z'), '2026-03-11', 'local day after 23:00 UTC');
    eq(t.formatRange('2026-03-10 09:00:00.000Z', '2026-03-10 11:00:00.000Z'), 'mar. 10 mars, 10:00 – 12:00', 'formatRange');
  },

  async 'rules: quiet hours, sound hours, campaign, location'() {
    const r = await import(js('rules.js'));
    const d = (s) => new Date(s);
    eq(r.overlapsQuietHours(d('2026-03-10T06:00:00Z'), d('2026-03-10T08:00:00Z')), false, '07:00–09:00 local');
    eq(r.overlapsQuietHours(d('2026-03-10T05:30:00Z'), d('2026-03-10T08:00:00Z')), true, '06:30 local start');
    eq(r.overlapsQuietHours(d('2026-03-10T20:00:00Z'), d('2026-03-10T22:00:00Z')), false, 'ends at 23:00 local');
    eq(r.overlapsQuietHours(d('2026-03-10T21:00:00Z'), d('2026-03-10T22:30:00Z')), true, 'ends at 23:30 local');
    eq(r.outsideSoundHours(d('2026-03-10T12:00:00Z'), d('2026-03-10T13:00:00Z')), true, '13:00–14:00 local (lunch break)');
    eq(r.outsideSoundHours(d('2026-03-10T14:00:00Z'), d('2026-03-10T16:00:00Z')), false, '15:00–17:00 local');
    const election = { campaign_start: '2026-03-01 00:00:00.000Z', campaign_end: '2026-03-15 23:00:00.000Z', notice_hours: 72 };
    const base = { title: 'x', kind: 'meeting', commune: 'c' };
    const ok = r.checkEvent({ ...base, starts_at: '2026-03-10T09:00:00Z', ends_at: '2026-03-10T11:00:00Z' }, election, Date.parse('2026-03-01T00:00:00Z'));
    eq(ok.errors, [], 'lawful event');
    eq(ok.warnings, [], 'lawful event warnings');
    const late = r.checkEvent({ ...base, starts_at: '2026-03-10T09:00:00Z', ends_at: '2026-03-10T11:00:00Z' }, election, Date.parse('2026-03-09T00:00:00Z'));
    eq(late.warnings.map((w) => w.code), ['late_notice'], 'late notice is a warning, not an error');
    const out = r.checkEvent({ ...base, commune: '', starts_at: '2026-03-20T09:00:00Z', ends_at: '2026-03-20T08:00:00Z' }, election);
    eq(out.errors.map((e) => e.code).sort(), ['invalid_window', 'location_required', 'outside_campaign'], 'errors');
    const w = r.defaultWindow(election, Date.parse('2026-03-13T12:00:00Z'));
    eq([w.starts_at, w.ends_at], ['2026-03-15T09:00:00.000Z', '2026-03-15T11:00:00.000Z'], 'default window clamped into the campaign');
  },

  async 'worklists: queues and filters over the replica'() {
    const w = await import(js('worklists.js'));
    const now = Date.parse('2026-03-10T08:00:00Z'); // 09:00 local, 10 March
    const ev = (id, extra) => ({ id, title: `Meeting ${id}`, place: 'Place de l’Étoile', status: 'declared', party: 'pa', commune: 'cot',
      starts_at: '2026-03-10 09:00:00.000Z', ends_at: '2026-03-10 11:00:00.000Z', ...extra });
    const events = [
      ev('a'), // today, pending for my unit, due later
      ev('b', { starts_at: '2026-03-11 09:00:00.000Z', ends_at: '2026-03-11 11:00:00.000Z', late_notice: true, clash: true, party: 'pb' }),
      ev('c', { status: 'cancelled', late_notice: true }),
      ev('d', { starts_at: '2026-03-01 09:00:00.000Z', ends_at: '2026-03-01 11:00:00.000Z', title: 'Caravane de Zogbo', commune: 'cal' }),
    ];
    const asg = {
      a: [{ unit: 'u1', role: 'lead', status: 'pending', due_at: '2026-03-10 20:00:00.000Z' }],
      b: [{ unit: 'u1', role: 'lead', status: 'escalated', due_at: '2026-03-10 07:00:00.000Z' }],
      c: [{ unit: 'u1', role: 'lead', status: 'pending', due_at: '2026-03-10 06:00:00.000Z' }],
      d: [{ unit: 'u2', role: 'lead', status: 'acknowledged' }],
    };
    const ctx = { assignmentsOf: (id) => asg[id] || [], me: { unit: 'u1', role: 'commander' }, now };
    const ids = (list) => list.map((e) => e.id);
    eq(ids(w.queue('a-prendre', events, ctx)), ['b', 'a'], 'to acknowledge: open assignments of my unit, earliest due first, cancelled left out');
    eq(ids(w.queue('escalades', events, ctx)), ['b'], 'escalated');
    eq(ids(w.queue('conflits', events, ctx)), ['b'], 'clashes');
    eq(ids(w.queue('tardifs', events, ctx)), ['b'], 'late notices, cancelled left out');
    eq(ids(w.queue('aujourdhui', events, ctx)), ['a', 'c'], 'today (local)');
    eq(ids(w.queue('demain', events, ctx)), ['b'], 'tomorrow');
    eq(ids(w.queue('avenir', events, ctx)), ['a', 'b', 'c'], 'upcoming');
    eq(ids(w.queue('a-prendre', events, { ...ctx, me: { role: 'ministry' } })), ['b', 'a'], 'the ministry follows the leads');
    eq(ids(w.applyFilters(events, { q: 'zogbo caravane' }, ctx)), ['d'], 'search: words, any order, accents ignored');
    eq(ids(w.applyFilters(events, { q: 'etoile' }, ctx)), ['a', 'b', 'c', 'd'], 'search in the place');
    eq(ids(w.applyFilters(events, { from: '2026-03-11', to: '2026-03-11' }, ctx)), ['b'], 'date range, local days');
    eq(ids(w.applyFilters(events, { party: 'pb' }, ctx)), ['b'], 'party');
    eq(ids(w.applyFilters(events, { commune: 'cal', unit: 'u2' }, ctx)), ['d'], 'commune and unit');
    eq(ids(w.applyFilters(events, { status: 'cancelled' }, ctx)), ['c'], 'status');
    eq(w.countdown('2026-03-10 11:20:00.000Z', now), 'dans 3 h 20', 'countdown');
    eq(w.countdown('2026-03-10 07:20:00.000Z', now), 'en retard de 40 min', 'late');
  },

  async 'incidents and agenda: triage by stage, weeks from Monday'() {
    const { triage } = await import(js('worklists.js'));
    const inc = [
      { id: 'a', status: 'unverified', severity: 2, occurred_at: '2026-03-10 09:00:00.000Z', unit: 'u1' },
      { id: 'b', status: 'unverified', severity: 4, occurred_at: '2026-03-09 09:00:00.000Z', unit: 'u2' },
      { id: 'c', status: 'unverified', severity: 2, occurred_at: '2026-03-11 09:00:00.000Z', unit: 'u1' },
      { id: 'd', status: 'closed', severity: 4, occurred_at: '2026-03-11 09:00:00.000Z', unit: 'u1' },
    ];
    eq(triage(inc, { stage: 'unverified' }).map((i) => i.id), ['b', 'c', 'a'], 'unverified, gravest then latest');
    eq(triage(inc, { stage: 'unverified', unit: 'u1' }).map((i) => i.id), ['c', 'a'], 'by unit');
    eq(triage(inc, { stage: 'closed' }).map((i) => i.id), ['d'], 'closed');
    const { weekDays } = await import(js('worklists.js'));
    eq(weekDays('2026-03-12'), ['2026-03-09', '2026-03-10', '2026-03-11', '2026-03-12', '2026-03-13', '2026-03-14', '2026-03-15'], 'the week from its Monday');
    eq(weekDays('2026-03-15')[0], '2026-03-09', 'a Sunday belongs to the week before');
  },

  async 'qr: encodes what jsQR decodes, up to a receipt-sized token'() {
    const { encode } = await import(js('qr.js'));
    for (const n of [1, 30, 300, 900, 1500]) {
      const text = Array.from({ length: n }, (_, i) => 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.'[(i * 31 + n) % 65]).join('');
      const { size, modules } = encode(text, 'L');
      const scale = 3;
      const dim = (size + 8) * scale;
      const px = new Uint8ClampedArray(dim * dim * 4).fill(255);
      for (let y = 0; y < size; y++) {
        for (let x = 0; x < size; x++) {
          if (!modules[y][x]) continue;
          for (let dy = 0; dy < scale; dy++) {
            for (let dx = 0; dx < scale; dx++) {
              const o = (((y + 4) * scale + dy) * dim + (x + 4) * scale + dx) * 4;
              px[o] = px[o + 1] = px[o + 2] = 0;
            }
          }
        }
      }
      const got = jsQR(px, dim, dim);
      eq(got && got.data, text, `QR round trip of ${n} characters`);
    }
  },

  async 'receipt: declaration digest matches the Go canonical form'() {
    const { canonicalDetails } = await import(js('receipt.js'));
    const ev = {
      kind: 'meeting', title: 'Grand meeting à Cotonou', place: "Place de l'Étoile Rouge",
      location: { lat: 6.3654, lon: 2.4183 }, route: [{ lat: 6.3654, lon: 2.4183 }, { lat: 6.37, lon: 2.42 }],
      starts_at: '2026-03-02 09:00:00.000Z', ends_at: '2026-03-02 13:00:00.000Z', expected_attendance: 5000,
      security_needs: ['traffic', 'crowd_control', 'traffic'], sound_vehicle: true,
    };
    // internal/receipts/digest_test.go TestCanonicalGolden
    const want = '{"arrondissement":"080104","commune":"0801","ends_at":"2026-03-02T13:00:00Z",'
      + '"expected_attendance":5000,"kind":"meeting","lat":6.3654,"lon":2.4183,'
      + '"place":"Place de l\'Étoile Rouge","route":[[6.3654,2.4183],[6.37,2.42]],'
      + '"security_needs":["crowd_control","traffic"],"sound_vehicle":true,'
      + '"starts_at":"2026-03-02T09:00:00Z","title":"Grand meeting à Cotonou","v":1}';
    eq(canonicalDetails(ev, { communeCode: '0801', arrondissementCode: '080104' }), want, 'canonical form');
  },

  async 'receipt: Ed25519 JWT verified offline; forgery, revocation and expiry refused'() {
    const { verify } = await import(js('receipt.js'));
    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    const jwk = { ...publicKey.export({ format: 'jwk' }), kid: 'k1', alg: 'EdDSA', use: 'sig' };
    const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const now = Math.floor(Date.now() / 1000);
    const claims = { iss: 'coprosec', sub: 'e1', evt: 'e1', num: 'BJ08-2026-000001', jti: 'BJ08-2026-000001', iat: now, nbf: now, exp: now + 3600 };
    const mk = (c, kid = 'k1') => {
      const head = `${b64({ alg: 'EdDSA', kid, typ: 'JWT' })}.${b64(c)}`;
      return `${head}.${sign(null, Buffer.from(head), privateKey).toString('base64url')}`;
    };
    const token = mk(claims);
    eq((await verify(token, { keys: [jwk] })).valid, true, 'valid receipt');
    const [h, p, sig] = token.split('.');
    eq((await verify(`${h}.${b64({ ...claims, plc: 'ailleurs' })}.${sig}`, { keys: [jwk] })).code, 'bad_signature', 'edited claims');
    eq((await verify(mk(claims, 'k2'), { keys: [jwk] })).code, 'unknown_key', 'unknown kid');
    eq((await verify(token, { keys: [] })).code, 'no_keys', 'no cached keys');
    eq((await verify(token, { keys: [jwk], isRevoked: (n) => (n === claims.num ? { revoked_at: 'x' } : null) })).code, 'revoked', 'revoked');
    eq((await verify(mk({ ...claims, exp: now - 3600 }), { keys: [jwk] })).code, 'expired', 'expired');
    eq((await verify('pas un jeton', { keys: [jwk] })).code, 'malformed', 'garbage');
    eq(p.length > 0, true, 'payload present');
  },
};

export async function runUnitChecks(step) {
  for (const [name, fn] of Object.entries(checks)) await step(`unit: ${name}`, fn, { critical: false });
}

if (process.argv[1] && new URL(import.meta.url).pathname === process.argv[1]) {
  let failed = 0;
  for (const [name, fn] of Object.entries(checks)) {
    try { await fn(); console.log(`✔ ${name}`); } catch (err) { failed++; console.log(`✘ ${name}\n    ${err.message}`); }
  }
  const n = Object.keys(checks).length;
  console.log(`unit: ${n - failed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}
