// One event: details, alerts, the police assignments with the commander's
// decisions, the receipt, incidents, and the organizer's edit/cancel actions.

import { h, mount, badge, empty, toast, confirmDialog, field, errorBox } from '../ui.js';
import * as store from '../store.js';
import * as outbox from '../outbox.js';
import { isParty, isPolice } from '../session.js';
import {
  EVENT_KINDS, EVENT_STATUS, SECURITY_NEEDS, ASSIGNMENT_ROLES, ASSIGNMENT_STATUS,
  INCIDENT_KINDS, errorMessage, revocationReason,
} from '../labels.js';
import { formatRange, formatFull, formatDateTime } from '../time.js';
import { eventBadges, localNotices } from './common.js';
import { protectedFileURL } from '../api.js';

export function render(main, params, [id]) {
  const ev = store.get('events', id);
  if (!ev) {
    mount(main, h('h2', null, 'Événement introuvable'),
      empty('Cet événement n’existe pas ou ne vous est plus visible (réaffectation à une autre unité).'),
      h('a', { class: 'btn', href: '#/' }, 'Retour à la liste'));
    return { live: true };
  }
  const me = store.me();
  const party = isParty(me);
  const closed = ev.status === 'cancelled' || ev.status === 'completed';

  const rows = [
    ['Type', EVENT_KINDS[ev.kind] || ev.kind],
    ['Quand', formatRange(ev.starts_at, ev.ends_at)],
    ['Lieu', ev.place],
    ['Arrondissement', store.nameOf('arrondissements', ev.arrondissement)],
    ['Commune', store.nameOf('communes', ev.commune)],
    ['Département', store.nameOf('departements', ev.departement)],
    ['Position GPS', hasPoint(ev.location) ? h('a', { href: `geo:${ev.location.lat},${ev.location.lon}` }, `${ev.location.lat.toFixed(5)}, ${ev.location.lon.toFixed(5)}`) : null],
    ['Parcours', Array.isArray(ev.route) && ev.route.length ? `${ev.route.length} points` : null],
    ['Participants attendus', ev.expected_attendance ? ev.expected_attendance.toLocaleString('fr-FR') : null],
    ['Besoins de sécurité', (ev.security_needs || []).map((n) => SECURITY_NEEDS[n] || n).join(', ')],
    ['Véhicule sonorisé', ev.sound_vehicle ? 'Oui' : null],
    ['Parti', store.nameOf('parties', ev.party)],
    ['Itinéraire', store.nameOf('itineraries', ev.itinerary)],
    ['Élection', store.nameOf('elections', ev.election)],
    ['Déclaré le', ev.declared_at ? formatFull(ev.declared_at) : (ev._unsynced ? 'pas encore reçu par le serveur' : null)],
    ['Organisateur', contact(ev.organizer_name, ev.organizer_phone)],
    ['Personnalité', contact(ev.leader, ev.leader_phone)],
    ['Unité responsable', store.nameOf('units', ev.lead_unit)],
    ['Direction départementale', store.nameOf('units', ev.directorate)],
    ['Notes', ev.notes],
  ];
  const dl = h('dl', { class: 'details' });
  for (const [k, v] of rows) {
    if (v == null || v === '') continue;
    dl.append(h('dt', null, k), h('dd', null, v));
  }

  const clashes = (ev.clash_with || []).map((cid) => {
    const other = store.get('events', cid);
    return h('li', null, other ? h('a', { href: `#/evenement/${cid}` }, `${other.title} (${store.nameOf('parties', other.party)})`) : 'Événement d’un autre parti');
  });
  // clash_with lists at most 50 partners; clash_count counts them all
  if (ev.clash_count > clashes.length) clashes.push(h('li', null, `et ${ev.clash_count - clashes.length} autre(s)`));

  const actions = h('div', { class: 'actions' });
  if (party && !closed) {
    actions.append(
      h('a', { class: 'btn btn-primary', href: `#/modifier/${ev.id}` }, 'Modifier'),
      h('button', { class: 'btn btn-danger', type: 'button', onclick: () => cancelEvent(ev) }, 'Annuler l’événement'));
  }
  if (isPolice(me) && ev.lead_unit && (ev.lead_unit === me.unit || me.role === 'director') && ev.status !== 'cancelled' && !ev._unsynced) {
    // The server accepts a police status only around the event's time
    // (from 2 h before the start to 12 h after the end; completed once
    // started), and lets the lead's commander take a status back.
    const now = Date.now(), start = Date.parse(ev.starts_at), end = Date.parse(ev.ends_at);
    const canStart = now >= start - 2 * 3600e3 && now <= end + 12 * 3600e3;
    const started = now >= start;
    const commander = me.role === 'commander' && ev.lead_unit === me.unit;
    const btn = (label, status) => h('button', { class: 'btn', type: 'button', onclick: () => setStatus(ev, status) }, label);
    if (ev.status === 'declared' && canStart) actions.append(btn('Marquer en cours', 'in_progress'));
    if ((ev.status === 'declared' || ev.status === 'in_progress') && started) actions.append(btn('Marquer terminé', 'completed'));
    if (ev.status === 'in_progress' && commander) actions.append(btn('Pas encore en cours', 'declared'));
    if (ev.status === 'completed' && commander) actions.append(btn('Rouvrir (pas terminé)', 'in_progress'));
  }
  actions.append(h('a', { class: 'btn', href: `#/incident?evenement=${ev.id}` }, 'Signaler un incident'));

  mount(main, 
    h('p', { class: 'back' }, h('a', { href: '#/' }, '‹ Événements')),
    h('h2', null, ev.title),
    h('div', { class: 'badges' }, eventBadges(ev, { myUnit: party ? null : me.unit })),
    ...localNotices(ev, { onEdit: () => { location.hash = `#/modifier/${ev.id}`; } }),
    ev.late_notice ? h('p', { class: 'alert alert-warn' }, 'Déclaré moins de 72 h avant le début : accepté, mais signalé à la direction départementale.') : null,
    ev.uncovered ? h('p', { class: 'alert alert-warn' }, 'Aucun commissariat ne couvre ce lieu : la direction départementale assure la sécurité.') : null,
    clashes.length ? h('div', { class: 'alert alert-error' }, h('strong', null, 'Conflit avec :'), h('ul', null, clashes)) : null,
    dl,
    actions,
    assignmentsSection(ev, me),
    receiptSection(ev, party),
    incidentsSection(ev),
  );
  return { live: true };
}

function hasPoint(p) {
  return p && typeof p.lat === 'number' && typeof p.lon === 'number' && !(p.lat === 0 && p.lon === 0);
}

async function cancelEvent(ev) {
  const ok = await confirmDialog(`Annuler « ${ev.title} » ? La police en sera informée et le récépissé sera révoqué.`, { ok: 'Annuler l’événement', danger: true });
  if (!ok) return;
  await outbox.enqueue({
    collection: 'events', op: 'update', record_id: ev.id, base_version: baseVersion(ev),
    data: { status: 'cancelled' }, label: `Annulation : ${ev.title}`,
  });
  toast(navigator.onLine ? 'Annulation envoyée.' : 'Annulation enregistrée : elle partira au retour du réseau.');
}

async function setStatus(ev, status) {
  await outbox.enqueue({
    collection: 'events', op: 'update', record_id: ev.id, base_version: baseVersion(ev),
    data: { status }, label: `${EVENT_STATUS[status]} : ${ev.title}`,
  });
  toast(`Statut : ${EVENT_STATUS[status]}.`);
}

function baseVersion(ev) {
  const server = store.serverCopy('events', ev.id);
  return server ? server.version : undefined;
}

function canDecide(me, a) {
  if (a.status === 'acknowledged') return false;
  if (me.role === 'commander') return a.unit === me.unit;
  if (me.role === 'director') {
    const unit = store.get('units', a.unit);
    const mine = store.get('units', me.unit);
    return !!unit && !!mine && unit.departement === mine.departement;
  }
  return false;
}

function assignmentsSection(ev, me) {
  const list = store.assignmentsOf(ev.id);
  const section = h('section', { class: 'section', 'aria-labelledby': 'assign-h' }, h('h3', { id: 'assign-h' }, 'Police'));
  if (!list.length) {
    section.append(empty(ev._unsynced ? 'Les unités seront désignées par le serveur à la réception.' : 'Aucune unité désignée pour l’instant.'));
    return section;
  }
  for (const a of list) {
    const kind = { acknowledged: 'ok', pending: 'attn', adjustment_requested: 'warn', escalated: 'danger' }[a.status] || 'info';
    const card = h('div', { class: 'card assignment', 'data-unit': a.unit },
      h('div', { class: 'card-title' }, h('strong', null, store.nameOf('units', a.unit) || 'Unité'), ' ', badge(ASSIGNMENT_ROLES[a.role] || a.role, 'info')),
      h('div', { class: 'badges' }, badge(ASSIGNMENT_STATUS[a.status] || a.status, kind), ...(a._local || []).filter((l) => l.status === 'pending').map(() => badge('En attente d’envoi', 'muted'))),
      unitPhone(a.unit),
      a.due_at && a.status !== 'acknowledged' ? h('p', { class: 'card-line' }, `Réponse attendue avant : ${formatDateTime(a.due_at)}`) : null,
      a.acknowledged_at ? h('p', { class: 'card-line' }, `Pris en compte le ${formatDateTime(a.acknowledged_at)}`) : null,
      a.officers ? h('p', { class: 'card-line' }, `Effectif prévu : ${a.officers}`) : null,
      a.plan ? h('p', { class: 'card-line' }, `Dispositif : ${a.plan}`) : null,
      a.reason ? h('p', { class: 'card-line' }, `Ajustement demandé : ${a.reason}`) : null,
      ...localNotices(a));
    if (canDecide(me, a) && !ev._unsynced && ev.status !== 'cancelled') card.append(decisionForm(ev, a));
    section.append(card);
  }
  return section;
}

// An assignment is one unit's role in one event: a server restored from a
// replica that lacks the event recreates it with new assignment ids, and a
// decision kept for it is sent to the assignment of the same event, unit
// and role (outbox.js).
const matchOf = (a) => ({ event: a.event, unit: a.unit, role: a.role });

// A commander acknowledges or asks for an adjustment; there is no refusal
// (J12): police cannot reject a lawful event.
function decisionForm(ev, a) {
  const idp = `a-${a.id}`;
  const officers = h('input', { id: `${idp}-officers`, type: 'number', min: '0', inputmode: 'numeric', value: a.officers || '' });
  const plan = h('textarea', { id: `${idp}-plan`, rows: '2' }, a.plan || '');
  const reason = h('textarea', { id: `${idp}-reason`, rows: '2' });
  const msg = h('div', { 'aria-live': 'assertive' });

  const ack = async () => {
    const data = { status: 'acknowledged' };
    if (officers.value !== '') data.officers = Number(officers.value);
    if (plan.value.trim()) data.plan = plan.value.trim();
    await outbox.enqueue({ collection: 'assignments', op: 'update', record_id: a.id, match: matchOf(a), data, transport: 'rest', label: `Prise en compte : ${ev.title}` });
    toast(navigator.onLine ? 'Prise en compte envoyée.' : 'Prise en compte enregistrée : elle partira au retour du réseau.');
  };
  const adjust = async () => {
    if (!reason.value.trim()) {
      msg.replaceChildren(errorBox(errorMessage('reason_required')));
      reason.focus();
      return;
    }
    await outbox.enqueue({
      collection: 'assignments', op: 'update', record_id: a.id, match: matchOf(a), transport: 'rest',
      data: { status: 'adjustment_requested', reason: reason.value.trim() }, label: `Demande d’ajustement : ${ev.title}`,
    });
    toast('Demande d’ajustement enregistrée.');
  };

  return h('details', { class: 'decision', open: a.status === 'pending' || a.status === 'escalated' },
    h('summary', null, 'Décision de l’unité'),
    h('div', { class: 'grid2' }, field('Effectif prévu', officers), field('Dispositif', plan)),
    h('button', { class: 'btn btn-primary btn-block', type: 'button', onclick: ack }, 'Accuser réception'),
    h('hr'),
    field('Motif de la demande d’ajustement', reason, 'Par exemple : horaire, lieu ou parcours à modifier.'),
    msg,
    h('button', { class: 'btn btn-block', type: 'button', onclick: adjust }, 'Demander un ajustement'));
}

function receiptSection(ev, party) {
  const r = store.receiptOf(ev.id);
  const section = h('section', { class: 'section', 'aria-labelledby': 'rcpt-h' }, h('h3', { id: 'rcpt-h' }, 'Récépissé'));
  if (!r) {
    section.append(empty('Le récépissé est délivré dès que l’unité responsable a pris en compte la déclaration.'));
    return section;
  }
  section.append(
    h('p', null, h('strong', null, `N° ${r.number}`), ' ', r.revoked_at ? badge('Révoqué', 'danger') : badge('Valide', 'ok')),
    h('p', { class: 'card-line' }, `Délivré le ${formatFull(r.issued_at)}`),
    // (Element.append would write a null as the text "null")
    r.revoked_at ? h('p', { class: 'alert alert-error' }, `Révoqué le ${formatFull(r.revoked_at)}${r.revoked_reason ? ` : ${revocationReason(r.revoked_reason)}` : ''}`) : '',
    h('a', { class: party ? 'btn btn-primary' : 'btn', href: `#/recepisse/${ev.id}` }, party ? 'Afficher le récépissé (code QR)' : 'Voir le récépissé'));
  return section;
}

function incidentsSection(ev) {
  const list = store.incidentsOf(ev.id);
  if (!list.length) return null;
  return h('section', { class: 'section', 'aria-labelledby': 'inc-h' },
    h('h3', { id: 'inc-h' }, 'Incidents signalés'),
    h('ul', { class: 'plain' }, list.map((i) => h('li', { class: 'card' },
      h('strong', null, `${INCIDENT_KINDS[i.kind] || i.kind} · gravité ${i.severity}`),
      h('p', { class: 'card-line' }, formatDateTime(i.occurred_at)),
      h('p', { class: 'card-line' }, i.description),
      incidentPhotos(i),
      h('div', { class: 'badges' }, ...(i._local || []).map((l) => badge(l.status === 'pending' ? 'En attente d’envoi' : 'Refusé', l.status === 'pending' ? 'muted' : 'danger')))))));
}

// Photos are protected files: they are fetched online only, with a file
// token, as 320 px thumbnails that open the full photo.
function incidentPhotos(i) {
  const names = Array.isArray(i.photos) ? i.photos : [];
  if (!names.length || i._local) return null;
  const box = h('div', { class: 'photos' });
  if (!navigator.onLine) {
    box.append(h('p', { class: 'card-line' }, `${names.length} photo(s), visibles une fois en ligne.`));
    return box;
  }
  (async () => {
    try {
      for (const name of names) {
        const thumb = await protectedFileURL('incidents', i.id, name, '320x0');
        // the full photo gets a token of its own when tapped: the
        // thumbnail's may have expired by then
        const open = async (e) => {
          e.preventDefault();
          const win = window.open('', '_blank');
          const url = await protectedFileURL('incidents', i.id, name);
          if (win) win.location = url; else location.href = url;
        };
        box.append(h('a', { href: '#', onclick: open, 'aria-label': 'Ouvrir la photo en grand' },
          h('img', { src: thumb, alt: 'Photo de l’incident', loading: 'lazy', width: '160' })));
      }
    } catch {
      box.replaceChildren(h('p', { class: 'card-line' }, 'Photos indisponibles pour le moment.'));
    }
  })();
  return box;
}

// A phone number as a link that dials it.
function telLink(phone) {
  const tel = phone ? phone.replace(/[^\d+]/g, '') : '';
  return tel ? h('a', { href: `tel:${tel}` }, phone) : null;
}

// A unit's phone (the units are reference data, on every phone).
function unitPhone(unitId) {
  const u = store.get('units', unitId);
  const link = u && telLink(u.phone);
  return link ? h('p', { class: 'card-line' }, 'Téléphone : ', link) : null;
}

// A contact the event carries (organizer, leader): name and dialling link.
function contact(name, phone) {
  const link = telLink(phone);
  if (!name && !link) return null;
  return h('span', null, name || '', name && link ? ' · ' : '', link);
}
