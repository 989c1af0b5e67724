// Signed-in session. The token is kept in IndexedDB so that the app opens
// signed in with no network (a field phone may start the day offline); the
// server's 30-day sessions make that safe to rely on for a campaign.

import * as api from './api.js';
import { getMeta, setMeta, delMeta, clearReplica } from './db.js';
import { emit } from './state.js';

export const session = { token: '', user: null };

export function cursorKey(userId = session.user && session.user.id) {
  return `cursor:${userId}`;
}

export async function loadSession() {
  const saved = await getMeta('session');
  if (saved && saved.token && saved.user) {
    session.token = saved.token;
    session.user = saved.user;
    api.setToken(saved.token);
  }
  return session.user;
}

/** Accepts e-mail or phone; local phone numbers get Benin's +229 prefix. */
export function normalizeIdentity(raw) {
  const s = String(raw || '').trim();
  if (s.includes('@')) return s.toLowerCase();
  let digits = s.replace(/[\s.\-()]/g, '');
  if (digits.startsWith('00')) digits = `+${digits.slice(2)}`;
  if (/^\d+$/.test(digits)) {
    if (digits.startsWith('229') && digits.length >= 11) return `+${digits}`;
    if (digits.length === 8 || digits.length === 10) return `+229${digits}`;
  }
  return digits;
}

export async function signIn(identity, password) {
  const res = await api.login(normalizeIdentity(identity), password);
  // The replica belongs to one account: another account's records (another
  // party, another unit) must never show, so it is dropped on a change of
  // user. The outbox is per user and stays.
  const owner = await getMeta('replica_owner');
  if (owner && owner !== res.record.id) await clearReplica(cursorKey(owner));
  await setMeta('replica_owner', res.record.id);
  session.token = res.token;
  session.user = res.record;
  api.setToken(res.token);
  await setMeta('session', { token: res.token, user: res.record });
  emit('session', session.user);
  return res.record;
}

/** Renews the token while online, so a phone in daily use never expires. */
export async function refresh() {
  if (!session.token) return;
  try {
    const res = await api.refreshAuth();
    session.token = res.token;
    session.user = res.record;
    api.setToken(res.token);
    await setMeta('session', { token: res.token, user: res.record });
  } catch (err) {
    if (err.status === 401) await signOut();
    // network errors: keep the current token and try again later
  }
}

/**
 * Signs out. The replica (readable data of this account) is dropped, since
 * phones are shared between officers; the outbox is kept, so pending work
 * is sent when the same account signs in again.
 */
export async function signOut() {
  const user = session.user;
  session.token = '';
  session.user = null;
  api.setToken('');
  await delMeta('session');
  if (user) {
    await clearReplica(cursorKey(user.id));
    await delMeta('replica_owner');
  }
  emit('session', null);
}

/** Keeps the stored user record in step with the synced `users` record. */
export async function updateUser(record) {
  if (!session.user || record.id !== session.user.id) return;
  session.user = { ...session.user, ...record };
  await setMeta('session', { token: session.token, user: session.user });
}

export const isParty = (u = session.user) => !!u && (u.role === 'organizer' || u.role === 'party_admin');
export const isPolice = (u = session.user) => !!u && ['officer', 'commander', 'director'].includes(u.role);
export const canAcknowledge = (u = session.user) => !!u && (u.role === 'commander' || u.role === 'director');
