// Home screen: the events the user may see (party: its own; police: its
// unit's), grouped by local day, with their alert badges. Live: it redraws
// when a pull brings changes, so new events appear without a reload.

import { h, mount, badge, empty, select, field, formValues, toast, hashWith } from '../ui.js';
import { getToken } from '../api.js';
import * as store from '../store.js';
import { isParty, isPolice } from '../session.js';
import { status } from '../state.js';
import { EVENT_KINDS, EVENT_STATUS, ASSIGNMENT_STATUS } from '../labels.js';
import { QUEUES, queue, applyFilters, filtersFrom, toActOn, countdown } from '../worklists.js';
import { formatRange, formatDay, localDayKey, parseDate } from '../time.js';
import { eventBadges, placeLine, localBadges } from './common.js';

// Ids already shown to this user in this session: anything else that shows
// up is "new".
let seen = null;
let seenUser = null;

export function render(main, params) {
  const me = store.me();
  const party = isParty(me);
  const police = !party;
  const queues = QUEUES.filter((q) => q.who === 'all' || police);
  const filter = queues.some((q) => q.id === params.get('vue')) ? params.get('vue') : 'avenir';
  const itin = params.get('itineraire') || '';
  const now = Date.now();
  const ctx = { assignmentsOf: store.assignmentsOf, me, now };
  const filters = filtersFrom(params);

  let events = store.eventsSorted();
  if (itin) events = events.filter((e) => e.itinerary === itin);
  const shown = applyFilters(queue(filter, events, ctx), filters, ctx);
  const byDue = QUEUES.find((q) => q.id === filter).byDue;

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
      h('a', { class: 'btn', href: '#/itineraire/nouveau' }, 'Nouvel itinéraire'),
      h('a', { class: 'btn', href: '#/agenda', id: 'open-agenda' }, 'Agenda'),
      h('a', { class: 'btn', href: '#/carte', id: 'open-map' }, 'Carte')) : h('div', { class: 'actions' },
      h('a', { class: 'btn', href: '#/carte', id: 'open-map' }, 'Carte'),
      me.role === 'ministry' || me.role === 'director' ? h('a', { class: 'btn', href: '#/situation', id: 'open-situation' }, 'Situation') : null,
      h('a', { class: 'btn', href: '#/incidents', id: 'open-incidents' }, 'Incidents'),
      h('a', { class: 'btn', href: '#/agenda', id: 'open-agenda' }, 'Agenda'),
      me.unit ? h('button', { type: 'button', class: 'btn', id: 'open-briefing', onclick: () => openBriefing(me.unit, filters.from || localDayKey(new Date(now))) }, 'Plan du jour') : null,
      h('button', { type: 'button', class: 'btn', onclick: () => window.print() }, 'Imprimer la liste'),
      h('button', { type: 'button', class: 'btn', id: 'export-csv', onclick: () => exportEvents(filters, 'csv') }, 'Exporter (CSV)'),
      h('button', { type: 'button', class: 'btn', onclick: () => exportEvents(filters, 'geojson') }, 'Exporter (GeoJSON)')));

  const counts = police ? Object.fromEntries(queues.map((q) => [q.id, q.id === 'tous' || q.id === 'avenir' ? 0 : queue(q.id, events, ctx).length])) : {};
  const tabs = h('div', { class: 'tabs queues', role: 'group', 'aria-label': 'Listes' },
    queues.map((q) => h('a', { href: hrefWith(params, { vue: q.id === 'avenir' ? '' : q.id }), 'aria-current': filter === q.id ? 'page' : null, 'data-queue': q.id },
      q.label, counts[q.id] ? h('span', { class: `count${q.id === 'escalades' || q.id === 'a-prendre' ? ' count-bad' : ''}` }, String(counts[q.id])) : null)));
  const filterBox = filtersForm(params, filters, { party });

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
  const filtered = Object.values(filters).some(Boolean);
  if (!shown.length) {
    list.append(empty(filtered ? 'Aucun événement ne correspond aux filtres.'
      : filter !== 'avenir' && filter !== 'tous' ? 'Rien dans cette liste.'
        : party ? 'Aucun événement à venir. Déclarez vos meetings, caravanes et marches au moins 72 h à l’avance.'
          : 'Aucun événement à venir pour votre unité.'));
  }
  // At a desk (a wide screen), a table with the deadlines counting down;
  // on a phone, cards by day.
  const desk = window.matchMedia && window.matchMedia('(min-width: 1100px)').matches;
  if (desk && shown.length) {
    list.append(deskTable(shown, { party, me, now }));
  } else {
    let day = '';
    for (const ev of shown) {
      const key = localDayKey(ev.starts_at);
      if (!byDue && key !== day) {
        day = key;
        list.append(h('h3', { class: 'day' }, formatDay(ev.starts_at)));
      }
      list.append(card(ev, { party, me, now, fresh: fresh.has(ev.id) && !firstRender }));
    }
  }

  mount(main, header, itinBlock, tabs, filterBox, list);
  return { live: true };
}

function deskTable(events, { party, me, now }) {
  return h('table', { class: 'desk' },
    h('thead', null, h('tr', null, ['Date', 'Événement', 'Lieu', party ? 'Unité responsable' : 'Parti', party ? 'Prise en compte' : 'Responsable', 'Échéance', 'Alertes']
      .map((c) => h('th', { scope: 'col' }, c)))),
    h('tbody', null, events.map((ev) => {
      const assignments = store.assignmentsOf(ev.id);
      const lead = assignments.find((a) => a.role === 'lead');
      const act = party ? null : toActOn(ev, assignments, me);
      const late = act && act.due_at && parseDate(act.due_at).getTime() < now;
      return h('tr', { class: ev.status === 'cancelled' ? 'cancelled' : null },
        h('td', null, formatRange(ev.starts_at, ev.ends_at)),
        h('td', null, h('a', { href: `#/evenement/${ev.id}` }, ev.title || '(sans titre)'), h('div', { class: 'muted' }, EVENT_KINDS[ev.kind] || ev.kind)),
        h('td', null, placeLine(ev)),
        h('td', null, party ? (lead ? store.nameOf('units', lead.unit) : '—') : store.nameOf('parties', ev.party)),
        h('td', null, lead ? `${party ? '' : `${store.nameOf('units', lead.unit)} — `}${ASSIGNMENT_STATUS[lead.status] || lead.status}` : '—'),
        h('td', { class: late ? 'overdue' : null }, act && act.due_at ? countdown(act.due_at, now) : ''),
        h('td', null, h('div', { class: 'badges' }, eventBadges(ev, { myUnit: party ? null : me.unit }))));
    })));
}

// The filters of every list: dates, commune, party, unit, status, words.
function filtersForm(params, f, { party }) {
  const apply = (e) => {
    e.preventDefault();
    const v = formValues(e.target.closest('form'));
    location.hash = hrefWith(params, { du: v.du, au: v.au, commune: v.commune, parti: v.parti, unite: v.unite, statut: v.statut, q: v.q });
  };
  const communes = store.list('communes').slice().sort((a, b) => a.name.localeCompare(b.name, 'fr'));
  const units = store.list('units').slice().sort((a, b) => a.name.localeCompare(b.name, 'fr'));
  const parties = store.list('parties').slice().sort((a, b) => (a.acronym || a.name).localeCompare(b.acronym || b.name, 'fr'));
  const opt = (items, labelOf, all) => [{ value: '', label: all }, ...items.map((x) => ({ value: x.id, label: labelOf(x) }))];
  const active = Object.values(f).filter(Boolean).length;
  return h('details', { class: 'card filters', open: active > 0 || null },
    h('summary', null, active ? `Filtres (${active})` : 'Rechercher et filtrer'),
    h('form', { onsubmit: apply, role: 'search' },
      field('Titre ou lieu', h('input', { id: 'f-q', name: 'q', type: 'search', value: f.q, autocomplete: 'off' })),
      h('div', { class: 'field-row' },
        field('Du', h('input', { id: 'f-du', name: 'du', type: 'date', value: f.from })),
        field('Au', h('input', { id: 'f-au', name: 'au', type: 'date', value: f.to }))),
      field('Commune', select('f-commune', opt(communes, (c) => c.name, 'Toutes'), f.commune, { name: 'commune' })),
      party ? null : field('Parti', select('f-parti', opt(parties, (p) => p.acronym ? `${p.acronym} — ${p.name}` : p.name, 'Tous'), f.party, { name: 'parti' })),
      party ? null : field('Unité', select('f-unite', opt(units, (u) => u.name, 'Toutes'), f.unit, { name: 'unite' })),
      field('Statut', select('f-statut', [{ value: '', label: 'Tous' }, ...Object.entries(EVENT_STATUS).map(([value, label]) => ({ value, label }))], f.status, { name: 'statut' })),
      h('div', { class: 'actions' },
        h('button', { type: 'submit', class: 'btn btn-primary' }, 'Appliquer'),
        active ? h('a', { class: 'btn', href: hrefWith(params, { du: '', au: '', commune: '', parti: '', unite: '', statut: '', q: '' }) }, 'Effacer') : null)));
}

function card(ev, { party, me, now, fresh }) {
  const assignments = store.assignmentsOf(ev.id);
  const lead = assignments.find((a) => a.role === 'lead');
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
    // police see the party, and the lead's status when the lead is not
    // their own unit (a director follows its commissariats)
    const act = toActOn(ev, assignments, me);
    info = [h('p', { class: 'card-line' }, store.nameOf('parties', ev.party)),
      lead && lead.unit !== me.unit ? h('p', { class: 'card-line' }, `Responsable : ${store.nameOf('units', lead.unit)} — ${ASSIGNMENT_STATUS[lead.status] || lead.status}`) : null,
      act && act.due_at ? h('p', { class: `card-line${parseDate(act.due_at).getTime() < now ? ' overdue' : ''}` }, `Prise en compte attendue ${countdown(act.due_at, now)}`) : null];
  }
  return h('a', { class: `card event-card${fresh ? ' fresh' : ''}${ev.status === 'cancelled' ? ' cancelled' : ''}`, href: `#/evenement/${ev.id}`, 'data-id': ev.id },
    h('div', { class: 'card-title' }, fresh ? badge('Nouveau', 'attn') : null, h('strong', null, ev.title || '(sans titre)')),
    h('p', { class: 'card-line' }, `${EVENT_KINDS[ev.kind] || ev.kind} · ${formatRange(ev.starts_at, ev.ends_at)}`),
    h('p', { class: 'card-line' }, placeLine(ev)),
    info,
    h('div', { class: 'badges' }, eventBadges(ev, { myUnit: party ? null : me.unit })));
}

const hrefWith = (params, patch) => hashWith('/', params, patch);

// The unit's plan of the day as the server prints it (GET /api/briefing):
// fetched with the session's token, shown in a new tab to print.
async function openBriefing(unit, date) {
  const tab = window.open('', '_blank'); // opened now, in the click: popup blockers allow it
  try {
    const res = await fetchFile(`/api/briefing?unit=${encodeURIComponent(unit)}&date=${encodeURIComponent(date)}&format=html`);
    const url = URL.createObjectURL(new Blob([await res.text()], { type: 'text/html' }));
    if (tab) tab.location = url; else location.href = url;
  } catch {
    if (tab) tab.close();
    toast('Le plan du jour demande le réseau : imprimez la liste « Aujourd’hui » en attendant.', 'warn');
  }
}

// What the account may see, with the list's filters, as a file
// (GET /api/export/events): CSV for a spreadsheet, GeoJSON for a GIS.
async function exportEvents(f, format) {
  const q = new URLSearchParams({ format });
  for (const [k, v] of Object.entries({ from: f.from, to: f.to, commune: f.commune, party: f.party, unit: f.unit, status: f.status })) {
    if (v) q.set(k, v);
  }
  try {
    const res = await fetchFile(`/api/export/events?${q}`);
    const url = URL.createObjectURL(await res.blob());
    const a = document.createElement('a');
    a.href = url;
    a.download = `evenements-${localDayKey(new Date())}.${format === 'csv' ? 'csv' : 'geojson'}`;
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  } catch {
    toast('L’export demande le réseau : réessayez en ligne.', 'warn');
  }
}

// A file the server makes for the signed-in account (not JSON: api()
// would parse it).
async function fetchFile(path) {
  const res = await fetch(path, { headers: { Authorization: getToken() }, cache: 'no-store' });
  if (!res.ok) throw new Error(`HTTP ${res.status}`);
  return res;
}
