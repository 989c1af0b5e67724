// PocketBase realtime (SSE). We only subscribe to the server's "sync" topic:
// its messages are tiny pokes ({cursor}) that mean "your scope changed", and
// the data itself always comes through the pull, which is paged, resumable
// and filtered by the same visibility rules. Any poke → pull.

import { api, getToken } from './api.js';
import { emit, setStatus } from './state.js';

let es = null;
let retryTimer = null;
let retryDelay = 5000;

export function connect() {
  if (es || !getToken() || typeof EventSource === 'undefined') return;
  clearTimeout(retryTimer);
  es = new EventSource('/api/realtime');
  const source = es;

  // Sent by PocketBase on every (re)connection, with a new client id: we
  // subscribe again, and pull in case pokes were missed while disconnected.
  source.addEventListener('PB_CONNECT', async (e) => {
    let clientId;
    try { clientId = JSON.parse(e.data).clientId; } catch { return; }
    try {
      await api('/api/realtime', { method: 'POST', body: { clientId, subscriptions: ['sync'] } });
      if (source !== es) return;
      retryDelay = 5000;
      setStatus({ realtime: true });
      emit('poke', { reason: 'connect' });
    } catch {
      setStatus({ realtime: false }); // polling still keeps us up to date
    }
  });

  source.addEventListener('sync', (e) => {
    let detail = {};
    try { detail = JSON.parse(e.data); } catch { /* a poke needs no body */ }
    emit('poke', detail);
  });

  source.onerror = () => {
    setStatus({ realtime: false });
    // EventSource retries by itself while the connection is merely dropped;
    // once the browser gives up (CLOSED), we retry with a growing delay.
    if (source.readyState === EventSource.CLOSED) {
      if (source === es) es = null;
      retryTimer = setTimeout(connect, retryDelay);
      retryDelay = Math.min(retryDelay * 2, 5 * 60000);
    }
  };
}

export function disconnect() {
  clearTimeout(retryTimer);
  if (es) { es.close(); es = null; }
  setStatus({ realtime: false });
}
