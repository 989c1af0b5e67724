// Worklists and filters over the local replica (no network needed): the
// queues police and directors work from, and the filters of every list.
// Pure functions of plain records, so Node tests them as the browser runs
// them (e2e/unit.mjs).

import { parseDate, localDayKey, OFFSET_MS } from './time.js';

/** Queues by id: label, who sees them ('all' or 'police'), and the order. */
export const QUEUES = [
  { id: 'avenir', label: 'À venir', who: 'all' },
  { id: 'a-prendre', label: 'À prendre en compte', who: 'police', byDue: true },
  { id: 'escalades', label: 'Escaladés', who: 'police' },
  { id: 'conflits', label: 'Conflits', who: 'police' },
  { id: 'tardifs', label: 'Préavis tardifs', who: 'police' },
  { id: 'aujourdhui', label: 'Aujourd’hui', who: 'all' },
  { id: 'demain', label: 'Demain', who: 'all' },
  { id: 'tous', label: 'Tous', who: 'all' },
];

const OPEN_ASSIGNMENT = new Set(['pending', 'escalated']);

/**
 * The assignment an account must act on for ev, if any: its unit's
 * assignment still pending or escalated (a lead or support unit, or a
 * directorate's oversight); for the ministry, which has no unit, the lead.
 */
export function toActOn(ev, assignments, me) {
  if (ev.status === 'cancelled' || ev.status === 'completed') return null;
  const mine = me.unit
    ? assignments.find((a) => a.unit === me.unit)
    : me.role === 'ministry' ? assignments.find((a) => a.role === 'lead') : null;
  return mine && OPEN_ASSIGNMENT.has(mine.status) ? mine : null;
}

/**
 * The events of queue id, in the queue's order. assignmentsOf(eventId)
 * gives an event's assignments; now is a time in ms.
 */
export function queue(id, events, { assignmentsOf, me, now }) {
  const today = localDayKey(new Date(now));
  const tomorrow = localDayKey(new Date(now + 24 * 3600e3));
  const live = (e) => e.status !== 'cancelled';
  switch (id) {
    case 'tous':
      return events;
    case 'a-prendre':
      return events
        .map((e) => ({ e, a: toActOn(e, assignmentsOf(e.id), me) }))
        .filter((x) => x.a)
        .sort((x, y) => (parseDate(x.a.due_at)?.getTime() ?? Infinity) - (parseDate(y.a.due_at)?.getTime() ?? Infinity))
        .map((x) => x.e);
    case 'escalades':
      return events.filter((e) => live(e) && assignmentsOf(e.id).some((a) => a.status === 'escalated'));
    case 'conflits':
      return events.filter((e) => live(e) && (e.clash || e.clash_notice));
    case 'tardifs':
      return events.filter((e) => live(e) && e.late_notice);
    case 'aujourdhui':
      return events.filter((e) => onDay(e, today));
    case 'demain':
      return events.filter((e) => onDay(e, tomorrow));
    default: { // à venir: not over for more than 6 h
      return events.filter((e) => {
        const end = parseDate(e.ends_at);
        return !end || end.getTime() > now - 6 * 3600e3;
      });
    }
  }
}

/** Whether ev takes place (in part) on the local day key "YYYY-MM-DD". */
export function onDay(ev, key) {
  const s = localDayKey(ev.starts_at);
  const e = localDayKey(ev.ends_at) || s;
  return !!s && s <= key && key <= e;
}

/** Text folded for search: lower case, no accents. */
export function fold(s) {
  return String(s || '').normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase();
}

/**
 * Applies the list filters f (all optional): from/to local days
 * "YYYY-MM-DD" (inclusive, an event overlapping the range is kept),
 * commune, party, unit (an assigned unit), status, and q (words found in
 * the title or the place, accents and case ignored).
 */
export function applyFilters(events, f, { assignmentsOf }) {
  const words = fold(f.q).split(/\s+/).filter(Boolean);
  const fromMs = f.from ? Date.parse(`${f.from}T00:00:00Z`) - OFFSET_MS : null;
  const toMs = f.to ? Date.parse(`${f.to}T00:00:00Z`) - OFFSET_MS + 24 * 3600e3 : null;
  return events.filter((e) => {
    if (f.commune && e.commune !== f.commune) return false;
    if (f.party && e.party !== f.party) return false;
    if (f.status && e.status !== f.status) return false;
    if (f.unit && e.lead_unit !== f.unit && !assignmentsOf(e.id).some((a) => a.unit === f.unit)) return false;
    if (fromMs != null || toMs != null) {
      const s = parseDate(e.starts_at)?.getTime();
      const end = parseDate(e.ends_at)?.getTime() ?? s;
      if (s == null) return false;
      if (fromMs != null && end < fromMs) return false;
      if (toMs != null && s >= toMs) return false;
    }
    if (words.length) {
      const text = fold(`${e.title} ${e.place}`);
      if (!words.every((w) => text.includes(w))) return false;
    }
    return true;
  });
}

/** The filters of a list, from the page's query (#/?du=…&au=…). */
export function filtersFrom(params) {
  return {
    from: params.get('du') || '', to: params.get('au') || '', commune: params.get('commune') || '',
    party: params.get('parti') || '', unit: params.get('unite') || '', status: params.get('statut') || '',
    q: params.get('q') || '',
  };
}

/** "dans 3 h 20", "en retard de 40 min": the time left before due. */
export function countdown(due, now) {
  const t = parseDate(due)?.getTime();
  if (t == null) return '';
  const mins = Math.round((t - now) / 60000);
  const span = (m) => (m >= 60 ? `${Math.floor(m / 60)} h${m % 60 ? ` ${String(m % 60).padStart(2, '0')}` : ''}` : `${m} min`);
  return mins >= 0 ? `dans ${span(mins)}` : `en retard de ${span(-mins)}`;
}

/** Incidents of a stage, for a unit ('' for all), gravest then latest first. */
export function triage(incidents, { stage, unit = '' }) {
  return incidents
    .filter((i) => (i.status || 'unverified') === stage && (!unit || i.unit === unit))
    .sort((a, b) => (Number(b.severity) || 0) - (Number(a.severity) || 0)
      || (parseDate(b.occurred_at)?.getTime() ?? 0) - (parseDate(a.occurred_at)?.getTime() ?? 0));
}


/** The seven local days "YYYY-MM-DD", Monday first, of the week holding day. */
export function weekDays(day) {
  const d = new Date(`${day}T12:00:00Z`);
  if (Number.isNaN(d.getTime())) return weekDays(localDayKey(new Date()));
  d.setUTCDate(d.getUTCDate() - ((d.getUTCDay() + 6) % 7));
  return Array.from({ length: 7 }, (_, i) => {
    const x = new Date(d);
    x.setUTCDate(d.getUTCDate() + i);
    return x.toISOString().slice(0, 10);
  });
}
