// End-to-end test of the Coprosec field app in a real browser (Debian's
// Chromium driven by playwright-core; no browser is ever downloaded).
//
//   cd e2e && npm ci && node run.mjs
//
// It builds the server, starts it on a free port with the demo data, and
// plays the field scenario: an organizer declares an event offline, reloads,
// comes back online; the Cotonou commander sees it arrive without reloading
// and acknowledges it; the organizer gets the receipt (QR code checked by
// decoding it); the commander verifies the receipt offline; a server
// rejection shows its French reason; the Abomey-Calavi commander never sees
// the event. Screenshots of the main screens go to docs/screenshots/.
//
// Environment:
//   CHROMIUM=/usr/bin/chromium  browser binary
//   E2E_KEEP=1                  keep the temporary data directory
//   E2E_STATIC_PROXY=1          if the server does not serve pb_public/ yet,
//                               serve it from a local proxy instead of failing
//   E2E_SCREENSHOTS=0           do not write docs/screenshots/
//   E2E_SLOW_POLL_OK=1          accept an event arriving by the 60 s poll
//                               instead of a realtime poke

import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, existsSync, readFileSync, createWriteStream, statSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, extname, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import net from 'node:net';
import http from 'node:http';
import { gzipSync } from 'node:zlib';
import { chromium } from 'playwright-core';
import jsQR from 'jsqr';
import { check as checkShell } from './shell-version.mjs';
import { runUnitChecks } from './unit.mjs';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const PUBLIC = join(REPO, 'pb_public');
const SHOTS = join(REPO, 'docs', 'screenshots');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const BUILD_DIR = '/tmp/coprosec-e2e';
const BIN = join(BUILD_DIR, 'coprosec');
const PASSWORD = 'coprosec-demo';
const USERS = {
  organizer: 'organisateur.br@demo.coprosec.bj',
  cotonou: 'commissaire.cotonou@demo.coprosec.bj',
  calavi: 'commissaire.calavi@demo.coprosec.bj',
  ministry: 'dppae@demo.coprosec.bj',
};
const VIEWPORT = { width: 360, height: 740 };
// A 1×1 PNG: enough to exercise the photo upload path.
const PNG_1PX = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC';
const HOUR = 3600e3;
const DAY = 24 * HOUR;
const OFFSET = HOUR; // Africa/Porto-Novo = UTC+1, no DST

// --- tiny test harness ------------------------------------------------------

const results = [];
const notes = [];
let aborted = false;

async function step(name, fn, { critical = true } = {}) {
  if (aborted) {
    results.push({ name, status: 'skipped' });
    console.log(`- SKIP ${name}`);
    return undefined;
  }
  const t0 = Date.now();
  try {
    const v = await fn();
    results.push({ name, status: 'passed' });
    console.log(`✔ ${name} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
    return v;
  } catch (err) {
    results.push({ name, status: 'failed', err });
    console.log(`✘ ${name} (${((Date.now() - t0) / 1000).toFixed(1)} s)\n    ${String(err && err.stack || err).split('\n').slice(0, 6).join('\n    ')}`);
    // What each phone showed at the failure, for the report.
    for (const c of contexts) {
      for (const [i, pg] of c.pages().entries()) {
        const file = join(BUILD_DIR, `failure-${c.label}-${i}.png`);
        await pg.screenshot({ path: file }).then(() => console.log(`    screen of ${c.label}: ${file} (${pg.url()})`), () => {});
      }
    }
    if (critical) aborted = true;
    return undefined;
  }
}

function assert(cond, message) {
  if (!cond) throw new Error(message);
}

async function until(fn, { timeout = 30000, interval = 250, message = 'condition' } = {}) {
  const end = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      last = await fn();
      if (last) return last;
    } catch (err) { last = err; }
    if (Date.now() > end) throw new Error(`timed out after ${timeout / 1000} s waiting for ${message}${last instanceof Error ? `: ${last.message}` : ''}`);
    await new Promise((r) => setTimeout(r, interval));
  }
}

// --- server -----------------------------------------------------------------

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
    s.on('error', reject);
  });
}

function build() {
  mkdirSync(BUILD_DIR, { recursive: true });
  const r = spawnSync('go', ['build', '-o', BIN, '.'], {
    cwd: REPO, stdio: 'inherit', env: { ...process.env, GOTOOLCHAIN: 'go1.27.3' },
  });
  assert(r.status === 0, `go build failed (exit ${r.status})`);
}

/**
 * Imports the real boundaries (../shared/data/benin, DESIGN §1) into the
 * fresh data directory, as `make run` does: the maps draw them, and route
 * points are placed by point-in-polygon. Returns false when they are absent.
 */
function importBoundaries(dataDir) {
  const dir = join(REPO, '..', 'shared', 'data', 'benin');
  const files = ['departements', 'communes', 'arrondissements'].map((n) => join(dir, `${n}.geojson`));
  if (!files.every((f) => existsSync(f))) return false;
  // --dev=false: a binary under /tmp looks like `go run` to PocketBase, which would log every SQL statement.
  const r = spawnSync(BIN, [`--dir=${dataDir}`, '--dev=false', 'geo', 'import', ...files], { cwd: REPO, encoding: 'utf8', maxBuffer: 64 << 20 });
  assert(r.status === 0, `geo import failed (exit ${r.status}): ${r.stderr}`);
  return true;
}

async function startServer(dataDir, port, { extraArgs = [], env } = {}) {
  const help = spawnSync(BIN, ['serve', '--help'], { encoding: 'utf8' });
  // --dev=false: a binary under /tmp looks like `go run` to PocketBase,
  // which would then log every SQL statement.
  const args = ['serve', `--dir=${dataDir}`, `--http=127.0.0.1:${port}`, '--demo', '--dev=false', ...extraArgs];
  if (/--publicDir/.test(help.stdout + help.stderr)) args.push(`--publicDir=${PUBLIC}`);
  const logPath = join(dataDir, '..', 'server.log');
  const log = createWriteStream(logPath, { flags: 'a' });
  const proc = spawn(BIN, args, { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'], env: env || process.env });
  proc.stdout.pipe(log);
  proc.stderr.pipe(log);
  proc.logPath = logPath;
  let exited = null;
  proc.on('exit', (code) => { exited = code; });
  await until(async () => {
    if (exited !== null) throw new Error(`server exited with ${exited}; see ${logPath}`);
    const r = await fetch(`http://127.0.0.1:${port}/api/health`);
    return r.ok;
  }, { timeout: 60000, message: 'the server to answer /api/health' });
  return proc;
}

const MIME = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml', '.webmanifest': 'application/manifest+json', '.png': 'image/png', '.json': 'application/json',
};

/**
 * Development fallback (E2E_STATIC_PROXY=1): serves pb_public/ and forwards
 * everything else (API, realtime SSE) to PocketBase, for as long as the
 * server does not serve pb_public/ itself.
 */
function startStaticProxy(upstreamPort) {
  return new Promise((resolve) => {
    const server = http.createServer((req, res) => {
      const url = new URL(req.url, 'http://x');
      if (!url.pathname.startsWith('/api/') && !url.pathname.startsWith('/_/')) {
        let p = normalize(decodeURIComponent(url.pathname)).replace(/^(\.\.[/\\])+/, '');
        if (p.endsWith('/')) p += 'index.html';
        const file = join(PUBLIC, p);
        if (file.startsWith(PUBLIC) && existsSync(file) && statSync(file).isFile()) {
          // Same behaviour as PocketBase's apis.Static + apis.Gzip():
          // Last-Modified validators (304s) and gzip.
          const mtime = new Date(Math.floor(statSync(file).mtimeMs / 1000) * 1000);
          const since = Date.parse(req.headers['if-modified-since'] || '');
          const headers = { 'Content-Type': MIME[extname(file)] || 'application/octet-stream', 'Last-Modified': mtime.toUTCString() };
          if (process.env.E2E_DEBUG_PROXY) console.log('proxy', req.url, req.headers['if-modified-since'] ? 'IMS' : '-', req.headers['cache-control'] || '');
          if (!Number.isNaN(since) && since >= mtime.getTime()) { res.writeHead(304, headers); res.end(); return; }
          let body = readFileSync(file);
          if (/gzip/.test(req.headers['accept-encoding'] || '')) {
            body = gzipSync(body);
            headers['Content-Encoding'] = 'gzip';
          }
          res.writeHead(200, headers);
          res.end(body);
          return;
        }
      }
      const up = http.request({ host: '127.0.0.1', port: upstreamPort, path: req.url, method: req.method, headers: req.headers }, (ur) => {
        res.writeHead(ur.statusCode, ur.headers);
        ur.pipe(res);
      });
      up.on('error', () => { res.writeHead(502); res.end(); });
      req.pipe(up);
    });
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}

/** TCP relay that counts the bytes the server sends: the real network cost. */
function startCountingRelay(upstreamPort) {
  return new Promise((resolve) => {
    const counter = { down: 0, up: 0 };
    const server = net.createServer((client) => {
      const upstream = net.connect(upstreamPort, '127.0.0.1');
      client.on('data', (d) => { counter.up += d.length; });
      upstream.on('data', (d) => { counter.down += d.length; });
      client.pipe(upstream);
      upstream.pipe(client);
      const close = () => { client.destroy(); upstream.destroy(); };
      client.on('error', close);
      upstream.on('error', close);
      client.on('close', close);
      upstream.on('close', close);
    });
    server.listen(0, '127.0.0.1', () => resolve({ server, counter, port: server.address().port }));
  });
}

// --- browser ----------------------------------------------------------------

const pageErrors = [];
const layoutProblems = [];
const contexts = [];

async function phone(name) {
  // One browser per user, each with a fresh profile: separate phones.
  const dir = mkdtempSync(join(tmpdir(), `coprosec-e2e-${name}-`));
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--lang=fr-FR', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: VIEWPORT,
    locale: 'fr-FR',
    timezoneId: 'Africa/Porto-Novo',
    serviceWorkers: 'allow',
    // French date and time pickers (Chromium on Linux takes its UI locale
    // from the environment).
    env: { ...process.env, LANG: 'fr_FR.UTF-8', LANGUAGE: 'fr_FR:fr' },
  });
  context.dir = dir;
  context.label = name;
  contexts.push(context);
  const page = context.pages()[0] || await context.newPage();
  page.setDefaultTimeout(30000);
  page.on('pageerror', (err) => pageErrors.push(`${name}: ${err.message}`));
  if (process.env.E2E_TRACE) {
    const t0 = Date.now();
    page.on('request', (req) => { if (req.url().includes('/api/')) console.log(`    [${name} +${((Date.now() - t0) / 1000).toFixed(1)} s] ${req.method()} ${req.url().replace(/^https?:\/\/[^/]+/, '').slice(0, 80)}`); });
  }
  page.on('console', (msg) => {
    if (msg.type() === 'error' && !/Failed to load resource|net::ERR_INTERNET_DISCONNECTED|ERR_NETWORK_CHANGED/.test(msg.text())) {
      pageErrors.push(`${name} console: ${msg.text()}`);
    }
  });
  return { context, page, name };
}

async function shot(page, file, { keepToast = false } = {}) {
  if (process.env.E2E_SCREENSHOTS === '0') return;
  mkdirSync(SHOTS, { recursive: true });
  // A toast left over from an earlier action would hide the screen's content.
  if (!keepToast) await page.evaluate(() => { const t = document.getElementById('toast'); if (t) t.className = 'toast'; });
  await page.waitForTimeout(300); // let transitions settle
  await page.screenshot({ path: join(SHOTS, file) });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  if (overflow > 0) layoutProblems.push(`${file}: content ${overflow} px wider than the 360 px screen`);
}

async function signIn(page, base, email) {
  await page.goto(`${base}/#/`);
  await page.fill('#identity', email);
  await page.fill('#password', PASSWORD);
  await page.click('form.login button[type="submit"]');
  await page.locator('main h2', { hasText: 'Événements' }).waitFor();
}

async function waitForServiceWorker(page) {
  await page.evaluate(async () => {
    await navigator.serviceWorker.ready;
    if (!navigator.serviceWorker.controller) {
      await new Promise((r) => navigator.serviceWorker.addEventListener('controllerchange', r, { once: true }));
    }
  });
}

/** Reads a whole object store of the app's IndexedDB. */
function idbAll(page, store) {
  return page.evaluate((name) => new Promise((resolve, reject) => {
    const req = indexedDB.open('coprosec');
    req.onsuccess = () => {
      const tx = req.result.transaction(name, 'readonly');
      const all = tx.objectStore(name).getAll();
      all.onsuccess = () => { resolve(all.result); req.result.close(); };
      all.onerror = () => reject(all.error);
    };
    req.onerror = () => reject(req.error);
  }), store);
}

async function decodeQR(page) {
  const img = await page.evaluate(async () => {
    const svg = document.querySelector('svg.qr');
    const xml = new XMLSerializer().serializeToString(svg);
    const vb = svg.viewBox.baseVal;
    const scale = 4;
    const canvas = document.createElement('canvas');
    canvas.width = vb.width * scale;
    canvas.height = vb.height * scale;
    const image = new Image();
    image.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(xml)}`;
    await image.decode();
    const ctx = canvas.getContext('2d');
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(image, 0, 0, canvas.width, canvas.height);
    const data = ctx.getImageData(0, 0, canvas.width, canvas.height);
    // base64 is far cheaper to hand to Node than a JSON array of pixels.
    let bin = '';
    const bytes = data.data;
    for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
    return { w: data.width, h: data.height, b64: btoa(bin) };
  });
  const px = new Uint8ClampedArray(Buffer.from(img.b64, 'base64'));
  const code = jsQR(px, img.w, img.h);
  return code && code.data;
}


/** Page coordinates of a position on the Leaflet map inside `sel`. */
async function mapPoint(page, sel, lat, lon) {
  return page.evaluate(([sel, lat, lon]) => {
    const m = document.querySelector(sel).leafletMap;
    // Mid-screen: clear of the sticky header and the bottom navigation.
    const box = m.getContainer().getBoundingClientRect();
    if (box.top < 70 || box.bottom > window.innerHeight - 70) m.getContainer().scrollIntoView({ block: 'center' });
    const p = m.latLngToContainerPoint([lat, lon]);
    const r = m.getContainer().getBoundingClientRect();
    return { x: r.left + p.x, y: r.top + p.y, inside: p.x >= 0 && p.y >= 0 && p.x <= r.width && p.y <= r.height };
  }, [sel, lat, lon]);
}

/** A real tap on the map at a position (what Leaflet's click handler sees). */
async function tapMap(page, sel, lat, lon) {
  const p = await mapPoint(page, sel, lat, lon);
  assert(p.inside, `${lat}, ${lon} is outside the visible map`);
  await page.mouse.click(p.x, p.y);
}

/** True once the service worker holds the map's code and IndexedDB the boundary layer `layer` (geo:<level>:<within>). */
function mapReady(page, layer = 'geo:commune:') {
  return page.evaluate(async (layer) => {
    const keys = await caches.keys();
    if (!keys.length) return false;
    const cache = await caches.open(keys[0]);
    for (const f of ['/vendor/leaflet/leaflet.js', '/vendor/leaflet/leaflet.css', '/js/map/map-view.js', '/js/map/route-editor.js']) {
      if (!(await cache.match(f))) return false;
    }
    return new Promise((resolve) => {
      const req = indexedDB.open('coprosec');
      req.onsuccess = () => {
        const all = req.result.transaction('meta', 'readonly').objectStore('meta').getAllKeys();
        all.onsuccess = () => { resolve(all.result.includes(layer)); req.result.close(); };
        all.onerror = () => resolve(false);
      };
      req.onerror = () => resolve(false);
    });
  }, layer);
}

// --- API helpers (the test's own view of the server) ------------------------

async function apiLogin(base, identity, password = PASSWORD) {
  return (await apiSignIn(base, identity, password)).token;
}

async function apiSignIn(base, identity, password) {
  const r = await fetch(`${base}/api/collections/users/auth-with-password`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ identity, password }),
  });
  assert(r.ok, `API sign-in of ${identity}: HTTP ${r.status}`);
  return r.json();
}

/** Stops the server and waits for its exit. */
async function stopServer(proc) {
  if (proc.exitCode !== null) return;
  await new Promise((resolve) => { proc.once('exit', resolve); proc.kill('SIGTERM'); });
}

async function apiSend(base, token, method, path, body) {
  const r = await fetch(`${base}${path}`, {
    method, headers: { Authorization: token, 'Content-Type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  assert(r.ok, `${method} ${path}: HTTP ${r.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

/** The kept (applied, not yet durable) writes of the signed-in user of a page. */
async function keptOf(page) {
  const kept = (await idbAll(page, 'meta')).find((r) => String(r.key).startsWith('kept:'));
  return (kept && kept.value) || [];
}

async function apiGet(base, token, path) {
  const r = await fetch(`${base}${path}`, { headers: { Authorization: token } });
  const body = await r.json().catch(() => null);
  assert(r.ok, `GET ${path}: HTTP ${r.status} ${JSON.stringify(body)}`);
  return body;
}

/** Tomorrow + 4 days, 10:00–12:00 local, clamped into the campaign. */
function eventWindow(election) {
  const localMidnight = Math.floor((Date.now() + OFFSET) / DAY) * DAY - OFFSET;
  let start = localMidnight + 5 * DAY + 10 * HOUR;
  const cs = Date.parse(election.campaign_start.replace(' ', 'T'));
  const ce = Date.parse(election.campaign_end.replace(' ', 'T'));
  if (start + 2 * HOUR > ce) start = Math.floor((ce + OFFSET - DAY) / DAY) * DAY - OFFSET + 10 * HOUR;
  if (start < cs) start = Math.ceil((cs + OFFSET) / DAY) * DAY - OFFSET + 10 * HOUR;
  const local = (t) => new Date(t + OFFSET).toISOString().slice(0, 16);
  return { start, end: start + 2 * HOUR, startInput: local(start), endInput: local(start + 2 * HOUR) };
}

// --- scenario ---------------------------------------------------------------

async function main() {
  let server;
  let proxy;
  let relay;
  const tmp = mkdtempSync(join(tmpdir(), 'coprosec-e2e-data-'));
  const dataDir = join(tmp, 'pb_data');
  let base;
  const s = {}; // scenario state

  if (process.env.E2E_SCREENSHOTS !== '0' && existsSync(SHOTS)) {
    // The run rewrites the whole set: no stale screen survives a rename.
    for (const f of readdirSync(SHOTS)) if (f.endsWith('.png')) rmSync(join(SHOTS, f));
  }

  try {
    await step('shell: sw.js lists every file and its VERSION is current', () => {
      const { problems } = checkShell();
      assert(!problems.length, `pb_public/sw.js out of date (${problems.join('; ')}); run: node e2e/shell-version.mjs --write`);
    }, { critical: false });

    await runUnitChecks(step);

    await step('environment: Chromium present', () => {
      assert(existsSync(CHROMIUM), `${CHROMIUM} not found (apt-get install -y chromium)`);
    });

    await step('server: go build', () => build());

    const port = await freePort();
    mkdirSync(dataDir, { recursive: true });
    if (!importBoundaries(dataDir)) {
      // the scenario's maps and route placement need the real boundaries
      console.log('e2e: skipped — ../shared/data/benin/*.geojson not found (the browser scenario needs the real boundaries beside the repository)');
      process.exit(0);
    }
    results.push({ name: 'server: geo import of the real boundaries (../shared/data/benin)', status: 'passed' });
    console.log('✔ server: geo import of the real boundaries (../shared/data/benin)');

    server = await step('server: serve --demo answers /api/health', () => startServer(dataDir, port));
    base = `http://127.0.0.1:${port}`;

    await step('server: serves the app shell at /', async () => {
      const r = await fetch(`${base}/`);
      const text = await r.text();
      if (r.ok && text.includes('/js/app.js')) return;
      if (process.env.E2E_STATIC_PROXY === '1') {
        proxy = await startStaticProxy(port);
        base = `http://127.0.0.1:${proxy.address().port}`;
        notes.push('PocketBase does not serve pb_public/ yet: the test served it through its own proxy (E2E_STATIC_PROXY=1).');
        return;
      }
      throw new Error(`GET / answered HTTP ${r.status} without the app: the server must serve pb_public/ at / (apis.Static); set E2E_STATIC_PROXY=1 to test through a local proxy meanwhile`);
    });

    await step('server: sync, receipts and realtime endpoints exist', async () => {
      const token = await apiLogin(base, USERS.organizer);
      s.orgToken = token;
      const pull = await fetch(`${base}/api/sync/pull?cursor=&limit=1`, { headers: { Authorization: token } });
      assert(pull.ok, `GET /api/sync/pull: HTTP ${pull.status}`);
      const jwks = await fetch(`${base}/api/receipts/jwks`);
      assert(jwks.ok, `GET /api/receipts/jwks: HTTP ${jwks.status}`);
      const els = await apiGet(base, token, `/api/collections/elections/records?filter=${encodeURIComponent('active=true')}`);
      assert(els.items.length, 'no active election in the demo data');
      s.election = els.items[0];
      s.window = eventWindow(s.election);
      s.title = `Meeting e2e ${new Date().toISOString().slice(11, 19)}`;
    });

    // First load over a byte-counting relay: what a phone downloads.
    await step('weight: first load of the app (transferred bytes)', async () => {
      relay = await startCountingRelay(proxy ? proxy.address().port : port);
      const p = await phone('weight');
      const url = `http://127.0.0.1:${relay.port}`;
      await p.page.goto(`${url}/#/`);
      await p.page.locator('#identity').waitFor();
      await waitForServiceWorker(p.page);
      await p.page.waitForLoadState('networkidle');
      await p.page.waitForTimeout(500);
      s.shellBytes = relay.counter.down;
      await p.page.fill('#identity', USERS.organizer);
      await p.page.fill('#password', PASSWORD);
      await p.page.click('form.login button[type="submit"]');
      await p.page.locator('main h2', { hasText: 'Événements' }).waitFor();
      await until(async () => (await idbAll(p.page, 'communes')).length >= 77, { message: 'reference data' });
      await until(() => mapReady(p.page), { message: 'the map code and boundaries fetched after the first sync' });
      await p.page.waitForTimeout(1000);
      s.syncBytes = relay.counter.down - s.shellBytes;
      // Second visit: everything from the service worker.
      const before = relay.counter.down;
      await p.page.reload();
      await p.page.locator('main h2', { hasText: 'Événements' }).waitFor();
      await p.page.waitForTimeout(1000);
      s.reloadBytes = relay.counter.down - before;
      notes.push(`First load (app shell, before sign-in): ${s.shellBytes} bytes transferred; sign-in + first sync (with the map's code and boundaries fetched in the background): ${s.syncBytes} bytes; reload: ${s.reloadBytes} bytes (API only).`);
      // The map's code comes by dynamic import: opening it costs this much
      // once (then the service worker has it).
      const beforeMap = relay.counter.down;
      await p.page.goto(`${url}/#/carte`);
      await p.page.locator('#map .leaflet-overlay-pane path').first().waitFor({ state: 'attached' });
      await p.page.waitForTimeout(1000);
      s.mapBytes = relay.counter.down - beforeMap;
      notes.push(`Opening the map after the first sync: ${s.mapBytes} bytes (everything already fetched in the background).`);
      await p.context.close();
      assert(s.shellBytes <= 150 * 1024, `first load ${s.shellBytes} bytes > 150 KB`);
    }, { critical: false });

    const org = await step('organizer: signs in', async () => {
      const p = await phone('organisateur');
      await p.page.goto(`${base}/#/`);
      await p.page.locator('#identity').waitFor();
      await shot(p.page, '01-connexion.png');
      await signIn(p.page, base, USERS.organizer);
      await waitForServiceWorker(p.page);
      return p;
    });

    const cot = await step('commander Cotonou: signs in and watches the list', async () => {
      const p = await phone('cotonou');
      await signIn(p.page, base, USERS.cotonou);
      return p;
    });

    const cal = await step('commander Abomey-Calavi: signs in with a local phone number', async () => {
      const p = await phone('calavi');
      // The demo account's phone is +22990000006; people type it locally.
      await signIn(p.page, base, '90 00 00 06');
      return p;
    });

    await step('organizer: reference data synced (communes in the form)', async () => {
      await org.page.goto(`${base}/#/declarer`);
      await until(async () => (await org.page.locator('#commune option', { hasText: /^Cotonou$/ }).count()) === 1,
        { message: 'Cotonou in the commune list' });
    });

    await step('organizer: declares an event in Cotonou while offline', async () => {
      await org.context.setOffline(true);
      await until(() => org.page.evaluate(() => !navigator.onLine), { message: 'navigator.onLine = false' });
      const pg = org.page;
      // An itinerary created offline too: both travel in one push, in order.
      await pg.goto(`${base}/#/itineraire/nouveau`);
      await pg.fill('#it-title', 'Tournée du Littoral');
      await pg.fill('#it-leader', 'Tête de liste BR');
      await pg.click('form.form button[type="submit"]');
      await pg.waitForURL(/#\/\?itineraire=[a-z0-9]{15}$/);
      s.itineraryId = pg.url().split('=').pop();
      await pg.locator('a', { hasText: 'Déclarer un événement' }).click();
      await pg.waitForURL(/#\/declarer\?itineraire=/);
      assert(await pg.inputValue('#itinerary') === s.itineraryId, 'the new itinerary is not preselected');
      await pg.selectOption('#kind', 'meeting');
      await pg.fill('#title', s.title);
      await pg.fill('#place', 'Place de l’Étoile rouge');
      await pg.selectOption('#commune', { label: 'Cotonou' });
      await pg.fill('#starts_at', s.window.startInput);
      await pg.fill('#ends_at', s.window.endInput);
      await pg.fill('#expected_attendance', '800');
      await pg.check('input[name="security_needs"][value="crowd_control"]');
      await pg.check('input[name="security_needs"][value="traffic"]');
      await pg.evaluate(() => window.scrollTo(0, 0));
      await shot(pg, '02-declaration-formulaire.png');
      await pg.click('form.form button[type="submit"]');
      await pg.waitForURL(/#\/evenement\/[a-z0-9]{15}$/);
      s.eventId = pg.url().split('/').pop();
      await pg.locator('.badge', { hasText: 'En attente d’envoi' }).first().waitFor();
      await shot(pg, '03-declaration-hors-ligne.png', { keepToast: true });
      const outbox = await idbAll(pg, 'outbox');
      assert(outbox.some((e) => e.record_id === s.eventId && e.op === 'create'), 'the declaration is not in the IndexedDB outbox');
    });

    await step('organizer: reload while offline keeps the app and the pending declaration', async () => {
      const pg = org.page;
      await pg.goto(`${base}/#/envois`);
      await pg.locator('.outbox li', { hasText: s.title }).waitFor();
      await shot(pg, '04-envois-hors-ligne.png');
      await pg.reload();
      await pg.locator('.outbox li', { hasText: s.title }).waitFor();
      await pg.goto(`${base}/#/`);
      const card = pg.locator('.event-card', { hasText: s.title });
      await card.waitFor();
      await card.locator('.badge', { hasText: 'En attente d’envoi' }).waitFor();
      assert(await pg.evaluate(() => !!navigator.serviceWorker.controller), 'page not controlled by the service worker after reload');
    });

    await step('organizer: back online, the declaration is sent and accepted', async () => {
      const pg = org.page;
      await org.context.setOffline(false);
      s.onlineAt = Date.now();
      await until(async () => (await idbAll(pg, 'outbox')).length === 0, { timeout: 30000, message: 'the outbox to drain' });
      // no replica: durable is the head, so nothing stays kept for a resend
      await until(async () => {
        const kept = (await idbAll(pg, 'meta')).find((r) => String(r.key).startsWith('kept:'));
        return kept && Array.isArray(kept.value) && kept.value.length === 0;
      }, { message: 'the applied declaration to be dropped once durable' });
      const ev = await until(async () => (await idbAll(pg, 'events')).find((e) => e.id === s.eventId && e.lead_unit), { message: 'the event with its lead unit in the replica' });
      assert(!ev.late_notice, 'declared 5 days ahead but flagged late_notice');
      assert(ev.itinerary === s.itineraryId, 'the event lost its itinerary');
      await pg.goto(`${base}/#/evenement/${s.eventId}`);
      await pg.locator('.details dd', { hasText: 'Commissariat central de Cotonou' }).first().waitFor();
    });

    await step('commander Cotonou: the event appears without reloading', async () => {
      const pg = cot.page;
      const t0 = s.onlineAt || Date.now();
      await pg.locator('.event-card', { hasText: s.title }).waitFor({ timeout: process.env.E2E_SLOW_POLL_OK === '1' ? 90000 : 20000 });
      const secs = ((Date.now() - t0) / 1000).toFixed(1);
      notes.push(`The Cotonou commander saw the event ${secs} s after the organizer came back online (without reload).`);
      await shot(pg, '05-commissaire-nouvel-evenement.png');
    });

    await step('commander Cotonou: acknowledges the lead assignment', async () => {
      const pg = cot.page;
      await pg.locator('.event-card', { hasText: s.title }).click();
      await pg.waitForURL(new RegExp(`#/evenement/${s.eventId}$`));
      // whom to call, offline: the organizer who declared it (demo phone +22990000001)
      await pg.locator('.details a[href="tel:+22990000001"]').waitFor();
      const lead = pg.locator('.assignment', { hasText: 'Unité responsable' });
      await lead.waitFor();
      await lead.locator('input[type="number"]').fill('12');
      await lead.locator('textarea').first().fill('Deux équipes à l’entrée de la place, une patrouille mobile.');
      await shot(pg, '06-commissaire-accuse-reception.png');
      await lead.locator('button', { hasText: 'Accuser réception' }).click();
      await until(async () => {
        const a = (await idbAll(pg, 'assignments')).find((x) => x.event === s.eventId && x.role === 'lead');
        return a && a.status === 'acknowledged';
      }, { message: 'the acknowledged assignment in the commander replica' });
      await pg.locator('.assignment .badge', { hasText: 'Pris en compte' }).first().waitFor();
    });

    await step('organizer: sees the receipt and its QR code', async () => {
      const pg = org.page;
      await pg.goto(`${base}/#/evenement/${s.eventId}`);
      const tr = Date.now();
      await pg.locator('a', { hasText: 'Afficher le récépissé (code QR)' }).waitFor({ timeout: 75000 });
      if (process.env.E2E_TRACE) console.log(`    receipt link after ${Date.now() - tr} ms`);
      await shot(pg, '07-organisateur-evenement.png');
      await pg.locator('a', { hasText: 'Afficher le récépissé (code QR)' }).click();
      await pg.locator('svg.qr').waitFor();
      await shot(pg, '08-organisateur-recepisse.png');
      const receipts = await apiGet(base, s.orgToken, `/api/collections/receipts/records?filter=${encodeURIComponent(`event="${s.eventId}"`)}`);
      assert(receipts.items.length === 1, `expected one receipt, got ${receipts.items.length}`);
      s.token = receipts.items[0].token;
      const tq = Date.now();
      const decoded = await decodeQR(pg);
      if (process.env.E2E_TRACE) console.log(`    QR decoded in ${Date.now() - tq} ms`);
      assert(decoded === s.token, `QR code decodes to ${decoded ? `${decoded.slice(0, 40)}…` : 'nothing'}, not the receipt token`);
      const info = await pg.locator('.qr-figure figcaption').innerText();
      notes.push(`Receipt QR: ${info.split(/\s:/)[0]}.`);
      // the app's own scanner, without BarcodeDetector (the vendored decoder
      // a phone without one uses), reads the code as a camera would see it
      const scanned = await pg.evaluate(async () => {
        const { qrDetector } = await import('/js/views/verify.js');
        const detect = await qrDetector({ native: false });
        const svg = document.querySelector('svg.qr');
        const image = new Image();
        image.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(new XMLSerializer().serializeToString(svg))}`;
        await image.decode();
        const canvas = document.createElement('canvas');
        canvas.width = canvas.height = svg.viewBox.baseVal.width * 4;
        const ctx = canvas.getContext('2d');
        ctx.imageSmoothingEnabled = false;
        ctx.drawImage(image, 0, 0, canvas.width, canvas.height);
        return detect(canvas);
      });
      assert(scanned === s.token, `the fallback scanner read ${scanned ? `${scanned.slice(0, 40)}…` : 'nothing'}`);
      await pg.goto(`${base}/#/`);
      await shot(pg, '09-organisateur-evenements.png');
    });

    await step('commander Cotonou: verifies the receipt offline (Ed25519, cached keys)', async () => {
      const pg = cot.page;
      await pg.goto(`${base}/#/verifier`);
      await pg.locator('.hint', { hasText: 'Clés de vérification en mémoire' }).waitFor();
      await cot.context.setOffline(true);
      await pg.fill('#token', s.token);
      await pg.click('form.form button[type="submit"]');
      await pg.locator('.verdict', { hasText: 'Récépissé valide' }).waitFor();
      await shot(pg, '10-verification-hors-ligne.png');
      // A forged signature must be refused.
      const parts = s.token.split('.');
      const sig = parts[2];
      const forged = `${parts[0]}.${parts[1]}.${sig[0] === 'A' ? 'B' : 'A'}${sig.slice(1)}`;
      await pg.fill('#token', forged);
      await pg.click('form.form button[type="submit"]');
      await pg.locator('.verdict', { hasText: 'Signature invalide' }).waitFor();
      await cot.context.setOffline(false);
    });

    await step('organizer: a server rejection shows its French reason and can be abandoned', async () => {
      const pg = org.page;
      // No screen lets an organizer write a server-set field, so the change
      // is queued as a buggy or stale client would.
      await pg.evaluate(async (id) => {
        const outbox = await import('/js/outbox.js');
        await outbox.enqueue({ collection: 'events', op: 'update', record_id: id, data: { late_notice: true }, label: 'Essai : champ réservé au serveur' });
      }, s.eventId);
      await pg.goto(`${base}/#/envois`);
      const item = pg.locator('.outbox li', { hasText: 'Essai : champ réservé au serveur' });
      await item.locator('.badge', { hasText: 'Refusé' }).waitFor();
      const text = await item.innerText();
      assert(/serveur|droit/.test(text), `rejection reason not in French: ${text}`);
      await shot(pg, '11-envois-refus.png');
      await item.locator('button', { hasText: 'Abandonner' }).click();
      await until(async () => (await pg.locator('.outbox li').count()) === 0, { message: 'the abandoned change to disappear' });
    }, { critical: false });

    await step('organizer: a refused modification is corrected from what was sent, not typed again', async () => {
      const pg = org.page;
      const notes = 'Podium et sonorisation à prévoir devant la mairie.';
      await pg.evaluate(async ({ id, notes }) => {
        const outbox = await import('/js/outbox.js');
        await outbox.enqueue({ collection: 'events', op: 'update', record_id: id, data: { notes, late_notice: true }, label: 'Essai : modification refusée' });
      }, { id: s.eventId, notes });
      await pg.goto(`${base}/#/envois`);
      const item = pg.locator('.outbox li', { hasText: 'Essai : modification refusée' });
      await item.locator('.badge', { hasText: 'Refusé' }).waitFor();
      await item.locator('a', { hasText: 'Corriger' }).click();
      await pg.waitForURL(new RegExp(`#/modifier/${s.eventId}$`));
      assert(await pg.locator('#notes').inputValue() === notes, `the form shows ${JSON.stringify(await pg.locator('#notes').inputValue())}, not the refused notes`);
      await pg.locator('form .alert-error', { hasText: 'Refusé par le serveur' }).waitFor();
      await shot(pg, '11b-correction-modification.png');
      await pg.click('form.form button[type="submit"]');
      await pg.waitForURL(new RegExp(`#/evenement/${s.eventId}$`));
      await until(async () => (await idbAll(pg, 'outbox')).length === 0, { message: 'the corrected modification to be applied' });
      const ev = await apiGet(base, s.orgToken, `/api/collections/events/records/${s.eventId}`);
      assert(ev.notes === notes, `the server has notes ${JSON.stringify(ev.notes)}`);
    }, { critical: false });

    await step('commander Cotonou: reports an incident with a photo', async () => {
      const pg = cot.page;
      await pg.goto(`${base}/#/incident?evenement=${s.eventId}`);
      await pg.selectOption('#inc-kind', 'obstruction');
      await pg.check('input[name="severity"][value="3"]');
      await pg.fill('#inc-desc', 'Barrage de pneus sur la voie d’accès, circulation bloquée.');
      await pg.setInputFiles('#inc-photos', { name: 'barrage.png', mimeType: 'image/png', buffer: Buffer.from(PNG_1PX, 'base64') });
      await shot(pg, '13-incident.png');
      await pg.click('form.form button[type="submit"]');
      await pg.waitForURL(new RegExp(`#/evenement/${s.eventId}$`));
      await until(async () => (await idbAll(pg, 'outbox')).length === 0, { message: 'the incident upload' });
      const token = await apiLogin(base, USERS.cotonou);
      const list = await apiGet(base, token, `/api/collections/incidents/records?filter=${encodeURIComponent(`event="${s.eventId}"`)}`);
      assert(list.items.length === 1, `expected 1 incident on the server, got ${list.items.length}`);
      assert((list.items[0].photos || []).length === 1, 'the incident photo was not stored');
      await pg.locator('#inc-h').waitFor();
      // protected file: shown through a file token, refused without one
      const img = pg.locator('.photos img').first();
      await img.waitFor({ timeout: 15000 });
      await until(async () => img.evaluate((el) => el.complete && el.naturalWidth > 0), { message: 'the incident photo to load with a file token' });
      const src = await img.getAttribute('src');
      assert(src.includes('token='), `photo URL without a file token: ${src}`);
      const bare = await fetch(base + src.split('?')[0]);
      assert(bare.status === 404, `the photo was served without a token: ${bare.status}`);
    }, { critical: false });

    await step('commander Abomey-Calavi: never sees the event', async () => {
      const pg = cal.page;
      await pg.goto(`${base}/#/envois`);
      await pg.locator('button', { hasText: 'Synchroniser maintenant' }).click();
      await pg.waitForTimeout(1500);
      await pg.goto(`${base}/#/?vue=tous`);
      await pg.locator('main h2', { hasText: 'Événements' }).waitFor();
      assert(await pg.locator('.event-card', { hasText: s.title }).count() === 0, 'the Calavi list shows the Cotonou event');
      const events = await idbAll(pg, 'events');
      assert(!events.some((e) => e.id === s.eventId), 'the Cotonou event is in the Calavi replica');
      const assignments = await idbAll(pg, 'assignments');
      assert(!assignments.some((a) => a.event === s.eventId), 'an assignment of the Cotonou event is in the Calavi replica');
      const incidents = await idbAll(pg, 'incidents');
      assert(!incidents.some((i) => i.event === s.eventId), 'the Cotonou incident is in the Calavi replica');
      await shot(pg, '12-calavi-evenements.png');
    });


    await step('organizer: draws a caravan route on the map, offline, and sees the units it will involve', async () => {
      const pg = org.page;
      await until(() => mapReady(pg), { message: 'the map cached on the organizer phone' });
      await org.context.setOffline(true);
      await until(() => pg.evaluate(() => !navigator.onLine), { message: 'navigator.onLine = false' });
      s.caravanTitle = `Caravane e2e ${new Date().toISOString().slice(11, 19)}`;
      await pg.goto(`${base}/#/declarer`);
      await pg.selectOption('#kind', 'caravan');
      await pg.fill('#title', s.caravanTitle);
      await pg.fill('#place', 'Départ : carrefour de l’Étoile rouge');
      await pg.selectOption('#commune', { label: 'Cotonou' });
      await pg.fill('#starts_at', s.window.startInput);
      await pg.fill('#ends_at', s.window.endInput);
      await pg.locator('#route-map .leaflet-overlay-pane path').first().waitFor({ state: 'attached' });
      await pg.locator('.route-block .hint', { hasText: 'Touchez la carte pour placer le départ' }).waitFor();
      const sel = '#route-map';
      // Cotonou → towards Godomey → Abomey-Calavi (Atlantique), tapped in order.
      await tapMap(pg, sel, 6.3654, 2.4183);
      await tapMap(pg, sel, 6.3950, 2.3700);
      await tapMap(pg, sel, 6.4485, 2.3557);
      await until(async () => (await pg.inputValue('#route')).split('\n').length === 3, { message: 'three route points in the form' });
      // Move the second stop by dragging it.
      const before = (await pg.inputValue('#route')).split('\n')[1];
      const from = await mapPoint(pg, sel, 6.3950, 2.3700);
      const to = await mapPoint(pg, sel, 6.3850, 2.3900);
      await pg.mouse.move(from.x, from.y);
      await pg.mouse.down();
      await pg.mouse.move((from.x + to.x) / 2, (from.y + to.y) / 2, { steps: 5 });
      await pg.mouse.move(to.x, to.y, { steps: 5 });
      await pg.mouse.up();
      await until(async () => (await pg.inputValue('#route')).split('\n')[1] !== before, { message: 'the dragged stop to move' });
      // Add a fourth stop by mistake, then remove it.
      await tapMap(pg, sel, 6.4300, 2.4300);
      await until(async () => (await pg.inputValue('#route')).split('\n').length === 4, { message: 'a fourth stop' });
      await pg.locator('#route-map .stop[data-index="3"]').click();
      await pg.locator('button', { hasText: 'Retirer l’étape 4' }).click();
      await until(async () => (await pg.inputValue('#route')).split('\n').length === 3, { message: 'the fourth stop removed' });
      const preview = pg.locator('.units-preview');
      await preview.locator('li', { hasText: /Abomey-Calavi — appui/ }).waitFor();
      await preview.locator('li', { hasText: /DDPR Atlantique — supervision/ }).waitFor();
      await preview.locator('li', { hasText: /Cotonou — responsable/ }).waitFor();
      s.previewUnits = (await preview.locator('li').allInnerTexts()).map((t) => t.trim());
      await pg.locator('.route-block').scrollIntoViewIfNeeded();
      await pg.evaluate(() => document.querySelector('.route-block').scrollIntoView({ block: 'start' }));
      await shot(pg, '16-parcours-carte.png');
      await pg.evaluate(() => document.querySelector('.units-preview').scrollIntoView({ block: 'center' }));
      await shot(pg, '26-parcours-unites.png');
      await pg.click('form.form button[type="submit"]');
      await pg.waitForURL(/#\/evenement\/[a-z0-9]{15}$/);
      s.caravanId = pg.url().split('/').pop();
      const outbox = await idbAll(pg, 'outbox');
      const entry = outbox.find((e) => e.record_id === s.caravanId);
      assert(entry && entry.data.route && entry.data.route.length === 3, `the declaration does not carry the drawn route: ${JSON.stringify(entry && entry.data.route)}`);
    }, { critical: false });

    await step('organizer: back online, the server assigns exactly the units the phone showed', async () => {
      assert(s.caravanId, 'no caravan from the previous step');
      const pg = org.page;
      await org.context.setOffline(false);
      await until(async () => (await idbAll(pg, 'outbox')).length === 0, { message: 'the caravan to be sent' });
      const server = await until(async () => {
        const as = (await idbAll(pg, 'assignments')).filter((a) => a.event === s.caravanId);
        return as.length >= 4 && as;
      }, { message: 'the caravan assignments in the replica' });
      const units = new Map((await idbAll(pg, 'units')).map((u) => [u.id, u.name]));
      const roleText = { lead: 'responsable', support: 'appui', oversight: 'supervision' };
      const got = server.map((a) => `${units.get(a.unit)} — ${roleText[a.role]}`).sort();
      const shown = s.previewUnits.map((t) => t.replace(/ — (responsable|appui|supervision).*$/, ' — $1')).sort();
      assert(JSON.stringify(got) === JSON.stringify(shown), `server assigned ${JSON.stringify(got)}, the phone showed ${JSON.stringify(shown)}`);
    }, { critical: false });

    await step('organizer: the map shows its events and the caravan route; a tap opens the event', async () => {
      assert(s.caravanId, 'no caravan');
      const pg = org.page;
      await pg.goto(`${base}/#/`);
      await pg.locator('#open-map').click();
      await pg.waitForURL(/#\/carte/);
      const mk = pg.locator(`#map .mk[data-id="${s.caravanId}"]`);
      await mk.waitFor();
      await pg.locator(`#map .mk[data-id="${s.eventId}"]`).waitFor();
      assert(await pg.locator('#map path.route').count() >= 1, 'no route line on the map');
      assert(await pg.locator('#map path.clash-link').count() === 0, 'a party sees clash links');
      await shot(pg, '17-carte-organisateur.png');
      await mk.click();
      await pg.waitForURL(new RegExp(`#/evenement/${s.caravanId}$`));
    }, { critical: false });

    await step('police: a clash between two parties is linked on the commander map; the party sees only the notice', async () => {
      const parties = await apiGet(base, s.orgToken, '/api/collections/parties/records?perPage=50');
      const br = parties.items.find((p) => p.acronym === 'BR');
      const ldToken = await apiLogin(base, 'organisateur.ld@demo.coprosec.bj');
      const ld = (await apiGet(base, ldToken, '/api/collections/parties/records?perPage=50')).items.find((p) => p.acronym === 'LD');
      const make = async (token, party, title, loc) => {
        const r = await fetch(`${base}/api/collections/events/records`, {
          method: 'POST', headers: { Authorization: token, 'Content-Type': 'application/json' },
          body: JSON.stringify({
            party: party.id, election: s.election.id, kind: 'meeting', title, place: 'Stade de l’Amitié', location: loc,
            starts_at: new Date(s.window.start).toISOString(), ends_at: new Date(s.window.end).toISOString(), status: 'declared',
          }),
        });
        const body = await r.json();
        assert(r.ok, `create ${title}: HTTP ${r.status} ${JSON.stringify(body)}`);
        return body.id;
      };
      s.clashA = await make(s.orgToken, br, 'Meeting BR au stade', { lat: 6.3795, lon: 2.3935 });
      s.clashB = await make(ldToken, ld, 'Meeting LD au stade', { lat: 6.3800, lon: 2.3940 });
      const pg = cot.page;
      await until(async () => {
        const evs = await idbAll(pg, 'events');
        const a = evs.find((e) => e.id === s.clashA);
        return a && a.clash && (a.clash_with || []).includes(s.clashB);
      }, { message: 'the clash in the commander replica' });
      await pg.goto(`${base}/#/carte`);
      await pg.locator(`#map .mk[data-id="${s.clashA}"][data-state="clash"]`).waitFor();
      await pg.locator(`#map .mk[data-id="${s.clashB}"][data-state="clash"]`).waitFor();
      await pg.locator('#map path.clash-link').first().waitFor({ state: 'attached' });
      // the party: its own event, never the partner, never a link
      const op = org.page;
      await op.goto(`${base}/#/carte`);
      await op.locator(`#map .mk[data-id="${s.clashA}"]`).waitFor();
      assert(await op.locator(`#map .mk[data-id="${s.clashB}"]`).count() === 0, 'the party sees the rival event');
      assert(await op.locator(`#map .mk[data-id="${s.clashA}"][data-state="clash"]`).count() === 0, 'the party sees a clash state');
      assert(await op.locator('#map path.clash-link').count() === 0, 'the party sees a clash link');
    }, { critical: false });

    await step('commander Cotonou: the unit map works offline — area, markers by state, route, tap → event', async () => {
      const pg = cot.page;
      await until(() => mapReady(pg, 'geo:commune:BJ08'), { message: 'the map cached on the commander phone' });
      if (s.caravanId) await until(async () => (await idbAll(pg, 'events')).some((e) => e.id === s.caravanId), { message: 'the caravan in the commander replica' });
      await cot.context.setOffline(true);
      await until(() => pg.evaluate(() => !navigator.onLine), { message: 'navigator.onLine = false' });
      await pg.goto(`${base}/#/`);
      await pg.reload(); // a cold start offline: shell, map code and boundaries from the phone
      await pg.locator('main h2', { hasText: 'Événements' }).waitFor();
      await pg.goto(`${base}/#/carte`);
      await pg.locator('#map .leaflet-overlay-pane path').first().waitFor();
      const first = pg.locator(`#map .mk[data-id="${s.eventId}"]`);
      await first.waitFor();
      assert(await first.getAttribute('data-state') === 'acknowledged', `the acknowledged event shows as ${await first.getAttribute('data-state')}`);
      if (s.caravanId) {
        assert(await pg.locator(`#map .mk[data-id="${s.caravanId}"][data-state="to_ack"]`).count() === 1, 'the new caravan is not "to acknowledge"');
        assert(await pg.locator('#map path.route').count() >= 1, 'no route line on the commander map');
      }
      assert(await pg.locator('.legend li', { hasText: 'Pris en compte' }).count() === 1, 'no legend');
      await shot(pg, '18-carte-commissaire-hors-ligne.png');
      // The caravan starts where the meeting is: its marker covers the
      // meeting's. Markers are links for the keyboard too (Tab, Enter).
      await first.focus();
      await pg.keyboard.press('Enter');
      await pg.waitForURL(new RegExp(`#/evenement/${s.eventId}$`));
      await pg.locator('main h2').first().waitFor();
    }, { critical: false });
    if (cot) await cot.context.setOffline(false);

    await step('ministry: the country map with every event', async () => {
      const p = await phone('ministere-carte');
      await signIn(p.page, base, USERS.ministry);
      await until(() => mapReady(p.page), { message: 'the map cached on the ministry phone' });
      await p.page.goto(`${base}/#/carte`);
      await p.page.locator(`#map .mk[data-id="${s.eventId}"]`).waitFor();
      if (s.clashA) await p.page.locator(`#map .mk[data-id="${s.clashA}"][data-state="clash"]`).waitFor();
      await shot(p.page, '19-carte-ministere.png');
      await p.context.close();
    }, { critical: false });

    await step('organizer: a concurrent edit becomes a visible conflict, then is re-applied', async () => {
      const pg = org.page;
      await org.context.setOffline(true);
      await pg.goto(`${base}/#/modifier/${s.eventId}`);
      await pg.fill('#title', `${s.title} (version organisateur)`);
      await pg.click('form.form button[type="submit"]');
      await pg.waitForURL(new RegExp(`#/evenement/${s.eventId}$`));
      // Meanwhile the party's security lead renames it from another phone.
      const admin = await apiLogin(base, 'securite.br@demo.coprosec.bj');
      const r = await fetch(`${base}/api/collections/events/records/${s.eventId}`, {
        method: 'PATCH', headers: { Authorization: admin, 'Content-Type': 'application/json' },
        body: JSON.stringify({ title: `${s.title} (version responsable)` }),
      });
      assert(r.ok, `concurrent REST edit: HTTP ${r.status} ${await r.text()}`);
      await org.context.setOffline(false);
      const alert = pg.locator('.alert-error', { hasText: 'Conflit' });
      await alert.waitFor();
      assert(/modifié entre-temps/.test(await alert.innerText()), 'the conflict does not say which field changed');
      await shot(pg, '14-conflit.png');
      await alert.locator('button', { hasText: 'Réappliquer mes modifications' }).click();
      await until(async () => (await idbAll(pg, 'outbox')).length === 0, { message: 'the re-applied edit to be accepted' });
      await pg.locator('main h2', { hasText: '(version organisateur)' }).waitFor();
    }, { critical: false });

    await step('organizer: cancels the event; the commander sees it live', async () => {
      const pg = org.page;
      await pg.goto(`${base}/#/evenement/${s.eventId}`);
      await pg.locator('button', { hasText: 'Annuler l’événement' }).click();
      await pg.locator('dialog button[value="ok"]').click();
      await until(async () => (await idbAll(pg, 'outbox')).length === 0, { message: 'the cancellation to be sent' });
      await pg.locator('.badges .badge', { hasText: 'Annulé' }).first().waitFor();
      await cot.page.goto(`${base}/#/?vue=tous`);
      await cot.page.locator('.event-card.cancelled', { hasText: s.title }).waitFor({ timeout: 20000 });
      await shot(cot.page, '15-commissaire-evenement-annule.png');
      const receipts = await apiGet(base, s.orgToken, `/api/collections/receipts/records?filter=${encodeURIComponent(`event="${s.eventId}"`)}`);
      if (!receipts.items.some((r) => r.revoked_at)) notes.push('The receipt of the cancelled event was not revoked by the server.');
    }, { critical: false });

    await step('commander Cotonou: worklists and filters, offline from the replica', async () => {
      const pg = cot.page;
      await pg.goto(`${base}/#/?vue=tous`);
      for (const q of ['a-prendre', 'escalades', 'conflits', 'tardifs', 'aujourdhui', 'demain']) {
        assert(await pg.locator(`.tabs.queues a[data-queue="${q}"]`).count() === 1, `no "${q}" list`);
      }
      await cot.context.setOffline(true);
      await pg.locator('summary', { hasText: 'Rechercher et filtrer' }).click();
      await pg.fill('#f-q', s.title.split(' ').slice(-1)[0]);
      await pg.locator('.filters button[type="submit"]').click();
      await pg.locator('.event-card', { hasText: s.title }).waitFor();
      assert(await pg.locator('.event-card').count() === 1, 'the search kept other events');
      await shot(pg, '22-filtres.png');
      await pg.fill('#f-q', 'introuvable-xyz');
      await pg.locator('.filters button[type="submit"]').click();
      await pg.locator('.empty', { hasText: 'Aucun événement ne correspond aux filtres.' }).waitFor();
      await cot.context.setOffline(false);
      // the unit's plan of the day, printed by the server
      const [plan] = await Promise.all([cot.context.waitForEvent('page'), pg.click('#open-briefing')]);
      await plan.waitForLoadState();
      await plan.locator('body', { hasText: 'Commissariat central de Cotonou' }).waitFor();
      await plan.close();
      // at a desk, the list is a table with the deadlines
      await pg.setViewportSize({ width: 1280, height: 800 });
      await pg.goto(`${base}/#/?vue=tous`);
      await pg.locator('table.desk tbody tr').first().waitFor();
      await shot(pg, '27-bureau-tableau.png');
      await pg.setViewportSize(VIEWPORT);
      // the list as a file
      await pg.goto(`${base}/#/?vue=tous`);
      const [dl] = await Promise.all([pg.waitForEvent('download'), pg.click('#export-csv')]);
      const csv = readFileSync(await dl.path(), 'utf8');
      assert(csv.includes(s.title), 'the CSV export lacks the event');
      // the week's agenda
      await pg.goto(`${base}/#/`);
      await pg.click('#open-agenda');
      assert(await pg.locator('.agenda-day').count() === 7, 'the agenda has not seven days');
      await shot(pg, '25-agenda.png');
      // incident triage: the incident reported earlier waits to be verified
      await pg.goto(`${base}/#/`);
      await pg.click('#open-incidents');
      const inc = pg.locator('li.incident').first();
      await inc.waitFor();
      await shot(pg, '24-incidents.png');
      await inc.locator('button', { hasText: 'Marquer vérifié' }).click();
      await pg.goto(`${base}/#/incidents?etat=verified`);
      await pg.locator('li.incident').first().waitFor();
    }, { critical: false });

    const slip = await step('ministry: imports police accounts from a file and gets one slip per person', async () => {
      const p = await phone('ministere');
      await signIn(p.page, base, USERS.ministry);
      const pg = p.page;
      await pg.goto(`${base}/#/compte`);
      await pg.locator('#ops-replica', { hasText: 'Aucune réplique configurée' }).waitFor();
      await pg.click('#manage-accounts');
      await pg.locator('main h2', { hasText: 'Comptes' }).waitFor();
      await pg.locator('ul.accounts li').first().waitFor();
      await pg.locator('summary', { hasText: 'Importer des comptes' }).click();
      const csv = 'name,phone,email,role,party,unit\n' +
        'Agent Sossa,97 12 34 56,,officer,,Commissariat central de Cotonou\n' +
        'Agent Tossou,97 12 34 57,,officer,,Commissariat central de Cotonou\n';
      await pg.setInputFiles('#import-accounts', { name: 'agents.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
      await pg.locator('form:has(#import-accounts) button[type=submit]').click();
      const dlg = pg.locator('dialog');
      await dlg.waitFor();
      assert(/2 à créer/.test(await dlg.innerText()), `dry run: ${await dlg.innerText()}`);
      await pg.locator('dialog button[value="ok"]').click();
      await pg.locator('.slip').nth(1).waitFor();
      const slips = await pg.locator('.slip').allInnerTexts();
      assert(slips.length === 2 && slips.every((t) => /Commissariat central de Cotonou/.test(t)), `slips: ${slips}`);
      await shot(pg, '20-fiches-mots-de-passe.png');
      const password = (await pg.locator('.slip .slip-password').first().innerText()).trim();
      const login = (await pg.locator('.slip .slip-login').first().innerText()).trim();
      assert(/^[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}$/.test(password) && login === '+22997123456', `slip: ${login} ${password}`);
      // a refused file names its line and writes nothing
      await pg.setInputFiles('#import-accounts', { name: 'mauvais.csv', mimeType: 'text/csv', buffer: Buffer.from('name;phone;email;role;party;unit\nX;1;;officer;;Y\n') });
      await pg.locator('form:has(#import-accounts) button[type=submit]').click();
      const err = pg.locator('.alert-error', { hasText: 'Ligne 1' });
      await err.waitFor();
      // the situation room: the 12 départements and their total
      await pg.goto(`${base}/#/`);
      await pg.click('#open-situation');
      await pg.locator('table.situation tr.total').waitFor();
      assert(await pg.locator('table.situation tbody tr').count() === 13, 'situation: not 12 départements and a total');
      await pg.locator('.situation-map path.leaflet-interactive').nth(11).waitFor();
      await shot(pg, '23-situation.png');
      await p.context.close();
      return { login, password };
    }, { critical: false });

    await step('new officer: chooses a password at first sign-in, before anything else', async () => {
      assert(slip && slip.password, 'no slip from the import step');
      const p = await phone('nouvel-agent');
      const pg = p.page;
      await pg.goto(`${base}/#/`);
      await pg.fill('#identity', '97 12 34 56');
      await pg.fill('#password', slip.password);
      await pg.click('form.login button[type="submit"]');
      await pg.locator('main h2', { hasText: 'Choisissez votre mot de passe' }).waitFor();
      assert(await pg.locator('#nav').isHidden(), 'the navigation shows before the password is chosen');
      await pg.goto(`${base}/#/incident`);
      await pg.locator('main h2', { hasText: 'Choisissez votre mot de passe' }).waitFor();
      await shot(pg, '21-premier-mot-de-passe.png');
      await pg.fill('#old-password', slip.password);
      await pg.fill('#new-password', 'mon-secret-2026');
      await pg.fill('#new-password-again', 'mon-secret-2026');
      await pg.locator('button', { hasText: 'Enregistrer mon mot de passe' }).click();
      await pg.locator('main h2', { hasText: 'Événements' }).waitFor();
      const res = await apiSignIn(base, '+22997123456', 'mon-secret-2026');
      assert(res.record && res.record.must_change_password === false, 'the flag is still set');
      await p.context.close();
    }, { critical: false });

    await step('restore: decisions and an incident photo sent over REST, and a pushed declaration, come back', async () => {
      // The server restarts replicating to an S3 endpoint that never
      // answers, so nothing becomes durable and the phones keep what the
      // server applied; a PocketBase backup taken before the writes is then
      // restored (a new epoch), and the phones send again what it lacks.
      const dead = await freePort();
      await stopServer(server);
      const su = spawnSync(BIN, [`--dir=${dataDir}`, '--dev=false', 'superuser', 'upsert', 'root@e2e.test', 'e2e-root-password'], { encoding: 'utf8' });
      assert(su.status === 0, `superuser upsert: ${su.stderr}`);
      const env = { ...process.env, AWS_ACCESS_KEY_ID: 'e2e', AWS_SECRET_ACCESS_KEY: 'e2e' };
      delete env.AWS_CA_BUNDLE;
      server = await startServer(dataDir, port, {
        extraArgs: ['--replica', `s3://e2e/db?endpoint=${encodeURIComponent(`http://127.0.0.1:${dead}`)}&region=us-east-1`], env,
      });
      const superToken = async () => (await (await fetch(`${base}/api/collections/_superusers/auth-with-password`, {
        method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ identity: 'root@e2e.test', password: 'e2e-root-password' }),
      })).json()).token;
      const suAuth = { token: await superToken() };
      assert(suAuth.token, 'superuser sign-in');
      const partyId = (await apiSignIn(base, USERS.organizer, PASSWORD)).record.party;
      const at = (h) => new Date(s.window.start + h * HOUR).toISOString();
      // in the backup: a declaration; after it: a declaration pushed by the organizer's phone
      const kept = await apiSend(base, s.orgToken, 'POST', '/api/collections/events/records', {
        party: partyId, election: s.election.id, kind: 'meeting', title: 'Meeting au marché Dantokpa', place: 'Marché Dantokpa',
        location: { lat: 6.3700, lon: 2.4330 }, starts_at: at(-3), ends_at: at(-1), status: 'declared',
      });
      await apiSend(base, suAuth.token, 'POST', '/api/backups', { name: 'avant_restauration.zip' });
      const lost = await org.page.evaluate(async ({ election, party, starts, ends }) => {
        const outbox = await import('/js/outbox.js');
        const { recordId } = await import('/js/ids.js');
        const id = recordId();
        await outbox.enqueue({ collection: 'events', op: 'create', record_id: id, label: 'Déclaration : Meeting à Akpakpa',
          data: { election, party, kind: 'meeting', title: 'Meeting à Akpakpa', place: 'Place de Akpakpa', location: { lat: 6.3620, lon: 2.4560 },
            starts_at: starts, ends_at: ends, status: 'declared' } });
        return id;
      }, { election: s.election.id, party: partyId, starts: at(-3), ends: at(-1) });
      await until(async () => (await idbAll(org.page, 'outbox')).length === 0, { message: 'the organizer outbox to drain' });
      assert((await keptOf(org.page)).some((k) => k.m.record_id === lost), 'the pushed declaration is not kept while the replica is down');

      // the commander acknowledges both and reports an incident with a photo (REST)
      const pg = cot.page;
      for (const [id, officers] of [[kept.id, '7'], [lost, '5']]) {
        await until(async () => (await idbAll(pg, 'assignments')).some((a) => a.event === id && a.role === 'lead'), { message: 'the lead assignment in the commander replica' });
        await pg.goto(`${base}/#/evenement/${id}`);
        const lead = pg.locator('.assignment', { hasText: 'Unité responsable' });
        await lead.locator('input[type="number"]').fill(officers);
        await lead.locator('button', { hasText: 'Accuser réception' }).click();
        await until(async () => (await idbAll(pg, 'outbox')).length === 0, { message: 'the acknowledgement to be sent' });
      }
      await pg.goto(`${base}/#/incident?evenement=${kept.id}`);
      await pg.selectOption('#inc-kind', 'obstruction');
      await pg.check('input[name="severity"][value="2"]');
      await pg.fill('#inc-desc', 'Stationnement sauvage devant l’entrée du marché.');
      await pg.setInputFiles('#inc-photos', { name: 'entree.png', mimeType: 'image/png', buffer: Buffer.from(PNG_1PX, 'base64') });
      await pg.click('form.form button[type="submit"]');
      await pg.waitForURL(new RegExp(`#/evenement/${kept.id}$`));
      await until(async () => (await idbAll(pg, 'outbox')).length === 0, { message: 'the incident upload' });
      const incident = await until(async () => (await idbAll(pg, 'incidents')).find((i) => i.event === kept.id),
        { message: 'the incident in the commander replica' });
      const before = await keptOf(pg);
      const rest = before.filter((k) => k.transport === 'rest' && k.epoch && k.written_seq > 0);
      assert(rest.filter((k) => k.m.collection === 'assignments').length === 2 && rest.some((k) => k.m.record_id === incident.id),
        `the commander keeps ${JSON.stringify(before.map((k) => [k.transport, k.m.collection, k.epoch, k.written_seq]))}, want its 2 decisions and the incident with their position`);

      const lostLead = (await idbAll(pg, 'assignments')).find((a) => a.event === lost && a.role === 'lead').id;
      // restore the backup: PocketBase restarts the process on the same port
      const oldEpoch = before[0].epoch;
      await apiSend(base, suAuth.token, 'POST', '/api/backups/avant_restauration.zip/restore');
      const t0 = Date.now();
      let token = '';
      await until(async () => {
        token = await superToken();
        if (!token) return false;
        const r = await fetch(`${base}/api/collections/events/records/${lost}`, { headers: { Authorization: token } });
        const st = await fetch(`${base}/api/ops/status`, { headers: { Authorization: token } }).then((x) => x.json());
        return st.epoch && st.epoch !== oldEpoch && (r.ok || r.status === 404);
      }, { timeout: 60000, message: 'the restored server with a new epoch' });
      // the phones notice the new epoch at their next exchange and send again
      await org.page.reload();
      await pg.reload();
      const lead = (id) => apiGet(base, token, `/api/collections/assignments/records?filter=${encodeURIComponent(`event="${id}" && role="lead"`)}`).then((l) => l.items[0]);
      await until(async () => {
        const [a, b] = [await lead(kept.id), await lead(lost)];
        const i = await fetch(`${base}/api/collections/incidents/records/${incident.id}`, { headers: { Authorization: token } });
        return a && a.status === 'acknowledged' && a.officers === 7 && b && b.status === 'acknowledged' && b.officers === 5 && i.ok;
      }, { timeout: 60000, message: 'both acknowledgements and the incident on the restored server' });
      // the lost declaration came back from the organizer's phone with a new
      // lead assignment, and the commander's decision followed it there
      assert((await lead(lost)).id !== lostLead, 'the lost declaration kept its old assignment id');
      const inc = await apiGet(base, token, `/api/collections/incidents/records/${incident.id}`);
      assert((inc.photos || []).length === 1, 'the incident came back without its photo');
      const ft = await apiSend(base, token, 'POST', '/api/files/token');
      const photo = await fetch(`${base}/api/files/incidents/${inc.id}/${inc.photos[0]}?token=${ft.token}`);
      assert(photo.ok && (await photo.arrayBuffer()).byteLength > 0, `the photo is not served: ${photo.status}`);
      const after = await keptOf(pg);
      assert(after.every((k) => !k.again && k.epoch !== oldEpoch), 'a kept write was not sent again under the new epoch');
      assert((await idbAll(pg, 'outbox')).length === 0, 'a resent write landed in the commander outbox');
      notes.push(`After a backup restore, the commander phone's REST writes were back ${((Date.now() - t0) / 1000).toFixed(1)} s after the restore began.`);
    }, { critical: false });

    await step('layout: every screen fits 360 px without horizontal scrolling', () => {
      assert(!layoutProblems.length, layoutProblems.join('\n'));
    }, { critical: false });

    await step('no JavaScript errors in the pages', () => {
      assert(!pageErrors.length, pageErrors.join('\n'));
    }, { critical: false });
  } finally {
    for (const c of contexts) {
      await c.close().catch(() => {});
      rmSync(c.dir, { recursive: true, force: true });
    }
    if (relay) relay.server.close();
    if (proxy) proxy.close();
    if (server && server.kill) {
      server.kill('SIGTERM');
      if (results.some((r) => r.status === 'failed')) {
        try { console.log(`\n--- server log (tail) ---\n${readFileSync(server.logPath, 'utf8').split('\n').slice(-40).join('\n')}`); } catch { /* no log */ }
      }
    }
    if (process.env.E2E_KEEP !== '1') rmSync(tmp, { recursive: true, force: true });
    else console.log(`data kept in ${tmp}`);
  }

  for (const n of notes) console.log(`note: ${n}`);
  const count = (st) => results.filter((r) => r.status === st).length;
  const passed = count('passed');
  const failed = count('failed');
  const skipped = count('skipped');
  console.log(`\ne2e: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
  process.exit(failed || skipped ? 1 : 0);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
