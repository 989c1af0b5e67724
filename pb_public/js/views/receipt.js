// The receipt as the organizer shows it at a checkpoint: a QR code of the
// signed token (readable offline by any police phone), plus its readable
// content.

import { h, mount, badge, empty, toast } from '../ui.js';
import * as store from '../store.js';
import { toSVG } from '../qr.js';
import { formatFull, formatRange } from '../time.js';
import { revocationReason } from '../labels.js';

export function render(main, params, [eventId]) {
  const ev = store.get('events', eventId);
  const r = store.receiptOf(eventId);
  const back = h('p', { class: 'back' }, h('a', { href: `#/evenement/${eventId}` }, '‹ Événement'));
  if (!r) {
    mount(main, back, h('h2', null, 'Récépissé'),
      empty('Pas encore de récépissé : il est délivré dès que l’unité responsable a pris en compte la déclaration.'));
    return { live: true };
  }
  let qr;
  try {
    qr = toSVG(r.token, { level: 'L', title: `Code QR du récépissé ${r.number}` });
    const n = qr.getAttribute('data-modules');
    qr = h('figure', { class: 'qr-figure' }, qr,
      h('figcaption', { class: 'hint' }, `Code QR version ${qr.getAttribute('data-version')}, ${n} × ${n} modules (${r.token.length} caractères) : affichez-le en grand, luminosité au maximum.`));
  } catch {
    qr = h('p', { class: 'alert alert-error' }, 'Jeton trop long pour un code QR : utilisez « Copier le jeton ».');
  }
  const copy = h('button', {
    type: 'button', class: 'btn',
    onclick: async () => {
      try {
        await navigator.clipboard.writeText(r.token);
        toast('Jeton copié.');
      } catch {
        tokenBox.hidden = false;
        tokenBox.select();
      }
    },
  }, 'Copier le jeton');
  const tokenBox = h('textarea', { class: 'token', readonly: true, rows: '4', hidden: true, 'aria-label': 'Jeton du récépissé' }, r.token);

  mount(main, back,
    h('h2', null, 'Récépissé de déclaration'),
    h('p', null, h('strong', { class: 'receipt-number' }, `N° ${r.number}`), ' ', r.revoked_at ? badge('Révoqué', 'danger') : badge('Valide', 'ok')),
    r.revoked_at ? h('p', { class: 'alert alert-error', role: 'alert' }, `Révoqué le ${formatFull(r.revoked_at)}${r.revoked_reason ? ` : ${revocationReason(r.revoked_reason)}` : ''}. Ne le présentez plus.`) : null,
    h('figure', { class: 'qr-wrap' },
      // Full screen on tap: easier to read for a checkpoint camera in the sun.
      h('button', { type: 'button', class: 'qr-button', 'aria-label': 'Agrandir le code QR', onclick: (e) => e.currentTarget.classList.toggle('qr-full') }, qr),
      h('figcaption', null, 'À présenter aux forces de l’ordre : vérifiable sans réseau. Touchez le code pour l’agrandir.')),
    ev ? h('dl', { class: 'details' },
      h('dt', null, 'Événement'), h('dd', null, ev.title),
      h('dt', null, 'Quand'), h('dd', null, formatRange(ev.starts_at, ev.ends_at)),
      h('dt', null, 'Lieu'), h('dd', null, [ev.place, store.nameOf('communes', ev.commune)].filter(Boolean).join(', ')),
      h('dt', null, 'Parti'), h('dd', null, store.nameOf('parties', ev.party)),
      h('dt', null, 'Unité responsable'), h('dd', null, store.nameOf('units', ev.lead_unit)),
      h('dt', null, 'Délivré le'), h('dd', null, formatFull(r.issued_at))) : null,
    h('div', { class: 'actions' }, copy, h('button', { type: 'button', class: 'btn', onclick: () => window.print() }, 'Imprimer')),
    tokenBox);
  return { live: true };
}
