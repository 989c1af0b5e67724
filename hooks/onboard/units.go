package onboard

import (
	"errors"
	"io"
	"slices"

	"coprosec/hooks/write"
	"coprosec/internal/jurisdiction"
	"coprosec/internal/onboard"

	"github.com/pocketbase/pocketbase/core"
)

// ImportUnits creates and updates the units of a units file (DESIGN §6),
// idempotent by name, as auth (nil: the operator at the shell). Every row
// is written through the units' rules (J5, J6 replanning of the affected
// events) in one transaction; a file with any refused row changes nothing
// and reports them all. Only an internal error is returned as an error.
func ImportUnits(app core.App, eng *write.Engine, auth *core.Record, file io.Reader, dryRun bool) (Report, error) {
	report := Report{DryRun: dryRun}
	rows, err := onboard.ReadUnits(file)
	if refused(err, &report) {
		return report, nil
	}
	err = inTransaction(app, &report, func(tx core.App) error {
		imp, err := newUnitImport(tx, eng, auth, &report)
		if err != nil {
			return err
		}
		return imp.run(rows)
	})
	return report, err
}

// refused reports whether err, from reading a file, refuses it, and puts
// its problems in the report.
func refused(err error, report *Report) bool {
	var ps onboard.Problems
	var fe *onboard.FileError
	switch {
	case errors.As(err, &ps):
		report.Problems = ps
	case errors.As(err, &fe):
		report.Problems = onboard.Problems{fe.Problem}
	default:
		return err != nil // not a file problem: cannot happen for a reader of bytes
	}
	return true
}

type unitImport struct {
	tx     core.App
	eng    *write.Engine
	auth   *core.Record
	report *Report
	col    *core.Collection

	deps, communes, arrs map[string]string       // code → id
	byName               map[string]*core.Record // folded name → stored unit
	released             map[string]bool         // units the release pass wrote
}

func newUnitImport(tx core.App, eng *write.Engine, auth *core.Record, report *Report) (*unitImport, error) {
	col, err := tx.FindCachedCollectionByNameOrId("units")
	if err != nil {
		return nil, err
	}
	imp := &unitImport{tx: tx, eng: eng, auth: auth, report: report, col: col, byName: map[string]*core.Record{}, released: map[string]bool{}}
	for _, c := range []struct {
		table string
		into  *map[string]string
	}{{"departements", &imp.deps}, {"communes", &imp.communes}, {"arrondissements", &imp.arrs}} {
		if *c.into, err = codeIndex(tx, c.table); err != nil {
			return nil, err
		}
	}
	units, err := tx.FindAllRecords("units")
	if err != nil {
		return nil, err
	}
	for _, u := range units {
		imp.byName[fold(u.GetString("name"))] = u
	}
	return imp, nil
}

// codeIndex maps the codes of a reference table to its ids.
func codeIndex(tx core.App, table string) (map[string]string, error) {
	var rows []struct {
		ID   string `db:"id"`
		Code string `db:"code"`
	}
	if err := tx.DB().Select("id", "code").From(table).All(&rows); err != nil {
		return nil, err
	}
	out := make(map[string]string, len(rows))
	for _, r := range rows {
		out[r.Code] = r.ID
	}
	return out, nil
}

// run writes directorates first (commissariats name them as parents), then
// releases the areas that existing commissariats lose, so that an area
// moving from one commissariat to another in the same file is never
// covered twice on the way, then writes the commissariats.
func (imp *unitImport) run(rows []onboard.UnitRow) error {
	var commissariats []onboard.UnitRow
	for _, row := range rows {
		if row.Kind != jurisdiction.UnitDirectorate {
			commissariats = append(commissariats, row)
			continue
		}
		if err := imp.write(row, nil); err != nil {
			return err
		}
	}
	bodies := make([]map[string]any, len(commissariats))
	for i, row := range commissariats {
		body, ok := imp.body(row)
		if !ok {
			continue
		}
		bodies[i] = body
		if err := imp.release(row, body); err != nil {
			return err
		}
	}
	for i, row := range commissariats {
		if bodies[i] == nil {
			continue
		}
		if err := imp.write(row, bodies[i]); err != nil {
			return err
		}
	}
	return nil
}

// body is the stored form of row, its codes and parent resolved; false
// when something did not resolve (the problems are reported).
func (imp *unitImport) body(row onboard.UnitRow) (map[string]any, bool) {
	n := len(imp.report.Problems)
	unknown := func(field, message string) {
		imp.report.unknown(row.Line, field, message)
	}
	resolve := func(field string, index map[string]string, codes []string, hint string) []string {
		ids := make([]string, 0, len(codes))
		for _, c := range codes {
			if id, ok := index[c]; ok {
				ids = append(ids, id)
			} else {
				unknown(field, c+" is not a known code"+hint+".")
			}
		}
		return ids
	}
	dep, ok := imp.deps[row.Departement]
	if !ok {
		unknown("departement", row.Departement+" is not a known département code.")
	}
	parent := ""
	if row.Parent != "" {
		if p := imp.byName[fold(row.Parent)]; p != nil && p.GetString("kind") == jurisdiction.UnitDirectorate {
			parent = p.Id
		} else {
			unknown("parent", `No directorate is named "`+row.Parent+`" in the file or in the database.`)
		}
	}
	body := map[string]any{
		"name": row.Name, "kind": row.Kind, "departement": dep, "parent": parent, "phone": row.Phone,
		"communes":        resolve("communes", imp.communes, row.Communes, ""),
		"arrondissements": resolve("arrondissements", imp.arrs, row.Arrondissements, " (import the boundaries first: coprosec geo import)"),
	}
	return body, len(imp.report.Problems) == n
}

// release removes from an existing commissariat the areas its row no
// longer gives it, before any unit is given them.
func (imp *unitImport) release(row onboard.UnitRow, body map[string]any) error {
	stored := imp.byName[fold(row.Name)]
	if stored == nil {
		return nil
	}
	shrunk := map[string]any{}
	for _, f := range []string{"communes", "arrondissements"} {
		keep := body[f].([]string)
		old := stored.GetStringSlice(f)
		kept := slices.DeleteFunc(slices.Clone(old), func(id string) bool { return !slices.Contains(keep, id) })
		if len(kept) != len(old) {
			shrunk[f] = kept
		}
	}
	if len(shrunk) == 0 {
		return nil
	}
	ok, err := imp.report.attempt(row.Line, func() error { return imp.eng.UpdateAs(imp.tx, imp.auth, stored, shrunk) })
	if ok {
		imp.released[stored.Id] = true
	}
	return err
}

// write creates or updates the unit of row (body, or resolved now).
func (imp *unitImport) write(row onboard.UnitRow, body map[string]any) error {
	if body == nil {
		var ok bool
		if body, ok = imp.body(row); !ok {
			return nil
		}
	}
	stored := imp.byName[fold(row.Name)]
	if stored == nil {
		r := core.NewRecord(imp.col)
		r.Load(body)
		ok, err := imp.report.attempt(row.Line, func() error { return imp.eng.CreateAs(imp.tx, imp.auth, r, body) })
		if ok {
			imp.report.Created++
			imp.byName[fold(row.Name)] = r
		}
		return err
	}
	changes := map[string]any{}
	for f, v := range body {
		if !sameUnitValue(stored, f, v) {
			changes[f] = v
		}
	}
	if len(changes) == 0 {
		if imp.released[stored.Id] {
			imp.report.Updated++ // its coverage only shrank, in the release pass
		} else {
			imp.report.Unchanged++
		}
		return nil
	}
	ok, err := imp.report.attempt(row.Line, func() error { return imp.eng.UpdateAs(imp.tx, imp.auth, stored, changes) })
	if ok {
		imp.report.Updated++
	}
	return err
}

func sameUnitValue(r *core.Record, field string, v any) bool {
	switch x := v.(type) {
	case []string:
		return sameSet(r.GetStringSlice(field), x)
	default:
		return r.GetString(field) == x.(string)
	}
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}
