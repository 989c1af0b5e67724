// Drawing a caravan or march route on the map (issue 13 point 2): tap the
// map to add the next stop, drag a stop to move it, tap a stop then
// « Retirer » to remove it. The basemap is the cached boundaries, so the
// organizer draws offline too. The form owns the route (a list of
// {lat, lon}); the editor only shows it and reports changes.

import { h } from '../ui.js';
import { loadLeaflet, blankMap } from './leaflet.js';
import { layer } from './boundaries.js';
import { bbox, unionBox } from './geometry.js';
import * as store from '../store.js';

const round6 = (x) => Math.round(x * 1e6) / 1e6;

/**
 * Mounts the editor in `el`. `points` is the initial route; `onChange(points)`
 * is called after every edit; `communeId` centres an empty route.
 * Returns { set(points), focusCommune(id), dispose() }.
 */
export async function mountRouteEditor(el, { points = [], onChange, communeId = '' }) {
  const L = await loadLeaflet();
  const [deps, communes] = await Promise.all([layer('departement'), layer('commune')]);
  const mapEl = h('div', { class: 'map map-editor', id: 'route-map', role: 'application', 'aria-label': 'Carte du parcours : touchez pour ajouter une étape' });
  const status = h('p', { class: 'hint', 'aria-live': 'polite' });
  const removeBtn = h('button', { type: 'button', class: 'btn btn-small', disabled: true }, 'Retirer l’étape');
  const undoBtn = h('button', { type: 'button', class: 'btn btn-small' }, 'Retirer la dernière');
  const clearBtn = h('button', { type: 'button', class: 'btn btn-small' }, 'Tout effacer');
  el.replaceChildren(mapEl, h('div', { class: 'actions route-tools' }, removeBtn, undoBtn, clearBtn), status);

  const map = blankMap(L, mapEl, { doubleClickZoom: false });
  if (communes) L.geoJSON(communes, { style: { color: '#b9c1c5', weight: 0.8, fillColor: '#f6f4ec', fillOpacity: 1 }, interactive: false }).addTo(map);
  if (deps) L.geoJSON(deps, { style: { color: '#6d7a81', weight: 1.5, fill: false }, interactive: false }).addTo(map);

  let route = points.map((p) => ({ lat: p.lat, lon: p.lon }));
  let selected = -1;

  const changed = () => { draw(); if (onChange) onChange(route.map((p) => ({ ...p }))); };
  function draw() {
    line.setLatLngs(route.map((p) => [p.lat, p.lon]));
    stops.clearLayers();
    route.forEach((p, i) => {
      const m = L.marker([p.lat, p.lon], {
        draggable: true, keyboard: true, title: `Étape ${i + 1}`, alt: `Étape ${i + 1}`,
        icon: L.divIcon({ className: `stop${i === selected ? ' stop-selected' : ''}`, html: String(i + 1), iconSize: [28, 28], iconAnchor: [14, 14] }),
      });
      m.on('click', (e) => { L.DomEvent.stop(e); selected = selected === i ? -1 : i; draw(); });
      m.on('keypress', (e) => { if (e.originalEvent.key === 'Enter') { selected = selected === i ? -1 : i; draw(); } });
      m.on('dragend', () => {
        const ll = m.getLatLng();
        route[i] = { lat: round6(ll.lat), lon: round6(ll.lng) };
        selected = -1; // a moved stop is done with: the next tap adds a stop
        changed();
      });
      m.addTo(stops);
      const node = m.getElement();
      if (node) node.dataset.index = String(i);
    });
    removeBtn.disabled = selected < 0;
    removeBtn.textContent = selected < 0 ? 'Retirer l’étape' : `Retirer l’étape ${selected + 1}`;
    undoBtn.disabled = !route.length;
    clearBtn.disabled = !route.length;
    status.textContent = route.length
      ? `${route.length} étape${route.length > 1 ? 's' : ''}${selected >= 0 ? ` ; étape ${selected + 1} sélectionnée` : ''}.`
      : 'Touchez la carte pour placer le départ, puis chaque étape dans l’ordre.';
  }

  map.on('click', (e) => {
    if (selected >= 0) { selected = -1; draw(); return; } // a tap beside a selected stop only deselects
    route.push({ lat: round6(e.latlng.lat), lon: round6(e.latlng.lng) });
    changed();
  });
  removeBtn.addEventListener('click', () => { if (selected < 0) return; route.splice(selected, 1); selected = -1; changed(); });
  undoBtn.addEventListener('click', () => { route.pop(); selected = -1; changed(); });
  clearBtn.addEventListener('click', () => { route = []; selected = -1; changed(); });

  const fitCommune = (id) => {
    const c = store.get('communes', id);
    const f = c && communes && communes.features.find((x) => x.properties.code === c.code);
    const b = f && bbox(f.geometry);
    if (!b) return false;
    // The commune and its surroundings: routes often leave the commune.
    const dx = (b[2] - b[0]) || 0.02;
    const dy = (b[3] - b[1]) || 0.02;
    map.fitBounds([[b[1] - dy, b[0] - dx], [b[3] + dy, b[2] + dx]]);
    return true;
  };
  if (route.length) map.fitBounds(L.latLngBounds(route.map((p) => [p.lat, p.lon])).pad(0.3), { maxZoom: 14 });
  else if (!fitCommune(communeId)) {
    const b = deps && unionBox(deps.features.map((f) => bbox(f.geometry)));
    if (b) map.fitBounds([[b[1], b[0]], [b[3], b[2]]]);
    else map.setView([9.3, 2.3], 6.25);
  }
  // Layers with no point yet can only join a map that already has a view.
  const line = L.polyline([], { className: 'route route-draft', weight: 5, interactive: false }).addTo(map);
  const stops = L.layerGroup().addTo(map);
  draw();

  return {
    set(pts) { route = pts.map((p) => ({ lat: p.lat, lon: p.lon })); selected = -1; draw(); },
    focusCommune(id) { if (!route.length) fitCommune(id); },
    dispose() { map.remove(); },
  };
}
