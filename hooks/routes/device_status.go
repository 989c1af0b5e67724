package routes

import (
	"strings"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
)

// deviceUpdate is what one pull or push tells about a device.
type deviceUpdate struct {
	pulled, pushed bool
	cursorSeq, lag int64
	lastError      string
}

// devicePullEvery bounds how often the pages of a long pull write their
// device's status: each write takes SQLite's single writer, and a thousand
// phones pulling a hundred pages each at the start of a shift would
// otherwise queue a hundred thousand writes behind the declarations. The
// first page, the last page of a sync (more = false) and a page after a
// quiet spell are written.
const devicePullEvery = 30 * time.Second

// pullStatusDue reports whether a pull page of (user, device) that is not
// the last of its sync should write the device's status.
func (s *Routes) pullStatusDue(userID, device string) bool {
	last, ok := s.devicePulls.Load(deviceKey(userID, deviceName(device)))
	return !ok || time.Since(last.(time.Time)) >= devicePullEvery
}

// deviceKey names (user, stored device name) in Service.devicePulls.
func deviceKey(userID, device string) string { return userID + "\x00" + device }

// deviceName is the device name a client sent, as stored.
func deviceName(device string) string {
	device = strings.TrimSpace(device)
	if device == "" {
		device = "inconnu"
	}
	if len(device) > 128 {
		device = device[:128]
	}
	return device
}

// recordDevice keeps the device_status row of (user, device) current. It
// is best effort: a failure here must never fail the sync itself.
func (s *Routes) recordDevice(app core.App, auth *core.Record, device string, u deviceUpdate) {
	device = deviceName(device)
	if u.pulled {
		s.devicePulls.Store(deviceKey(auth.Id, device), time.Now())
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
		now := s.write.Now()
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
