package routes

import (
	"strings"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/security"
	"github.com/pocketbase/pocketbase/tools/types"
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

// recordDevice writes what one pull page or push tells of a device, by one
// upsert of its device_status row: the row is the server's own bookkeeping
// (no rules, no change log, no audit), so it does not go through a record
// save and its hooks. A failure is logged, never the exchange's.
func (s *Routes) recordDevice(app core.App, auth *core.Record, device string, u deviceUpdate) {
	device = deviceName(device)
	if u.pulled {
		s.devicePulls.Store(deviceKey(auth.Id, device), time.Now())
	}
	now := types.NowDateTime().String()
	if r := []rune(u.lastError); len(r) > 500 {
		u.lastError = string(r[:500])
	}
	when := func(set bool) string {
		if set {
			return now
		}
		return ""
	}
	_, err := app.DB().NewQuery(`INSERT INTO device_status
			(id, user, device, last_pull_at, cursor_seq, lag, last_push_at, last_error, last_error_at, created, updated)
		VALUES ({:id}, {:user}, {:device}, {:pullAt}, {:seq}, {:lag}, {:pushAt}, {:err}, {:errAt}, {:now}, {:now})
		ON CONFLICT (user, device) DO UPDATE SET
			last_pull_at = CASE WHEN {:pulled} THEN excluded.last_pull_at ELSE last_pull_at END,
			cursor_seq = CASE WHEN {:pulled} THEN excluded.cursor_seq ELSE cursor_seq END,
			lag = CASE WHEN {:pulled} THEN excluded.lag ELSE lag END,
			last_push_at = CASE WHEN {:pushed} THEN excluded.last_push_at ELSE last_push_at END,
			last_error = CASE WHEN {:failed} THEN excluded.last_error ELSE last_error END,
			last_error_at = CASE WHEN {:failed} THEN excluded.last_error_at ELSE last_error_at END,
			updated = excluded.updated`).
		Bind(dbx.Params{
			"id": security.RandomStringWithAlphabet(core.DefaultIdLength, core.DefaultIdAlphabet), "user": auth.Id, "device": device,
			"pullAt": when(u.pulled), "seq": u.cursorSeq, "lag": u.lag, "pushAt": when(u.pushed),
			"err": u.lastError, "errAt": when(u.lastError != ""), "now": now,
			"pulled": u.pulled, "pushed": u.pushed, "failed": u.lastError != "",
		}).Execute()
	if err != nil {
		app.Logger().Warn("recording device status", "device", device, "error", err)
	}
}
