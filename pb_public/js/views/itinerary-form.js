// Create or edit an itinerary: a named series of events (a leader's tour).

import { h, mount, field, select, errorBox, toast } from '../ui.js';
import * as store from '../store.js';
import * as outbox from '../outbox.js';
import { recordId } from '../ids.js';
import { errorMessage } from '../labels.js';
import { localNotices } from './common.js';

export function render(main, params, [id]) {
  const me = store.me();
  const editing = id ? store.get('itineraries', id) : null;
  const elections = store.electionsFor(me.party);
  const it = editing || { election: elections[0] && elections[0].id };

  const title = h('input', { id: 'it-title', name: 'title', required: true, maxlength: '200', value: it.title || '' });
  const leader = h('input', { id: 'it-leader', name: 'leader', maxlength: '200', value: it.leader || '' });
  const leaderPhone = h('input', { id: 'it-leader-phone', name: 'leader_phone', type: 'tel', inputmode: 'tel', autocomplete: 'off', maxlength: '40', value: it.leader_phone || '' });
  const notes = h('textarea', { id: 'it-notes', name: 'notes', rows: '3', maxlength: '5000' }, it.notes || '');
  const election = elections.length > 1
    ? field('Élection', select('it-election', elections.map((e) => ({ value: e.id, label: e.name })), it.election))
    : null;
  const msg = h('div', { 'aria-live': 'assertive' });

  const form = h('form', {
    class: 'form',
    onsubmit: async (e) => {
      e.preventDefault();
      const data = { title: title.value.trim(), leader: leader.value.trim(), leader_phone: leaderPhone.value.trim(), notes: notes.value.trim() };
      if (!data.title) { msg.replaceChildren(errorBox('Donnez un titre à l’itinéraire.')); title.focus(); return; }
      if (editing) {
        const changes = Object.fromEntries(Object.entries(data).filter(([k, v]) => (editing[k] || '') !== v));
        if (Object.keys(changes).length) {
          const server = store.serverCopy('itineraries', editing.id);
          await outbox.enqueue({ collection: 'itineraries', op: 'update', record_id: editing.id, base_version: server ? server.version : undefined, data: changes, label: `Itinéraire : ${data.title}` });
        }
        toast('Itinéraire enregistré.');
        location.hash = `#/?itineraire=${editing.id}`;
        return;
      }
      const el = election ? form.querySelector('#it-election').value : it.election;
      if (!el) { msg.replaceChildren(errorBox(errorMessage('election_required'))); return; }
      const rid = recordId();
      await outbox.enqueue({ collection: 'itineraries', op: 'create', record_id: rid, data: { ...data, party: me.party, election: el }, label: `Nouvel itinéraire : ${data.title}` });
      toast('Itinéraire créé.');
      location.hash = `#/?itineraire=${rid}`;
    },
  },
  h('p', { class: 'back' }, h('a', { href: '#/' }, '‹ Retour')),
  h('h2', null, editing ? 'Modifier l’itinéraire' : 'Nouvel itinéraire'),
  ...(editing ? localNotices(editing) : []),
  field('Titre', title, 'Ex. Tournée du Littoral'),
  field('Personnalité (facultatif)', leader, 'Nom de la personnalité à protéger, le cas échéant.'),
  field('Téléphone du contact de la personnalité (facultatif)', leaderPhone, 'La police l’appelle pour le dispositif. Ex. 97 00 00 00'),
  election,
  field('Notes', notes),
  msg,
  h('button', { type: 'submit', class: 'btn btn-primary btn-block' }, editing ? 'Enregistrer' : 'Créer l’itinéraire'));

  mount(main, form);
  return { live: 'until-input' };
}
