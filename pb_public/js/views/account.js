// Account and sync status; sign-out keeps pending work on the phone.

import { h, mount, confirmDialog, toast } from '../ui.js';
import * as store from '../store.js';
import { signOut } from '../session.js';
import { status } from '../state.js';
import { syncNow, refreshKeys, stop } from '../sync.js';
import { ROLES } from '../labels.js';
import { relative } from '../time.js';
import { canSeeAccounts } from './accounts.js';

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

  mount(main, 
    h('h2', null, 'Mon compte'),
    dl,
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
