// Package onboard loads a country's units and accounts from files in bulk
// (DESIGN §6 `units import`, `accounts import`, and their endpoints). The
// files are read and checked by internal/onboard; this package resolves
// their codes and names against the database and writes every row through
// the same rules as a REST write by the importer (write.CreateAs and
// write.UpdateAs), in one transaction: a file is applied whole or not at
// all.
package onboard

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"coprosec/hooks/apierr"
	"coprosec/internal/onboard"

	"github.com/pocketbase/pocketbase/core"
)

// Report is what an import did, or would do (DryRun), with every refused
// row. When Problems is not empty nothing was written.
type Report struct {
	Created   int              `json:"created"`
	Updated   int              `json:"updated"`
	Unchanged int              `json:"unchanged"`
	DryRun    bool             `json:"dry_run"`
	Problems  onboard.Problems `json:"problems"`
}

func (r Report) String() string {
	verb := "imported"
	if r.DryRun {
		verb = "checked (dry run, nothing written)"
	}
	if len(r.Problems) > 0 {
		return fmt.Sprintf("refused, nothing written: %s", r.Problems.Error())
	}
	return fmt.Sprintf("%s: %d created, %d updated, %d unchanged", verb, r.Created, r.Updated, r.Unchanged)
}

// errRollback ends an import's transaction without writing: a dry run, or
// a file with refused rows.
var errRollback = errors.New("onboard: roll back")

// inTransaction runs fn in one transaction and keeps its writes only when
// fn reports no problem and this is not a dry run.
func inTransaction(app core.App, report *Report, fn func(tx core.App) error) error {
	err := app.RunInTransaction(func(tx core.App) error {
		if err := fn(tx); err != nil {
			return err
		}
		if report.DryRun || len(report.Problems) > 0 {
			return errRollback
		}
		return nil
	})
	if errors.Is(err, errRollback) {
		return nil
	}
	return err
}

// attempt runs the write of one row: true when it succeeded; a refusal
// becomes the row's problem; an internal error is returned and ends the
// import.
func (r *Report) attempt(line int, write func() error) (bool, error) {
	err := write()
	if err == nil {
		return true, nil
	}
	p, ok := problemOf(line, err)
	if !ok {
		return false, err
	}
	r.Problems = append(r.Problems, p)
	return false, nil
}

// unknown refuses field of line: its code or name matches nothing stored.
func (r *Report) unknown(line int, field, message string) {
	r.Problems = append(r.Problems, onboard.Problem{Line: line, Field: field, Code: onboard.CodeUnknownCode, Message: message})
}

// problemOf is the problem of line for err, a refused write (a 4xx built
// by apierr or PocketBase's validation), or false for an internal error,
// which must end the import.
func problemOf(line int, err error) (onboard.Problem, bool) {
	se := apierr.ToSync(err)
	if se.Code == apierr.CodeInternal {
		return onboard.Problem{}, false
	}
	p := onboard.Problem{Line: line, Code: se.Code, Message: se.Message}
	for _, field := range slices.Sorted(maps.Keys(se.Fields)) { // the field at fault, when one is named
		code := ""
		switch v := se.Fields[field].(type) {
		case map[string]any:
			code, _ = v["code"].(string)
		case interface{ Code() string }:
			code = v.Code()
		}
		if code == se.Code {
			p.Field = field
			break
		}
	}
	return p, true
}

// fold is the key of a name compared as people do: case and surrounding
// spaces ignored.
func fold(s string) string { return strings.ToLower(strings.TrimSpace(s)) }
