// Credentials slips: one per person (name, unit or party, login, initial
// password), to print and hand out; cut along the dashed lines. The
// passwords are shown only here and never stored on the phone.

import { h } from './ui.js';
import { ROLES } from './labels.js';

const COLUMNS = ['name', 'role', 'unit', 'party', 'login', 'initial_password'];

/** Reads a credentials file (`accounts import --credentials`). */
export function parseCredentials(text) {
  const rows = parseCSV(text.replace(/^\ufeff/, ''));
  const head = (rows.shift() || []).map((c) => c.trim().toLowerCase());
  const idx = COLUMNS.map((c) => head.indexOf(c));
  if (idx.some((i) => i < 0)) throw new Error(`Ce n’est pas un fichier de mots de passe provisoires : la première ligne doit être ${COLUMNS.join(',')}.`);
  return rows.filter((r) => r.some((c) => c.trim())).map((r) => {
    const [name, role, unit, party, login, password] = idx.map((i) => r[i] || '');
    return { name, role, unit, party, login, password };
  });
}

/** A printable sheet of slips for creds. */
export function slipSheet(creds, title) {
  return h('section', { class: 'slips', 'aria-label': title },
    h('div', { class: 'slips-head' },
      h('h3', null, title),
      h('p', { class: 'muted' }, 'Ces mots de passe ne seront plus affichés : imprimez les fiches maintenant. Chacun choisira le sien à sa première connexion.'),
      h('button', { type: 'button', class: 'btn btn-primary', onclick: () => window.print() }, 'Imprimer les fiches')),
    creds.map((c) => h('div', { class: 'slip' },
      h('div', { class: 'slip-title' }, 'Coprosec — accès personnel'),
      h('dl', null,
        h('dt', null, 'Nom'), h('dd', null, c.name),
        h('dt', null, 'Rôle'), h('dd', null, ROLES[c.role] || c.role),
        c.unit ? [h('dt', null, 'Unité'), h('dd', null, c.unit)] : null,
        c.party ? [h('dt', null, 'Parti'), h('dd', null, c.party)] : null,
        h('dt', null, 'Identifiant'), h('dd', { class: 'slip-login' }, c.login),
        h('dt', null, 'Mot de passe provisoire'), h('dd', { class: 'slip-password' }, c.password)),
      h('p', { class: 'slip-note' }, 'À changer à la première connexion. Ne le communiquez à personne.'))));
}

/** RFC 4180 CSV: quoted fields, doubled quotes, CRLF or LF. */
export function parseCSV(text) {
  const rows = [];
  let row = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { cell += '"'; i++; } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') { row.push(cell); cell = ''; }
    else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(cell); rows.push(row); row = []; cell = '';
    } else cell += c;
  }
  if (cell || row.length) { row.push(cell); rows.push(row); }
  return rows;
}
