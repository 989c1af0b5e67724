// Incident report with photos. Photos are shrunk on the phone (≤ 1280 px,
// JPEG) before being queued: a raw 4 MB camera picture would take minutes on
// 2G. The report is kept in the outbox (photos as Blobs in IndexedDB) and
// uploaded as multipart when the network allows.

import { h, mount, field, select, errorBox, toast } from '../ui.js';
import * as store from '../store.js';
import * as outbox from '../outbox.js';
import { recordId } from '../ids.js';
import { INCIDENT_KINDS, SEVERITY, errorMessage } from '../labels.js';
import { toLocalInput, fromLocalInput, formatDateTime } from '../time.js';

const MAX_PHOTOS = 5;
const MAX_SIDE = 1280;

export function render(main, params) {
  const evId = params.get('evenement') || '';
  const events = store.eventsSorted().filter((e) => e.status !== 'cancelled' && !e._unsynced);
  const evSel = select('inc-event', [{ value: '', label: '— Aucun (incident isolé) —' },
    ...events.map((e) => ({ value: e.id, label: `${e.title} (${formatDateTime(e.starts_at)})` }))], evId);
  const kind = select('inc-kind', Object.entries(INCIDENT_KINDS).map(([value, label]) => ({ value, label })), 'disorder');
  const sev = h('fieldset', { class: 'checks severity' }, h('legend', null, 'Gravité'),
    Object.entries(SEVERITY).map(([v, label]) => h('label', null, h('input', { type: 'radio', name: 'severity', value: v, checked: v === '2' }), ' ', label)));
  const desc = h('textarea', { id: 'inc-desc', rows: '4', required: true, maxlength: '5000' });
  const when = h('input', { id: 'inc-when', type: 'datetime-local', value: toLocalInput(new Date()) });
  const photos = h('input', { id: 'inc-photos', type: 'file', accept: 'image/*', capture: 'environment', multiple: true });
  const preview = h('p', { class: 'hint', 'aria-live': 'polite' });
  photos.addEventListener('change', () => {
    const n = photos.files.length;
    preview.textContent = n ? `${Math.min(n, MAX_PHOTOS)} photo(s) sélectionnée(s)${n > MAX_PHOTOS ? ` (les ${MAX_PHOTOS} premières seront envoyées)` : ''}.` : '';
  });
  let position = null;
  const gpsOut = h('p', { class: 'card-line', 'aria-live': 'polite' }, 'Aucune position GPS.');
  const gps = h('button', {
    type: 'button', class: 'btn',
    onclick: () => {
      gpsOut.textContent = 'Recherche de la position…';
      if (!navigator.geolocation) { gpsOut.textContent = errorMessage('local_gps'); return; }
      navigator.geolocation.getCurrentPosition((p) => {
        position = { lat: Math.round(p.coords.latitude * 1e6) / 1e6, lon: Math.round(p.coords.longitude * 1e6) / 1e6 };
        gpsOut.textContent = `Position : ${position.lat.toFixed(5)}, ${position.lon.toFixed(5)}`;
      }, () => { gpsOut.textContent = errorMessage('local_gps'); }, { enableHighAccuracy: true, timeout: 20000, maximumAge: 60000 });
    },
  }, 'Ajouter ma position GPS');
  const msg = h('div', { 'aria-live': 'assertive' });
  const submit = h('button', { type: 'submit', class: 'btn btn-primary btn-block' }, 'Envoyer le signalement');

  const form = h('form', {
    class: 'form',
    onsubmit: async (e) => {
      e.preventDefault();
      if (!desc.value.trim()) { msg.replaceChildren(errorBox('Décrivez l’incident.')); desc.focus(); return; }
      submit.disabled = true;
      submit.textContent = 'Préparation…';
      try {
        const files = [];
        for (const f of [...photos.files].slice(0, MAX_PHOTOS)) {
          try { files.push(await shrink(f)); } catch { msg.replaceChildren(errorBox(errorMessage('local_photo'))); return; }
        }
        const data = {
          kind: kind.value,
          severity: Number(form.querySelector('input[name="severity"]:checked').value),
          description: desc.value.trim(),
          occurred_at: fromLocalInput(when.value) || new Date().toISOString(),
          status: 'unverified',
        };
        if (evSel.value) data.event = evSel.value;
        if (position) data.location = position;
        await outbox.enqueue({
          collection: 'incidents', op: 'create', record_id: recordId(), data, files,
          // Without photos the report travels with the other changes in a
          // sync push; photos need PocketBase's multipart upload.
          transport: files.length ? 'rest' : 'push',
          label: `Incident : ${INCIDENT_KINDS[data.kind]}`,
        });
        toast(navigator.onLine ? 'Signalement envoyé.' : 'Signalement enregistré : il partira au retour du réseau.', 'ok');
        location.hash = evSel.value ? `#/evenement/${evSel.value}` : '#/envois';
      } finally {
        submit.disabled = false;
        submit.textContent = 'Envoyer le signalement';
      }
    },
  },
  h('h2', null, 'Signaler un incident'),
  field('Événement concerné', evSel),
  field('Nature', kind),
  sev,
  field('Description', desc, 'Ce qui s’est passé, le nombre de personnes, les blessés éventuels.'),
  field('Heure (heure du Bénin)', when),
  gps, gpsOut,
  field('Photos (5 au plus)', photos, 'Réduites automatiquement avant l’envoi.'),
  preview,
  msg,
  submit);

  mount(main, form);
  return { live: false };
}

async function shrink(file) {
  const bitmap = await createImageBitmap(file);
  const scale = Math.min(1, MAX_SIDE / Math.max(bitmap.width, bitmap.height));
  if (scale === 1 && file.size < 400e3 && /jpeg|png|webp/.test(file.type)) {
    bitmap.close();
    return { name: file.name || 'photo.jpg', type: file.type, blob: file };
  }
  const canvas = document.createElement('canvas');
  canvas.width = Math.round(bitmap.width * scale);
  canvas.height = Math.round(bitmap.height * scale);
  canvas.getContext('2d').drawImage(bitmap, 0, 0, canvas.width, canvas.height);
  bitmap.close();
  const blob = await new Promise((resolve, reject) => canvas.toBlob((b) => (b ? resolve(b) : reject(new Error('photo'))), 'image/jpeg', 0.72));
  return { name: (file.name || 'photo').replace(/\.\w+$/, '') + '.jpg', type: 'image/jpeg', blob };
}
