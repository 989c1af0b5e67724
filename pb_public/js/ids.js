// Client-generated identifiers. Records created offline need their final id
// at once (an incident may point to an event that is still in the outbox), so
// they get a PocketBase-shaped id: 15 characters of [a-z0-9].
// crypto.getRandomValues works in insecure contexts too (plain http on a LAN),
// unlike crypto.randomUUID, hence no dependency on the latter.

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

export function recordId() {
  const bytes = crypto.getRandomValues(new Uint8Array(15));
  let id = '';
  // 252 = 7 × 36: rejecting bytes ≥ 252 keeps every character equally likely.
  for (let i = 0; i < bytes.length; i++) {
    let b = bytes[i];
    while (b >= 252) b = crypto.getRandomValues(new Uint8Array(1))[0];
    id += ALPHABET[b % 36];
  }
  return id;
}

export function uuid() {
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
