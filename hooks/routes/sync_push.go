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
	return writeJSON(e, resp)
}
