package migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

func init() {
	m.Register(addLongEventIndex, nil)
}

// addLongEventIndex indexes the events longer than a day. The clash and
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
	return app.Save(events)
}
