package write

import (
	"github.com/pocketbase/pocketbase/core"
)

// unaudited fields carry no meaning for a reader of the audit trail.
var unaudited = map[string]bool{"updated": true, "created": true, "field_versions": true,
	"clash_cell": true, "clash_area": true, "version": true}

// writeAudit records who changed what on r, with before/after values, in
// the transaction of the change (DESIGN §3 audit, readable by ministry).
func (s *Engine) writeAudit(tx core.App, r *core.Record, action string, before map[string]any) error {
	after := map[string]any{}
	if action != "delete" {
		after = r.FieldsData()
	}
	changes := map[string]any{}
	for _, f := range r.Collection().Fields {
		name := f.GetName()
		if unaudited[name] || f.Type() == core.FieldTypePassword {
			continue
		}
		b, a := before[name], after[name]
		if action == "create" && isZeroValue(a) || action == "delete" && isZeroValue(b) {
			continue
		}
		if action == "update" && sameValue(b, a) {
			continue
		}
		changes[name] = map[string]any{"before": b, "after": a}
	}
	if action == "update" && len(changes) == 0 {
		return nil
	}
	col, err := tx.FindCachedCollectionByNameOrId("audit")
	if err != nil {
		return err
	}
	row := core.NewRecord(col)
	row.Load(map[string]any{
		"collection": r.Collection().Name, "record": r.Id, "action": action,
		"actor": s.actorID(r), "changes": changes, "at": s.Now(),
	})
	if ws := sessionOf(tx); ws != nil {
		ws.addAudit(row)
		return nil
	}
	return insertRecordRows(tx, []*core.Record{row})
}
