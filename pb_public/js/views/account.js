// Account and sync status; sign-out keeps pending work on the phone.

import { h, mount, confirmDialog, toast } from '../ui.js';
import * as store from '../store.js';
import { signOut } from '../session.js';
import { status } from '../state.js';
import { syncNow, refreshKeys, stop } from '../sync.js';
import { ROLES } from '../labels.js';
import { relative } from '../time.js';
import { canSeeAccounts } from './accounts.js';
import { api } from '../api.js';
import { keptCount } from '../outbox.js';

// The ministry's view of the server (GET /api/ops/status): replication,
// database size, realtime clients, devices seen in 24 h.
function opsStatus(box) {
  api('/api/ops/status').then((st) => {
    const rep = st.replica;
    const lag = rep && rep.lag_s > 0 ? `${Math.round(rep.lag_s)} s de retard` : 'à jour';
    box.replaceChildren(
      h('h3', null, 'État du serveur'),
      h('dl', { class: 'details', id: 'ops-status' },
        h('dt', null, 'Réplique'), h('dd', { id: 'ops-replica' }, rep ? `${rep.url} — ${lag}` : 'Aucune réplique configurée : une panne de disque perd les données depuis la dernière sauvegarde'),
        rep ? [h('dt', null, 'Dernière réplication'), h('dd', null, rep.last_replicated_at ? relative(rep.last_replicated_at) : 'jamais')] : null,
        h('dt', null, 'Base de données'), h('dd', null, `${(st.db_bytes / 1048576).toFixed(1)} Mo`),
        h('dt', null, 'Clients temps réel'), h('dd', null, String(st.sse_clients)),
        h('dt', null, 'Appareils vus (24 h)'), h('dd', null, String(st.devices_24h)),
        h('dt', null, 'Époque de synchronisation'), h('dd', null, st.epoch)));
  }).catch(() => { box.replaceChildren(h('p', { class: 'muted' }, 'État du serveur indisponible hors ligne.')); });
}

export function render(main) {
  const me = store.me();
  const { pending, failed } = store.counts();
  const dl = h('dl', { class: 'details' },
    h('dt', null, 'Nom'), h('dd', null, me.name || '—'),
    h('dt', null, 'Rôle'), h('dd', null, ROLES[me.role] || me.role),
    me.party ? [h('dt', null, 'Parti'), h('dd', null, store.nameOf('parties', me.party))] : null,
    me.unit ? [h('dt', null, 'Unité'), h('dd', null, store.nameOf('units', me.unit))] : null,
    h('dt', null, 'Identifiant'), h('dd', null, [me.email, me.phone].filter(Boolean).join(' · ')),
    h('dt', null, 'Réseau'), h('dd', null, status.online ? 'En ligne' : 'Hors ligne'),
    h('dt', null, 'Temps réel'), h('dd', null, status.realtime ? 'Connecté' : 'Non connecté (actualisation toutes les minutes)'),
    h('dt', null, 'Dernière synchronisation'), h('dd', null, relative(status.lastPullAt)),
    h('dt', null, 'En attente d’envoi'), h('dd', null, `${pending}${failed ? ` (+ ${failed} à corriger)` : ''}`));
  // applied by the server, kept until its replica holds them
  const kept = h('dd', { id: 'kept-count' }, '…');
  dl.append(h('dt', null, 'Gardées jusqu’à la sauvegarde du serveur'), kept);
  keptCount().then((n) => { kept.textContent = String(n); });
  const ops = me.role === 'ministry' ? h('section', { id: 'ops' }) : null;
  if (ops) opsStatus(ops);

  mount(main, 
    h('h2', null, 'Mon compte'),
    dl,
    ops,
    canSeeAccounts(me) ? h('p', null, h('a', { href: '#/comptes', class: 'btn btn-block', id: 'manage-accounts' },
      me.role === 'director' ? 'Comptes de mes unités' : 'Gérer les comptes')) : null,
    h('div', { class: 'actions' },
      h('button', { type: 'button', class: 'btn', onclick: async () => { await syncNow(); toast('Synchronisation terminée.'); } }, 'Synchroniser maintenant'),
      h('button', { type: 'button', class: 'btn', onclick: async () => { const k = await refreshKeys(true); toast(`${k.length} clé(s) de vérification en mémoire.`); } }, 'Mettre à jour les clés'),
      h('button', {
        type: 'button', class: 'btn btn-danger',
        onclick: async () => {
          const n = pending + failed;
          const ok = await confirmDialog(n
            ? `${n} modification(s) ne sont pas encore acceptées par le serveur. Elles restent sur ce téléphone et partiront à votre prochaine connexion. Se déconnecter ?`
            : 'Se déconnecter ? Les données de votre compte seront effacées de ce téléphone.', { ok: 'Se déconnecter', danger: true });
          if (!ok) return;
          stop();
          await signOut();
          location.hash = '#/';
        },
      }, 'Se déconnecter')));
  return { live: true };
}
