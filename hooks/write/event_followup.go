package write

import (
	"context"
	"fmt"

	"github.com/pocketbase/dbx"
	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"
)

// updateEventFollowUp writes a change the server derives for an event that
// is not the one being saved (its clash links), inside the session, with
// what a save through the hooks would write for it: the version and field
// versions, the field checks, the updated time, the audit row and the
// change log, as one UPDATE of the changed columns. A record save would run the whole hook
// chain again (transaction, event rules, validation, capture) for two fields
// the server has just computed from rows it read in this transaction.
//
// r is the event as read in tx, with the fields changed.
func (s *Engine) updateEventFollowUp(tx core.App, r *core.Record) error {
	before := r.Original().FieldsData()
	changed := setVersion(r)
	if len(changed) == 0 {
		return nil
	}
	// the changed fields get the checks of their own field type, as in a
	// save (a relation's existence and count)
	for _, name := range changed {
		if f := r.Collection().Fields.GetByName(name); f != nil {
			if err := f.ValidateValue(context.Background(), tx, r); err != nil {
				return validation.Errors{name: err}
			}
		}
	}
	r.SetRaw("updated", types.NowDateTime())
	data, err := r.DBExport(tx)
	if err != nil {
		return err
	}
	cols := dbx.Params{}
	for _, f := range append(changed, "version", "field_versions", "updated") {
		cols[f] = data[f]
	}
	res, err := tx.DB().Update(r.Collection().Name, cols, dbx.HashExp{"id": r.Id}).Execute()
	if err != nil {
		return fmt.Errorf("event %s: %w", r.Id, err)
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return fmt.Errorf("event %s: %d rows updated (%v)", r.Id, n, err)
	}
	if err := r.PostScan(); err != nil { // r is now as stored: Original() is this version
		return err
	}
	if ws := sessionOf(tx); ws != nil {
		ws.written(r, false)
	}
	if err := s.writeAudit(tx, r, "update", before); err != nil {
		return err
	}
	return s.recaptureEvent(tx, r.Id, r, changeModified, nil)
}
