package write

import (
	"slices"

	"coprosec/hooks/priority"
	"coprosec/internal/jurisdiction"
	"coprosec/internal/syncproto"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"
)

// versionedCollections carry a version (+1 for every save that changes
// something) and a hidden field_versions (the version at which each field
// last changed), so that sync push merges offline edits field by field
// (DESIGN §5). One change is not a version: the server's follow-up that
// changes only an event's police-only clash fields (policeOnlyChange).
var versionedCollections = []string{"events", "assignments", "incidents"}

// bindVersions keeps version and field_versions current on every write
// path, in one place and with one rule: a new record is version 1; a save
// that changes a field adds one; a save that changes nothing keeps the
// version, so devices do not pull the record again. It runs last before
// the write, once the other hooks have set the record's fields; a version
// sent by a client is never kept.
func (s *Engine) bindVersions() {
	h := &hook.Handler[*core.RecordEvent]{Priority: priority.FieldVersions, Func: func(e *core.RecordEvent) error {
		setVersion(e.Record)
		return e.Next()
	}}
	s.app.OnRecordCreate(versionedCollections...).Bind(h)
	s.app.OnRecordUpdate(versionedCollections...).Bind(h)
}

// setVersion sets r's version and field versions for the save about to be
// written, and returns the fields the save changes (versions aside).
func setVersion(r *core.Record) []string {
	changed := versionedChanges(r)
	stampVersion(r, changed)
	return changed
}

// versionedChanges are the fields a save of r changes, versions aside.
func versionedChanges(r *core.Record) []string {
	return slices.DeleteFunc(changedFields(r), func(f string) bool { return f == "field_versions" || f == "version" })
}

// stampVersion sets r's version and field versions for a save that
// changes the fields changed.
func stampVersion(r *core.Record, changed []string) {
	fv := map[string]int64{}
	switch {
	case r.IsNew():
		r.Set("version", 1)
	case len(changed) > 0:
		r.Set("version", r.Original().GetInt("version")+1)
		_ = r.Original().UnmarshalJSONField("field_versions", &fv)
	default:
		r.Set("version", r.Original().GetInt("version"))
		r.Set("field_versions", r.Original().Get("field_versions"))
		return
	}
	r.Set("field_versions", syncproto.Bump(fv, changed, int64(r.GetInt("version"))))
}

// policeOnlyChange reports whether changed, the fields a server follow-up
// changes on an event that is not the one being saved, are all fields
// that only police read (jurisdiction.PoliceEventFields, the exact clash).
// Such a follow-up is not a new version of the event (event_followup.go
// says why): its version, field versions and update time stay, and its
// change reaches only police (changePoliceOnly).
func policeOnlyChange(r *core.Record, changed []string) bool {
	if r.Collection().Name != "events" || len(changed) == 0 {
		return false
	}
	for _, f := range changed {
		if !slices.Contains(jurisdiction.PoliceEventFields, f) {
			return false
		}
	}
	return true
}

// unversionedFields are the fields of r's collection that may change
// without a new version (policeOnlyChange): whoever compares versions to
// know whether a record changed compares these too.
func unversionedFields(col *core.Collection) []string {
	if col.Name == "events" {
		return jurisdiction.PoliceEventFields
	}
	return nil
}

// fieldVersions is the record version at which each field last changed.
// Collections without per-field tracking count every field as changed at
// the current version, so any concurrent edit of a differing value is a
// conflict rather than a silent overwrite.
func fieldVersions(r *core.Record) map[string]int64 {
	fv := map[string]int64{}
	if r.Collection().Fields.GetByName("field_versions") != nil {
		_ = r.UnmarshalJSONField("field_versions", &fv)
		return fv
	}
	v := int64(r.GetInt("version"))
	for _, f := range r.Collection().Fields {
		fv[f.GetName()] = v
	}
	return fv
}
