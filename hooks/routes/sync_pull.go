package routes

import (
	"coprosec/hooks/apierr"
	"coprosec/hooks/synclog"
	"coprosec/hooks/write"
	"coprosec/internal/syncproto"
	"net/http"
	"strconv"

	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
)

func (s *Routes) bindSyncRoutes(se *core.ServeEvent) {
	se.App.Cron().MustAdd(synclog.PruneJob, "17 3 * * *", func() {
		if n, err := synclog.PruneTombstones(se.App, s.write.Now().Add(-synclog.TombstoneRetention)); err != nil {
			se.App.Logger().Error("pruning sync tombstones", "error", err)
		} else if n > 0 {
			se.App.Logger().Info("pruned sync tombstones", "rows", n)
		}
		if n, err := write.PruneMutationResults(se.App, s.write.Now().Add(-write.MutationResultRetention)); err != nil {
			se.App.Logger().Error("pruning stored push results", "error", err)
		} else if n > 0 {
			se.App.Logger().Info("pruned stored push results", "rows", n)
		}
	})
	g := se.Router.Group("/api/sync")
	g.Bind(apis.RequireAuth("users"))
	// Phones on 2G: a page of 500 events compresses about tenfold.
	g.Bind(apis.Gzip())
	g.GET("/pull", s.handlePull)
	g.POST("/push", s.handlePush)
}

// handlePull answers GET /api/sync/pull?cursor=C&limit=N (DESIGN §5). The
// device names itself in the X-Device header (or a device parameter) for
// device_status.
func (s *Routes) handlePull(e *core.RequestEvent) error {
	q := e.Request.URL.Query()
	limit, err := syncproto.ParseLimit(q.Get("limit"))
	if err != nil {
		return apierr.Rule(syncproto.CodeInvalidLimit, "limit", "limit must be a positive integer (at most "+strconv.Itoa(syncproto.MaxLimit)+").")
	}
	resp, err := synclog.Pull(e.App, e.Auth, q.Get("cursor"), limit)
	if err != nil {
		return e.InternalServerError("", err)
	}
	device := e.Request.Header.Get("X-Device")
	if device == "" {
		device = q.Get("device")
	}
	if !resp.More || s.pullStatusDue(e.Auth.Id, device) {
		s.recordDevice(e.App, e.Auth, device, deviceUpdate{pulled: true, cursorSeq: resp.Seq, lag: resp.Lag})
	}
	resp.Durability = s.durabilityAt(resp.Position)
	return writeJSON(e, resp.PullResponse)
}

// writeJSON answers 200 with v's own JSON encoding: e.JSON would encode it
// and then re-validate the whole output of its MarshalJSON, a second pass
// over a page of up to 1000 records. A `fields` parameter (PocketBase's
// field picker) still goes through e.JSON.
func writeJSON(e *core.RequestEvent, v interface{ MarshalJSON() ([]byte, error) }) error {
	if e.Request.URL.Query().Get("fields") != "" {
		return e.JSON(http.StatusOK, v)
	}
	raw, err := v.MarshalJSON()
	if err != nil {
		return e.InternalServerError("", err)
	}
	return e.Blob(http.StatusOK, "application/json", raw)
}
