package write

import (
	"slices"

	"coprosec/hooks/apierr"
	"coprosec/internal/jurisdiction"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
)

func (s *Engine) bindUnits() {
	s.app.OnRecordCreate("units").BindFunc(s.onUnitSave)
	s.app.OnRecordUpdate("units").BindFunc(s.onUnitSave)
}

// onUnitSave enforces coverage integrity (J5) and, when coverage changes,
// recomputes the assignments of every affected future event in the same
// transaction (J6).
func (s *Engine) onUnitSave(e *core.RecordEvent) error {
	return s.withTx(e, func(tx core.App) error {
		edited := unitFromRecord(e.Record)
		units, err := LoadUnits(tx)
		if err != nil {
			return err
		}
		units = slices.DeleteFunc(units, func(u jurisdiction.Unit) bool { return u.ID == edited.ID })
		g, err := s.Geography(tx)
		if err != nil {
			return err
		}
		if err := jurisdiction.ValidateCoverage(units, edited, g); err != nil {
			return apierr.FromRule(err)
		}
		if err := e.Next(); err != nil {
			return err
		}
		if e.Record.IsNew() && len(edited.Communes) == 0 && len(edited.Arrondissements) == 0 && edited.Kind != jurisdiction.UnitDirectorate {
			return nil
		}
		var before jurisdiction.Unit
		if orig := e.Record.Original(); orig != nil && !orig.IsNew() {
			before = unitFromRecord(orig)
		}
		return s.replanAffectedEvents(tx, before, edited)
	})
}

// replanAffectedEvents re-runs the assignment rules for the future events
// whose coverage changed between before and after.
func (s *Engine) replanAffectedEvents(tx core.App, before, after jurisdiction.Unit) error {
	arrs := symmetricDiff(before.Arrondissements, after.Arrondissements)
	coms := symmetricDiff(before.Communes, after.Communes)
	kindOrPlaceChanged := before.Kind != after.Kind || before.Departement != after.Departement
	if len(arrs) == 0 && len(coms) == 0 && !kindOrPlaceChanged {
		return nil
	}
	conds := []dbx.Expression{
		dbx.NewExp("id IN (SELECT event FROM assignments WHERE unit = {:u})", dbx.Params{"u": after.ID}),
		dbx.In("kind", "caravan", "march"), // routes may cross the changed coverage
	}
	if len(arrs) > 0 {
		conds = append(conds, dbx.In("arrondissement", toAny(arrs)...))
	}
	if len(coms) > 0 {
		conds = append(conds, dbx.In("commune", toAny(coms)...))
	}
	if kindOrPlaceChanged {
		conds = append(conds, dbx.In("departement", before.Departement, after.Departement))
	}
	var events []*core.Record
	err := tx.RecordQuery("events").
		AndWhere(dbx.Or(conds...)).
		AndWhere(dbx.NewExp("ends_at > {:now} AND status NOT IN ('cancelled', 'completed')", dbx.Params{"now": dbTime(s.Now())})).
		All(&events)
	if err != nil {
		return err
	}
	for _, ev := range events {
		if err := tx.SaveWithContext(replanContext(), ev); err != nil {
			return err
		}
	}
	return nil
}

func symmetricDiff(a, b []string) []string {
	var out []string
	for _, x := range a {
		if !slices.Contains(b, x) {
			out = append(out, x)
		}
	}
	for _, x := range b {
		if !slices.Contains(a, x) {
			out = append(out, x)
		}
	}
	return out
}

func toAny(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}
