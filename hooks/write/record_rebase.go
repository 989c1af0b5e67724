package write

import (
	"database/sql"
	"errors"
	"slices"

	"coprosec/hooks/apierr"
	"coprosec/internal/syncproto"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/spf13/cast"
)

// rebase makes the update of r a change of the record as stored now.
//
// Go code (and any caller that read r before the write transaction began)
// may save a record another write has changed since: its rules would be
// planned from the old version and undo half of the other write (the
// event's commune from one, its assignments from the other). Inside the
// transaction nothing else writes, so the fields this save changes are
// replayed over the stored record, which also becomes r.Original(): every
// hook, the version and the audit then see one write after another.
//
// REST, batch and push read their records inside the transaction, so for
// them this is one read of the stored version that matches.
func rebase(tx core.App, r *core.Record) error {
	if !slices.Contains(versionedCollections, r.Collection().Name) {
		return nil
	}
	original := r.Original()
	id := cast.ToString(r.LastSavedPK()) // r.Id may be a new id the write asks for
	current, err := storedAsOriginal(tx, r, id)
	if errors.Is(err, sql.ErrNoRows) {
		return apierr.Rule(syncproto.CodeNotFound, "", "The record no longer exists.")
	}
	if err != nil || current {
		return err
	}
	stored, err := tx.FindRecordById(r.Collection(), id)
	if err != nil {
		return err
	}
	changes := map[string]any{}
	for _, f := range r.Collection().Fields {
		name := f.GetName()
		if f.Type() == core.FieldTypeAutodate || name == core.FieldNameId {
			continue
		}
		if v := r.GetRaw(name); !sameValue(v, original.GetRaw(name)) {
			changes[name] = v
		}
		r.SetRaw(name, stored.GetRaw(name))
	}
	if err := r.PostScan(); err != nil { // Original() is the stored record
		return err
	}
	for name, v := range changes {
		r.SetRaw(name, v)
	}
	return nil
}

// storedAsOriginal reports whether the record id stored in tx is still r's
// original: the same version and, since a police-only follow-up changes an
// event without a new version (event_followup.go), the same police-only
// fields, read in the same statement (sql.ErrNoRows when it is gone).
func storedAsOriginal(tx core.App, r *core.Record, id string) (bool, error) {
	col := r.Collection()
	cols := append([]string{"version"}, unversionedFields(col)...)
	row := dbx.NullStringMap{}
	if err := tx.DB().Select(cols...).From(col.Name).Where(dbx.HashExp{"id": id}).One(row); err != nil {
		return false, err
	}
	original := r.Original()
	if cast.ToInt(row["version"].String) != original.GetInt("version") {
		return false, nil
	}
	for _, name := range cols[1:] {
		f := col.Fields.GetByName(name)
		if f == nil {
			continue
		}
		stored, err := f.PrepareValue(original, row[name].String)
		if err != nil || !sameValue(stored, original.GetRaw(name)) {
			return false, err
		}
	}
	return true, nil
}
