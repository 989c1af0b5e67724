// HTTP access to the PocketBase server. Every failure becomes an ApiError with
// a machine code, so callers decide between "keep for later" (offline, 5xx,
// 429) and "show the server's reason" (4xx) without parsing messages.

let token = '';
let onUnauthorized = () => {};

export function setToken(t) { token = t || ''; }
export function getToken() { return token; }
export function setUnauthorizedHandler(fn) { onUnauthorized = fn; }

export class ApiError extends Error {
  constructor({ status = 0, code = '', message = '', fields = null, data = null }) {
    super(message || code || `HTTP ${status}`);
    this.status = status;
    this.code = code;
    this.fields = fields; // { field: { code, message } }
    this.data = data;
  }

  /** Network down, server unreachable or overloaded: worth retrying later. */
  get retryable() {
    return this.status === 0 || this.status === 429 || this.status >= 500;
  }
}

/**
 * Reads the stable rule code of a PocketBase error body: data.code when no
 * single field is at fault, else the code of the first faulty field.
 */
export function errorFromBody(status, body) {
  const data = (body && body.data) || {};
  let code = typeof data.code === 'string' ? data.code : '';
  let fields = null;
  for (const [k, v] of Object.entries(data)) {
    if (v && typeof v === 'object' && typeof v.code === 'string') {
      fields = fields || {};
      fields[k] = { code: v.code, message: v.message || '' };
      if (!code) code = v.code;
    }
  }
  if (!code && body && typeof body.code === 'string') code = body.code; // sync RequestError
  if (!code) {
    if (status === 401) code = 'unauthorized';
    else if (status === 403) code = 'forbidden';
    else if (status === 404) code = 'not_found';
    else if (status >= 500) code = 'server_error';
  }
  return new ApiError({ status, code, message: (body && body.message) || '', fields, data });
}

/**
 * fetch wrapper. `body` is sent as JSON, `form` (FormData) as multipart.
 * Resolves with the parsed JSON (or null for 204); `onHeaders` is given a
 * successful answer's headers.
 */
export async function api(path, { method = 'GET', body, form, auth = true, signal, timeout = 30000, headers: extra, onHeaders } = {}) {
  const headers = { ...extra };
  if (auth && token) headers.Authorization = token;
  let payload;
  if (form) payload = form;
  else if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    payload = JSON.stringify(body);
  }
  // 2G connections stall rather than fail: a timeout turns a hung request
  // into an ordinary "offline" error that the outbox retries later.
  const ctrl = new AbortController();
  const timer = setTimeout(() => ctrl.abort(), timeout);
  if (signal) signal.addEventListener('abort', () => ctrl.abort(), { once: true });
  let res;
  try {
    res = await fetch(path, { method, headers, body: payload, signal: ctrl.signal, cache: 'no-store' });
  } catch (err) {
    throw new ApiError({ status: 0, code: 'offline', message: err && err.message });
  } finally {
    clearTimeout(timer);
  }
  if (res.ok && onHeaders) onHeaders(res.headers);
  if (res.status === 204) return null;
  let json = null;
  try {
    json = await res.json();
  } catch {
    if (res.ok) throw new ApiError({ status: res.status, code: 'server_error', message: 'réponse illisible' });
  }
  if (!res.ok) {
    const err = errorFromBody(res.status, json);
    if (res.status === 401 && auth && token) onUnauthorized(err);
    throw err;
  }
  return json;
}

export function login(identity, password) {
  return api('/api/collections/users/auth-with-password', {
    method: 'POST', body: { identity, password }, auth: false,
  });
}

export function refreshAuth() {
  return api('/api/collections/users/auth-refresh', { method: 'POST' });
}

// Incident photos are protected files: each URL carries a short-lived file
// token (PocketBase issues them for about 3 minutes). One token serves every
// photo shown meanwhile; a new one is asked for once it is 2 minutes old.
let fileTok = { value: '', at: 0, owner: '' };

export async function fileToken() {
  if (fileTok.value && fileTok.owner === token && Date.now() - fileTok.at < 120e3) return fileTok.value;
  const res = await api('/api/files/token', { method: 'POST' });
  fileTok = { value: res.token, at: Date.now(), owner: token };
  return res.token;
}

/** URL of a protected file of a record; thumb e.g. '320x0'. */
export async function protectedFileURL(collection, recordId, name, thumb = '') {
  const q = new URLSearchParams({ token: await fileToken() });
  if (thumb) q.set('thumb', thumb);
  return `/api/files/${encodeURIComponent(collection)}/${encodeURIComponent(recordId)}/${encodeURIComponent(name)}?${q}`;
}
