// Pieces shared by several screens: event badges, local-change notices.

import { h, badge } from '../ui.js';
import * as store from '../store.js';
import * as outbox from '../outbox.js';
import { EVENT_STATUS, ASSIGNMENT_STATUS, errorMessage } from '../labels.js';

/** Status and alert badges of an event (DESIGN: late_notice, clash, uncovered, escalated). */
export function eventBadges(ev, { myUnit } = {}) {
  const out = [];
  const statusKind = { declared: 'info', cancelled: 'muted', in_progress: 'ok', completed: 'muted' }[ev.status] || 'info';
  out.push(badge(EVENT_STATUS[ev.status] || EVENT_STATUS.declared, statusKind));
  const assignments = store.assignmentsOf(ev.id);
  if (ev.late_notice) out.push(badge('Préavis tardif', 'warn', 'Déclaré moins de 72 h à l’avance'));
  if (ev.clash) {
    const n = ev.clash_count > 1 ? ` (${ev.clash_count})` : '';
    out.push(badge('Conflit' + n, 'danger', 'Autre événement au même endroit et au même moment'));
  } else if (ev.clash_notice) {
    // what a party sees (J10): never the other event, only that police coordinate
    out.push(badge('Coordination police', 'warn', 'Un autre parti a un événement dans le même arrondissement à la même période : la police coordonne'));
  }
  if (ev.uncovered) out.push(badge('Non couvert', 'warn', 'Aucun commissariat ne couvre ce lieu : la direction départementale est responsable'));
  if (assignments.some((a) => a.status === 'escalated')) out.push(badge('Escaladé', 'danger', 'Non pris en compte dans le délai : transmis à la direction'));
  if (myUnit) {
    const mine = assignments.find((a) => a.unit === myUnit);
    if (mine && mine.status !== 'escalated') {
      out.push(badge(ASSIGNMENT_STATUS[mine.status], mine.status === 'acknowledged' ? 'ok' : mine.status === 'pending' ? 'attn' : 'warn'));
    }
  }
  out.push(...localBadges(ev));
  return out;
}

/** Badges for changes of this record still in the outbox. */
export function localBadges(rec) {
  const locals = rec._local || [];
  const out = [];
  if (locals.some((l) => l.status === 'pending')) out.push(badge('En attente d’envoi', 'muted', 'Sera envoyé au retour du réseau'));
  if (locals.some((l) => l.status === 'rejected')) out.push(badge('Refusé', 'danger'));
  if (locals.some((l) => l.status === 'conflict')) out.push(badge('Conflit de modification', 'danger'));
  return out;
}

/** Explains a rejected/conflicting outbox entry with the server's reason. */
export function entryReason(entry) {
  const err = entry.error || {};
  const details = [];
  const fields = err.fields || {};
  for (const [field, v] of Object.entries(fields)) {
    if (entry.status === 'conflict') {
      const mine = entry.data ? entry.data[field] : undefined;
      const show = (x) => (x != null && typeof x !== 'object' ? `« ${x} »` : '');
      details.push(`${fieldLabel(field)} : modifié entre-temps${show(v) ? ` ; valeur actuelle ${show(v)}` : ''}${show(mine) ? ` ; la vôtre ${show(mine)}` : ''}`);
    } else {
      const code = v && typeof v === 'object' ? v.code : '';
      const msg = v && typeof v === 'object' ? v.message : String(v);
      const text = errorMessage(code, msg);
      // Same reason as the headline: only name the field.
      details.push(code === err.code || text === errorMessage(err.code) ? `Champ concerné : ${fieldLabel(field)}` : `${fieldLabel(field)} : ${text}`);
    }
  }
  return { message: errorMessage(err.code || (entry.status === 'conflict' ? 'conflict' : ''), err.message), details };
}

/** Notices and recovery actions for the local changes of a record. */
export function localNotices(rec, { onEdit } = {}) {
  const out = [];
  for (const l of rec._local || []) {
    const e = l.entry;
    if (l.status === 'pending') {
      out.push(h('div', { class: 'alert alert-muted', role: 'status' },
        outbox.isInFlight(e) ? 'Envoi en cours…' : 'Modification enregistrée sur le téléphone, en attente d’envoi.'));
      continue;
    }
    const { message, details } = entryReason(e);
    const actions = [];
    if (l.status === 'conflict') {
      actions.push(h('button', { class: 'btn btn-primary', type: 'button', onclick: () => outbox.resubmit(e, null, { rebase: true }) }, 'Réappliquer mes modifications'));
    } else if (onEdit) {
      actions.push(h('button', { class: 'btn btn-primary', type: 'button', onclick: () => onEdit(e) }, 'Corriger'));
    }
    actions.push(h('button', { class: 'btn', type: 'button', onclick: () => outbox.discard(e) }, 'Abandonner'));
    out.push(h('div', { class: 'alert alert-error', role: 'alert' },
      h('strong', null, l.status === 'conflict' ? 'Conflit : ' : 'Refusé par le serveur : ', message),
      details.length ? h('ul', null, details.map((d) => h('li', null, d))) : null,
      h('div', { class: 'actions' }, actions)));
  }
  return out;
}

const FIELD_LABELS = {
  title: 'Titre', kind: 'Type', place: 'Lieu', commune: 'Commune', arrondissement: 'Arrondissement',
  location: 'Position GPS', route: 'Parcours', starts_at: 'Début', ends_at: 'Fin',
  expected_attendance: 'Participants attendus', security_needs: 'Besoins de sécurité',
  sound_vehicle: 'Véhicule sonorisé', notes: 'Notes', status: 'Statut', itinerary: 'Itinéraire',
  election: 'Élection', party: 'Parti', reason: 'Motif', plan: 'Dispositif', officers: 'Effectif',
  description: 'Description', severity: 'Gravité', occurred_at: 'Heure', photos: 'Photos', leader: 'Personnalité', leader_phone: 'Téléphone du contact de la personnalité', organizer_phone: 'Téléphone de l’organisateur',
  late_notice: 'Préavis tardif', uncovered: 'Non couvert', clash: 'Conflit', clash_with: 'Conflit avec', clash_count: 'Nombre de conflits', clash_notice: 'Coordination police',
  lead_unit: 'Unité responsable', directorate: 'Direction départementale', departement: 'Département',
  declared_at: 'Date de déclaration', version: 'Version', created_by: 'Auteur', record_id: 'Identifiant',
  base_version: 'Version de base', event: 'Événement', unit: 'Unité',
};

export function fieldLabel(name) {
  return FIELD_LABELS[name] || name;
}

/** Server field errors → { field: message } for inline display. */
export function fieldErrors(err) {
  const out = {};
  for (const [f, v] of Object.entries((err && err.fields) || {})) {
    out[f] = v && typeof v === 'object' ? errorMessage(v.code, v.message) : String(v);
  }
  return out;
}

export function placeLine(ev) {
  const parts = [];
  if (ev.place) parts.push(ev.place);
  const arr = store.nameOf('arrondissements', ev.arrondissement);
  const com = store.nameOf('communes', ev.commune);
  if (arr) parts.push(arr);
  if (com) parts.push(com);
  return parts.join(', ');
}
