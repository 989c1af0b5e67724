package write

import (
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
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
//
// parties, when not nil, are the only parties whose events are read: the
// rivals of the event searched for, since a party's own events never
// clash with it. With the party in the indexes (election, key, party,
// starts_at), a party declaring thousands of events in one city never
// reads its own back: each rival is one bounded range.
func meetingWindow(key dbx.HashExp, parties []any, from, to time.Time) dbx.Expression {
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
	short := dbx.And(key, dbx.NewExp("starts_at > {:"+lo+"} AND starts_at < {:"+hi+"} AND ends_at > {:"+after+"}", params))
	longExp := dbx.Expression(dbx.NewExp(strings.Join(long, " AND "), params))
	if parties != nil {
		short = dbx.And(short, dbx.In("party", parties...))
		in := make([]string, len(parties))
		for i, p := range parties {
			name := n + "party" + strconv.Itoa(i)
			in[i] = "{:" + name + "}"
			params[name] = p
		}
		longExp = dbx.And(longExp, dbx.NewExp("+party IN ("+strings.Join(in, ", ")+")", params))
	}
	return dbx.Or(short, longExp)
}

// rivalParties are the ids of every party but party: the parties whose
// events may clash with, or be noticed by, an event of party (a short
// table: the parties of a country).
func rivalParties(tx core.App, party string) ([]any, error) {
	ws := sessionOf(tx)
	if ws != nil {
		if r, ok := ws.rivals[party]; ok {
			return r, nil
		}
	}
	var ids []string
	if err := tx.DB().Select("id").From("parties").Where(dbx.NewExp("id != {:p}", dbx.Params{"p": party})).Column(&ids); err != nil {
		return nil, err
	}
	out := make([]any, len(ids))
	for i, id := range ids {
		out[i] = id
	}
	if ws != nil {
		if ws.rivals == nil {
			ws.rivals = map[string][]any{}
		}
		ws.rivals[party] = out
	}
	return out, nil
}
