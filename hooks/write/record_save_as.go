package write

import (
	"net/http"

	"coprosec/hooks/apierr"
	"coprosec/internal/jurisdiction"
	"coprosec/internal/syncproto"

	"github.com/pocketbase/pocketbase/core"
)

// CreateAs saves the new record r on behalf of auth with the rules of a
// REST create: J12 and the server-set fields (AuthorizeWrite), every model
// hook, and the collection's create rule with body as the request body,
// evaluated on the saved record as PocketBase does. r is already loaded
// with what the caller wants stored. A refused rule answers forbidden
// after the insert, so the caller's transaction must then be rolled back.
//
// A nil auth is the operator at the server's shell (a command), who may
// do what a superuser may.
func (s *Engine) CreateAs(tx core.App, auth, r *core.Record, body map[string]any) error {
	if err := s.AuthorizeWrite(tx, auth, r); err != nil {
		return err
	}
	if err := s.saveAs(tx, auth, r); err != nil {
		return err
	}
	if ok, err := s.mayWrite(tx, auth, r, http.MethodPost, body, r.Collection().CreateRule); err != nil {
		return err
	} else if !ok {
		return apierr.Rule(jurisdiction.CodeForbidden, "", "You may not create this record.")
	}
	return nil
}

// UpdateAs applies body to the stored record r on behalf of auth with the
// rules of a REST update: the collection's update rule on the record as
// stored, then AuthorizeWrite and every model hook. A record auth may not
// view answers not_found, as REST does.
func (s *Engine) UpdateAs(tx core.App, auth, r *core.Record, body map[string]any) error {
	if auth != nil && !canView(tx, r, auth) {
		return apierr.Rule(syncproto.CodeNotFound, "", "The record does not exist or is not visible to you.")
	}
	if ok, err := s.mayWrite(tx, auth, r, http.MethodPatch, body, r.Collection().UpdateRule); err != nil {
		return err
	} else if !ok {
		return apierr.Rule(jurisdiction.CodeForbidden, "", "You may not update this record.")
	}
	r.Load(body)
	if err := s.AuthorizeWrite(tx, auth, r); err != nil {
		return err
	}
	return s.saveAs(tx, auth, r)
}

func (s *Engine) mayWrite(tx core.App, auth, r *core.Record, method string, body map[string]any, rule *string) (bool, error) {
	if auth == nil {
		return true, nil
	}
	info := &core.RequestInfo{Auth: auth, Method: method, Body: body, Context: core.RequestInfoContextDefault}
	return CanAccess(tx, r, info, rule)
}
