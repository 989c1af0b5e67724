// Loads the vendored Leaflet (pb_public/vendor/leaflet, UMD build: it sets
// window.L) and its stylesheet, once. Only map screens call this, by dynamic
// import, so Leaflet's ~46 KB gzipped never weigh on the first load.

let ready = null;

export function loadLeaflet() {
  if (ready) return ready;
  ready = (async () => {
    if (!document.querySelector('link[data-leaflet]')) {
      const link = document.createElement('link');
      link.rel = 'stylesheet';
      link.href = '/vendor/leaflet/leaflet.css';
      link.dataset.leaflet = '1';
      const loaded = new Promise((resolve) => { link.onload = resolve; link.onerror = resolve; });
      document.head.append(link);
      await loaded;
    }
    await import('/vendor/leaflet/leaflet.js');
    return window.L;
  })();
  ready.catch(() => { ready = null; });
  return ready;
}

/**
 * A Leaflet map with no tiles: the boundaries are the basemap. French
 * control labels, no attribution prefix flag; `el.leafletMap` lets tests
 * and other modules reach the instance.
 */
export function blankMap(L, el, opts = {}) {
  const map = L.map(el, {
    zoomControl: false, attributionControl: true, zoomSnap: 0.25, minZoom: 5, maxZoom: 17,
    maxBounds: [[4.5, -0.5], [13.5, 5.5]], maxBoundsViscosity: 0.8, tap: true, ...opts,
  });
  L.control.zoom({ zoomInTitle: 'Zoomer', zoomOutTitle: 'Dézoomer' }).addTo(map);
  map.attributionControl.setPrefix('<a href="https://leafletjs.com" target="_blank" rel="noopener">Leaflet</a>');
  map.attributionControl.addAttribution('Limites administratives : import de l’opérateur');
  el.leafletMap = map;
  return map;
}
