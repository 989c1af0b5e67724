// In-memory view of the replica with the outbox laid over it. The data a phone
// holds is small (77 communes, 546 arrondissements, a few hundred units and
// events), so we keep it all in memory and answer views synchronously; the
// copy is refreshed from IndexedDB after each pull page or outbox change.
//
// Overlay rules: a pending change shows as if applied (the user sees what
// they did, offline); a rejected create still shows, flagged, so it can be
// corrected; a rejected or conflicting update does not apply but is attached
// to the record as a notice with the server's reason.

import { COLLECTIONS, getAll, transaction, request } from './db.js';
import { session } from './session.js';
import { emit } from './state.js';

const data = Object.fromEntries(COLLECTIONS.map((c) => [c, new Map()]));
let outbox = [];
let overlaid = {};

export async function refresh(names = COLLECTIONS) {
  const rows = await transaction(names, 'readonly', (s) => Promise.all(names.map((n) => request(s[n].getAll()))));
  names.forEach((n, i) => { data[n] = new Map(rows[i].map((r) => [r.id, r])); });
  overlaid = {};
  emit('data', { collections: names });
}

export async function refreshOutbox() {
  const user = session.user && session.user.id;
  const rows = user ? await getAll('outbox') : [];
  outbox = rows.filter((e) => e.user === user).sort((a, b) => a.seq - b.seq);
  overlaid = {};
  emit('data', { outbox: true });
}

export function outboxEntries() {
  return outbox;
}

/** The collection as the user should see it (replica + own changes). */
export function collection(name) {
  if (!overlaid[name]) overlaid[name] = overlay(name);
  return overlaid[name];
}

function overlay(name) {
  const entries = outbox.filter((e) => e.collection === name);
  if (!entries.length) return data[name];
  const m = new Map(data[name]);
  for (const e of entries) {
    const cur = m.get(e.record_id);
    const notice = { status: e.status, entry: e };
    const locals = [...((cur && cur._local) || []), notice];
    if (e.op === 'create') {
      if (cur && !cur._local) { m.set(e.record_id, { ...cur, _local: locals }); continue; }
      m.set(e.record_id, { ...(cur || {}), ...e.data, id: e.record_id, _local: locals, _unsynced: true });
    } else if (e.op === 'update') {
      if (!cur) continue;
      m.set(e.record_id, e.status === 'pending' ? { ...cur, ...e.data, _local: locals } : { ...cur, _local: locals });
    } else if (e.op === 'delete' && e.status === 'pending') {
      m.delete(e.record_id);
    }
  }
  return m;
}

export const list = (name) => [...collection(name).values()];
export const get = (name, id) => (id ? collection(name).get(id) : undefined);
/** The server's copy, without local changes (for base versions and diffs). */
export const serverCopy = (name, id) => data[name].get(id);

/** Display name of a reference record. */
export function nameOf(name, id) {
  const r = get(name, id);
  if (!r) return '';
  return r.name || r.acronym || r.title || r.number || r.code || r.id;
}

export function me() {
  const u = session.user;
  if (!u) return null;
  const synced = data.users.get(u.id);
  return synced ? { ...u, ...synced } : u;
}

export function eventsSorted() {
  return list('events').sort((a, b) => String(a.starts_at).localeCompare(String(b.starts_at)));
}

export function assignmentsOf(eventId) {
  const order = { lead: 0, support: 1, oversight: 2 };
  return list('assignments').filter((a) => a.event === eventId).sort((a, b) => order[a.role] - order[b.role]);
}

export function receiptOf(eventId) {
  const rs = list('receipts').filter((r) => r.event === eventId);
  rs.sort((a, b) => String(b.issued_at).localeCompare(String(a.issued_at)));
  return rs.find((r) => !r.revoked_at) || rs[0];
}

export function incidentsOf(eventId) {
  return list('incidents').filter((i) => i.event === eventId);
}

export function receiptByNumber(number) {
  return list('receipts').find((r) => r.number === number);
}

/** Communes grouped by département, for <select> optgroups. */
export function communeGroups() {
  const deps = list('departements').sort((a, b) => a.name.localeCompare(b.name, 'fr'));
  const communes = list('communes');
  return deps.map((d) => ({
    group: d.name,
    options: communes.filter((c) => c.departement === d.id)
      .sort((a, b) => a.name.localeCompare(b.name, 'fr'))
      .map((c) => ({ value: c.id, label: c.name })),
  })).filter((g) => g.options.length);
}

export function arrondissementsOf(communeId) {
  return list('arrondissements').filter((a) => a.commune === communeId)
    .sort((a, b) => a.name.localeCompare(b.name, 'fr'));
}

export function communeByCode(code) {
  return list('communes').find((c) => c.code === code);
}

/** Active elections the party is admitted to, newest campaign first. */
export function electionsFor(partyId) {
  return list('elections')
    .filter((e) => e.active && (!e.parties || !e.parties.length || e.parties.includes(partyId)))
    .sort((a, b) => String(b.campaign_start).localeCompare(String(a.campaign_start)));
}

export function itinerariesOf(partyId) {
  return list('itineraries').filter((i) => i.party === partyId)
    .sort((a, b) => String(a.title).localeCompare(String(b.title), 'fr'));
}

export function counts() {
  const pending = outbox.filter((e) => e.status === 'pending').length;
  const failed = outbox.filter((e) => e.status !== 'pending').length;
  return { pending, failed };
}
