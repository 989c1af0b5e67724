// Every change not yet accepted by the server, with its state and, when the
// server refused it, the reason in French and what the user can do.

import { h, mount, badge, empty, toast } from '../ui.js';
import * as store from '../store.js';
import * as outbox from '../outbox.js';
import { status } from '../state.js';
import { syncNow } from '../sync.js';
import { relative, formatDateTime } from '../time.js';
import { entryReason } from './common.js';

export function render(main) {
  const entries = store.outboxEntries();
  const list = h('ul', { class: 'plain outbox' });
  for (const e of entries) list.append(item(e));
  mount(main, 
    h('h2', null, 'Envois'),
    h('p', { class: 'muted' }, status.online
      ? `Dernière synchronisation : ${relative(status.lastPullAt)}.`
      : 'Hors ligne : vos modifications sont gardées sur le téléphone et partiront au retour du réseau.'),
    h('div', { class: 'actions' }, h('button', {
      type: 'button', class: 'btn btn-primary',
      onclick: async () => {
        if (!navigator.onLine) { toast('Hors ligne : la synchronisation reprendra au retour du réseau.', 'warn'); return; }
        await syncNow();
        toast(store.counts().pending ? 'Certains envois attendent encore le réseau.' : 'Synchronisation terminée.');
      },
    }, 'Synchroniser maintenant')),
    entries.length ? list : empty('Rien en attente : tout est synchronisé.'));
  return { live: true };
}

function item(e) {
  const state = {
    pending: outbox.isInFlight(e) ? badge('Envoi en cours', 'info') : badge('En attente', 'muted'),
    rejected: badge('Refusé', 'danger'),
    conflict: badge('Conflit', 'danger'),
  }[e.status];
  const li = h('li', { class: 'card', 'data-status': e.status },
    h('div', { class: 'card-title' }, h('strong', null, e.label || `${e.collection} ${e.op}`), ' ', state),
    h('p', { class: 'card-line' }, `Saisi ${formatDateTime(e.created_at)}${e.attempts ? ` · ${e.attempts} tentative(s)` : ''}${e.files && e.files.length ? ` · ${e.files.length} photo(s)` : ''}`));
  if (e.status !== 'pending') {
    const { message, details } = entryReason(e);
    li.append(h('p', { class: 'alert alert-error' }, message), details.length ? h('ul', null, details.map((d) => h('li', null, d))) : '');
    const actions = h('div', { class: 'actions' });
    if (e.collection === 'events') actions.append(h('a', { class: 'btn btn-primary', href: e.op === 'create' || e.status === 'rejected' ? `#/modifier/${e.record_id}` : `#/evenement/${e.record_id}` }, 'Corriger'));
    if (e.status === 'conflict') actions.append(h('button', { class: 'btn', type: 'button', onclick: () => outbox.resubmit(e, null, { rebase: true }) }, 'Réappliquer'));
    else actions.append(h('button', { class: 'btn', type: 'button', onclick: () => outbox.resubmit(e) }, 'Renvoyer tel quel'));
    actions.append(h('button', { class: 'btn btn-danger', type: 'button', onclick: () => outbox.discard(e) }, 'Abandonner'));
    li.append(actions);
  }
  return li;
}
