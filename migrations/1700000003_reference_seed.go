package migrations

import (
	"coprosec/internal/refdata"

	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

func init() {
	m.Register(seedReference, nil)
}

// seedReference inserts the 12 départements and 77 communes of the embedded
// seed. It upserts by code so that it never duplicates rows a boundary
// import already created.
func seedReference(app core.App) error {
	deps, err := app.FindCollectionByNameOrId("departements")
	if err != nil {
		return err
	}
	communes, err := app.FindCollectionByNameOrId("communes")
	if err != nil {
		return err
	}
	for _, d := range refdata.Departements {
		dep, err := upsertByCode(app, deps, d.Code, map[string]any{"name": d.Name, "iso": d.ISO})
		if err != nil {
			return err
		}
		for _, c := range d.Communes {
			if _, err := upsertByCode(app, communes, c.Code, map[string]any{"name": c.Name, "departement": dep.Id}); err != nil {
				return err
			}
		}
	}
	return nil
}

func upsertByCode(app core.App, c *core.Collection, code string, data map[string]any) (*core.Record, error) {
	r, err := app.FindFirstRecordByData(c, "code", code)
	if err != nil {
		r = core.NewRecord(c)
		r.Set("code", code)
	}
	for k, v := range data {
		r.Set(k, v)
	}
	return r, app.Save(r)
}
