package hooks_test

import (
	"errors"
	"testing"

	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/core"
)

// relationErrorCode is the validation code of field on err ("" if none).
func relationErrorCode(err error, field string) string {
	var errs validation.Errors
	if !errors.As(err, &errs) {
		return ""
	}
	var ve validation.Error
	if errors.As(errs[field], &ve) {
		return ve.Code()
	}
	return ""
}

// Inside a write session, related ids seen to exist are not queried again,
// yet a relation is refused exactly as PocketBase refuses it: empty when
// required, or naming a record that is missing, including one deleted
// earlier in the same transaction.
func TestRelationChecksInASession(t *testing.T) {
	e := newEnv(t)
	deps, _ := e.app.FindCachedCollectionByNameOrId("departements")
	communes, _ := e.app.FindCachedCollectionByNameOrId("communes")
	commune := func(code string, dep any) *core.Record {
		r := core.NewRecord(communes)
		r.Load(map[string]any{"code": code, "name": "Commune " + code, "departement": dep})
		return r
	}
	for _, inSession := range []bool{false, true} {
		run := func(fn func(tx core.App) error) error { return fn(e.app) }
		if inSession {
			run = func(fn func(tx core.App) error) error { return e.svc.Write.InSession(e.app, fn) }
		}
		code := map[bool]string{false: "97", true: "98"}[inSession]
		err := run(func(tx core.App) error {
			d := core.NewRecord(deps)
			d.Load(map[string]any{"code": "BJ" + code, "name": "Test " + code})
			if err := tx.Save(d); err != nil {
				t.Fatal(err)
			}
			c := commune("BJ"+code+"01", d.Id)
			if err := tx.Save(c); err != nil {
				t.Fatalf("session %v: a commune of an existing département: %v", inSession, err)
			}
			if got := relationErrorCode(tx.Save(commune("BJ"+code+"02", "")), "departement"); got != "validation_required" {
				t.Errorf("session %v: empty required relation gave %q", inSession, got)
			}
			if got := relationErrorCode(tx.Save(commune("BJ"+code+"03", "nosuchdepartem")), "departement"); got != "validation_missing_rel_records" {
				t.Errorf("session %v: missing département gave %q", inSession, got)
			}
			if err := tx.Delete(c); err != nil {
				t.Fatal(err)
			}
			if err := tx.Delete(d); err != nil {
				t.Fatal(err)
			}
			if got := relationErrorCode(tx.Save(commune("BJ"+code+"04", d.Id)), "departement"); got != "validation_missing_rel_records" {
				t.Errorf("session %v: a département deleted in the transaction gave %q", inSession, got)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}
