// Pull side of the sync protocol (DESIGN §5) and the triggers that run it:
// realtime "sync" pokes, the browser's `online` event, a 60 s poll while the
// app is visible, and right after our own pushes. The app works without
// realtime: polling alone keeps it correct, realtime only makes it fast.

import { api, ApiError } from './api.js';
import { applyPage, getMeta, setMeta } from './db.js';
import { session, cursorKey, updateUser, refresh as refreshSession } from './session.js';
import * as store from './store.js';
import * as outbox from './outbox.js';
import { status, setStatus, on, emit } from './state.js';
import * as realtime from './realtime.js';

const PAGE = 500;
const POLL_MS = 60000;
const JWKS_MAX_AGE = 6 * 3600 * 1000;

let pulling = null;
let pullAgain = false;

/** Pulls until `more` is false. Concurrent calls share one run (plus one rerun). */
export function pull() {
  if (pulling) { pullAgain = true; return pulling; }
  pulling = (async () => {
    do {
      pullAgain = false;
      await pullAll();
    } while (pullAgain);
  })().finally(() => { pulling = null; });
  return pulling;
}

async function pullAll() {
  if (!session.user || !session.token) return;
  if (!navigator.onLine) { setStatus({ online: false }); return; }
  const user = session.user.id;
  const key = cursorKey(user);
  setStatus({ syncing: true });
  const changed = new Set();
  try {
    let cursor = (await getMeta(key)) || '';
    for (let page = 0; page < 1000; page++) {
      // X-Device lets the server show each phone's sync lag to supervisors.
      const res = await api(`/api/sync/pull?cursor=${encodeURIComponent(cursor)}&limit=${PAGE}`, { headers: { 'X-Device': await outbox.device() } });
      if (!session.user || session.user.id !== user) return; // signed out meanwhile
      const changes = res.changes || [];
      // reset: the server starts again from scratch in this very response
      // (its changes begin at seq 0), so we drop the replica — never the
      // outbox — and apply them in the same transaction.
      await applyPage({ reset: !!res.reset, changes, cursor: res.cursor || '', cursorKey: key });
      // what the server's replica holds now, and whether it was restored
      await outbox.durable(res);
      if (res.reset) changed.add('*');
      for (const c of changes) changed.add(c.collection);
      const me = changes.find((c) => c.collection === 'users' && c.id === user && c.record);
      if (me) await updateUser(me.record);
      cursor = res.cursor || '';
      if (!res.more) break;
    }
    setStatus({ lastPullAt: new Date().toISOString(), lastError: null, online: true });
  } catch (err) {
    setStatus({ lastError: err instanceof ApiError ? err.code : 'offline' });
    if (err instanceof ApiError && err.status === 0) setStatus({ online: false });
  } finally {
    setStatus({ syncing: false });
    if (changed.size) {
      await store.refresh(changed.has('*') ? undefined : [...changed].filter((c) => store.collection(c)));
      emit('pulled', [...changed]);
    }
  }
}

/** Push then pull: our own changes go first so the pull brings them back. */
export async function syncNow() {
  await outbox.flush();
  await pull();
  refreshKeys();
  if (isPoliceUser()) refreshRevocations();
}

function isPoliceUser() {
  const u = session.user;
  return !!u && ['officer', 'commander', 'director', 'ministry'].includes(u.role);
}

/** Cached receipt-signing keys (public), for offline verification. */
export async function refreshKeys(force = false) {
  const cached = await getMeta('jwks');
  if (!force && cached && Date.now() - cached.fetched_at < JWKS_MAX_AGE) return cached.keys;
  try {
    const jwks = await api('/api/receipts/jwks', { auth: false });
    if (jwks && Array.isArray(jwks.keys)) {
      await setMeta('jwks', { keys: jwks.keys, fetched_at: Date.now() });
      return jwks.keys;
    }
  } catch { /* offline: keep the cached keys */ }
  return cached ? cached.keys : [];
}

/**
 * Revocation list of the receipts this user may see (its party's, or its
 * sector's), kept apart from the replica so that a receipt revoked after it
 * left the replica is still refused offline. Other sectors' revocations are
 * the server's to tell (the verify view asks it when online).
 */
export async function refreshRevocations() {
  try {
    const list = await api('/api/receipts/revoked');
    if (list && Array.isArray(list.revoked)) await setMeta('revoked', { revoked: list.revoked, fetched_at: Date.now() });
  } catch { /* offline or not available: the synced receipts still count */ }
}

let pollTimer = null;
let started = false;
const unsubs = [];

/** Starts the background sync for the signed-in user. */
export function start() {
  if (started) return;
  started = true;
  const onOnline = () => { setStatus({ online: true }); realtime.connect(); refreshSession(); syncNow(); };
  const onOffline = () => { setStatus({ online: false }); realtime.disconnect(); };
  const onVisible = () => { if (document.visibilityState === 'visible') syncNow(); };
  window.addEventListener('online', onOnline);
  window.addEventListener('offline', onOffline);
  document.addEventListener('visibilitychange', onVisible);
  unsubs.push(() => window.removeEventListener('online', onOnline));
  unsubs.push(() => window.removeEventListener('offline', onOffline));
  unsubs.push(() => document.removeEventListener('visibilitychange', onVisible));
  // Our own successful pushes changed the server: fetch the server-set
  // fields (lead unit, flags, assignments) at once.
  unsubs.push(on('pushed', () => pull()));
  unsubs.push(on('poke', () => pull()));
  pollTimer = setInterval(() => {
    if (document.visibilityState === 'visible') syncNow();
  }, POLL_MS);
  setStatus({ online: navigator.onLine });
  if (navigator.onLine) { realtime.connect(); refreshSession(); }
  syncNow();
}

export function stop() {
  started = false;
  clearInterval(pollTimer);
  while (unsubs.length) unsubs.pop()();
  realtime.disconnect();
}

export { status };
