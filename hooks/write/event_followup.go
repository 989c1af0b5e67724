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
// A follow-up that changes only fields no party reads (the exact clash:
// clash, clash_with, clash_count, jurisdiction.PoliceEventFields) is quiet:
// it keeps the event's version, field versions and updated time, and its
// change is logged in the event's police scopes only (changePoliceOnly),
// so the party's pull, realtime and `sync` pokes hear nothing of it; police
// pull and receive the new links, and the audit (ministry only) records
// them. Otherwise a party that scatters decoy events and watches their
// versions would learn when, and near which decoy, a rival declares: a
// rival's declaration, move or cancellation changes the exact links of the
// party's events within reach, while what the party reads of them (the
// coarse clash_notice, which depends on rivals only through the
// arrondissement and three-hour slots) stays the same.
//
// DESIGN's "version +1 on every change" is kept in what it is for: version
// is the optimistic-concurrency token of the edits a writer can make to the
// record (a push's base_version, the field-level merge through
// field_versions, the conflicts answered), and every change a reader of the
// record can see; the server's police-only annotation is neither an edit
// anyone can make (clash fields are server-set, J12, and hidden, so no
// client sends them) nor a change a party can see. A party's edit based on
// the version it holds therefore still merges cleanly, and keeps the links
// (the event save restores the server fields from the stored record). What
// relies on a version to tell whether a record changed compares the
// police-only fields too (unversionedFields): the rebase of a stale Go
// save, and the push cursor of a police device. The field app replaces its
// copy with every record a pull brings, whatever its version. A follow-up
// that also turns the party's clash_notice on or off is a normal version:
// the party sees that change, deliberately coarse.
//
// r is the event as read in tx, with the fields changed.
func (s *Engine) updateEventFollowUp(tx core.App, r *core.Record) error {
	before := r.Original().FieldsData()
	changed := versionedChanges(r)
	if len(changed) == 0 {
		return nil
	}
	quiet := policeOnlyChange(r, changed)
	// the changed fields get the checks of their own field type, as in a
	// save (a relation's existence and count)
	for _, name := range changed {
		if f := r.Collection().Fields.GetByName(name); f != nil {
			if err := f.ValidateValue(context.Background(), tx, r); err != nil {
				return validation.Errors{name: err}
			}
		}
	}
	cols := changed
	if !quiet {
		stampVersion(r, changed)
		r.SetRaw("updated", types.NowDateTime())
		cols = append(cols, "version", "field_versions", "updated")
	}
	data, err := r.DBExport(tx)
	if err != nil {
		return err
	}
	params := dbx.Params{}
	for _, f := range cols {
		params[f] = data[f]
	}
	res, err := tx.DB().Update(r.Collection().Name, params, dbx.HashExp{"id": r.Id}).Execute()
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
	kind := changeModified
	if quiet {
		kind = changePoliceOnly
	}
	return s.recaptureEvent(tx, r.Id, r, kind, nil)
}
