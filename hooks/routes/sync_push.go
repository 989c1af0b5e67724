package routes

import (
	"coprosec/hooks/apierr"
	"coprosec/internal/syncproto"
	"errors"

	"github.com/pocketbase/pocketbase/core"
)

// handlePush answers POST /api/sync/push (DESIGN §5).
func (s *Routes) handlePush(e *core.RequestEvent) error {
	req, err := syncproto.ParseRequest(e.Request.Body)
	if err != nil {
		var re *syncproto.RequestError
		if errors.As(err, &re) {
			return apierr.Rule(re.Code, "", re.Message)
		}
		return apierr.Rule(syncproto.CodeInvalidRequest, "", err.Error())
	}
	resp, err := s.write.Push(e.App, e.Auth, req)
	if err != nil {
		return e.InternalServerError("", err)
	}
	upd := deviceUpdate{pushed: true}
	for _, r := range resp.Results {
		if r.Error != nil {
			upd.lastError = r.Error.Code + ": " + r.Error.Message
		}
	}
	s.recordDevice(e.App, e.Auth, req.Device, upd)
	// said in the client's language at each answer (a retried mutation's
	// stored result included); the device status keeps the English
	lang := apierr.LangOf(e.Request)
	e.Response.Header().Add("Vary", "Accept-Language")
	for i, r := range resp.Results {
		resp.Results[i].Error = apierr.LocalizeSync(r.Error, lang)
	}
	return writeJSON(e, resp)
}
