// Client-side copy of the campaign rules (DESIGN §4, J1 and J7–J9) so that a
// phone offline can tell the organizer at once what the server would refuse.
// The server stays the authority: these checks only avoid queuing a
// declaration that is bound to be rejected hours later.

import { parseDate, OFFSET_MS } from './time.js';

const DAY = 86400e3;
const HOUR = 3600e3;

/** Position of [start, end] relative to the local midnight of the start. */
function localSpan(start, end) {
  const s = start.getTime() + OFFSET_MS;
  const dayStart = Math.floor(s / DAY) * DAY;
  return { from: s - dayStart, to: end.getTime() + OFFSET_MS - dayStart };
}

/** True when [start, end] touches 23:00–07:00 local time. */
export function overlapsQuietHours(start, end) {
  const { from, to } = localSpan(start, end);
  return !(from >= 7 * HOUR && to <= 23 * HOUR);
}

/** True when a sound vehicle would run outside 07:00–13:00 and 15:00–23:00. */
export function outsideSoundHours(start, end) {
  const { from, to } = localSpan(start, end);
  const inMorning = from >= 7 * HOUR && to <= 13 * HOUR;
  const inEvening = from >= 15 * HOUR && to <= 23 * HOUR;
  return !(inMorning || inEvening);
}

/**
 * Checks an event draft. Returns { errors: [{code, field}], warnings: [{code}] }.
 * `election` may be undefined (then the campaign check is skipped).
 */
export function checkEvent(ev, election, now = Date.now()) {
  const errors = [];
  const warnings = [];
  if (!String(ev.title || '').trim()) errors.push({ code: 'local_title', field: 'title' });
  const s = parseDate(ev.starts_at);
  const e = parseDate(ev.ends_at);
  if (!s || !e) {
    errors.push({ code: 'local_dates', field: 'starts_at' });
  } else {
    if (e <= s) errors.push({ code: 'invalid_window', field: 'ends_at' });
    else {
      if ((ev.kind === 'meeting' || ev.kind === 'rally') && overlapsQuietHours(s, e)) errors.push({ code: 'quiet_hours', field: 'starts_at' });
      if (ev.sound_vehicle && outsideSoundHours(s, e)) errors.push({ code: 'sound_hours', field: 'sound_vehicle' });
    }
    if (election) {
      const cs = parseDate(election.campaign_start);
      const ce = parseDate(election.campaign_end);
      if ((cs && s < cs) || (ce && e > ce)) errors.push({ code: 'outside_campaign', field: 'starts_at' });
      const notice = (election.notice_hours || 72) * HOUR;
      if (s.getTime() - now < notice) warnings.push({ code: 'late_notice' });
    }
  }
  const hasPoint = ev.location && typeof ev.location.lat === 'number';
  if (!ev.commune && !ev.arrondissement && !hasPoint) errors.push({ code: 'location_required', field: 'commune' });
  if (!election) errors.push({ code: 'election_required', field: 'election' });
  return { errors, warnings };
}

/** Tomorrow + 4 days at 10:00 local, clamped into the campaign: a sensible default. */
export function defaultWindow(election, now = Date.now()) {
  const localNow = now + OFFSET_MS;
  let start = Math.floor(localNow / DAY) * DAY + 5 * DAY + 10 * HOUR - OFFSET_MS;
  if (election) {
    const cs = parseDate(election.campaign_start);
    const ce = parseDate(election.campaign_end);
    if (ce && start + 2 * HOUR > ce.getTime()) {
      start = Math.floor((ce.getTime() + OFFSET_MS - DAY) / DAY) * DAY + 10 * HOUR - OFFSET_MS;
    }
    if (cs && start < cs.getTime()) {
      start = Math.ceil((cs.getTime() + OFFSET_MS) / DAY) * DAY + 10 * HOUR - OFFSET_MS;
    }
  }
  return { starts_at: new Date(start).toISOString(), ends_at: new Date(start + 2 * HOUR).toISOString() };
}

/**
 * The units an event will involve, as the server will assign them (DESIGN
 * §4 J2–J4), computed on the phone from the replica's units so that an
 * organizer sees them before sending, offline too. The server stays the
 * authority (it places points on unsimplified borders).
 *
 * `place` and each of `routePlaces` are { departement, commune,
 * arrondissement } record ids ('' when unknown); `units` are the replica's
 * units. Returns [{ unit, role: 'lead'|'support'|'oversight', uncovered?,
 * route? }] in the server's order: lead, its directorate, then what the
 * route adds.
 */
export function involvedUnits(place, routePlaces, units) {
  const commissariats = units.filter((u) => u.kind === 'commissariat');
  const directorateOf = (dep) => units.find((u) => u.kind === 'directorate' && u.departement === dep);
  // J2: arrondissement-level coverage beats commune-level coverage.
  const covering = (pl) => (pl.arrondissement && commissariats.find((u) => (u.arrondissements || []).includes(pl.arrondissement)))
    || (pl.commune && commissariats.find((u) => (u.communes || []).includes(pl.commune)))
    || null;
  const out = [];
  const seen = new Set();
  const add = (u, role, extra = {}) => {
    if (!u || seen.has(u.id)) return;
    seen.add(u.id);
    out.push({ unit: u, role, ...extra });
  };
  if (!place || !place.departement) return out;
  const dir = directorateOf(place.departement);
  const lead = covering(place);
  if (lead) add(lead, 'lead');
  else add(dir, 'lead', { uncovered: true });
  add(dir, 'oversight');
  const done = new Set([`${place.departement}|${place.commune}|${place.arrondissement}`]);
  for (const pl of routePlaces || []) {
    if (!pl) continue;
    const k = `${pl.departement}|${pl.commune}|${pl.arrondissement}`;
    if (done.has(k)) continue;
    done.add(k);
    add(covering(pl), 'support', { route: true });
    if (pl.departement && pl.departement !== place.departement) add(directorateOf(pl.departement), 'oversight', { route: true });
  }
  return out;
}
