package syncproto

import (
	"cmp"
	"encoding/json"
	"errors"
	"slices"
	"strings"
)

// Pull page size bounds (DESIGN §5).
const (
	DefaultLimit = 500
	MaxLimit     = 1000
)

// Change ops in a pull response.
const (
	OpPut    = "put"
	OpRemove = "remove"
)

// Row is one sync index row as the pull query returns it: the change with
// sequence Seq made the record visible (Removed=false) or invisible
// (Removed=true) in one scope of the caller.
type Row struct {
	Seq        int64
	Collection string
	ID         string
	Removed    bool
}

// Op is the pull op the row becomes.
func (r Row) Op() string {
	if r.Removed {
		return OpRemove
	}
	return OpPut
}

// Change is one entry of a pull response. Record is set only for put: the
// record's current state, read in the same transaction as the rows.
type Change struct {
	Seq        int64          `json:"seq"`
	Collection string         `json:"collection"`
	ID         string         `json:"id"`
	Op         string         `json:"op"`
	Record     map[string]any `json:"record,omitzero"`
}

// PullResponse is the body of GET /api/sync/pull.
type PullResponse struct {
	Changes []Change `json:"changes"`
	Cursor  string   `json:"cursor"`
	More    bool     `json:"more"`
	Reset   bool     `json:"reset"`
	Durability
}

// Durability is what every pull and push answer says of replication
// (DESIGN §5): Durable is a cursor at the newest change known to be
// replicated, DurableSeq its position in the log and Epoch the log's
// epoch. A client keeps each mutation the server applied until an answer
// of the same epoch has DurableSeq at or above the WrittenSeq of the push
// that applied it, and sends it again once the epoch changed (a restore).
// A server without a replica answers its head: its own disk is all the
// durability there is.
type Durability struct {
	Durable    string `json:"durable"`
	DurableSeq int64  `json:"durable_seq"`
	Epoch      string `json:"epoch"`
}

// MarshalJSON writes "changes": [] rather than null for an empty page, so
// clients can iterate without a null check whichever JSON package the
// glue uses.
func (p PullResponse) MarshalJSON() ([]byte, error) {
	type plain PullResponse
	if p.Changes == nil {
		p.Changes = []Change{}
	}
	return json.Marshal(plain(p))
}

// Collapse turns the index rows of one page, drawn from several scopes of
// the caller, into at most one row per record. Exactly two kinds of rows
// are dropped:
//
//  1. Rows with the same (collection, id, seq) but another scope: one
//     change wrote a row per scope. The survivor is live if any of them is
//     live, because the record is still visible through that scope (it
//     moved from one of the caller's scopes to another, e.g. from one
//     unit to another unit of the director's département).
//  2. All rows of a record with a lower seq than its highest seq in the
//     page. The client applies changes in order and a put carries the
//     current record, so the last op alone decides the replica state.
//
// Neither changes the replica state after the page is applied, and the
// page's cursor (its highest seq) is unaffected. The result is ordered by
// seq, then collection and id; input order does not matter.
func Collapse(rows []Row) []Row {
	type key struct{ collection, id string }
	last := make(map[key]Row, len(rows))
	for _, r := range rows {
		k := key{r.Collection, r.ID}
		prev, seen := last[k]
		switch {
		case !seen || r.Seq > prev.Seq:
			last[k] = r
		case r.Seq == prev.Seq && !r.Removed:
			prev.Removed = false
			last[k] = prev
		}
	}
	out := make([]Row, 0, len(last))
	for _, r := range last {
		out = append(out, r)
	}
	slices.SortFunc(out, func(a, b Row) int {
		return cmp.Or(cmp.Compare(a.Seq, b.Seq),
			strings.Compare(a.Collection, b.Collection),
			strings.Compare(a.ID, b.ID))
	})
	return out
}

// FetchLimit is the LIMIT for the pull query
//
//	SELECT seq, collection, record_id, removed FROM sync_index
//	WHERE scope IN (<scopes>) AND seq > <cursor> ORDER BY seq LIMIT ?
//
// when the client asked for limit changes and has nScopes scopes.
//
// A page must never end in the middle of a seq: if it kept the remove row
// of a change but cut off its put row in another scope, the cursor would
// move past the put and the client would lose the record. Assuming each
// seq belongs to one record change (the glue must not share a seq between
// records), a seq has at most nScopes rows for this caller, so
// limit*nScopes+1 rows span at least limit+1 seqs whenever the query was
// truncated, and the first limit seqs are complete. Page relies on that.
func FetchLimit(limit, nScopes int) int {
	return max(limit, 1)*max(nScopes, 1) + 1
}

// Page cuts rows fetched with FetchLimit to the first limit seqs after
// from, collapses them and returns the page, the seq for the next cursor
// and whether more rows follow. next is from when the page is empty, so
// the cursor never moves backwards. Rows at or below from are ignored.
func Page(rows []Row, from int64, limit int) (page []Row, next int64, more bool) {
	limit = max(limit, 1)
	rows = slices.Clone(rows)
	slices.SortStableFunc(rows, func(a, b Row) int { return cmp.Compare(a.Seq, b.Seq) })
	next = from
	seqs := 0
	kept := rows[:0]
	for _, r := range rows {
		if r.Seq <= from {
			continue
		}
		if r.Seq != next {
			if seqs == limit {
				more = true
				break
			}
			seqs++
			next = r.Seq
		}
		kept = append(kept, r)
	}
	return Collapse(kept), next, more
}

// ScopeFetchLimit is the LIMIT of the per-scope pull query
//
//	SELECT seq, collection, record_id, removed FROM sync_index
//	WHERE scope = <scope> AND seq > <cursor> ORDER BY seq LIMIT ?
//
// which the glue runs once per scope of the caller, so that each query
// is a range scan of the (scope, seq) index instead of a sort of every
// row of every scope after the cursor. PageScopes explains why limit+1
// rows per scope are enough.
func ScopeFetchLimit(limit int) int { return max(limit, 1) + 1 }

// ScopeRows is what one per-scope query returned: its rows in seq order,
// and whether it was cut by its LIMIT (it returned ScopeFetchLimit rows,
// so more rows of that scope may follow).
type ScopeRows struct {
	Rows      []Row
	Truncated bool
}

// PageScopes merges per-scope query results into one page, like Page.
//
// Within one scope a seq names at most one row (one seq is one record
// change, and a scope holds one row per record), so a truncated scope's
// rows are its first ScopeFetchLimit seqs. Let cutoff be the smallest
// last seq among truncated scopes: every row of every scope with a seq
// up to cutoff has been fetched, and there are at least limit+1 distinct
// seqs up to cutoff. Rows above cutoff may miss rows of other scopes at
// the same seq, so they are dropped before paging; the page then holds the
// first limit seqs, complete, and more is true. Without truncation every
// row was fetched and PageScopes is Page.
func PageScopes(scopes []ScopeRows, from int64, limit int) (page []Row, next int64, more bool) {
	cutoff, truncated := int64(0), false
	n := 0
	for _, s := range scopes {
		n += len(s.Rows)
		if s.Truncated && len(s.Rows) > 0 {
			last := s.Rows[0].Seq
			for _, r := range s.Rows {
				last = max(last, r.Seq)
			}
			if !truncated || last < cutoff {
				cutoff = last
			}
			truncated = true
		}
	}
	rows := make([]Row, 0, n)
	for _, s := range scopes {
		for _, r := range s.Rows {
			if !truncated || r.Seq <= cutoff {
				rows = append(rows, r)
			}
		}
	}
	page, next, more = Page(rows, from, limit)
	return page, next, more || truncated
}

// ErrBadLimit is returned for a limit parameter that is not a positive
// integer.
var ErrBadLimit = errors.New("syncproto: limit must be a positive integer")

// ParseLimit reads the limit query parameter: empty means DefaultLimit,
// values above MaxLimit are capped (a client asking for too much still
// gets a useful page), and anything but ASCII digits denoting a positive
// number is ErrBadLimit. Signs and spaces are rejected so one value has
// one spelling.
func ParseLimit(s string) (int, error) {
	if s == "" {
		return DefaultLimit, nil
	}
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, ErrBadLimit
		}
		// Saturate instead of overflowing on long digit strings.
		if n <= MaxLimit {
			n = n*10 + int(c-'0')
		}
	}
	if n == 0 {
		return 0, ErrBadLimit
	}
	return min(n, MaxLimit), nil
}

// AdvanceOver is how far a device whose cursor is at from may move its
// cursor after a push without skipping a change: up to just before the
// first row (of its scopes, after from) whose state the device does not
// already hold (covered reports it does, e.g. the push answered that very
// state), or to head when it holds them all. Each scope's rows are in seq
// order; a truncated scope vouches only for the rows it returned.
func AdvanceOver(scopes []ScopeRows, from, head int64, covered func(Row) bool) int64 {
	to := head
	for _, s := range scopes {
		for _, r := range s.Rows {
			if !covered(r) {
				to = min(to, r.Seq-1)
				break
			}
		}
		if s.Truncated && len(s.Rows) > 0 {
			to = min(to, s.Rows[len(s.Rows)-1].Seq)
		}
	}
	return max(to, from)
}
