// IndexedDB: the local replica (one object store per synced collection, keyed
// by record id), the outbox of pending writes and a small key/value "meta"
// store (session, sync cursor, device id, receipt keys).
//
// The outbox is kept apart from the replica on purpose: a sync reset or a
// logout drops the replica, never the outbox, so nothing typed offline is lost.

export const COLLECTIONS = [
  'departements', 'communes', 'arrondissements', 'units', 'parties', 'elections',
  'users', 'itineraries', 'events', 'assignments', 'incidents', 'receipts',
];

const DB_NAME = 'coprosec';
const DB_VERSION = 1;
let dbPromise = null;

function open() {
  if (dbPromise) return dbPromise;
  dbPromise = new Promise((resolve, reject) => {
    const req = indexedDB.open(DB_NAME, DB_VERSION);
    req.onupgradeneeded = () => {
      const db = req.result;
      for (const name of COLLECTIONS) {
        if (!db.objectStoreNames.contains(name)) db.createObjectStore(name, { keyPath: 'id' });
      }
      if (!db.objectStoreNames.contains('outbox')) {
        // Auto-increment key = queue order: mutations must reach the server
        // in the order they were made (create before update, event before
        // the incident that points to it).
        const outbox = db.createObjectStore('outbox', { keyPath: 'seq', autoIncrement: true });
        outbox.createIndex('user', 'user');
        outbox.createIndex('id', 'id', { unique: true });
      }
      if (!db.objectStoreNames.contains('meta')) db.createObjectStore('meta', { keyPath: 'key' });
    };
    req.onsuccess = () => {
      const db = req.result;
      // Another tab upgrading the schema: close so it is not blocked.
      db.onversionchange = () => db.close();
      resolve(db);
    };
    req.onerror = () => reject(req.error);
    req.onblocked = () => reject(new Error('IndexedDB bloquée par un autre onglet'));
  });
  return dbPromise;
}

function done(tx) {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onabort = () => reject(tx.error || new Error('transaction annulée'));
    tx.onerror = () => reject(tx.error);
  });
}

function request(req) {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

/**
 * Runs fn(stores) in one transaction over the named stores and resolves with
 * fn's result once the transaction has committed: callers never see data as
 * saved before it really is.
 */
export async function transaction(names, mode, fn) {
  const db = await open();
  const tx = db.transaction(names, mode);
  // Listen before running fn: a transaction with no request left commits
  // on its own, possibly before fn's promise settles.
  const committed = done(tx);
  const stores = {};
  for (const n of names) stores[n] = tx.objectStore(n);
  let result;
  try {
    result = await fn(stores, tx);
  } catch (err) {
    try { tx.abort(); } catch { /* already finished */ }
    committed.catch(() => {});
    throw err;
  }
  await committed;
  return result;
}

export const get = (store, key) => transaction([store], 'readonly', (s) => request(s[store].get(key)));
export const getAll = (store) => transaction([store], 'readonly', (s) => request(s[store].getAll()));
export const put = (store, value) => transaction([store], 'readwrite', (s) => request(s[store].put(value)));
export const del = (store, key) => transaction([store], 'readwrite', (s) => request(s[store].delete(key)));
export { request };

export async function getMeta(key) {
  const row = await get('meta', key);
  return row ? row.value : undefined;
}

export function setMeta(key, value) {
  return put('meta', { key, value });
}

export function delMeta(key) {
  return del('meta', key);
}

/**
 * Applies one pull page atomically: optional replica wipe (reset), the
 * changes, and the new cursor. If the tab dies half-way, neither the records
 * nor the cursor move, so the page is simply pulled again.
 *
 * A record pulled replaces ours whatever its version: a change the server
 * makes to an event's exact clash links (police accounts only) keeps its
 * version, since it is no edit of the party's record, so never skip a
 * record whose version is not newer than ours.
 */
export function applyPage({ reset, changes, cursor, cursorKey }) {
  return transaction([...COLLECTIONS, 'meta'], 'readwrite', (s) => {
    if (reset) for (const c of COLLECTIONS) s[c].clear();
    for (const ch of changes) {
      const store = s[ch.collection];
      if (!store) continue; // a collection this version of the app does not know
      if (ch.op === 'remove') store.delete(ch.id);
      else if (ch.record) store.put(ch.record);
    }
    s.meta.put({ key: cursorKey, value: cursor });
  });
}

/** Drops the replica and the cursor; the outbox is left untouched. */
export function clearReplica(cursorKey) {
  return transaction([...COLLECTIONS, 'meta'], 'readwrite', (s) => {
    for (const c of COLLECTIONS) s[c].clear();
    s.meta.delete(cursorKey);
  });
}
