package write

import (
	"strings"
	"testing"
	"time"

	_ "coprosec/migrations"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
)

// The window searches of clashes and notices read bounded ranges of the
// events' indexes, whatever the size of the table: SQLite's plan for each
// branch names an index with a range on starts_at (or the partial index
// of long events), never a scan.
func TestMeetingWindowUsesIndexRanges(t *testing.T) {
	app := core.NewBaseApp(core.BaseAppConfig{DataDir: t.TempDir()})
	if err := app.Bootstrap(); err != nil {
		t.Fatal(err)
	}
	defer app.ResetBootstrapState()
	if err := app.RunAllMigrations(); err != nil {
		t.Fatal(err)
	}
	var cond string
	if err := app.DB().NewQuery("SELECT sql FROM sqlite_master WHERE name = 'idx_events_long'").Row(&cond); err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(cond, "WHERE "+LongEventCondition) {
		t.Fatalf("idx_events_long is %q, not on %q", cond, LongEventCondition)
	}

	from, to := time.Date(2026, 3, 3, 8, 0, 0, 0, time.UTC), time.Date(2026, 3, 3, 12, 0, 0, 0, time.UTC)
	for name, where := range map[string]dbx.Expression{
		"clash cell":        meetingWindow(dbx.HashExp{"election": "e", "clash_cell": "c:1:2"}, []any{"p1", "p2"}, from, to),
		"notice, arr + com": noticeAreaExp("e", "BJ0800-01", "c", []any{"p1", "p2"}, from, to),
		"notice, commune":   noticeAreaExp("e", "", "c", []any{"p1"}, from, to),
	} {
		q := app.DB().Select("id").From("events").Where(where).AndWhere(dbx.NewExp("party != 'p'")).Build()
		var plan []struct {
			Detail string `db:"detail"`
		}
		if err := app.DB().NewQuery("EXPLAIN QUERY PLAN " + q.SQL()).Bind(q.Params()).All(&plan); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		var steps []string
		for _, p := range plan {
			steps = append(steps, p.Detail)
			if strings.HasPrefix(p.Detail, "SCAN") {
				t.Errorf("%s scans: %v", name, steps)
			}
			if strings.Contains(p.Detail, "USING INDEX") && !strings.Contains(p.Detail, "starts_at>") && !strings.Contains(p.Detail, "idx_events_long") {
				t.Errorf("%s: an index lookup without a bounded start: %q", name, p.Detail)
			}
			if strings.Contains(p.Detail, "idx_events_clash") && !strings.Contains(p.Detail, "party=?") {
				t.Errorf("%s: reads every party's events, the searcher's own too: %q", name, p.Detail)
			}
		}
		t.Logf("%s: %s", name, strings.Join(steps, " | "))
	}
}
