// Declare or edit an event. Works offline: the declaration goes to the outbox
// with a client-made id and shows in the list at once; the server assigns
// units and flags when it arrives.

import { h, mount, field, select, errorBox, toast, formValues } from '../ui.js';
import * as store from '../store.js';
import * as outbox from '../outbox.js';
import { api } from '../api.js';
import { recordId } from '../ids.js';
import { EVENT_KINDS, SECURITY_NEEDS, errorMessage } from '../labels.js';
import { toLocalInput, fromLocalInput, formatDay, parseDate } from '../time.js';
import { checkEvent, defaultWindow, involvedUnits } from '../rules.js';
import { emit } from '../state.js';
import { fieldLabel, entryReason } from './common.js';

export function render(main, params, [id]) {
  const me = store.me();
  const editing = id ? store.get('events', id) : null;
  if (id && !editing) {
    mount(main, h('h2', null, 'Événement introuvable'), h('a', { class: 'btn', href: '#/' }, 'Retour'));
    return { live: 'until-input' };
  }
  // A rejected creation is corrected in place: same record id, new attempt.
  const rejectedCreate = editing && (editing._local || []).find((l) => l.entry.op === 'create' && l.status !== 'pending');
  // A refused or conflicting modification is corrected from what was sent,
  // not typed again over the server's values; saving it replaces the
  // refused entry (outbox.enqueue).
  const refusedUpdate = editing && !rejectedCreate && [...(editing._local || [])].reverse().find((l) => l.entry.op === 'update' && l.status !== 'pending');
  const elections = store.electionsFor(me.party);
  const ev = (editing && refusedUpdate ? { ...editing, ...refusedUpdate.entry.data } : editing) || {
    kind: 'meeting', status: 'declared', security_needs: [], sound_vehicle: false,
    itinerary: params.get('itineraire') || '', election: elections[0] && elections[0].id,
    ...defaultWindow(elections[0]),
  };
  let point = ev.location && typeof ev.location.lat === 'number' && !(ev.location.lat === 0 && ev.location.lon === 0) ? { ...ev.location } : null;

  const kind = select('kind', Object.entries(EVENT_KINDS).map(([value, label]) => ({ value, label })), ev.kind, { required: true });
  const title = h('input', { id: 'title', name: 'title', required: true, maxlength: '200', value: ev.title || '', autocomplete: 'off' });
  const place = h('input', { id: 'place', name: 'place', maxlength: '300', value: ev.place || '', placeholder: 'Ex. Place de l’Étoile rouge' });
  const commune = select('commune', [{ value: '', label: '— Choisir —' }, ...store.communeGroups()], ev.commune || '');
  const arrWrap = h('div');
  const fillArr = (selected) => {
    const arrs = store.arrondissementsOf(commune.value);
    arrWrap.replaceChildren();
    if (!arrs.length) return;
    arrWrap.append(field('Arrondissement', select('arrondissement',
      [{ value: '', label: '— Toute la commune —' }, ...arrs.map((a) => ({ value: a.id, label: a.name }))], selected || '')));
  };
  commune.addEventListener('change', () => fillArr(''));
  fillArr(ev.arrondissement);

  const gpsOut = h('p', { class: 'card-line', 'aria-live': 'polite' });
  const showGps = () => {
    gpsOut.replaceChildren(point
      ? h('span', null, `Position : ${point.lat.toFixed(5)}, ${point.lon.toFixed(5)} `,
        h('button', { type: 'button', class: 'btn btn-small', onclick: () => { point = null; showGps(); } }, 'Retirer'))
      : 'Aucune position GPS.');
  };
  showGps();
  const gpsBtn = h('button', {
    type: 'button', class: 'btn',
    onclick: async () => {
      gpsOut.textContent = 'Recherche de la position…';
      try {
        point = await currentPosition();
        showGps();
        await suggestDivision(point, commune, fillArr);
        refreshUnits();
      } catch {
        gpsOut.replaceChildren(errorBox(errorMessage('local_gps')));
      }
    },
  }, 'Utiliser ma position GPS');

  // The route is drawn on a map (lazy module, cached for offline use); the
  // coordinates stay editable as text for keyboards and screen readers, and
  // as a fallback when the map cannot load.
  let route = (ev.route || []).map((p) => ({ lat: p.lat, lon: p.lon }));
  const routeText = h('textarea', {
    id: 'route', name: 'route', rows: '3', placeholder: '6.3654, 2.4183',
  }, routeLines(route));
  let editor = null;
  let editorLoading = false;
  const mapBox = h('div', { class: 'route-editor' }, h('p', { class: 'map-loading' }, 'Chargement de la carte du parcours…'));
  const setRoute = (pts, { fromText = false } = {}) => {
    route = pts;
    if (!fromText) {
      routeText.value = routeLines(route);
      // A map edit is an edit: the router must not redraw the form over it.
      routeText.dispatchEvent(new Event('input', { bubbles: true }));
    }
    if (fromText && editor) editor.set(route);
    refreshUnits();
  };
  routeText.addEventListener('input', (e) => {
    if (!e.isTrusted) return;
    const pts = parseRoute(routeText.value);
    if (pts) setRoute(pts, { fromText: true });
  });
  const loadEditor = () => {
    if (editor || editorLoading) return;
    editorLoading = true;
    import('../map/route-editor.js')
      .then((m) => m.mountRouteEditor(mapBox, { points: route, communeId: commune.value, onChange: (pts) => setRoute(pts) }))
      .then((ed) => { editor = ed; if (commune.value) ed.focusCommune(commune.value); })
      .catch((err) => {
        console.warn('route editor', err);
        mapBox.replaceChildren(h('p', { class: 'alert alert-muted' }, 'Carte indisponible sur ce téléphone pour l’instant : saisissez les coordonnées ci-dessous.'));
      })
      .finally(() => { editorLoading = false; });
  };
  const routeAdd = h('button', {
    type: 'button', class: 'btn btn-small',
    onclick: async () => {
      try {
        const p = await currentPosition();
        setRoute([...route, p]);
        if (editor) editor.set(route);
      } catch { toast(errorMessage('local_gps'), 'error'); }
    },
  }, 'Ajouter ma position au parcours');
  const routeBlock = h('div', { class: 'route-block' },
    h('p', { class: 'label' }, 'Parcours'),
    h('p', { class: 'hint' }, 'Touchez la carte pour ajouter chaque étape dans l’ordre ; faites glisser une étape pour la déplacer ; touchez-la puis « Retirer » pour l’enlever.'),
    mapBox, routeAdd,
    h('details', { class: 'route-text' }, h('summary', null, 'Coordonnées du parcours (saisie au clavier)'),
      field('Un point « latitude, longitude » par ligne', routeText)));
  const isRoute = () => ['caravan', 'march'].includes(kind.value);
  const toggleRoute = () => {
    routeBlock.hidden = !isRoute();
    if (!routeBlock.hidden) loadEditor();
    refreshUnits();
  };
  kind.addEventListener('change', toggleRoute);

  // Which units the event will involve, computed on the phone (rules.js
  // involvedUnits, the server's J2–J4) from the replica's units and, for a
  // route or a GPS point, the cached boundaries.
  const unitsBox = h('div', { class: 'units-preview', 'aria-live': 'polite' });
  let unitsRun = 0;
  async function refreshUnits() {
    const run = ++unitsRun;
    const units = store.list('units');
    const needGeo = (isRoute() && route.length) || (!commune.value && point);
    let geo = null;
    if (needGeo) {
      try { geo = await import('../map/boundaries.js'); } catch { geo = null; }
    }
    let place = placeOfForm();
    if (!place && point && geo) place = await geo.locate(point);
    let routePlaces = [];
    const outside = [];
    if (isRoute() && route.length && geo) {
      routePlaces = [];
      for (const [i, p] of route.entries()) {
        const pl = await geo.locate(p);
        if (!pl) outside.push(i + 1);
        routePlaces.push(pl);
      }
      // No commune chosen yet: the route's start is the event's place.
      if (!commune.value && routePlaces[0] && routePlaces[0].commune) {
        commune.value = routePlaces[0].commune;
        fillArr(routePlaces[0].arrondissement);
        place = placeOfForm();
      }
    }
    if (run !== unitsRun) return; // a newer edit is being computed
    const list = involvedUnits(place, routePlaces, units);
    const roleLabel = (x) => (x.role === 'lead' ? (x.uncovered ? 'responsable (aucun commissariat ne couvre ce lieu)' : 'responsable')
      : x.role === 'support' ? 'appui sur le parcours' : x.route ? 'supervision (autre département traversé)' : 'supervision');
    mount(unitsBox,
      h('p', { class: 'label' }, 'Unités de police concernées'),
      list.length
        ? h('ul', { class: 'units' }, list.map((x) => h('li', { 'data-role': x.role }, h('strong', null, x.unit.name), ` — ${roleLabel(x)}`)))
        : h('p', { class: 'hint' }, 'Choisissez une commune, une position ou un parcours pour voir les unités concernées.'),
      outside.length ? h('p', { class: 'alert alert-error' }, `Étape${outside.length > 1 ? 's' : ''} ${outside.join(', ')} hors du Bénin ou hors des limites connues : le serveur refusera le parcours.`) : null,
      isRoute() && route.length && !geo ? h('p', { class: 'hint' }, 'Limites indisponibles sur le téléphone : les unités du parcours seront désignées à l’envoi.') : null,
      list.length ? h('p', { class: 'hint' }, 'Calculé sur le téléphone, même hors ligne ; la police confirme à la réception.') : null);
  }
  function placeOfForm() {
    const arrSel = arrWrap.querySelector('select');
    const arr = arrSel && arrSel.value ? store.get('arrondissements', arrSel.value) : null;
    const com = store.get('communes', commune.value);
    if (!com) return null;
    return { departement: com.departement, commune: com.id, arrondissement: arr ? arr.id : '' };
  }
  commune.addEventListener('change', () => { if (editor) editor.focusCommune(commune.value); refreshUnits(); });
  arrWrap.addEventListener('change', () => refreshUnits());

  const starts = h('input', { id: 'starts_at', name: 'starts_at', type: 'datetime-local', required: true, value: toLocalInput(ev.starts_at) });
  const ends = h('input', { id: 'ends_at', name: 'ends_at', type: 'datetime-local', required: true, value: toLocalInput(ev.ends_at) });
  const attendance = h('input', { id: 'expected_attendance', name: 'expected_attendance', type: 'number', min: '0', inputmode: 'numeric', value: ev.expected_attendance || '' });
  const needs = h('fieldset', { class: 'checks' }, h('legend', null, 'Besoins de sécurité'),
    Object.entries(SECURITY_NEEDS).map(([value, label]) => h('label', null,
      h('input', { type: 'checkbox', name: 'security_needs', value, 'data-multi': '1', checked: (ev.security_needs || []).includes(value) }), ' ', label)));
  const sound = h('label', { class: 'check' }, h('input', { type: 'checkbox', name: 'sound_vehicle', id: 'sound_vehicle', checked: !!ev.sound_vehicle }), ' Véhicule sonorisé');
  const notes = h('textarea', { id: 'notes', name: 'notes', rows: '3', maxlength: '5000' }, ev.notes || '');

  const itins = store.itinerariesOf(me.party);
  const itinSel = select('itinerary', [{ value: '', label: '— Aucun —' }, ...itins.map((i) => ({ value: i.id, label: i.title }))], ev.itinerary || '');
  const electionSel = elections.length > 1 || (editing && !elections.some((e) => e.id === ev.election))
    ? select('election', store.list('elections').map((e) => ({ value: e.id, label: e.name })), ev.election)
    : h('input', { type: 'hidden', name: 'election', value: ev.election || '' });
  const el = store.get('elections', ev.election);
  // campaign_end is 00:00 on the eve of the vote: the last campaign day is the one before.
  const lastDay = el ? new Date(parseDate(el.campaign_end).getTime() - 60000) : null;
  const campaign = el ? h('p', { class: 'hint' }, `Campagne : du ${formatDay(el.campaign_start)} au ${formatDay(lastDay)} inclus. Déclarez au moins ${el.notice_hours || 72} h à l’avance ; meetings et rassemblements entre 7 h et 23 h.`) : null;

  const msg = h('div', { 'aria-live': 'assertive' });
  const refusal = [rejectedCreate, refusedUpdate].filter(Boolean).map((l) => {
    const { message, details } = entryReason(l.entry);
    return errorBox(`${l.status === 'conflict' ? 'Modification en conflit' : 'Refusé par le serveur'} : ${message} Corrigez puis enregistrez.`, details);
  })[0] || null;
  const submit = h('button', { type: 'submit', class: 'btn btn-primary btn-block' }, editing ? 'Enregistrer les modifications' : 'Déclarer l’événement');

  const form = h('form', { class: 'form', novalidate: true, onsubmit: (e) => { e.preventDefault(); save(); } },
    h('p', { class: 'back' }, h('a', { href: editing ? `#/evenement/${editing.id}` : '#/' }, '‹ Retour')),
    h('h2', null, editing ? 'Modifier l’événement' : 'Déclarer un événement'),
    refusal,
    elections.length ? null : errorBox(errorMessage('election_required')),
    campaign,
    field('Type d’activité', kind),
    field('Titre', title),
    itins.length ? field('Itinéraire', itinSel) : null,
    electionSel.tagName === 'SELECT' ? field('Élection', electionSel) : electionSel,
    h('fieldset', null, h('legend', null, 'Lieu'),
      field('Lieu précis', place),
      field('Commune', commune),
      arrWrap,
      gpsBtn, gpsOut,
      routeBlock,
      unitsBox),
    h('fieldset', null, h('legend', null, 'Horaires (heure du Bénin)'),
      h('div', { class: 'grid2' }, field('Début', starts), field('Fin', ends))),
    field('Participants attendus', attendance),
    needs,
    sound,
    field('Notes pour la police', notes),
    msg,
    submit);

  async function save() {
    const v = formValues(form);
    const draft = {
      kind: v.kind,
      title: v.title.trim(),
      place: v.place.trim(),
      commune: v.commune || '',
      arrondissement: v.arrondissement || '',
      location: point,
      route: ['caravan', 'march'].includes(v.kind) ? parseRoute(v.route) : [],
      starts_at: fromLocalInput(v.starts_at),
      ends_at: fromLocalInput(v.ends_at),
      expected_attendance: v.expected_attendance === '' ? 0 : Math.max(0, Math.round(Number(v.expected_attendance))),
      security_needs: v.security_needs || [],
      sound_vehicle: !!v.sound_vehicle,
      notes: v.notes.trim(),
      itinerary: v.itinerary || '',
      election: v.election || '',
    };
    if (draft.route === null) {
      msg.replaceChildren(errorBox('Parcours illisible : un point « latitude, longitude » par ligne.'));
      return;
    }
    const election = store.get('elections', draft.election);
    const { errors, warnings } = checkEvent(draft, election);
    if (errors.length) {
      msg.replaceChildren(errorBox('Déclaration à corriger :', errors.map((x) => `${fieldLabel(x.field)} : ${errorMessage(x.code)}`)));
      const first = form.querySelector(`[name="${errors[0].field}"]`);
      if (first) first.focus();
      return;
    }
    submit.disabled = true;
    try {
      if (!editing) {
        const data = { ...clean(draft), party: me.party, status: 'declared' };
        const rid = recordId();
        await outbox.enqueue({ collection: 'events', op: 'create', record_id: rid, data, label: `Déclaration : ${draft.title}` });
        announce(warnings, 'Déclaration enregistrée');
        emit('render', { force: true });
        location.hash = `#/evenement/${rid}`;
      } else if (rejectedCreate) {
        const data = { ...rejectedCreate.entry.data, ...clean(draft) };
        await outbox.resubmit(rejectedCreate.entry, data);
        announce(warnings, 'Déclaration corrigée');
        location.hash = `#/evenement/${editing.id}`;
      } else {
        const changes = diff(editing, draft);
        if (!Object.keys(changes).length) { location.hash = `#/evenement/${editing.id}`; return; }
        const server = store.serverCopy('events', editing.id);
        await outbox.enqueue({
          collection: 'events', op: 'update', record_id: editing.id, base_version: server ? server.version : undefined,
          data: changes, label: `Modification : ${draft.title}`,
        });
        announce(warnings, 'Modification enregistrée');
        location.hash = `#/evenement/${editing.id}`;
      }
    } finally {
      submit.disabled = false;
    }
  }

  mount(main, form);
  toggleRoute();
  return { live: 'until-input', dispose: () => { unitsRun++; if (editor) editor.dispose(); } };
}

function routeLines(pts) {
  return pts.map((p) => `${p.lat}, ${p.lon}`).join('\n');
}

function announce(warnings, what) {
  const late = warnings.some((w) => w.code === 'late_notice');
  const where = navigator.onLine ? 'envoi en cours' : 'elle partira au retour du réseau';
  toast(`${what} (${where}).${late ? ' Préavis de moins de 72 h : elle sera signalée comme tardive.' : ''}`, late ? 'warn' : 'ok');
}

/** Drops empty optional relations/values so the server sees them as unset. */
function clean(d) {
  const out = { ...d };
  for (const k of ['itinerary', 'commune', 'arrondissement']) if (!out[k]) delete out[k];
  if (!out.location) delete out.location;
  if (!out.route || !out.route.length) delete out.route;
  return out;
}

function same(a, b, key) {
  if (key === 'starts_at' || key === 'ends_at') {
    const x = parseDate(a);
    const y = parseDate(b);
    return !!x && !!y && x.getTime() === y.getTime();
  }
  const norm = (v) => (v === undefined || v === null || v === '' ? null : v);
  if (key === 'security_needs') return JSON.stringify([...(a || [])].sort()) === JSON.stringify([...(b || [])].sort());
  if (key === 'route') return JSON.stringify(a || []) === JSON.stringify(b || []);
  if (key === 'location') {
    const p = (v) => (v && typeof v.lat === 'number' && !(v.lat === 0 && v.lon === 0) ? `${v.lat},${v.lon}` : null);
    return p(a) === p(b);
  }
  return JSON.stringify(norm(a)) === JSON.stringify(norm(b));
}

/** Only the changed fields go to the server: untouched fields never conflict. */
function diff(before, after) {
  const out = {};
  for (const [k, v] of Object.entries(after)) {
    if (!same(before[k], v, k)) out[k] = v === '' && ['itinerary', 'commune', 'arrondissement'].includes(k) ? '' : v;
  }
  return out;
}

function parseRoute(text) {
  const pts = [];
  for (const line of String(text || '').split('\n')) {
    if (!line.trim()) continue;
    const m = /^\s*(-?\d+(?:[.,]\d+)?)\s*[;,\s]\s*(-?\d+(?:[.,]\d+)?)\s*$/.exec(line.replace(/(\d),(\d)/g, '$1.$2'));
    if (!m) return null;
    pts.push({ lat: Number(m[1].replace(',', '.')), lon: Number(m[2].replace(',', '.')) });
  }
  return pts;
}

function currentPosition() {
  return new Promise((resolve, reject) => {
    if (!navigator.geolocation) { reject(new Error('gps')); return; }
    navigator.geolocation.getCurrentPosition(
      (p) => resolve({ lat: round6(p.coords.latitude), lon: round6(p.coords.longitude) }),
      reject, { enableHighAccuracy: true, timeout: 20000, maximumAge: 60000 });
  });
}

const round6 = (x) => Math.round(x * 1e6) / 1e6;

// Online, ask the server which commune/arrondissement the point is in so the
// form shows it; offline the server resolves it on arrival (J1).
async function suggestDivision(loc, communeSel, fillArr) {
  if (!navigator.onLine) return;
  try {
    const r = await api(`/api/jurisdiction/resolve?lat=${loc.lat}&lon=${loc.lon}`, { timeout: 10000 });
    if (r.commune && r.commune.id) {
      communeSel.value = r.commune.id;
      fillArr(r.arrondissement ? r.arrondissement.id : '');
    }
  } catch (err) {
    if (err.code && err.code !== 'offline' && err.code !== 'no_boundaries') toast(errorMessage(err.code, err.message), 'error');
  }
}
