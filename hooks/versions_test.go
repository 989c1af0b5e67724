package hooks_test

import (
	"testing"

	"github.com/pocketbase/pocketbase/core"
)

// Events, assignments and incidents follow one version rule on every
// write path: 1 when created, +1 for a save that changes a field, the same
// for a save that changes nothing, whatever version a writer sends.
func TestVersionsOneRule(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	id := e.syncDeclare(w.orgA, e.meeting(w.partyA, nil))
	inc := e.save("incidents", map[string]any{"event": id, "kind": "threat", "severity": 2, "description": "Menaces",
		"occurred_at": testNow, "reported_by": w.orgA.Id})
	records := map[string]*core.Record{
		"events":      e.syncRecord("events", id),
		"assignments": e.syncLead(id),
		"incidents":   e.syncRecord("incidents", inc.Id),
	}
	edits := map[string]map[string]any{
		"events":      {"title": "Nouveau titre"},
		"assignments": {"plan": "Deux patrouilles"},
		"incidents":   {"description": "Menaces répétées"},
	}
	for col, r := range records {
		if v := r.GetInt("version"); v != 1 {
			t.Fatalf("%s created at version %d", col, v)
		}
		// a save that changes nothing, with a version sent by the writer
		r.Set("version", 40)
		if err := e.app.Save(r); err != nil {
			t.Fatal(err)
		}
		if got := e.syncRecord(col, r.Id); got.GetInt("version") != 1 {
			t.Errorf("%s: a save that changes nothing moved the version to %d", col, got.GetInt("version"))
		}
		r = e.syncRecord(col, r.Id)
		r.Load(edits[col])
		if err := e.app.Save(r); err != nil {
			t.Fatal(err)
		}
		got := e.syncRecord(col, r.Id)
		var fv map[string]int64
		_ = got.UnmarshalJSONField("field_versions", &fv)
		for field := range edits[col] {
			if got.GetInt("version") != 2 || fv[field] != 2 {
				t.Errorf("%s after an edit of %s: version %d, field version %d", col, field, got.GetInt("version"), fv[field])
			}
		}
	}
}
