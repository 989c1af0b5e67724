// The campaign by week (or by day), for the account's unit, directorate or
// party, from the replica: seven days from a Monday, each with its events
// in time order. On a phone the days stack; at a desk they sit side by side.

import { h, mount, empty } from '../ui.js';
import * as store from '../store.js';
import { EVENT_KINDS } from '../labels.js';
import { localDayKey, localClock } from '../time.js';
import { weekDays } from '../worklists.js';
import { eventBadges } from './common.js';

export function render(main, params) {
  const me = store.me();
  const today = localDayKey(new Date());
  const start = params.get('semaine') || today;
  const days = weekDays(start);
  const byDay = new Map(days.map((d) => [d, []]));
  for (const ev of store.eventsSorted()) {
    if (ev.status === 'cancelled') continue;
    const s = localDayKey(ev.starts_at);
    const e = localDayKey(ev.ends_at) || s;
    for (const d of days) if (s <= d && d <= e) byDay.get(d).push(ev);
  }
  const shift = (n) => {
    const d = new Date(`${days[0]}T12:00:00Z`);
    d.setUTCDate(d.getUTCDate() + n);
    return `#/agenda?semaine=${d.toISOString().slice(0, 10)}`;
  };
  const fmt = new Intl.DateTimeFormat('fr-FR', { weekday: 'long', day: 'numeric', month: 'long', timeZone: 'UTC' });
  mount(main,
    h('h2', null, 'Agenda'),
    h('div', { class: 'actions' },
      h('a', { class: 'btn', href: shift(-7) }, '‹ Précédente'),
      h('a', { class: 'btn', href: '#/agenda' }, 'Cette semaine'),
      h('a', { class: 'btn', href: shift(7) }, 'Suivante ›')),
    h('div', { class: 'agenda' }, days.map((d) => {
      const list = byDay.get(d);
      return h('section', { class: `agenda-day${d === today ? ' today' : ''}`, 'aria-label': fmt.format(new Date(`${d}T12:00:00Z`)) },
        h('h3', null, fmt.format(new Date(`${d}T12:00:00Z`)), list.length ? ` (${list.length})` : ''),
        list.length ? h('ul', { class: 'agenda-list' }, list.map((ev) => h('li', null,
          h('a', { href: `#/evenement/${ev.id}` },
            h('span', { class: 'agenda-time' }, localDayKey(ev.starts_at) === d ? hhmm(ev.starts_at) : '…'), ' ',
            h('strong', null, ev.title || '(sans titre)'), ' · ', EVENT_KINDS[ev.kind] || ev.kind,
            me.party ? null : ` · ${store.nameOf('parties', ev.party)}`),
          h('div', { class: 'badges' }, eventBadges(ev, { myUnit: me.party ? null : me.unit }))))) : empty('—'));
    })));
  return { live: true };
}

function hhmm(value) {
  const { h: hh, m } = localClock(value);
  return `${String(hh).padStart(2, '0')}:${String(m).padStart(2, '0')}`;
}
