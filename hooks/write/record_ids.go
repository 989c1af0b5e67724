package write

import (
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/security"
)

var lastID struct {
	sync.Mutex
	us int64
}

// sortableID is a record id in PocketBase's format (15 characters of
// [a-z0-9]) that sorts by creation time: 10 base-36 digits of
// microseconds since the Unix epoch (enough until 2085), then 5 random
// ones. The rows the server creates in bulk (assignments, audit) get such
// ids so that their inserts append to the id indexes, the change index and
// the audit index instead of landing on random pages: a push batch of 100
// events then writes a few pages of each index rather than one per row.
//
// Ids made by one process strictly increase, even within a microsecond or
// when the clock steps back, so rows written together keep their order.
func sortableID(now time.Time) string {
	lastID.Lock()
	us := max(now.UnixMicro(), lastID.us+1)
	lastID.us = us
	lastID.Unlock()
	ts := strconv.FormatInt(us, 36)
	if len(ts) < 10 {
		ts = strings.Repeat("0", 10-len(ts)) + ts
	}
	return ts + security.PseudorandomStringWithAlphabet(core.DefaultIdLength-10, core.DefaultIdAlphabet)
}
