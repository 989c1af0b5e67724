package write

import (
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/pocketbase/dbx"
)

// LongEventCondition is the condition of the partial index idx_events_long
// (migration 1700000011), word for word: the events longer than a day.
const LongEventCondition = "julianday(ends_at) - julianday(starts_at) > 1"

var windowParams atomic.Uint64

// meetingWindow selects, among the events key selects (equalities that an
// index (election, key…, starts_at) serves), those whose window meets
// [from, to), as branches of one OR that SQLite answers each from an
// index range: an event of at most a day that meets the window starts
// after from minus a day (a bounded range of the key's index), and the
// rare longer ones come from idx_events_long. "starts_at < to AND ends_at
// > from" alone reads every earlier event of the key: in a city where a
// party declares thousands of events, every one of them at each
// declaration.
func meetingWindow(key dbx.HashExp, from, to time.Time) dbx.Expression {
	// parameters named apart: one query ORs several windows
	n := "w" + strconv.FormatUint(windowParams.Add(1), 36) + "_"
	lo, hi, after, el := n+"lo", n+"to", n+"from", n+"election"
	// In the long branch the key's columns other than the election are
	// compared as "+col" (SQLite's way of keeping a term off the indexes),
	// or the planner would pick the key's index with an unbounded start
	// over the partial index.
	long := []string{LongEventCondition, "election = {:" + el + "}", "starts_at < {:" + hi + "}", "ends_at > {:" + after + "}"}
	params := dbx.Params{el: key["election"], lo: dbTime(from.Add(-24 * time.Hour)), hi: dbTime(to), after: dbTime(from)}
	for _, col := range slices.Sorted(maps.Keys(key)) {
		if col != "election" {
			p := n + col
			long = append(long, "+"+col+" = {:"+p+"}")
			params[p] = key[col]
		}
	}
	return dbx.Or(
		dbx.And(key, dbx.NewExp("starts_at > {:"+lo+"} AND starts_at < {:"+hi+"} AND ends_at > {:"+after+"}", params)),
		dbx.NewExp(strings.Join(long, " AND "), params),
	)
}
