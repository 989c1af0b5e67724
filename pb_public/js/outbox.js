// The outbox: every write the user makes is first stored here (IndexedDB,
// per user), shown at once through the store overlay, and sent when the
// network allows. Nothing is ever dropped silently: an entry leaves the outbox
// only when the server applied it or the user chose to abandon it.
//
// Durability (DESIGN §5 `durable`): a mutation the server applied through
// push is kept (meta `kept:<user>`, out of sight) until an answer of the
// same epoch says the server's replica holds it (durable_seq at or above
// the push's written_seq). An answer of another epoch means the server was
// restored: what was kept goes again, with the same mutation ids, before
// the outbox — a restored server that still has a mutation answers its
// stored result; one that lost it applies it again.
//
// Transports:
//  - "push": POST /api/sync/push, for itineraries and events (and incidents
//    without photos). Consecutive push entries travel in one request.
//  - "rest": PocketBase's REST API, for what push does not carry: assignment
//    decisions (assignments are not client-writable through push) and
//    incidents with photos (multipart upload).

import { api, ApiError } from './api.js';
import { transaction, request, getMeta, setMeta } from './db.js';
import { uuid } from './ids.js';
import { session } from './session.js';
import * as store from './store.js';
import { setStatus, emit } from './state.js';

// A push request carries at most PUSH_BATCH mutations and PUSH_BYTES of
// JSON: the server takes 500 and 4 MiB (DESIGN §5 push limits, README), but
// on 2G a smaller request finishes before the connection drops. Caravan
// routes make a mutation up to ~64 KB, so the byte cap is what splits them.
const PUSH_BATCH = 100;
const PUSH_BYTES = 512 * 1024;
const inFlight = new Set(); // mutation ids being sent right now

let deviceId = null;
export async function device() {
  if (!deviceId) {
    deviceId = await getMeta('device');
    if (!deviceId) {
      deviceId = uuid();
      await setMeta('device', deviceId);
    }
  }
  return deviceId;
}

/**
 * Queues a write. `m`: { collection, op, record_id, base_version?, data,
 * files?, transport?, label }. Pending updates of the same record that were
 * never sent are merged into one (fewer bytes on 2G); an update supersedes
 * earlier rejected or conflicting updates of the same record.
 */
export async function enqueue(m) {
  const user = session.user.id;
  const entry = {
    id: uuid(),
    user,
    collection: m.collection,
    op: m.op,
    record_id: m.record_id,
    base_version: m.base_version,
    data: m.data || {},
    files: m.files || null,
    transport: m.transport || 'push',
    label: m.label || '',
    status: 'pending',
    error: null,
    server_record: null,
    attempts: 0,
    created_at: new Date().toISOString(),
  };
  await transaction(['outbox'], 'readwrite', async (s) => {
    const mine = (await request(s.outbox.index('user').getAll(user))).sort((a, b) => a.seq - b.seq);
    const same = mine.filter((e) => e.collection === m.collection && e.record_id === m.record_id);
    if (m.op === 'update') {
      for (const e of same) {
        if (e.op === 'update' && e.status !== 'pending') s.outbox.delete(e.seq);
      }
      const target = [...same].reverse().find((e) => e.status === 'pending' && e.attempts === 0 &&
        !inFlight.has(e.id) && (e.op === 'create' || e.op === 'update') && e.transport === entry.transport);
      if (target) {
        target.data = { ...target.data, ...entry.data };
        if (entry.label && target.op === 'update') target.label = entry.label;
        s.outbox.put(target);
        return;
      }
    }
    s.outbox.add(entry);
  });
  await store.refreshOutbox();
  emit('render', { force: true }); // user action: show it even over a touched form
  flushSoon();
  return entry;
}

/** Replaces a rejected or conflicting entry's data and queues it again. */
export async function resubmit(entry, data, { rebase = false } = {}) {
  await transaction(['outbox'], 'readwrite', async (s) => {
    const e = await request(s.outbox.get(entry.seq));
    if (!e) return;
    // A new mutation id: the server remembers the first answer for an id.
    e.id = uuid();
    if (data) e.data = data;
    if (rebase && e.server_record) e.base_version = e.server_record.version;
    e.status = 'pending';
    e.error = null;
    e.attempts = 0;
    s.outbox.put(e);
  });
  await store.refreshOutbox();
  emit('render', { force: true });
  flushSoon();
}

export async function discard(entry) {
  await transaction(['outbox'], 'readwrite', (s) => { s.outbox.delete(entry.seq); });
  await store.refreshOutbox();
  emit('render', { force: true });
}

// --- sending -------------------------------------------------------------

let flushing = null;
let again = false;
let retryTimer = null;
let backoff = 0;
let soonTimer = null;

/** Flush in a moment, so that several quick edits go in one request. */
export function flushSoon(delay = 300) {
  clearTimeout(soonTimer);
  soonTimer = setTimeout(() => { flush(); }, delay);
}

/** Sends pending entries in order. Resolves true when the outbox drained. */
export function flush() {
  if (flushing) { again = true; return flushing; }
  flushing = (async () => {
    let ok;
    do {
      again = false;
      ok = await runOnce();
    } while (again && ok);
    return ok;
  })().finally(() => { flushing = null; });
  return flushing;
}

async function runOnce() {
  if (!session.user || !session.token) return false;
  // Known offline: do not even try (and do not count attempts); the
  // `online` event flushes again. navigator.onLine may claim a link that
  // does not work, so "true" still means "try".
  if (!navigator.onLine) return false;
  // kept mutations a restored server may lack are older than the outbox's
  if (!(await resendKept())) { scheduleRetry(); return false; }
  const user = session.user.id;
  const entries = (await transaction(['outbox'], 'readonly', (s) => request(s.outbox.index('user').getAll(user))))
    .filter((e) => e.status === 'pending').sort((a, b) => a.seq - b.seq);
  if (!entries.length) return true;
  let touched = false;
  let stopped = false;
  for (let i = 0; i < entries.length && !stopped;) {
    const e = entries[i];
    let n = 1;
    let outcome;
    if (e.transport === 'push') {
      const batch = [e];
      let bytes = JSON.stringify(toMutation(e)).length;
      while (batch.length < PUSH_BATCH && i + batch.length < entries.length &&
        entries[i + batch.length].transport === 'push') {
        const next = entries[i + batch.length];
        bytes += JSON.stringify(toMutation(next)).length + 1;
        if (bytes > PUSH_BYTES) break;
        batch.push(next);
      }
      n = batch.length;
      outcome = await sendPush(batch);
    } else {
      outcome = await sendRest(e);
    }
    touched = true;
    if (outcome === 'stop') stopped = true;
    i += n;
  }
  if (touched) {
    await store.refreshOutbox();
    emit('pushed');
  }
  if (stopped) scheduleRetry();
  else backoff = 0;
  return !stopped;
}

function scheduleRetry() {
  clearTimeout(retryTimer);
  backoff = Math.min(backoff ? backoff * 2 : 15000, 5 * 60000);
  retryTimer = setTimeout(() => { if (navigator.onLine) flush(); }, backoff);
}

function toMutation(e) {
  const m = { id: e.id, collection: e.collection, op: e.op, record_id: e.record_id, data: e.data };
  if (e.op === 'update' && Number.isInteger(e.base_version)) m.base_version = e.base_version;
  return m;
}

async function sendPush(batch) {
  batch.forEach((e) => inFlight.add(e.id));
  let res;
  try {
    await bumpAttempts(batch);
    res = await api('/api/sync/push', { method: 'POST', body: { device: await device(), mutations: batch.map(toMutation) } });
  } catch (err) {
    batch.forEach((e) => inFlight.delete(e.id));
    if (!(err instanceof ApiError) || err.retryable || err.status === 401) {
      setStatus({ lastError: err.code || 'offline' });
      return 'stop';
    }
    // The whole request was refused (malformed): isolate the culprit by
    // sending one by one, so one bad entry never blocks the others.
    if (batch.length > 1) {
      for (const e of batch) if ((await sendPush([e])) === 'stop') return 'stop';
      return 'ok';
    }
    await settle(batch[0], { status: 'rejected', error: { code: err.code, message: err.message, fields: err.fields } });
    return 'ok';
  }
  batch.forEach((e) => inFlight.delete(e.id));
  const byId = new Map((res.results || []).map((r) => [r.id, r]));
  const applied = batch.filter((e) => { const r = byId.get(e.id); return r && r.status === 'applied'; });
  if (applied.length) await keep(applied.map(toMutation), res);
  for (const e of batch) {
    const r = byId.get(e.id);
    if (!r) continue; // not answered: stays pending, sent again next time
    await settle(e, r);
  }
  await durable(res);
  return 'ok';
}

// --- durability ------------------------------------------------------------

const keptKey = (user) => `kept:${user}`;
let keptChain = Promise.resolve();

/** Runs fn over the kept list of the signed-in user, one change at a time. */
function withKept(fn) {
  const user = session.user && session.user.id;
  if (!user) return Promise.resolve();
  const run = keptChain.then(async () => {
    const list = (await getMeta(keptKey(user))) || [];
    const out = await fn(list);
    if (out) await setMeta(keptKey(user), out);
  });
  keptChain = run.catch(() => {});
  return run;
}

/** Mutations the server applied but has not said are replicated. */
export async function keptCount() {
  const user = session.user && session.user.id;
  return user ? ((await getMeta(keptKey(user))) || []).length : 0;
}

async function keep(mutations, res) {
  // no epoch (the server could not read its log): kept with none, so the
  // next answer's epoch differs and they go again
  await withKept((list) => list.concat(mutations.map((m) => ({ m, epoch: res.epoch || '', written_seq: res.written_seq || 0 }))));
}

/**
 * Reads an answer's durability: drops what the replica holds, and marks for
 * sending again what was kept from another epoch (a restored server).
 */
export async function durable(res) {
  if (!res || !res.epoch) return;
  let again = false;
  await withKept((list) => {
    const out = [];
    for (const k of list) {
      if (k.epoch !== res.epoch) { k.again = true; again = true; out.push(k); } else if (k.again || k.written_seq > res.durable_seq) out.push(k);
    }
    return out;
  });
  if (again) flushSoon();
}

/** Sends again, before the outbox, what a restored server may lack. */
async function resendKept() {
  const user = session.user.id;
  const todo = ((await getMeta(keptKey(user))) || []).filter((k) => k.again);
  for (let i = 0; i < todo.length; i += PUSH_BATCH) {
    const batch = todo.slice(i, i + PUSH_BATCH);
    let res;
    try {
      res = await api('/api/sync/push', { method: 'POST', body: { device: await device(), mutations: batch.map((k) => k.m) } });
    } catch (err) {
      setStatus({ lastError: err.code || 'offline' });
      return false;
    }
    if (!session.user || session.user.id !== user) return false;
    const byId = new Map((res.results || []).map((r) => [r.id, r]));
    const refused = [];
    await withKept((list) => list.filter((k) => {
      const r = byId.get(k.m.id);
      if (!k.again || !r) return true;
      if (r.status === 'applied') { k.again = false; k.epoch = res.epoch || ''; k.written_seq = res.written_seq || 0; return true; }
      if (r.status === 'rejected' && r.error && r.error.code === 'internal_error') return true; // transient
      refused.push({ k, r });
      return false;
    }));
    // refused by the restored server (a conflict, a rule): shown in the outbox to correct
    if (refused.length) {
      await transaction(['outbox'], 'readwrite', (s) => {
        for (const { k, r } of refused) {
          s.outbox.add({
            id: k.m.id, user, collection: k.m.collection, op: k.m.op, record_id: k.m.record_id, base_version: k.m.base_version,
            data: k.m.data || {}, files: null, transport: 'push', label: 'Renvoyé après une restauration du serveur',
            status: r.status === 'conflict' ? 'conflict' : 'rejected', error: r.error || { code: r.status, message: '' },
            server_record: r.record || null, attempts: 1, created_at: new Date().toISOString(),
          });
        }
      });
    }
    await durable(res);
  }
  return true;
}

/** Records a server answer: applied → out of the outbox, else kept with the reason. */
async function settle(entry, result) {
  const rec = result.record;
  const collections = rec ? ['outbox', entry.collection] : ['outbox'];
  await transaction(collections, 'readwrite', async (s) => {
    if (rec && s[entry.collection]) s[entry.collection].put(rec);
    const cur = await request(s.outbox.get(entry.seq));
    if (!cur || cur.id !== entry.id) return; // resubmitted meanwhile
    // A create whose first answer was lost and that was sent again under a
    // new mutation id finds its record already there: that is a success.
    const dup = entry.op === 'create' && result.status === 'rejected' && result.error && result.error.code === 'already_exists';
    if (result.status === 'applied' || dup) {
      s.outbox.delete(entry.seq);
    } else {
      cur.status = result.status === 'conflict' ? 'conflict' : 'rejected';
      cur.error = result.error || { code: result.status, message: '' };
      cur.server_record = rec || null;
      s.outbox.put(cur);
    }
  });
  if (rec) await store.refresh([entry.collection]);
}

async function bumpAttempts(entries) {
  await transaction(['outbox'], 'readwrite', async (s) => {
    for (const e of entries) {
      const cur = await request(s.outbox.get(e.seq));
      if (cur && cur.id === e.id) { cur.attempts = (cur.attempts || 0) + 1; s.outbox.put(cur); }
    }
  });
}

async function sendRest(e) {
  inFlight.add(e.id);
  try {
    await bumpAttempts([e]);
    const record = await restCall(e);
    await settle(e, { status: 'applied', record });
    return 'ok';
  } catch (err) {
    if (!(err instanceof ApiError) || err.retryable || err.status === 401) {
      setStatus({ lastError: err.code || 'offline' });
      return 'stop';
    }
    // A retry after a lost answer finds the work already done: an incident
    // whose id exists, or an assignment already in the wanted state.
    const already = await alreadyApplied(e);
    if (already) await settle(e, { status: 'applied', record: already });
    else await settle(e, { status: 'rejected', error: { code: err.code, message: err.message, fields: err.fields } });
    return 'ok';
  } finally {
    inFlight.delete(e.id);
  }
}

function restCall(e) {
  const base = `/api/collections/${e.collection}/records`;
  if (e.op === 'create') {
    const form = new FormData();
    // PocketBase reads non-file fields of a multipart body from @jsonPayload,
    // which keeps numbers, booleans and {lat,lon} typed.
    form.append('@jsonPayload', JSON.stringify({ ...e.data, id: e.record_id }));
    for (const f of e.files || []) form.append('photos', f.blob, f.name);
    return api(base, { method: 'POST', form, timeout: 120000 });
  }
  if (e.op === 'update') return api(`${base}/${e.record_id}`, { method: 'PATCH', body: e.data });
  return api(`${base}/${e.record_id}`, { method: 'DELETE' });
}

async function alreadyApplied(e) {
  if (e.op === 'delete') return null;
  try {
    const rec = await api(`/api/collections/${e.collection}/records/${e.record_id}`);
    if (e.op === 'create') return rec;
    const same = Object.entries(e.data).every(([k, v]) => JSON.stringify(rec[k]) === JSON.stringify(v));
    return same ? rec : null;
  } catch {
    return null;
  }
}

export function isInFlight(entry) {
  return inFlight.has(entry.id);
}
