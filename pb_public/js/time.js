// Dates. The server stores UTC; people in Benin read and type Africa/Porto-Novo
// time, which is UTC+1 all year (no daylight saving). We convert with the fixed
// offset rather than the device's zone: many field phones have a wrong zone
// setting, and the law's hours (07:00–23:00) are local hours.

export const OFFSET_MS = 60 * 60 * 1000;
const ZONE = pickZone();

function pickZone() {
  try {
    new Intl.DateTimeFormat('fr-FR', { timeZone: 'Africa/Porto-Novo' });
    return 'Africa/Porto-Novo';
  } catch {
    return 'Etc/GMT-1'; // same offset, for browsers with a trimmed tz database
  }
}

const fmtDateTime = new Intl.DateTimeFormat('fr-FR', {
  timeZone: ZONE, weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit',
});
const fmtTime = new Intl.DateTimeFormat('fr-FR', { timeZone: ZONE, hour: '2-digit', minute: '2-digit' });
const fmtDay = new Intl.DateTimeFormat('fr-FR', { timeZone: ZONE, weekday: 'long', day: 'numeric', month: 'long' });
const fmtFull = new Intl.DateTimeFormat('fr-FR', { timeZone: ZONE, dateStyle: 'long', timeStyle: 'short' });

/** Parses PocketBase dates ("2026-03-10 09:00:00.000Z") and ISO strings. */
export function parseDate(value) {
  if (!value) return null;
  if (value instanceof Date) return value;
  const d = new Date(String(value).replace(' ', 'T'));
  return Number.isNaN(d.getTime()) ? null : d;
}

export function formatDateTime(value) {
  const d = parseDate(value);
  return d ? fmtDateTime.format(d) : '';
}

export function formatFull(value) {
  const d = parseDate(value);
  return d ? fmtFull.format(d) : '';
}

export function formatDay(value) {
  const d = parseDate(value);
  return d ? fmtDay.format(d) : '';
}

/** "sam. 14 mars, 10:00 – 12:00" (end date repeated only when it differs). */
export function formatRange(start, end) {
  const s = parseDate(start);
  const e = parseDate(end);
  if (!s) return '';
  if (!e) return fmtDateTime.format(s);
  const sameDay = localDayKey(s) === localDayKey(e);
  return `${fmtDateTime.format(s)} – ${sameDay ? fmtTime.format(e) : fmtDateTime.format(e)}`;
}

/** "YYYY-MM-DD" of the local (UTC+1) day, for grouping. */
export function localDayKey(value) {
  const d = parseDate(value);
  return d ? new Date(d.getTime() + OFFSET_MS).toISOString().slice(0, 10) : '';
}

/** Value for <input type="datetime-local"> in local time. */
export function toLocalInput(value) {
  const d = parseDate(value);
  return d ? new Date(d.getTime() + OFFSET_MS).toISOString().slice(0, 16) : '';
}

/** ISO UTC string from an <input type="datetime-local"> value in local time. */
export function fromLocalInput(str) {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(str || '');
  if (!m) return null;
  const utc = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5]) - OFFSET_MS;
  return new Date(utc).toISOString();
}

/** Local hour and minute (0–23, 0–59) of a date. */
export function localClock(value) {
  const d = new Date(parseDate(value).getTime() + OFFSET_MS);
  return { h: d.getUTCHours(), m: d.getUTCMinutes() };
}

/** Minutes since local midnight. */
export function localMinutes(value) {
  const { h, m } = localClock(value);
  return h * 60 + m;
}

/** "il y a 3 min" style relative time for sync status. */
export function relative(value, now = Date.now()) {
  const d = parseDate(value);
  if (!d) return 'jamais';
  const s = Math.round((now - d.getTime()) / 1000);
  if (s < 45) return 'à l’instant';
  if (s < 3600) return `il y a ${Math.round(s / 60)} min`;
  if (s < 86400) return `il y a ${Math.round(s / 3600)} h`;
  return formatDateTime(d);
}
