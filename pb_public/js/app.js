// Entry point: session, router, navigation, network indicator, service worker.
// Routes are hash-based (#/…) so that the static server needs no rewrite rule
// and the service worker only ever serves one HTML document.

import { h, toast } from './ui.js';
import { loadSession, session, isParty, isPolice, signOut } from './session.js';
import { setUnauthorizedHandler } from './api.js';
import * as store from './store.js';
import * as sync from './sync.js';
import { on, status } from './state.js';
import { relative } from './time.js';
import * as loginView from './views/login.js';
import * as eventsView from './views/events.js';
import * as eventView from './views/event.js';
import * as eventForm from './views/event-form.js';
import * as itineraryForm from './views/itinerary-form.js';
import * as receiptView from './views/receipt.js';
import * as verifyView from './views/verify.js';
import * as incidentForm from './views/incident-form.js';
import * as outboxView from './views/outbox.js';
import * as accountView from './views/account.js';
import * as passwordView from './views/password.js';
import * as accountsView from './views/accounts.js';
import * as situationView from './views/situation.js';
import * as incidentsView from './views/incidents.js';
import * as agendaView from './views/agenda.js';

const ROUTES = [
  [/^\/?$/, eventsView, 'Événements'],
  [/^\/evenement\/([a-z0-9]+)$/, eventView, 'Événement'],
  [/^\/declarer$/, eventForm, 'Déclarer un événement', 'party'],
  [/^\/modifier\/([a-z0-9]+)$/, eventForm, 'Modifier l’événement', 'party'],
  [/^\/itineraire\/nouveau$/, itineraryForm, 'Nouvel itinéraire', 'party'],
  [/^\/itineraire\/([a-z0-9]+)\/modifier$/, itineraryForm, 'Modifier l’itinéraire', 'party'],
  [/^\/recepisse\/([a-z0-9]+)$/, receiptView, 'Récépissé'],
  [/^\/verifier$/, verifyView, 'Vérifier un récépissé'],
  [/^\/incident$/, incidentForm, 'Signaler un incident'],
  [/^\/envois$/, outboxView, 'Envois'],
  [/^\/compte$/, accountView, 'Mon compte'],
  [/^\/comptes$/, accountsView, 'Comptes', 'managers'],
  [/^\/situation$/, situationView, 'Situation', 'situation'],
  [/^\/incidents$/, incidentsView, 'Incidents', 'triage'],
  [/^\/agenda$/, agendaView, 'Agenda'],
];

const main = document.getElementById('main');
const nav = document.getElementById('nav');
const net = document.getElementById('net');
let current = null; // { view, result, dirty, path }

function parseHash() {
  const raw = location.hash.replace(/^#/, '') || '/';
  const [path, query] = raw.split('?');
  return { path, params: new URLSearchParams(query || '') };
}

function route({ keepScroll = false } = {}) {
  if (current && current.result && current.result.dispose) current.result.dispose();
  const { path, params } = parseHash();
  if (!session.user) {
    current = { view: loginView, path, result: loginView.render(main), dirty: false };
    renderNav();
    document.title = 'Connexion — Coprosec';
    return;
  }
  if (session.user.must_change_password) {
    // nothing else until the account chose its own password
    current = { view: passwordView, path, result: passwordView.render(main), dirty: false };
    nav.hidden = true;
    document.title = 'Choisir son mot de passe — Coprosec';
    return;
  }
  let match = null;
  for (const [re, view, title, who] of ROUTES) {
    const m = re.exec(path);
    if (m && (!who || (who === 'party' && isParty(store.me())) || (who === 'managers' && accountsView.canSeeAccounts(store.me())) || (who === 'situation' && situationView.canSeeSituation(store.me())) || (who === 'triage' && incidentsView.canTriage(store.me())))) { match = { view, title, args: m.slice(1) }; break; }
  }
  if (!match) match = { view: eventsView, title: 'Événements', args: [] };
  const y = window.scrollY;
  const result = match.view.render(main, params, match.args) || {};
  current = { view: match.view, path, params, args: match.args, result, dirty: false, title: match.title };
  document.title = `${match.title} — Coprosec`;
  renderNav();
  if (keepScroll) window.scrollTo(0, y);
  else {
    window.scrollTo(0, 0);
    main.focus({ preventScroll: true }); // screen readers start at the new content
  }
}

// Live views redraw when data changes (a pull brought an event, the outbox
// moved). Forms redraw only while untouched, so typing is never lost.
let pendingRender = null;
function rerender(force = false) {
  if (!current || !session.user) return;
  const live = current.result && current.result.live;
  if (!force && (!live || (live === 'until-input' && current.dirty) || (live === true && current.dirty))) return;
  clearTimeout(pendingRender);
  pendingRender = setTimeout(() => route({ keepScroll: true }), 50);
}

main.addEventListener('input', () => { if (current) current.dirty = true; });

function renderNav() {
  nav.replaceChildren();
  if (!session.user || session.user.must_change_password) { nav.hidden = true; return; }
  nav.hidden = false;
  const me = store.me();
  const { pending, failed } = store.counts();
  const items = [['#/', 'Événements', /^\/?$|^\/evenement|^\/recepisse/]];
  if (isParty(me)) items.push(['#/declarer', 'Déclarer', /^\/declarer|^\/modifier|^\/itineraire/]);
  items.push(['#/incident', 'Incident', /^\/incident/]);
  if (isPolice(me) || me.role === 'ministry') items.push(['#/verifier', 'Vérifier', /^\/verifier/]);
  items.push(['#/envois', 'Envois', /^\/envois/, pending + failed, failed]);
  items.push(['#/compte', 'Compte', /^\/compte/]);
  const path = parseHash().path;
  for (const [href, label, re, count, bad] of items) {
    nav.append(h('a', { href, 'aria-current': re.test(path) ? 'page' : null },
      label, count ? h('span', { class: `count${bad ? ' count-bad' : ''}`, 'aria-label': `${count} en attente` }, String(count)) : null));
  }
}

let lastNet = '';
function renderStatus() {
  if (!session.user) { net.textContent = ''; return; }
  const text = status.online
    ? (status.syncing ? 'Synchronisation…' : `En ligne · ${relative(status.lastPullAt)}`)
    : 'Hors ligne';
  const cls = `net ${status.online ? 'net-on' : 'net-off'}${status.online && status.realtime ? ' net-live' : ''}`;
  // Only touch the DOM on a real change: the element is a live region.
  if (text + cls !== lastNet) {
    net.textContent = text;
    net.className = cls;
    net.title = status.online && status.realtime ? 'Temps réel actif' : 'Actualisation périodique';
    lastNet = text + cls;
  }
}

async function boot() {
  registerServiceWorker();
  setUnauthorizedHandler(async () => {
    sync.stop();
    await signOut();
    toast('Votre session a expiré : reconnectez-vous. Vos modifications en attente sont conservées.', 'warn');
  });
  await loadSession();
  if (session.user) {
    await store.refresh();
    await store.refreshOutbox();
    sync.start();
  }
  on('data', (d) => { renderNav(); rerender(false); if (d && d.outbox && current && current.view === outboxView) rerender(true); });
  on('render', (d) => rerender(!!(d && d.force)));
  on('status', renderStatus);
  on('pulled', (collections) => notifyNewEvents(collections));
  on('session', async (user) => {
    await store.refresh();
    await store.refreshOutbox();
    if (user) sync.start();
    route();
  });
  window.addEventListener('hashchange', () => route());
  setInterval(renderStatus, 30000);
  renderStatus();
  route();
}

// Police: a short spoken/visible notice when events for the unit arrive.
let knownEvents = null;
function notifyNewEvents() {
  const ids = store.list('events').filter((e) => !e._unsynced).map((e) => e.id);
  if (knownEvents && isPolice(store.me())) {
    const fresh = ids.filter((id) => !knownEvents.has(id));
    if (fresh.length === 1) toast(`Nouvel événement : ${store.get('events', fresh[0]).title}`, 'info');
    else if (fresh.length > 1) toast(`${fresh.length} nouveaux événements pour votre unité.`, 'info');
  }
  knownEvents = new Set(ids);
}

function registerServiceWorker() {
  if (!('serviceWorker' in navigator)) return;
  navigator.serviceWorker.register('/sw.js').catch(() => { /* the app still works online */ });
  // A new version took over: reload once, at a quiet moment (not mid-form).
  // The very first install also "changes" the controller: no reload then.
  const hadController = !!navigator.serviceWorker.controller;
  let reloading = false;
  navigator.serviceWorker.addEventListener('controllerchange', () => {
    if (!hadController || reloading || (current && current.dirty)) return;
    reloading = true;
    location.reload();
  });
}

boot().catch((err) => {
  main.replaceChildren(h('div', { class: 'alert alert-error', role: 'alert' },
    h('strong', null, 'L’application n’a pas pu démarrer. '),
    'Vérifiez que le navigateur autorise le stockage local, puis rechargez la page.',
    h('pre', null, String(err && err.message))));
});
