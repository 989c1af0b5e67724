// Service worker: serves the app shell from cache so that the app opens with
// no network at all. API calls (/api/…) and the admin dashboard (/_/…) are
// never cached here: the data lives in IndexedDB, managed by the app.
//
// VERSION is a hash of the shell files; e2e/shell-version.mjs checks it and
// rewrites it (`node e2e/shell-version.mjs --write`). A new VERSION makes
// browsers install the new shell and drop the old cache.
//
// SHELL is cached at install (the first load). LAZY (the map's modules and
// the vendored Leaflet) is not: it would add about 60 KB to the first load of
// every phone, most of which never open a map before signing in. Those files
// are cached the first time they are fetched, and the app asks for all of
// them ({type: 'warm'} message) once the first sync is done, so the map works
// offline from then on.
const VERSION = 'shell-8be91777061a';
const SHELL = [
  '/',
  '/css/app.css',
  '/icons/icon-maskable.svg',
  '/icons/icon.svg',
  '/js/api.js',
  '/js/app.js',
  '/js/db.js',
  '/js/ids.js',
  '/js/labels.js',
  '/js/outbox.js',
  '/js/qr.js',
  '/js/realtime.js',
  '/js/receipt.js',
  '/js/rules.js',
  '/js/session.js',
  '/js/slips.js',
  '/js/state.js',
  '/js/store.js',
  '/js/sync.js',
  '/js/time.js',
  '/js/ui.js',
  '/js/views/account.js',
  '/js/views/accounts.js',
  '/js/views/agenda.js',
  '/js/views/common.js',
  '/js/views/event-form.js',
  '/js/views/event.js',
  '/js/views/events.js',
  '/js/views/incident-form.js',
  '/js/views/incidents.js',
  '/js/views/itinerary-form.js',
  '/js/views/login.js',
  '/js/views/map.js',
  '/js/views/outbox.js',
  '/js/views/password.js',
  '/js/views/receipt.js',
  '/js/views/situation.js',
  '/js/views/verify.js',
  '/js/worklists.js',
  '/manifest.webmanifest',
];
const LAZY = [
  '/js/map/boundaries.js',
  '/js/map/geometry.js',
  '/js/map/leaflet.js',
  '/js/map/map-view.js',
  '/js/map/route-editor.js',
  '/js/map/states.js',
  '/vendor/jsqr/LICENSE.txt',
  '/vendor/jsqr/jsQR.js',
  '/vendor/leaflet/LICENSE.txt',
  '/vendor/leaflet/leaflet.css',
  '/vendor/leaflet/leaflet.js',
];

self.addEventListener('install', (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(VERSION);
    // cache: 'no-cache' revalidates with the server: a new VERSION never
    // stores a stale copy, and on the first visit the files the page just
    // downloaded cost only a 304 each instead of a second download.
    await cache.addAll(SHELL.map((url) => new Request(url, { cache: 'no-cache' })));
    await self.skipWaiting();
  })());
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const key of await caches.keys()) if (key !== VERSION) await caches.delete(key);
    await self.clients.claim();
  })());
});

async function warm() {
  const cache = await caches.open(VERSION);
  for (const url of LAZY) {
    if (await cache.match(url)) continue;
    try {
      const res = await fetch(new Request(url, { cache: 'no-cache' }));
      if (res.ok) await cache.put(url, res);
    } catch { /* offline: the next warm-up finishes the job */ }
  }
}

self.addEventListener('message', (event) => {
  if (event.data && event.data.type === 'warm') event.waitUntil(warm());
});

self.addEventListener('fetch', (event) => {
  const req = event.request;
  if (req.method !== 'GET') return;
  const url = new URL(req.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname.startsWith('/api/') || url.pathname.startsWith('/_/')) return;
  event.respondWith((async () => {
    const cache = await caches.open(VERSION);
    // Navigations (any path, the app routes by #hash) get the shell page.
    const key = req.mode === 'navigate' ? '/' : url.pathname;
    const hit = await cache.match(key);
    if (hit) return hit;
    try {
      const res = await fetch(req);
      // A lazy file fetched for the first time is kept for offline use.
      if (res.ok && LAZY.includes(key)) await cache.put(key, res.clone());
      return res;
    } catch {
      return Response.error();
    }
  })());
});
