// Incident triage (police and ministry), offline from the replica: the
// incidents the account may see, unverified first, the gravest first,
// those linked to no event included; police verify and close them (sent
// through the outbox like every change).

import { h, mount, badge, empty, select, toast, hashWith } from '../ui.js';
import * as store from '../store.js';
import * as outbox from '../outbox.js';
import { isPolice } from '../session.js';
import { INCIDENT_KINDS, INCIDENT_STATUS, SEVERITY } from '../labels.js';
import { formatDateTime } from '../time.js';
import { triage } from '../worklists.js';

const STAGES = ['unverified', 'verified', 'closed'];

export const canTriage = (me) => isPolice(me) || (!!me && me.role === 'ministry');

export function render(main, params) {
  const me = store.me();
  const stage = STAGES.includes(params.get('etat')) ? params.get('etat') : 'unverified';
  const unit = params.get('unite') || '';
  const all = store.list('incidents');
  const link = (patch) => hashWith('/incidents', params, patch);
  const units = [...new Set(all.map((i) => i.unit).filter(Boolean))]
    .map((id) => ({ value: id, label: store.nameOf('units', id) || id }))
    .sort((a, b) => a.label.localeCompare(b.label, 'fr'));
  const shown = triage(all, { stage, unit });

  mount(main,
    h('h2', null, 'Incidents'),
    h('div', { class: 'tabs', role: 'group', 'aria-label': 'État' },
      STAGES.map((s) => {
        const n = triage(all, { stage: s, unit }).length;
        return h('a', { href: link({ etat: s === 'unverified' ? '' : s }), 'aria-current': s === stage ? 'page' : null },
          INCIDENT_STATUS[s], n ? h('span', { class: `count${s === 'unverified' ? ' count-bad' : ''}` }, String(n)) : null);
      })),
    units.length > 1 ? h('div', { class: 'field' }, h('label', { for: 'inc-unit' }, 'Unité'),
      select('inc-unit', [{ value: '', label: 'Toutes' }, ...units], unit, { onchange: (e) => { location.hash = link({ unite: e.target.value }); } })) : null,
    shown.length
      ? h('ul', { class: 'list incidents' }, shown.map((i) => item(i, me)))
      : empty(stage === 'unverified' ? 'Aucun incident à vérifier.' : 'Aucun incident.'));
  return { live: true };
}

function item(i, me) {
  const ev = i.event ? store.get('events', i.event) : null;
  const sev = Number(i.severity) || 0;
  const next = { unverified: ['verified', 'Marquer vérifié'], verified: ['closed', 'Clore'] }[i.status || 'unverified'];
  return h('li', { class: 'card incident', 'data-id': i.id },
    h('div', { class: 'card-title' },
      badge(SEVERITY[sev] || `Gravité ${sev || '?'}`, sev >= 3 ? 'danger' : sev === 2 ? 'warn' : 'info'), ' ',
      h('strong', null, INCIDENT_KINDS[i.kind] || i.kind || 'Incident')),
    h('p', { class: 'card-line' }, [formatDateTime(i.occurred_at), store.nameOf('communes', i.commune), i.unit ? store.nameOf('units', i.unit) : ''].filter(Boolean).join(' · ')),
    i.description ? h('p', { class: 'card-line' }, i.description.length > 160 ? `${i.description.slice(0, 160)}…` : i.description) : null,
    h('p', { class: 'card-line' }, ev ? h('a', { href: `#/evenement/${ev.id}` }, `Événement : ${ev.title}`) : h('span', { class: 'muted' }, 'Lié à aucun événement')),
    isPolice(me) && next && !i._unsynced ? h('div', { class: 'actions' },
      h('button', {
        type: 'button', class: 'btn',
        onclick: async () => {
          const server = store.serverCopy('incidents', i.id);
          await outbox.enqueue({ collection: 'incidents', op: 'update', record_id: i.id, base_version: server ? server.version : undefined,
            data: { status: next[0] }, label: `Incident : ${INCIDENT_STATUS[next[0]]}` });
          toast(`Incident : ${INCIDENT_STATUS[next[0]]}.`);
        },
      }, next[1])) : null);
}
