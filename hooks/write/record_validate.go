package write

import (
	"coprosec/hooks/priority"

	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"
	"github.com/pocketbase/pocketbase/tools/list"
)

// pbRecordValidateID is the id of PocketBase's own record validation
// handler (core.systemHookIdRecord), which bindRecordValidation replaces.
const pbRecordValidateID = "__pbRecordSystemHook__"

// bindRecordValidation replaces PocketBase's record validation with the
// same checks, field by field, with one difference: inside a write
// session, a relation whose ids were all seen to exist earlier in the same
// transaction is not queried again. A push batch of 100 events otherwise
// asks SQLite 1,200 times whether the same party, election, commune and
// units exist; nothing but the transaction itself can remove them
// (writeSession.written forgets deleted ids).
func (s *Engine) bindRecordValidation() {
	s.app.OnRecordValidate().Unbind(pbRecordValidateID)
	s.app.OnRecordValidate().Bind(&hook.Handler[*core.RecordEvent]{
		Id:       pbRecordValidateID,
		Priority: priority.RecordValidation,
		Func: func(e *core.RecordEvent) error {
			return interceptFields(e, core.InterceptorActionValidate, func() error {
				return validateRecord(e)
			})
		},
	})
}

// interceptFields runs action through the fields' interceptors, as
// PocketBase's own handler does (a text field with an autogenerate pattern
// fills a new record's id before it is validated).
func interceptFields(e *core.RecordEvent, action string, fn func() error) error {
	for _, field := range e.Record.Collection().Fields {
		if f, ok := field.(core.RecordInterceptor); ok {
			next := fn
			fn = func() error { return f.Intercept(e.Context, e.App, e.Record, action, next) }
		}
	}
	return fn()
}

func validateRecord(e *core.RecordEvent) error {
	ws := sessionOf(e.App)
	errs := checkValues(e.Record)
	for _, f := range e.Record.Collection().Fields {
		if errs[f.GetName()] != nil {
			continue
		}
		var err error
		if rel, ok := f.(*core.RelationField); ok && ws != nil {
			err = ws.validateRelation(e, rel)
		} else {
			err = f.ValidateValue(e.Context, e.App, e.Record)
		}
		if err != nil {
			errs[f.GetName()] = err
		}
	}
	if len(errs) > 0 {
		return errs
	}
	return e.Next()
}

// validateRelation is core.RelationField.ValidateValue with the existence
// check answered by the session when it can be.
func (ws *writeSession) validateRelation(e *core.RecordEvent, f *core.RelationField) error {
	ids := list.ToUniqueStringSlice(e.Record.GetRaw(f.Name))
	unknown := make([]any, 0, len(ids))
	for _, id := range ids {
		if !ws.known[f.CollectionId+"/"+id] {
			unknown = append(unknown, id)
		}
	}
	if len(unknown) > 0 || len(ids) == 0 {
		if err := f.ValidateValue(e.Context, e.App, e.Record); err != nil {
			return err
		}
		for _, id := range ids {
			ws.markKnown(f.CollectionId, id)
		}
		return nil
	}
	// every id exists: the checks that remain are those of the count
	if f.MinSelect > 0 && len(ids) < f.MinSelect {
		return validation.NewError("validation_not_enough_values", "Select at least {{.minSelect}}").
			SetParams(map[string]any{"minSelect": f.MinSelect})
	}
	if maxSelect := max(f.MaxSelect, 1); len(ids) > maxSelect {
		return validation.NewError("validation_too_many_values", "Select no more than {{.maxSelect}}").
			SetParams(map[string]any{"maxSelect": maxSelect})
	}
	return nil
}

func (ws *writeSession) markKnown(collectionID, id string) {
	if ws.known == nil {
		ws.known = map[string]bool{}
	}
	ws.known[collectionID+"/"+id] = true
}
