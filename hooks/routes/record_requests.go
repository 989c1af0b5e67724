package routes

import (
	"coprosec/hooks/write"
	"encoding/json"
	"io"
	"maps"
	"strings"

	"github.com/pocketbase/pocketbase/core"
)

// Client-written collections whose writes are checked beyond the API rules
// (J12): the API rules decide who may touch a record at all, the write
// engine's AuthorizeWrite which fields and transitions, with a stable code.
// Sync push applies the same checks (write.Engine.Push).
var checkedCollections = []string{"events", "assignments", "incidents", "itineraries", "users"}

// bindRecordRequests tells the engine who is acting in every REST and
// batch write of any collection (the dashboard's included), so that the
// audit rows of the write and of what it causes (a unit's coverage edit
// replans events) name the user or superuser; and checks every write of a
// checked collection: the body's value types as sent, then J12.
func (s *Routes) bindRecordRequests() {
	acting := func(e *core.RecordRequestEvent) error {
		defer s.write.Acting(e.Record, e.Auth)()
		return e.Next()
	}
	s.app.OnRecordCreateRequest().BindFunc(acting)
	s.app.OnRecordUpdateRequest().BindFunc(acting)
	s.app.OnRecordDeleteRequest().BindFunc(acting)
	s.app.OnRecordCreateRequest(checkedCollections...).BindFunc(s.onWriteRequest)
	s.app.OnRecordUpdateRequest(checkedCollections...).BindFunc(s.onWriteRequest)
}

func (s *Routes) onWriteRequest(e *core.RecordRequestEvent) error {
	if body, ok := sentBody(e.RequestEvent); ok {
		if !e.HasSuperuserAuth() {
			if err := write.CheckServerKeys(e.Collection, body, e.Request.PathValue("id")); err != nil {
				return err
			}
		}
		if err := write.CheckBodyTypes(e.Collection, body); err != nil {
			return err
		}
	}
	if err := s.write.AuthorizeWrite(e.App, e.Auth, e.Record); err != nil {
		return err
	}
	return e.Next()
}

// sentBody re-reads the submitted body as the client sent it: PocketBase's
// request info already holds the values coerced to the field types. A JSON
// body is decoded again (the body reader is rereadable); a multipart form
// gives its text values (a repeated key is a list) and its @jsonPayload.
func sentBody(e *core.RequestEvent) (map[string]any, bool) {
	ct := e.Request.Header.Get("Content-Type")
	switch {
	case strings.HasPrefix(ct, "application/json") && e.Request.Body != nil:
		raw, err := io.ReadAll(e.Request.Body)
		if err != nil {
			return nil, false
		}
		var body map[string]any
		if json.Unmarshal(raw, &body) != nil {
			return nil, false
		}
		return body, true
	case strings.HasPrefix(ct, "multipart/form-data") && e.Request.MultipartForm != nil:
		body := map[string]any{}
		for k, vs := range e.Request.MultipartForm.Value {
			if k == "@jsonPayload" {
				for _, v := range vs {
					var payload map[string]any
					if json.Unmarshal([]byte(v), &payload) == nil {
						maps.Copy(body, payload)
					}
				}
				continue
			}
			if len(vs) == 1 {
				body[k] = vs[0]
			} else {
				list := make([]any, len(vs))
				for i, v := range vs {
					list[i] = v
				}
				body[k] = list
			}
		}
		return body, true
	}
	return nil, false
}
