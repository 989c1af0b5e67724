// Package syncproto holds the pure parts of Coprosec's offline-first sync
// protocol (DESIGN §5): which scopes a user reads and a record is written
// to, the opaque pull cursor, paging and collapsing of index rows, push
// request parsing and the field-level merge of concurrent updates.
//
// It does not import PocketBase and does no I/O beyond reading a request
// body, so the HTTP/SQLite glue stays thin and everything here can be
// tested and fuzzed in isolation.
//
// Wire types use `omitzero` rather than `omitempty`: omitzero means the
// same thing under encoding/json and encoding/json/v2, while omitempty
// does not (v2 keeps 0 and false).
package syncproto
