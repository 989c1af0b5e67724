package routes

import (
	"net/http"
	"os"
	"path/filepath"
	"time"

	"coprosec/hooks/apierr"
	"coprosec/hooks/synclog"
	"coprosec/internal/jurisdiction"
	"coprosec/internal/syncproto"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
)

// OpsStatus is the body of GET /api/ops/status (DESIGN §5).
type OpsStatus struct {
	Epoch      string         `json:"epoch"`
	Replica    *ReplicaStatus `json:"replica"` // null without a replica
	DBBytes    int64          `json:"db_bytes"`
	SSEClients int            `json:"sse_clients"`
	Devices24h int64          `json:"devices_24h"`
}

// bindOpsRoutes serves GET /api/ops/status to superusers and the ministry.
func (s *Routes) bindOpsRoutes(se *core.ServeEvent) {
	se.Router.GET("/api/ops/status", func(e *core.RequestEvent) error {
		if !isRole(e.Auth, syncproto.RoleMinistry) {
			return apierr.Rule(jurisdiction.CodeForbidden, "", "Only the ministry reads the operations status.")
		}
		st, err := s.opsStatus(e.App)
		if err != nil {
			return e.InternalServerError("", err)
		}
		return e.JSON(http.StatusOK, st)
	}).Bind(apis.RequireAuth())
}

func (s *Routes) opsStatus(app core.App) (OpsStatus, error) {
	var st OpsStatus
	epoch, err := synclog.Epoch(app)
	if err != nil {
		return st, err
	}
	st.Epoch = epoch
	if d := s.currentDurability(); d != nil {
		st.Replica = d.Status()
	}
	// the database as it stands on disk: the file and its write-ahead log
	for _, name := range []string{"data.db", "data.db-wal"} {
		if fi, err := os.Stat(filepath.Join(app.DataDir(), name)); err == nil {
			st.DBBytes += fi.Size()
		}
	}
	st.SSEClients = app.SubscriptionsBroker().TotalClients()
	since := s.write.Now().Add(-24 * time.Hour).UTC().Format("2006-01-02 15:04:05.000Z")
	err = app.DB().NewQuery(`SELECT COUNT(DISTINCT user || '/' || device) FROM device_status
		WHERE last_pull_at >= {:since} OR last_push_at >= {:since}`).Bind(dbx.Params{"since": since}).Row(&st.Devices24h)
	return st, err
}
