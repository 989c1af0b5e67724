// The outbox: every write the user makes is first stored here (IndexedDB,
// per user), shown at once through the store overlay, and sent when the
// network allows. Nothing is ever dropped silently: an entry leaves the outbox
// only when the server applied it or the user chose to abandon it.
//
// Durability (DESIGN §5 `durable`): a write the server applied is kept
// (meta `kept:<user>`, out of sight) until an answer of the same epoch says
// the server's replica holds it (durable_seq at or above the written_seq of
// the answer that applied it: a push's `written_seq`, a REST write's
// X-Coprosec-Written-Seq header). An answer of another epoch means the
// server was restored: what was kept goes again, in its order, before the
// outbox — a restored server that still has a pushed mutation answers its
// stored result, one that lost it applies it again; a REST write found
// already there counts as applied.
//
// Transports:
//  - "push": POST /api/sync/push, for itineraries and events (and incidents
//    without photos). Consecutive push entries travel in one request.
//  - "rest": PocketBase's REST API, for what push does not carry: assignment
//    decisions (assignments are not client-writable through push) and
//    incidents with photos (multipart upload). Kept until durable too.

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
    // a REST update's target by its fields (assignments: event, unit and
    // role), for a restored server that recreated it under another id
    match: m.match || null,
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

// A REST write kept from before a restore whose record the restored server
// lacks (an assignment of an event another phone has not sent again yet)
// is tried again at each flush, at most this many times, then shown in the
// outbox to correct.
const MISSING_TRIES = 20;

/**
 * Keeps a write applied over REST until it is durable. Without a position
 * in the answer (its answer was lost, or a proxy dropped the headers) the
 * server's head now bounds it: an empty push answers it.
 */
async function keepRest(e, position) {
  const pos = position || (await currentPosition()) || { epoch: '', written_seq: Number.MAX_SAFE_INTEGER };
  const k = { m: toMutation(e), transport: 'rest', files: e.files || null, match: e.match || null, epoch: pos.epoch, written_seq: pos.written_seq };
  await withKept((list) => list.concat([k]));
}

/** The server's epoch and log head now (an empty push), or null offline. */
async function currentPosition() {
  try {
    const res = await api('/api/sync/push', { method: 'POST', body: { device: await device(), mutations: [] } });
    return res && res.epoch ? { epoch: res.epoch, written_seq: res.written_seq || 0 } : null;
  } catch {
    return null;
  }
}

/** Sends again, before the outbox and in their order, what a restored server may lack. */
async function resendKept() {
  const user = session.user.id;
  const todo = ((await getMeta(keptKey(user))) || []).filter((k) => k.again);
  for (let i = 0; i < todo.length;) {
    if (todo[i].transport === 'rest') {
      if (!(await resendRest(todo[i], user))) return false;
      i++;
      continue;
    }
    let j = i + 1;
    while (j < todo.length && j - i < PUSH_BATCH && todo[j].transport !== 'rest') j++;
    if (!(await resendPush(todo.slice(i, j), user))) return false;
    i = j;
  }
  return true;
}

async function resendPush(batch, user) {
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
    refused.push({ k, status: r.status, error: r.error, record: r.record });
    return false;
  }));
  await reoffer(user, refused);
  await durable(res);
  return true;
}

async function resendRest(k, user) {
  const e = { collection: k.m.collection, op: k.m.op, record_id: k.m.record_id, data: k.m.data || {}, files: k.files, match: k.match };
  let out;
  try {
    out = await replayRest(e);
  } catch (err) {
    setStatus({ lastError: err.code || 'offline' });
    return false;
  }
  if (!session.user || session.user.id !== user) return false;
  const pos = out.applied ? out.position || (await currentPosition()) : null;
  if (out.applied && !pos) return false; // offline meanwhile: tried again later
  let refused = null;
  await withKept((list) => list.filter((x) => {
    if (x.m.id !== k.m.id || !x.again) return true;
    if (out.applied) {
      Object.assign(x, { again: false, epoch: pos.epoch, written_seq: pos.written_seq, tries: 0 });
      x.m.record_id = out.record_id;
      return true;
    }
    x.tries = (x.tries || 0) + 1;
    if (out.missing && x.tries < MISSING_TRIES) return true;
    refused = { k: x, status: 'rejected', error: out.error, record: null };
    return false;
  }));
  if (refused) await reoffer(user, [refused]);
  return true;
}

/**
 * Sends a kept REST write to a restored server. Resolves { applied,
 * position, record_id } when the server has it now (sent again, or found
 * already there), { missing, error } when its record is not there (yet),
 * { error } when refused; throws when it could not be sent.
 */
async function replayRest(e) {
  try {
    const { position } = await restCall(e);
    return { applied: true, position, record_id: e.record_id };
  } catch (err) {
    if (!(err instanceof ApiError) || err.retryable || err.status === 401) throw err;
    if (await alreadyApplied(e)) return { applied: true, position: null, record_id: e.record_id };
    const error = { code: err.code, message: err.message, fields: err.fields };
    if (err.status !== 404 || e.op !== 'update') return { error };
    // the restored server recreated the record under another id (an
    // event sent again by its organizer's phone gets new assignments)
    const twin = e.match && (await findMatch(e.collection, e.match));
    if (twin && twin.id !== e.record_id) return replayRest({ ...e, record_id: twin.id, match: null });
    return { missing: true, error };
  }
}

/** The record of a collection whose fields equal match, or null. */
async function findMatch(collection, match) {
  const filter = Object.entries(match).map(([k, v]) => `${k}=${JSON.stringify(String(v))}`).join(' && ');
  try {
    const res = await api(`/api/collections/${collection}/records?perPage=1&skipTotal=1&filter=${encodeURIComponent(filter)}`);
    return (res && res.items && res.items[0]) || null;
  } catch {
    return null;
  }
}

/** Shows in the outbox, to correct, what a restored server refused. */
async function reoffer(user, refused) {
  if (!refused.length) return;
  await transaction(['outbox'], 'readwrite', (s) => {
    for (const { k, status, error, record } of refused) {
      s.outbox.add({
        id: k.m.id, user, collection: k.m.collection, op: k.m.op, record_id: k.m.record_id, base_version: k.m.base_version,
        data: k.m.data || {}, files: k.files || null, transport: k.transport || 'push', match: k.match || null,
        label: 'Renvoyé après une restauration du serveur', status: status === 'conflict' ? 'conflict' : 'rejected',
        error: error || { code: status, message: '' }, server_record: record || null, attempts: 1, created_at: new Date().toISOString(),
      });
    }
  });
  await store.refreshOutbox();
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
    const { record, position } = await restCall(e);
    await settle(e, { status: 'applied', record });
    await keepRest(e, position);
    return 'ok';
  } catch (err) {
    if (!(err instanceof ApiError) || err.retryable || err.status === 401) {
      setStatus({ lastError: err.code || 'offline' });
      return 'stop';
    }
    // A retry after a lost answer finds the work already done: an incident
    // whose id exists, or an assignment already in the wanted state.
    const already = await alreadyApplied(e);
    if (already) {
      await settle(e, { status: 'applied', record: already });
      await keepRest(e, null);
    } else {
      await settle(e, { status: 'rejected', error: { code: err.code, message: err.message, fields: err.fields } });
    }
    return 'ok';
  } finally {
    inFlight.delete(e.id);
  }
}

/** Sends a REST write: the record answered and the write's log position (or null). */
async function restCall(e) {
  const base = `/api/collections/${e.collection}/records`;
  let position = null;
  const onHeaders = (h) => { position = positionOf(h); };
  let record;
  if (e.op === 'create') {
    const form = new FormData();
    // PocketBase reads non-file fields of a multipart body from @jsonPayload,
    // which keeps numbers, booleans and {lat,lon} typed.
    form.append('@jsonPayload', JSON.stringify({ ...e.data, id: e.record_id }));
    for (const f of e.files || []) form.append('photos', f.blob, f.name);
    record = await api(base, { method: 'POST', form, timeout: 120000, onHeaders });
  } else if (e.op === 'update') {
    record = await api(`${base}/${e.record_id}`, { method: 'PATCH', body: e.data, onHeaders });
  } else {
    record = await api(`${base}/${e.record_id}`, { method: 'DELETE', onHeaders });
  }
  return { record, position };
}

/** The position a REST write answers in its headers (DESIGN §5). */
function positionOf(headers) {
  const epoch = headers.get('X-Coprosec-Epoch');
  const seq = Number(headers.get('X-Coprosec-Written-Seq'));
  return epoch && Number.isSafeInteger(seq) ? { epoch, written_seq: seq } : null;
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
