package migrations

import (
	"encoding/json"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

func init() {
	m.Register(addSyncFieldVersions, nil)
}

// addSyncFieldVersions gives assignments and incidents the hidden
// field_versions that events already have: the record version at which
// each field last changed (hooks/sync_push.go keeps it on every write).
// Sync push merges an offline edit field by field with it (DESIGN §5):
// a commander's plan and a director's adjustment request made offline
// from the same version both apply; only the same field edited on both
// sides is a conflict. Existing records count every field as changed at
// their current version, which is what push assumed before.
func addSyncFieldVersions(app core.App) error {
	for _, name := range []string{"assignments", "incidents"} {
		c, err := app.FindCollectionByNameOrId(name)
		if err != nil {
			return err
		}
		if c.Fields.GetByName("field_versions") != nil {
			continue
		}
		c.Fields.Add(&core.JSONField{Name: "field_versions", Hidden: true, MaxSize: 8 << 10})
		if err := app.Save(c); err != nil {
			return err
		}
		var rows []struct {
			ID      string `db:"id"`
			Version int64  `db:"version"`
		}
		if err := app.DB().Select("id", "version").From(name).All(&rows); err != nil {
			return err
		}
		for _, r := range rows {
			fv := map[string]int64{}
			for _, f := range c.Fields {
				fv[f.GetName()] = r.Version
			}
			raw, _ := json.Marshal(fv)
			if _, err := app.DB().Update(name, dbx.Params{"field_versions": string(raw)}, dbx.HashExp{"id": r.ID}).Execute(); err != nil {
				return err
			}
		}
	}
	return nil
}
