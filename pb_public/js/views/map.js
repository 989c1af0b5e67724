// #/carte: the map screen. This module is part of the first load and stays
// tiny; the map itself (Leaflet and our drawing code) is imported only when
// the screen is opened, then served by the service worker offline.

import { h, mount } from '../ui.js';
import * as store from '../store.js';
import { isParty } from '../session.js';

export function render(main, params) {
  const me = store.me();
  const showAll = params.get('vue') === 'tous';
  let title = 'Carte — tout le territoire';
  if (isParty(me)) title = `Carte — ${store.nameOf('parties', me.party) || 'mon parti'}`;
  else if (me.unit) title = `Carte — ${store.nameOf('units', me.unit) || 'mon unité'}`;
  const mapEl = h('div', { class: 'map', id: 'map', role: 'region', 'aria-label': 'Carte des événements' },
    h('p', { class: 'map-loading' }, 'Chargement de la carte…'));
  const legend = h('div', { class: 'map-legend', 'aria-live': 'polite' });
  const q = (vue) => `#/carte${vue ? `?vue=${vue}` : ''}`;
  mount(main,
    h('div', { class: 'view-head' }, h('h2', null, title)),
    h('div', { class: 'tabs', role: 'group', 'aria-label': 'Affichage' },
      h('a', { href: '#/' }, 'Liste'),
      h('a', { href: q(''), 'aria-current': showAll ? null : 'page' }, 'À venir'),
      h('a', { href: q('tous'), 'aria-current': showAll ? 'page' : null }, 'Tous')),
    mapEl, legend);

  let dispose = null;
  let gone = false;
  import('../map/map-view.js')
    .then((m) => { mapEl.replaceChildren(); return m.renderMap(mapEl, legend, { me, showAll }); })
    .then((d) => { if (gone) d(); else dispose = d; })
    .catch(() => {
      mount(mapEl, h('p', { class: 'alert alert-error', role: 'alert' },
        'La carte n’a pas pu être chargée. Connectez-vous une fois au réseau pour l’enregistrer sur le téléphone.'));
    });
  // The map redraws its own markers on data changes: the router must not
  // rebuild the screen (the user's zoom would be lost).
  return { live: false, dispose: () => { gone = true; if (dispose) dispose(); } };
}
