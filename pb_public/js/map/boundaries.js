// Boundaries of the map (GET /api/geo/boundaries, DESIGN §5), kept in
// IndexedDB (the "meta" store, key geo:<level>:<within>) so that the map and
// the route preview work with no network. Each layer is revalidated with its
// ETag at most once per session while online: an unchanged layer costs a
// 304 of a few hundred bytes, a new import reaches the phone at the next
// visit. Boundaries are the same for every account, so signing out keeps
// them (the replica, which is personal, is dropped).

import { getToken } from '../api.js';
import { getMeta, setMeta } from '../db.js';
import * as store from '../store.js';
import { isParty } from '../session.js';
import { featureAt } from './geometry.js';

const memory = new Map(); // key → { fc, etag }
const checked = new Set(); // keys revalidated during this page's life
const inflight = new Map();

const keyOf = (level, within) => `geo:${level}:${within || ''}`;

/**
 * The layer, from memory, IndexedDB or the server. Resolves to a
 * FeatureCollection (possibly empty: no boundaries imported), or null
 * when it was never fetched and the phone is offline.
 */
export function layer(level, within = '') {
  const key = keyOf(level, within);
  if (memory.has(key) && checked.has(key)) return Promise.resolve(memory.get(key).fc);
  if (!inflight.has(key)) inflight.set(key, load(level, within, key).finally(() => inflight.delete(key)));
  return inflight.get(key);
}

/** The layer only if it is already on the phone (no network). */
export async function cachedLayer(level, within = '') {
  const key = keyOf(level, within);
  if (memory.has(key)) return memory.get(key).fc;
  const row = await getMeta(key);
  if (row && row.fc) memory.set(key, row);
  return row ? row.fc : null;
}

async function load(level, within, key) {
  const row = memory.get(key) || await getMeta(key);
  if (row && row.fc) memory.set(key, row);
  if (!navigator.onLine) return row ? row.fc : null;
  const q = new URLSearchParams({ level });
  if (within) q.set('within', within);
  const headers = { Authorization: getToken() };
  if (row && row.etag) headers['If-None-Match'] = row.etag;
  try {
    // no-store: the browser's HTTP cache would answer 304s for us and
    // hide them; IndexedDB is the cache here.
    const res = await fetch(`/api/geo/boundaries?${q}`, { headers, cache: 'no-store' });
    if (res.status === 304 && row) { checked.add(key); return row.fc; }
    if (!res.ok) return row ? row.fc : null;
    const fc = await res.json();
    const fresh = { fc, etag: res.headers.get('ETag') || '', at: new Date().toISOString() };
    await setMeta(key, fresh);
    memory.set(key, fresh);
    checked.add(key);
    return fc;
  } catch {
    return row ? row.fc : null; // network dropped: what we have
  }
}

/** Code → record of a reference collection (boundaries speak in codes, the replica in ids). */
export function byCode(collection, code) {
  return code ? store.list(collection).find((r) => r.code === code) : undefined;
}

/**
 * What the account's map shows (DESIGN §3 visibility): the unit's coverage,
 * the directorate's département, or the whole country (ministry, parties:
 * a party's events may be anywhere). Returns
 *   { kind, name, layers: [{level, within, role: 'base'|'area'|'detail'}], areaCodes: Set }
 * where areaCodes are the codes of the divisions to highlight (empty: all).
 */
export function areaOf(me) {
  const unit = me && me.unit ? store.get('units', me.unit) : null;
  if (!unit || isParty(me) || me.role === 'ministry') {
    return {
      kind: 'country', name: 'Bénin',
      layers: [{ level: 'departement', within: '', role: 'base' }, { level: 'commune', within: '', role: 'detail' }],
      areaCodes: new Set(),
    };
  }
  const dep = store.get('departements', unit.departement);
  const depCode = dep ? dep.code : '';
  if (unit.kind === 'directorate') {
    return {
      kind: 'departement', name: dep ? dep.name : unit.name,
      layers: [{ level: 'commune', within: depCode, role: 'base' }],
      areaCodes: new Set(depCode ? [depCode] : []),
      areaLevel: 'departement',
    };
  }
  // A commissariat: its département's communes as context, its communes
  // highlighted, and the arrondissements of communes it covers only in part.
  const communes = (unit.communes || []).map((id) => store.get('communes', id)).filter(Boolean);
  const arrs = (unit.arrondissements || []).map((id) => store.get('arrondissements', id)).filter(Boolean);
  const partCommunes = [...new Set(arrs.map((a) => a.commune))].map((id) => store.get('communes', id)).filter(Boolean);
  return {
    kind: 'unit', name: unit.name,
    layers: [
      { level: 'commune', within: depCode, role: 'base' },
      ...partCommunes.map((c) => ({ level: 'arrondissement', within: c.code, role: 'area' })),
    ],
    areaCodes: new Set([...communes.map((c) => c.code), ...arrs.map((a) => a.code)]),
  };
}

/** Fetches (or revalidates) every layer of the account's map: called after a sync. */
export async function prefetch(me) {
  const area = areaOf(me);
  for (const l of area.layers) await layer(l.level, l.within);
  // Organizers place route points offline: they need the communes of the
  // whole country (about 37 KB gzipped once), which the country map uses anyway.
}

/**
 * Places a point offline: the commune containing it (communes of the
 * country), then its arrondissement when that commune's arrondissements are
 * on the phone (fetched now when online). Returns ids of the replica's
 * records, { departement, commune, arrondissement } ('' when unknown), or
 * null outside every commune (outside Benin, or no boundaries).
 */
export async function locate(point) {
  const communes = await layer('commune');
  const cf = featureAt(communes, point);
  if (!cf) return null;
  const commune = byCode('communes', cf.properties.code);
  const dep = byCode('departements', cf.properties.departement);
  let arrondissement = '';
  const arrs = navigator.onLine ? await layer('arrondissement', cf.properties.code) : await cachedLayer('arrondissement', cf.properties.code);
  const af = featureAt(arrs, point);
  if (af) {
    const a = byCode('arrondissements', af.properties.code);
    if (a) arrondissement = a.id;
  }
  return {
    departement: dep ? dep.id : (commune ? commune.departement : ''),
    commune: commune ? commune.id : '',
    arrondissement,
  };
}
