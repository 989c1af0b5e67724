// Accounts of the people one manages (DESIGN §2): a party_admin its party's
// organizers, the ministry police accounts (and units, by file), a director
// its units' accounts (read only). Accounts are not in the phone's replica:
// this screen needs the network. New accounts and resets give initial
// passwords, shown once and printed as slips (one per person).

import { h, mount, field, select, errorBox, toast, confirmDialog, empty, badge } from '../ui.js';
import { api } from '../api.js';
import * as store from '../store.js';
import { ROLES, errorMessage } from '../labels.js';
import { normalizeIdentity } from '../session.js';
import { slipSheet, parseCredentials } from '../slips.js';

const MANAGED = {
  party_admin: ['organizer'],
  ministry: ['officer', 'commander', 'director'],
};

export const canSeeAccounts = (me) => !!me && (me.role in MANAGED || me.role === 'director');

export function render(main) {
  const me = store.me();
  const manages = MANAGED[me.role] || [];
  const listBox = h('div', { 'aria-live': 'polite' }, h('p', { class: 'muted' }, 'Chargement…'));
  const slips = h('div');
  const search = h('input', { id: 'account-search', type: 'search', placeholder: 'Nom ou téléphone', autocomplete: 'off' });

  const showSlips = (creds, title) => {
    slips.replaceChildren(slipSheet(creds, title));
    slips.scrollIntoView({ block: 'start' });
  };

  async function load() {
    const q = search.value.trim().replace(/["\\]/g, '');
    const filter = q ? `name ~ "${q}" || phone ~ "${q.replace(/\s/g, '')}"` : '';
    try {
      const res = await api(`/api/collections/users/records?perPage=200&sort=name${filter ? `&filter=${encodeURIComponent(filter)}` : ''}`);
      const items = res.items.filter((u) => u.id !== me.id);
      listBox.replaceChildren(items.length
        ? h('ul', { class: 'list accounts' }, items.map((u) => accountItem(u, manages, load, showSlips)))
        : empty(q ? 'Aucun compte ne correspond.' : 'Aucun compte.'));
      if (res.totalItems > res.items.length) listBox.append(h('p', { class: 'muted' }, `${res.items.length} comptes affichés sur ${res.totalItems} : précisez la recherche.`));
    } catch (err) {
      listBox.replaceChildren(errorBox(err.code === 'offline'
        ? 'Pas de connexion : la liste des comptes demande le réseau.'
        : errorMessage(err.code, err.message)));
    }
  }
  let timer = null;
  search.addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(load, 300); });

  mount(main,
    h('h2', null, me.role === 'director' ? 'Comptes de mes unités' : 'Comptes'),
    field('Rechercher', search),
    listBox,
    manages.length ? createForm(me, manages, load, showSlips) : null,
    manages.length ? importForm('accounts', load, showSlips) : null,
    me.role === 'ministry' ? importForm('units', load, showSlips) : null,
    h('details', { class: 'card' },
      h('summary', null, 'Imprimer un fichier de mots de passe provisoires'),
      h('p', { class: 'muted' }, 'Le fichier produit par « coprosec accounts import --credentials » : une fiche par personne.'),
      h('input', {
        type: 'file', accept: '.csv,text/csv', id: 'credentials-file',
        onchange: async (e) => {
          const f = e.target.files[0];
          if (!f) return;
          try { showSlips(parseCredentials(await f.text()), f.name); } catch (err) { toast(err.message, 'error'); }
        },
      })),
    slips);
  load();
  return { live: false };
}

function accountItem(u, manages, reload, showSlips) {
  const mine = manages.includes(u.role);
  const where = u.unit ? store.nameOf('units', u.unit) : u.party ? store.nameOf('parties', u.party) : '';
  const act = async (fn, done) => {
    try { await fn(); toast(done); reload(); } catch (err) { toast(errorMessage(err.code, err.message), 'error'); }
  };
  return h('li', { class: 'card account' },
    h('div', null,
      h('strong', null, u.name || '—'), ' ',
      u.disabled ? badge('désactivé', 'danger') : null,
      u.must_change_password ? badge('mot de passe provisoire', 'warn') : null),
    h('div', { class: 'muted' }, [ROLES[u.role] || u.role, where].filter(Boolean).join(' · ')),
    u.phone ? h('a', { href: `tel:${u.phone}` }, u.phone) : null,
    mine ? h('div', { class: 'actions' },
      h('button', {
        type: 'button', class: `btn${u.disabled ? '' : ' btn-danger'}`,
        onclick: async () => {
          if (!u.disabled && !await confirmDialog(`Désactiver le compte de ${u.name} ? Ses sessions prennent fin immédiatement (téléphone perdu ou départ).`, { ok: 'Désactiver', danger: true })) return;
          act(() => api(`/api/collections/users/records/${u.id}`, { method: 'PATCH', body: { disabled: !u.disabled } }),
            u.disabled ? 'Compte réactivé.' : 'Compte désactivé : ses sessions sont terminées.');
        },
      }, u.disabled ? 'Réactiver' : 'Désactiver'),
      h('button', {
        type: 'button', class: 'btn',
        onclick: async () => {
          if (!await confirmDialog(`Donner un nouveau mot de passe provisoire à ${u.name} ? Ses sessions prennent fin.`, { ok: 'Réinitialiser' })) return;
          try {
            const res = await api(`/api/accounts/${u.id}/reset-password`, { method: 'POST' });
            showSlips([res.credential], `Nouveau mot de passe de ${u.name}`);
            reload();
          } catch (err) { toast(errorMessage(err.code, err.message), 'error'); }
        },
      }, 'Réinitialiser le mot de passe')) : null);
}

// One new account: sent as a one-line import, so that it passes the same
// checks, gets its initial password from the server and its slip.
function createForm(me, manages, reload, showSlips) {
  const name = h('input', { id: 'new-name', required: true, maxlength: 200 });
  const phone = h('input', { id: 'new-phone', inputmode: 'tel', autocomplete: 'off' });
  const email = h('input', { id: 'new-email', type: 'email', autocomplete: 'off' });
  const role = select('new-role', manages.map((r) => ({ value: r, label: ROLES[r] || r })), manages[0]);
  const units = store.list('units').slice().sort((a, b) => a.name.localeCompare(b.name, 'fr'));
  const unit = select('new-unit', [{ value: '', label: '—' }, ...units.map((u) => ({ value: u.name, label: u.name }))], '');
  const msg = h('div', { 'aria-live': 'assertive' });
  const party = me.party ? store.get('parties', me.party) : null;
  return h('details', { class: 'card' },
    h('summary', null, me.role === 'party_admin' ? 'Nouvel organisateur' : 'Nouveau compte de police'),
    h('form', {
      onsubmit: async (e) => {
        e.preventDefault();
        msg.replaceChildren();
        const row = [name.value, phone.value ? normalizeIdentity(phone.value) : '', email.value, role.value,
          me.role === 'party_admin' && party ? party.acronym : '', me.role === 'ministry' ? unit.value : ''];
        const csv = `name,phone,email,role,party,unit\n${row.map(csvCell).join(',')}\n`;
        try {
          const res = await api('/api/import/accounts', { method: 'POST', body: undefined, form: csvForm(csv) });
          showSlips(res.credentials, `Compte de ${name.value}`);
          e.target.reset();
          reload();
        } catch (err) {
          msg.replaceChildren(problemsBox(err));
        }
      },
    },
    field('Nom et prénom', name),
    field('Téléphone', phone, 'Il sert d’identifiant de connexion. Exemple : 97 00 00 00'),
    field('E-mail (facultatif)', email),
    field('Rôle', role),
    me.role === 'ministry' ? field('Unité', unit) : null,
    msg,
    h('button', { type: 'submit', class: 'btn btn-primary' }, 'Créer le compte')));
}

// A whole file: checked first (nothing written), then imported on
// confirmation. Accounts' initial passwords come back as slips.
function importForm(kind, reload, showSlips) {
  const file = h('input', { id: `import-${kind}`, type: 'file', accept: '.csv,text/csv', required: true });
  const msg = h('div', { 'aria-live': 'polite' });
  const header = kind === 'units' ? 'name,kind,departement,parent,communes,arrondissements,phone' : 'name,phone,email,role,party,unit';
  const send = (dry) => api(`/api/import/${kind}${dry ? '?dry_run=true' : ''}`, { method: 'POST', form: fileForm(file.files[0]), timeout: 300000 });
  return h('details', { class: 'card' },
    h('summary', null, kind === 'units' ? 'Importer des unités (fichier CSV)' : 'Importer des comptes (fichier CSV)'),
    h('p', { class: 'muted' }, 'Première ligne : ', h('code', null, header), '. Tout le fichier est accepté, ou rien.'),
    h('form', {
      onsubmit: async (e) => {
        e.preventDefault();
        msg.replaceChildren(h('p', { class: 'muted' }, 'Vérification du fichier…'));
        try {
          const check = await send(true);
          const r = check.report;
          const ok = await confirmDialog(`Fichier valide : ${r.created} à créer, ${r.updated} à modifier, ${r.unchanged} inchangé(s). Importer ?`, { ok: 'Importer' });
          if (!ok) { msg.replaceChildren(); return; }
          msg.replaceChildren(h('p', { class: 'muted' }, 'Import…'));
          const res = await send(false);
          msg.replaceChildren(h('div', { class: 'alert alert-ok', role: 'status' },
            `Importé : ${res.report.created} créé(s), ${res.report.updated} modifié(s), ${res.report.unchanged} inchangé(s).`));
          if (res.credentials && res.credentials.length) showSlips(res.credentials, `Mots de passe provisoires (${res.credentials.length})`);
          reload();
        } catch (err) {
          msg.replaceChildren(problemsBox(err));
        }
      },
    }, field('Fichier', file), h('button', { type: 'submit', class: 'btn btn-primary' }, 'Vérifier puis importer'), msg));
}

// The refused lines of an import, each with its line and field.
function problemsBox(err) {
  const problems = (err.data && err.data.problems) || [];
  if (!problems.length) {
    return errorBox(err.code === 'offline' ? 'Pas de connexion : réessayez avec le réseau.' : errorMessage(err.code, err.message));
  }
  return errorBox(err.message, problems.map((p) => `Ligne ${p.line}${p.field ? ` (${p.field})` : ''} : ${p.message}${p.detail && p.detail !== p.message ? ` — ${p.detail}` : ''}`));
}

function csvCell(v) {
  const s = String(v || '');
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function csvForm(text) {
  return fileForm(new Blob([text], { type: 'text/csv' }), 'compte.csv');
}

function fileForm(blob, name) {
  const form = new FormData();
  form.append('file', blob, name || (blob && blob.name) || 'import.csv');
  return form;
}
