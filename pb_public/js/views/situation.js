// Situation room (ministry: the country; director: its département): the
// counts of GET /api/situation per département, fetched again whenever the
// replica changes (a realtime poke or a pull), so the table follows the
// campaign live. Needs the network; the last answer stays shown offline.

import { h, mount, errorBox } from '../ui.js';
import { api } from '../api.js';
import { errorMessage } from '../labels.js';
import { localDayKey } from '../time.js';
import { on } from '../state.js';

const COLUMNS = [
  ['declared', 'Déclarés'], ['today', 'Aujourd’hui'], ['tomorrow', 'Demain'], ['awaiting_ack', 'À prendre en compte'],
  ['escalated', 'Escaladés'], ['clash', 'Conflits'], ['late_notice', 'Préavis tardifs'],
];
const SEVERITIES = ['1', '2', '3', '4'];

let last = null; // the last answer, shown again while offline

export const canSeeSituation = (me) => !!me && (me.role === 'ministry' || me.role === 'director');

export function render(main, params) {
  const date = params.get('date') || localDayKey(new Date());
  const box = h('div', { 'aria-live': 'polite' }, last ? table(last) : h('p', { class: 'muted' }, 'Chargement…'));
  const mapEl = h('div', { class: 'situation-map', role: 'img', 'aria-label': 'Carte des départements : à prendre en compte et escaladés' });
  let paint = null; // redraws the map's colours from an answer
  const day = h('input', {
    id: 'situation-date', type: 'date', value: date,
    onchange: (e) => { location.hash = `#/situation?date=${e.target.value}`; },
  });
  mount(main,
    h('h2', null, 'Situation'),
    h('div', { class: 'field' }, h('label', { for: 'situation-date' }, 'Jour'), day),
    mapEl,
    box);
  drawMap(mapEl).then((fn) => { paint = fn; if (last) paint(last); }).catch(() => { mapEl.hidden = true; });
  let stale = false;
  const load = async () => {
    try {
      last = await api(`/api/situation?date=${encodeURIComponent(date)}`);
      box.replaceChildren(table(last));
      if (paint) paint(last);
    } catch (err) {
      box.replaceChildren(...[errorBox(err.code === 'offline'
        ? 'Pas de connexion : les chiffres affichés sont ceux de la dernière mise à jour.'
        : errorMessage(err.code, err.message)), last ? table(last) : ''].filter(Boolean));
    }
  };
  load();
  // a live view would be redrawn whole on every change; this one refetches
  const onData = () => { if (!stale) { stale = true; setTimeout(() => { stale = false; load(); }, 1000); } };
  const off = on('data', onData);
  return { live: false, dispose: off };
}

function table(s) {
  const total = { incidents: {} };
  for (const d of s.departements) {
    for (const [k] of COLUMNS) total[k] = (total[k] || 0) + d[k];
    for (const sev of SEVERITIES) total.incidents[sev] = (total.incidents[sev] || 0) + (d.incidents[sev] || 0);
  }
  const row = (name, d, cls) => h('tr', { class: cls },
    h('th', { scope: 'row' }, name),
    COLUMNS.map(([k]) => h('td', { class: (k === 'escalated' || k === 'awaiting_ack' || k === 'clash') && d[k] ? 'hot' : null }, String(d[k]))),
    h('td', null, SEVERITIES.map((sev) => d.incidents[sev] || 0).join(' · ')));
  return h('div', { class: 'table-wrap' },
    h('table', { class: 'situation' },
      h('caption', null, `Au ${s.date} — incidents par gravité 1 · 2 · 3 · 4`),
      h('thead', null, h('tr', null, h('th', { scope: 'col' }, 'Département'), COLUMNS.map(([, l]) => h('th', { scope: 'col' }, l)), h('th', { scope: 'col' }, 'Incidents'))),
      h('tbody', null, s.departements.map((d) => row(d.name, d)),
        s.departements.length > 1 ? row('Total', total, 'total') : null)));
}

// The départements on a map (the map's code and boundaries are loaded
// lazily and kept offline), each coloured by what waits on the police
// there: grey when nothing, amber for events awaiting acknowledgement, red
// once any is escalated; the counts in a tooltip.
async function drawMap(el) {
  const [{ loadLeaflet, blankMap }, { layer, cachedLayer }] = await Promise.all([import('../map/leaflet.js'), import('../map/boundaries.js')]);
  const L = await loadLeaflet();
  const fc = (await cachedLayer('departement')) || (await layer('departement'));
  if (!fc) throw new Error('no boundaries');
  const map = blankMap(L, el, { scrollWheelZoom: false });
  const byCode = new Map();
  const geo = L.geoJSON(fc, {
    style: { color: '#555', weight: 1, fillColor: '#d9dee2', fillOpacity: 0.8 },
    onEachFeature: (f, lyr) => byCode.set(f.properties.code, lyr),
  }).addTo(map);
  map.fitBounds(geo.getBounds(), { padding: [6, 6] });
  return (s) => {
    for (const d of s.departements) {
      const lyr = byCode.get(d.code);
      if (!lyr) continue;
      const fill = d.escalated ? '#c62828' : d.awaiting_ack ? '#f0a202' : d.declared ? '#8fb996' : '#d9dee2';
      lyr.setStyle({ fillColor: fill });
      lyr.bindTooltip(`${d.name} : ${d.awaiting_ack} à prendre en compte, ${d.escalated} escaladé(s), ${d.today} aujourd’hui`, { sticky: true });
    }
  };
}
