// Home screen: the events the user may see (party: its own; police: its
// unit's), grouped by local day, with their alert badges. Live: it redraws
// when a pull brings changes, so new events appear without a reload.

import { h, mount, badge, empty, select } from '../ui.js';
import * as store from '../store.js';
import { isParty, isPolice } from '../session.js';
import { status } from '../state.js';
import { EVENT_KINDS, ASSIGNMENT_STATUS } from '../labels.js';
import { formatRange, formatDay, localDayKey, parseDate } from '../time.js';
import { eventBadges, placeLine, localBadges } from './common.js';

// Ids already shown to this user in this session: anything else that shows
// up is "new".
let seen = null;
let seenUser = null;

export function render(main, params) {
  const me = store.me();
  const party = isParty(me);
  const filter = params.get('vue') || 'avenir';
  const itin = params.get('itineraire') || '';
  const now = Date.now();

  let events = store.eventsSorted();
  if (itin) events = events.filter((e) => e.itinerary === itin);
  const upcoming = (e) => {
    const end = parseDate(e.ends_at);
    return !end || end.getTime() > now - 6 * 3600e3;
  };
  const shown = filter === 'tous' ? events : events.filter(upcoming);

  if (seenUser !== me.id) { seen = null; seenUser = me.id; }
  // Until the first pull of this session, what arrives is the replica
  // filling up, not news: nothing is marked new.
  if (!status.lastPullAt) seen = null;
  const firstRender = seen === null;
  if (firstRender) seen = new Set(events.map((e) => e.id));
  const fresh = new Set(events.filter((e) => !seen.has(e.id)).map((e) => e.id));
  events.forEach((e) => seen.add(e.id));

  let title = 'Événements — tout le territoire';
  if (party) title = `Événements — ${store.nameOf('parties', me.party) || 'mon parti'}`;
  else if (me.unit) title = `Événements — ${store.nameOf('units', me.unit) || 'mon unité'}`;

  const header = h('div', { class: 'view-head' },
    h('h2', null, title),
    party ? h('div', { class: 'actions' },
      h('a', { class: 'btn btn-primary', href: '#/declarer' + (itin ? `?itineraire=${itin}` : '') }, 'Déclarer un événement'),
      h('a', { class: 'btn', href: '#/itineraire/nouveau' }, 'Nouvel itinéraire')) : null);

  const tabs = h('div', { class: 'tabs', role: 'group', 'aria-label': 'Période' },
    h('a', { href: hrefWith(params, { vue: 'avenir' }), 'aria-current': filter !== 'tous' ? 'page' : null }, 'À venir'),
    h('a', { href: hrefWith(params, { vue: 'tous' }), 'aria-current': filter === 'tous' ? 'page' : null }, 'Tous'),
    h('a', { href: `#/carte${filter === 'tous' ? '?vue=tous' : ''}`, class: 'tab-map' }, 'Carte'));

  let itinBlock = null;
  if (party) {
    const itins = store.itinerariesOf(me.party);
    if (itins.length) {
      const sel = select('itin-filter', [{ value: '', label: 'Tous les itinéraires' },
        ...itins.map((i) => ({ value: i.id, label: i.title }))], itin, {
        onchange: (e) => { location.hash = hrefWith(params, { itineraire: e.target.value }); },
      });
      itinBlock = h('div', { class: 'itins' },
        h('label', { for: 'itin-filter' }, 'Itinéraire'), sel,
        itin ? h('span', { class: 'itin-meta' }, ...localBadges(store.get('itineraries', itin) || {}),
          h('a', { href: `#/itineraire/${itin}/modifier` }, 'Modifier l’itinéraire')) : null);
    }
  }

  const list = h('div', { class: 'event-list' });
  if (!shown.length) {
    list.append(empty(party
      ? 'Aucun événement à venir. Déclarez vos meetings, caravanes et marches au moins 72 h à l’avance.'
      : 'Aucun événement à venir pour votre unité.'));
  }
  let day = '';
  for (const ev of shown) {
    const key = localDayKey(ev.starts_at);
    if (key !== day) {
      day = key;
      list.append(h('h3', { class: 'day' }, formatDay(ev.starts_at)));
    }
    list.append(card(ev, { party, me, fresh: fresh.has(ev.id) && !firstRender }));
  }

  mount(main, header, itinBlock, tabs, list);
  return { live: true };
}

function card(ev, { party, me, fresh }) {
  const lead = store.assignmentsOf(ev.id).find((a) => a.role === 'lead');
  const receipt = store.receiptOf(ev.id);
  let info = null;
  if (party) {
    if (lead) {
      info = h('p', { class: 'card-line' }, `${store.nameOf('units', lead.unit)} : ${ASSIGNMENT_STATUS[lead.status] || lead.status}`,
        receipt && !receipt.revoked_at ? ' · récépissé délivré' : '');
    } else if (ev._unsynced) {
      info = h('p', { class: 'card-line muted' }, 'Unité responsable désignée après l’envoi.');
    }
  } else if (isPolice(me) || me.role === 'ministry') {
    info = h('p', { class: 'card-line' }, store.nameOf('parties', ev.party));
  }
  return h('a', { class: `card event-card${fresh ? ' fresh' : ''}${ev.status === 'cancelled' ? ' cancelled' : ''}`, href: `#/evenement/${ev.id}`, 'data-id': ev.id },
    h('div', { class: 'card-title' }, fresh ? badge('Nouveau', 'attn') : null, h('strong', null, ev.title || '(sans titre)')),
    h('p', { class: 'card-line' }, `${EVENT_KINDS[ev.kind] || ev.kind} · ${formatRange(ev.starts_at, ev.ends_at)}`),
    h('p', { class: 'card-line' }, placeLine(ev)),
    info,
    h('div', { class: 'badges' }, eventBadges(ev, { myUnit: party ? null : me.unit })));
}

function hrefWith(params, patch) {
  const p = new URLSearchParams(params);
  for (const [k, v] of Object.entries(patch)) { if (v) p.set(k, v); else p.delete(k); }
  const q = p.toString();
  return `#/${q ? `?${q}` : ''}`;
}
