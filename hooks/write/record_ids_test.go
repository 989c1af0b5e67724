package write

import (
	"regexp"
	"testing"
	"time"
)

// Sortable ids are valid PocketBase ids and sort by time.
func TestSortableID(t *testing.T) {
	valid := regexp.MustCompile(`^[a-z0-9]{15}$`)
	prev := ""
	base := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	for i := range 1000 {
		id := sortableID(base.Add(time.Duration(i/3) * time.Microsecond))
		if !valid.MatchString(id) {
			t.Fatalf("%q is not a PocketBase id", id)
		}
		if id[:10] <= prev {
			t.Fatalf("%q does not sort after %q", id, prev)
		}
		prev = id[:10]
	}
	// the clock steps back: ids still increase
	for range 3 {
		id := sortableID(base)
		if !valid.MatchString(id) || id[:10] <= prev {
			t.Fatalf("%q after %q", id, prev)
		}
		prev = id[:10]
	}
}
