// Receipt check at a checkpoint, offline: paste the token or scan the QR
// code (BarcodeDetector, where the phone has it), then verify the Ed25519
// signature against the cached keys and the synced revocations.

import { h, mount, field, badge, errorBox, toast } from '../ui.js';
import * as store from '../store.js';
import { getMeta } from '../db.js';
import { refreshKeys } from '../sync.js';
import { verify, extractToken, digest } from '../receipt.js';
import { errorMessage, revocationReason } from '../labels.js';
import { api } from '../api.js';
import { formatFull, formatRange, relative } from '../time.js';

let stopScan = null;

export function render(main) {
  let revokedList = [];
  getMeta('revoked').then((l) => { revokedList = (l && l.revoked) || []; });
  const input = h('textarea', { id: 'token', rows: '4', placeholder: 'eyJhbGciOiJFZERTQSIs…', autocapitalize: 'none', spellcheck: 'false' });
  const result = h('div', { 'aria-live': 'polite', id: 'verify-result' });
  const keysInfo = h('p', { class: 'hint' });
  const video = h('video', { class: 'scanner', playsinline: true, muted: true, hidden: true, 'aria-label': 'Caméra' });

  getMeta('jwks').then((j) => {
    keysInfo.textContent = j && j.keys && j.keys.length
      ? `Clés de vérification en mémoire (${j.keys.length}), mises à jour ${relative(new Date(j.fetched_at))}.`
      : 'Aucune clé en mémoire : connectez-vous une fois au réseau pour les charger.';
  });

  const check = async (text) => {
    const token = extractToken(text);
    if (!token) { result.replaceChildren(errorBox(errorMessage('malformed'))); return; }
    let keys = ((await getMeta('jwks')) || {}).keys || [];
    let res = await verify(token, { keys, isRevoked });
    // A key we do not know yet may be a new signing key: refresh once if online.
    if ((res.code === 'unknown_key' || res.code === 'no_keys') && navigator.onLine) {
      keys = await refreshKeys(true);
      res = await verify(token, { keys, isRevoked });
    }
    // This phone knows the revocations of its own sector only: online, the
    // server (which knows them all) confirms a receipt that looks valid;
    // offline, a receipt of another sector's event is flagged unconfirmed.
    if (res.valid && navigator.onLine) {
      try {
        const server = await api('/api/receipts/verify', { method: 'POST', body: { token } });
        if (server && !server.valid) res = { ...res, valid: false, code: server.code || 'revoked' };
      } catch { /* unreachable: keep the offline verdict */ }
    } else if (res.valid && !store.get('events', res.claims.evt)) {
      res = { ...res, unconfirmed: true };
    }
    result.replaceChildren(await resultCard(res));
    result.focus();
  };

  const scanBtn = navigator.mediaDevices && navigator.mediaDevices.getUserMedia ? h('button', {
    type: 'button', class: 'btn',
    onclick: async () => {
      if (stopScan) { stopScan(); return; }
      try {
        stopScan = await scan(video, (text) => { stopScan && stopScan(); input.value = text; check(text); });
        scanBtn.textContent = 'Arrêter la caméra';
      } catch {
        toast('Caméra indisponible : collez le jeton.', 'error');
      }
    },
  }, 'Scanner le code QR') : null;

  mount(main, 
    h('h2', null, 'Vérifier un récépissé'),
    h('p', { class: 'muted' }, 'La vérification fonctionne sans réseau, avec les clés et les révocations synchronisées.'),
    keysInfo,
    video,
    scanBtn ? h('div', { class: 'actions' }, scanBtn) : h('p', { class: 'hint' }, 'Pas de caméra accessible sur ce téléphone : collez le jeton.'),
    h('form', { class: 'form', onsubmit: (e) => { e.preventDefault(); check(input.value); } },
      field('Jeton du récépissé', input),
      h('button', { type: 'submit', class: 'btn btn-primary btn-block' }, 'Vérifier')),
    result);
  result.tabIndex = -1;
  return { live: false, dispose: () => { if (stopScan) stopScan(); } };

  function isRevoked(number) {
    const r = store.receiptByNumber(number);
    if (r && r.revoked_at) return r;
    const x = revokedList.find((e) => e.number === number);
    return x ? { revoked_at: x.revoked_at, revoked_reason: x.reason } : null;
  }
}

async function resultCard(res) {
  const c = res.claims || {};
  const ok = res.valid;
  const rows = [];
  const add = (k, v) => { if (v) rows.push(h('dt', null, k), h('dd', null, v)); };
  add('Numéro', c.num);
  add('Parti', c.pac);
  add('Unité responsable', c.unn);
  const arr = c.arr && store.list('arrondissements').find((a) => a.code === c.arr);
  const com = c.com && store.communeByCode(c.com);
  add('Lieu', [c.plc, arr ? arr.name : c.arr, com ? com.name : c.com].filter(Boolean).join(', '));
  add('Quand', c.sta ? formatRange(c.sta, c.end) : '');
  add('Pris en compte le', c.ack ? formatFull(c.ack) : '');
  if (res.revocation) add('Révoqué le', `${formatFull(res.revocation.revoked_at)}${res.revocation.revoked_reason ? ` : ${revocationReason(res.revocation.revoked_reason)}` : ''}`);

  // When this phone holds the declaration, say whether the receipt still
  // matches it (a changed declaration gets a new receipt).
  let match = null;
  const ev = ok && c.evt ? store.get('events', c.evt) : null;
  if (ev && c.dig && crypto.subtle) {
    try {
      const codes = { communeCode: (store.get('communes', ev.commune) || {}).code || '', arrondissementCode: (store.get('arrondissements', ev.arrondissement) || {}).code || '' };
      const d = await digest(ev, codes);
      match = d === c.dig
        ? h('p', { class: 'alert alert-ok' }, 'Conforme à la déclaration enregistrée.')
        : h('p', { class: 'alert alert-warn' }, errorMessage('digest_mismatch'));
    } catch { /* informative only */ }
  }

  return h('div', { class: `card verdict ${ok ? 'verdict-ok' : 'verdict-bad'}`, role: 'alert' },
    h('p', { class: 'verdict-title' }, ok ? badge('Récépissé valide', 'ok') : badge('Récépissé NON valide', 'danger')),
    ok ? null : h('p', null, errorMessage(res.code)),
    res.unconfirmed ? h('p', { class: 'alert alert-warn' }, 'Événement d’un autre secteur : sa révocation éventuelle n’est pas connue hors ligne. Confirmez dès que le réseau revient.') : null,
    rows.length ? h('dl', { class: 'details' }, rows) : null,
    match,
    ev ? h('a', { class: 'btn', href: `#/evenement/${ev.id}` }, 'Voir l’événement') : null);
}

async function scan(video, onText) {
  const detect = await qrDetector();
  const stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' }, audio: false });
  video.srcObject = stream;
  video.hidden = false;
  await video.play();
  let running = true;
  const loop = async () => {
    if (!running) return;
    try {
      const text = await detect(video);
      if (text) { onText(text); return; }
    } catch { /* frame not ready */ }
    setTimeout(loop, 250); // a few tries per second is plenty and spares the battery
  };
  loop();
  return () => {
    running = false;
    stream.getTracks().forEach((t) => t.stop());
    video.hidden = true;
    stopScan = null;
    const btn = document.querySelector('.actions .btn');
    if (btn && btn.textContent === 'Arrêter la caméra') btn.textContent = 'Scanner le code QR';
  };
}

/**
 * A function reading a QR code's text from a video frame: the browser's
 * BarcodeDetector where it has one for QR codes, else jsQR (vendored,
 * loaded on first use) over the frame drawn on a canvas. The source is a
 * <video> (or any image a canvas can draw).
 */
export async function qrDetector({ native = true } = {}) {
  if (native && 'BarcodeDetector' in window) {
    const formats = await window.BarcodeDetector.getSupportedFormats().catch(() => []);
    if (formats.includes('qr_code')) {
      const detector = new window.BarcodeDetector({ formats: ['qr_code'] });
      return async (video) => {
        const codes = await detector.detect(video);
        return codes.length ? codes[0].rawValue : '';
      };
    }
  }
  const jsQR = await loadJsQR();
  const canvas = document.createElement('canvas');
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  return async (video) => {
    const w = video.videoWidth || video.naturalWidth || video.width;
    const hgt = video.videoHeight || video.naturalHeight || video.height;
    if (!w || !hgt) return '';
    // a dense receipt code needs the camera's full resolution, up to 1280 px
    const scale = Math.min(1, 1280 / Math.max(w, hgt));
    canvas.width = Math.round(w * scale);
    canvas.height = Math.round(hgt * scale);
    ctx.drawImage(video, 0, 0, canvas.width, canvas.height);
    const img = ctx.getImageData(0, 0, canvas.width, canvas.height);
    const code = jsQR(img.data, img.width, img.height, { inversionAttempts: 'dontInvert' });
    return code ? code.data : '';
  };
}

let jsQRPromise = null;
function loadJsQR() {
  // jsQR ships as a UMD script, not a module: it defines window.jsQR
  jsQRPromise = jsQRPromise || new Promise((resolve, reject) => {
    if (window.jsQR) { resolve(window.jsQR); return; }
    const el = document.createElement('script');
    el.src = '/vendor/jsqr/jsQR.js';
    el.onload = () => (window.jsQR ? resolve(window.jsQR) : reject(new Error('jsQR')));
    el.onerror = () => { jsQRPromise = null; reject(new Error('jsQR')); };
    document.head.append(el);
  });
  return jsQRPromise;
}
