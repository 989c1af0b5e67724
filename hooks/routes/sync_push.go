package routes

import (
	"coprosec/hooks/apierr"
	"coprosec/hooks/synclog"
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
	// read after every result was committed: each applied change of
	// the push has a seq at most this head
	if pos, err := synclog.CurrentPosition(e.App, e.Auth); err != nil {
		// the results must reach the device all the same: with no epoch
		// and the highest position, it keeps them and sends them again
		// at its next exchange, which answers them from their stored
		// results with a position it can compare
		e.App.Logger().Error("sync push: reading the log position", "error", err)
		resp.WrittenSeq = syncproto.MaxSafeSeq
	} else {
		resp.WrittenSeq = pos.Head
		resp.Durability = s.durabilityAt(pos)
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
