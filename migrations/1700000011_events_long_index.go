package migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

func init() {
	m.Register(addLongEventIndex, nil)
}

// addLongEventIndex indexes the events longer than a day, and puts the
// party in the clash indexes. The clash and
// notice searches find the events meeting a window [from, to) from the
// (election, key, starts_at) indexes: an event of at most a day that meets
// it starts after from minus a day, a bounded range of the index; the rare
// longer ones come from this partial index. Without the lower bound each
// declaration read every earlier event of its arrondissement.
//
// The WHERE clause is repeated word for word by hooks/write
// (write.LongEventCondition; a test checks they agree): SQLite uses a
// partial index only for a query that states its condition.
func addLongEventIndex(app core.App) error {
	events, err := app.FindCollectionByNameOrId("events")
	if err != nil {
		return err
	}
	events.AddIndex("idx_events_long", false, "election, starts_at", "julianday(ends_at) - julianday(starts_at) > 1")
	// the party after the key: a party's own events never clash with it,
	// so a search reads one bounded range per rival party and never the
	// searcher's own events, however many it declared in one city
	events.AddIndex("idx_events_clash_cell", false, "election, clash_cell, party, starts_at", "")
	events.AddIndex("idx_events_clash_area", false, "election, clash_area, party, starts_at", "")
	events.AddIndex("idx_events_clash_commune", false, "election, commune, party, starts_at", "")
	return app.Save(events)
}
