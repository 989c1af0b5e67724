// Shared app state and a small event bus. Views listen to "data" (replica or
// outbox changed) to refresh themselves without a reload, and to "status"
// (network/sync status) for the header indicator.

export const bus = new EventTarget();

export function emit(type, detail) {
  bus.dispatchEvent(new CustomEvent(type, { detail }));
}

export function on(type, fn) {
  const handler = (e) => fn(e.detail);
  bus.addEventListener(type, handler);
  return () => bus.removeEventListener(type, handler);
}

/** Network and sync status shown in the header. */
export const status = {
  online: navigator.onLine,
  syncing: false,
  realtime: false, // connected to /api/realtime and subscribed to "sync"
  lastPullAt: null,
  lastError: null,
};

export function setStatus(patch) {
  Object.assign(status, patch);
  emit('status', status);
}
