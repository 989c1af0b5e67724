// Plane geometry on GeoJSON lon/lat coordinates, small enough for a phone:
// point-in-polygon (to place a route point in an arrondissement offline),
// bounding boxes and a label point per polygon (to put an event that has
// only a commune on the map). Pure functions, no DOM: unit-tested in Node.

/** True when [lon, lat] is inside the ring (even-odd rule, boundary may go either way). */
function inRing(ring, x, y) {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i];
    const [xj, yj] = ring[j];
    if ((yi > y) !== (yj > y) && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/** Polygons of a GeoJSON geometry as [outer, ...holes] lists. */
function polygons(geometry) {
  if (!geometry) return [];
  if (geometry.type === 'Polygon') return [geometry.coordinates];
  if (geometry.type === 'MultiPolygon') return geometry.coordinates;
  return [];
}

/** True when the point {lat, lon} lies in the feature's (multi)polygon, holes excluded. */
export function contains(feature, { lat, lon }) {
  const bb = feature.bbox || (feature.bbox = bbox(feature.geometry));
  if (!bb || lon < bb[0] || lat < bb[1] || lon > bb[2] || lat > bb[3]) return false;
  for (const [outer, ...holes] of polygons(feature.geometry)) {
    if (inRing(outer, lon, lat) && !holes.some((h) => inRing(h, lon, lat))) return true;
  }
  return false;
}

/** The first feature of the collection containing the point, or null. */
export function featureAt(fc, point) {
  for (const f of (fc && fc.features) || []) if (contains(f, point)) return f;
  return null;
}

/** [minLon, minLat, maxLon, maxLat] of a geometry, or null when empty. */
export function bbox(geometry) {
  let b = null;
  for (const poly of polygons(geometry)) {
    for (const [x, y] of poly[0] || []) {
      if (!b) b = [x, y, x, y];
      else { if (x < b[0]) b[0] = x; if (y < b[1]) b[1] = y; if (x > b[2]) b[2] = x; if (y > b[3]) b[3] = y; }
    }
  }
  return b;
}

/** Union of bounding boxes (nulls skipped). */
export function unionBox(boxes) {
  let b = null;
  for (const x of boxes) {
    if (!x) continue;
    if (!b) b = [...x];
    else b = [Math.min(b[0], x[0]), Math.min(b[1], x[1]), Math.max(b[2], x[2]), Math.max(b[3], x[3])];
  }
  return b;
}

function ringArea(ring) {
  let a = 0;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) a += ring[j][0] * ring[i][1] - ring[i][0] * ring[j][1];
  return a / 2;
}

/**
 * A point to label the feature with: the centroid of its largest outer
 * ring, or — when that falls outside (a crescent-shaped commune) — the
 * middle of the widest inside stretch of the horizontal line through it.
 * Returns {lat, lon} or null.
 */
export function labelPoint(feature) {
  let best = null;
  let bestArea = 0;
  for (const poly of polygons(feature.geometry)) {
    const a = Math.abs(ringArea(poly[0] || []));
    if (a > bestArea) { bestArea = a; best = poly[0]; }
  }
  if (!best || !best.length) return null;
  let cx = 0;
  let cy = 0;
  let a2 = 0;
  for (let i = 0, j = best.length - 1; i < best.length; j = i++) {
    const f = best[j][0] * best[i][1] - best[i][0] * best[j][1];
    cx += (best[j][0] + best[i][0]) * f;
    cy += (best[j][1] + best[i][1]) * f;
    a2 += f;
  }
  const c = a2 ? { lon: cx / (3 * a2), lat: cy / (3 * a2) } : { lon: best[0][0], lat: best[0][1] };
  if (contains(feature, c)) return c;
  // Scan line through c: the crossings of the ring, paired, give the
  // inside stretches; take the middle of the widest.
  const xs = [];
  for (let i = 0, j = best.length - 1; i < best.length; j = i++) {
    const [xi, yi] = best[i];
    const [xj, yj] = best[j];
    if ((yi > c.lat) !== (yj > c.lat)) xs.push(((xj - xi) * (c.lat - yi)) / (yj - yi) + xi);
  }
  xs.sort((p, q) => p - q);
  let out = { lon: best[0][0], lat: best[0][1] };
  let width = -1;
  for (let k = 0; k + 1 < xs.length; k += 2) {
    if (xs[k + 1] - xs[k] > width) { width = xs[k + 1] - xs[k]; out = { lon: (xs[k] + xs[k + 1]) / 2, lat: c.lat }; }
  }
  return out;
}

/**
 * Spreads markers that would sit on the very same spot (several events
 * placed only by their commune) on a small circle around it, in a stable
 * order, so that each stays tappable. `items` are {id, lat, lon}; returns
 * a Map id → {lat, lon}. `step` is in degrees (about 300 m by default).
 */
export function spread(items, step = 0.003) {
  const groups = new Map();
  for (const it of items) {
    const k = `${it.lat.toFixed(5)},${it.lon.toFixed(5)}`;
    if (!groups.has(k)) groups.set(k, []);
    groups.get(k).push(it);
  }
  const out = new Map();
  for (const g of groups.values()) {
    g.sort((a, b) => String(a.id).localeCompare(String(b.id)));
    if (g.length === 1) { out.set(g[0].id, { lat: g[0].lat, lon: g[0].lon }); continue; }
    const r = step * Math.max(1, g.length / 6);
    g.forEach((it, i) => {
      const t = (2 * Math.PI * i) / g.length;
      out.set(it.id, { lat: it.lat + r * Math.sin(t), lon: it.lon + r * Math.cos(t) });
    });
  }
  return out;
}
