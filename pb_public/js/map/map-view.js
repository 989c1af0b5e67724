// The map of what the account sees (issue 13 point 1): its area drawn from
// our own boundaries (no tile server), its events as markers coloured by
// state, caravan and march routes as lines, clash partners linked (police
// and ministry only: a party never learns the other event, J10). Everything
// comes from the phone: the replica (store.js) and the cached boundaries
// (boundaries.js), so the map works offline after the first sync.

import { h, mount } from '../ui.js';
import * as store from '../store.js';
import { isParty } from '../session.js';
import { on } from '../state.js';
import { parseDate, formatRange } from '../time.js';
import { EVENT_KINDS } from '../labels.js';
import { loadLeaflet, blankMap } from './leaflet.js';
import { areaOf, layer, cachedLayer } from './boundaries.js';
import { bbox, unionBox, labelPoint, spread } from './geometry.js';
import { MAP_STATES, LEGEND_ORDER, mapState } from './states.js';

const STYLE = {
  base: { color: '#8c979d', weight: 1, fillColor: '#f6f4ec', fillOpacity: 1 },
  area: { color: '#006b3f', weight: 2.5, fillColor: '#dcefe3', fillOpacity: 1 },
  detail: { color: '#c3c9cc', weight: 0.6, fill: false },
  outline: { color: '#6d7a81', weight: 1.5, fill: false },
};

const validPoint = (p) => p && typeof p.lat === 'number' && typeof p.lon === 'number' && !(p.lat === 0 && p.lon === 0);

/**
 * Draws the map into `el` (an empty element with a height) and the legend
 * into `legendEl`. Returns a dispose function.
 */
export async function renderMap(el, legendEl, { me, showAll }) {
  const L = await loadLeaflet();
  const party = isParty(me);
  const area = areaOf(me);
  const layers = await Promise.all(area.layers.map(async (l) => ({ ...l, fc: await layer(l.level, l.within) })));
  if (!el.isConnected) return () => {};

  const map = blankMap(L, el);
  const byCode = new Map(); // division code → feature, for events placed by commune/arrondissement
  const keep = (fc) => { for (const f of (fc && fc.features) || []) byCode.set(f.properties.code, f); };
  const areaBoxes = [];
  const allBoxes = [];

  // Country map: communes as thin lines under the départements' borders.
  const detail = layers.find((l) => l.role === 'detail');
  const base = layers.find((l) => l.role === 'base');
  const parts = layers.filter((l) => l.role === 'area');
  if (area.kind === 'country') {
    if (base.fc) L.geoJSON(base.fc, { style: STYLE.base, interactive: false }).addTo(map);
    if (detail && detail.fc) L.geoJSON(detail.fc, { style: STYLE.detail, interactive: false }).addTo(map);
    if (base.fc) L.geoJSON(base.fc, { style: STYLE.outline, interactive: false }).addTo(map);
  } else if (base.fc) {
    const inArea = (f) => area.kind === 'departement' || area.areaCodes.has(f.properties.code);
    L.geoJSON(base.fc, { style: (f) => (inArea(f) ? STYLE.area : STYLE.base), interactive: false }).addTo(map);
    for (const f of base.fc.features) if (inArea(f)) areaBoxes.push(bbox(f.geometry));
  }
  for (const p of parts) {
    if (!p.fc) continue;
    const mine = p.fc.features.filter((f) => area.areaCodes.has(f.properties.code));
    L.geoJSON({ type: 'FeatureCollection', features: mine }, { style: STYLE.area, interactive: false }).addTo(map);
    for (const f of mine) areaBoxes.push(bbox(f.geometry));
  }
  for (const l of layers) {
    keep(l.fc);
    for (const f of (l.fc && l.fc.features) || []) allBoxes.push(bbox(f.geometry));
  }
  // Events outside the area may still be placed from a country layer the
  // phone already holds (never fetched for that: cachedLayer only).
  if (!layers.some((l) => l.level === 'commune' && !l.within)) keep(await cachedLayer('commune'));

  const box = unionBox(areaBoxes) || unionBox(allBoxes);
  if (box) map.fitBounds([[box[1], box[0]], [box[3], box[2]]], { padding: [8, 8] });
  else map.setView([9.3, 2.3], 6.25); // Benin, when no boundaries are on the phone

  const events = L.layerGroup().addTo(map);
  const draw = () => {
    events.clearLayers();
    const placed = placeEvents(showAll, byCode);
    drawEvents(L, events, placed, party);
    renderLegend(legendEl, placed, { party, haveBoundaries: layers.some((l) => l.fc && l.fc.features.length) });
  };
  draw();
  // Live: a pull or an outbox change redraws the markers, not the map (the
  // user's zoom and position stay).
  let pending = null;
  const off = on('data', () => { clearTimeout(pending); pending = setTimeout(draw, 100); });
  return () => { off(); clearTimeout(pending); map.remove(); };
}

/** Events with their state and map position (null when the phone cannot place them). */
function placeEvents(showAll, byCode) {
  const party = isParty(store.me());
  const now = Date.now();
  const upcoming = (e) => { const end = parseDate(e.ends_at); return !end || end.getTime() > now - 6 * 3600e3; };
  const list = store.eventsSorted().filter((e) => showAll || upcoming(e));
  const out = [];
  for (const ev of list) {
    const route = Array.isArray(ev.route) ? ev.route.filter(validPoint) : [];
    let pos = validPoint(ev.location) ? ev.location : route[0] || null;
    if (!pos) {
      const arr = store.get('arrondissements', ev.arrondissement);
      const com = store.get('communes', ev.commune);
      const f = (arr && byCode.get(arr.code)) || (com && byCode.get(com.code));
      if (f) pos = f.label || (f.label = labelPoint(f));
    }
    out.push({ ev, route, pos, state: mapState(ev, store.assignmentsOf(ev.id), party), exact: validPoint(ev.location) || !!route.length });
  }
  // Several events placed at the same commune's label point: spread them.
  const spots = spread(out.filter((p) => p.pos && !p.exact).map((p) => ({ id: p.ev.id, ...p.pos })));
  for (const p of out) if (spots.has(p.ev.id)) p.pos = spots.get(p.ev.id);
  return out;
}

function drawEvents(L, group, placed, party) {
  const go = (id) => () => { location.hash = `#/evenement/${id}`; };
  const pos = new Map();
  for (const p of placed) {
    if (p.route.length > 1) {
      L.polyline(p.route.map((x) => [x.lat, x.lon]), {
        className: `route route-${p.state}`, weight: 5, opacity: 0.85, dashArray: p.state === 'cancelled' ? '6 6' : null,
      }).on('click', go(p.ev.id)).addTo(group);
    }
  }
  // J10: police and the ministry see which events clash with which.
  if (!party) {
    const byId = new Map(placed.filter((p) => p.pos).map((p) => [p.ev.id, p]));
    const done = new Set();
    for (const p of byId.values()) {
      for (const other of p.ev.clash_with || []) {
        const q = byId.get(other);
        const k = [p.ev.id, other].sort().join('|');
        if (!q || done.has(k)) continue;
        done.add(k);
        L.polyline([[p.pos.lat, p.pos.lon], [q.pos.lat, q.pos.lon]], { className: 'clash-link', weight: 3, dashArray: '4 6', interactive: false }).addTo(group);
      }
    }
  }
  for (const p of placed) {
    if (!p.pos) continue;
    const st = MAP_STATES[p.state];
    const label = `${p.ev.title || '(sans titre)'} — ${st.label}`;
    const m = L.marker([p.pos.lat, p.pos.lon], {
      icon: L.divIcon({ className: `mk mk-${p.state}`, html: st.glyph, iconSize: [30, 30], iconAnchor: [15, 15] }),
      title: label, alt: label, keyboard: true, riseOnHover: true,
    }).on('click', go(p.ev.id))
      // Leaflet makes markers focusable; Enter opens the event like a tap.
      .on('keypress', (e) => { if (e.originalEvent.key === 'Enter') go(p.ev.id)(); })
      .addTo(group);
    const node = m.getElement();
    if (node) { node.dataset.id = p.ev.id; node.dataset.state = p.state; node.setAttribute('aria-label', label); node.setAttribute('role', 'link'); }
    pos.set(p.ev.id, p.pos);
  }
}

function renderLegend(el, placed, { party, haveBoundaries }) {
  const counts = new Map();
  for (const p of placed) counts.set(p.state, (counts.get(p.state) || 0) + 1);
  const states = LEGEND_ORDER.filter((s) => (party ? s !== 'clash' : s !== 'clash_notice'));
  const unplaced = placed.filter((p) => !p.pos);
  mount(el,
    haveBoundaries ? null : h('p', { class: 'alert alert-muted' }, 'Limites administratives pas encore téléchargées : elles le seront à la prochaine connexion au réseau.'),
    h('ul', { class: 'legend', 'aria-label': 'Légende' }, states.map((s) => h('li', { class: counts.get(s) ? null : 'legend-none' },
      h('span', { class: `mk mk-${s} mk-static`, 'aria-hidden': 'true' }, MAP_STATES[s].glyph),
      ` ${MAP_STATES[s].label} `, h('span', { class: 'legend-count' }, String(counts.get(s) || 0))))),
    h('p', { class: 'hint' }, placed.length
      ? `${placed.length} événement${placed.length > 1 ? 's' : ''} ; touchez un repère pour ouvrir l’événement. Traits : parcours des caravanes et marches${party ? '' : ' ; pointillés violets : événements en conflit'}.`
      : 'Aucun événement à afficher.'),
    unplaced.length ? h('details', { class: 'unplaced' },
      h('summary', null, `${unplaced.length} sans position sur la carte`),
      h('ul', null, unplaced.map((p) => h('li', null, h('a', { href: `#/evenement/${p.ev.id}` }, p.ev.title || '(sans titre)'),
        ` · ${EVENT_KINDS[p.ev.kind] || p.ev.kind} · ${formatRange(p.ev.starts_at, p.ev.ends_at)}`)))) : null);
}
