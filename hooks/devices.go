package hooks

import (
	"strings"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
)

// deviceUpdate is what one pull or push tells about a device.
type deviceUpdate struct {
	pulled, pushed bool
	cursorSeq, lag int64
	lastError      string
}

// recordDevice keeps the device_status row of (user, device) current. It
// is best effort: a failure here must never fail the sync itself.
func (s *Service) recordDevice(app core.App, auth *core.Record, device string, u deviceUpdate) {
	device = strings.TrimSpace(device)
	if device == "" {
		device = "inconnu"
	}
	if len(device) > 128 {
		device = device[:128]
	}
	err := app.RunInTransaction(func(tx core.App) error {
		r, err := tx.FindFirstRecordByFilter("device_status", "user = {:u} && device = {:d}", dbx.Params{"u": auth.Id, "d": device})
		if err != nil {
			col, cerr := tx.FindCachedCollectionByNameOrId("device_status")
			if cerr != nil {
				return cerr
			}
			r = core.NewRecord(col)
			r.Set("user", auth.Id)
			r.Set("device", device)
		}
		now := s.Now()
		if u.pulled {
			r.Set("last_pull_at", now)
			r.Set("cursor_seq", u.cursorSeq)
			r.Set("lag", u.lag)
		}
		if u.pushed {
			r.Set("last_push_at", now)
		}
		if u.lastError != "" {
			if len(u.lastError) > 500 {
				u.lastError = u.lastError[:500]
			}
			r.Set("last_error", u.lastError)
			r.Set("last_error_at", now)
		}
		return tx.Save(r)
	})
	if err != nil {
		app.Logger().Warn("recording device status", "device", device, "error", err)
	}
}
