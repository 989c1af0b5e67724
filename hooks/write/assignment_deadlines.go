package write

import (
	"time"

	"coprosec/internal/jurisdiction"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"
)

// EscalationJob is the cron job id of the acknowledgement deadline (J11).
const EscalationJob = "coprosecEscalateOverdue"

func (s *Engine) bindDeadlines() {
	s.app.Cron().MustAdd(EscalationJob, "* * * * *", func() {
		if n, err := s.EscalateOverdue(s.app); err != nil {
			s.app.Logger().Error("escalating overdue assignments", "error", err)
		} else if n > 0 {
			s.app.Logger().Info("escalated overdue lead assignments", "count", n)
		}
	})
}

// EscalateOverdue escalates, for the directorate, every pending lead
// assignment whose acknowledgement deadline has passed (J11). It reads the
// service clock, so tests drive it without sleeping.
func (s *Engine) EscalateOverdue(app core.App) (int, error) {
	now := s.Now()
	var overdue []*core.Record
	err := app.RecordQuery("assignments").
		Where(dbx.HashExp{"status": string(jurisdiction.StatusPending), "role": string(jurisdiction.RoleLead)}).
		AndWhere(dbx.NewExp("due_at != '' AND due_at < {:now}", dbx.Params{"now": dbTime(now)})).
		All(&overdue)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, r := range overdue {
		if !jurisdiction.Overdue(assignmentFromRecord(r), now) {
			continue
		}
		err := app.RunInTransaction(func(tx core.App) error {
			fresh, err := tx.FindRecordById("assignments", r.Id)
			if err != nil || fresh.GetString("status") != string(jurisdiction.StatusPending) {
				return err // acknowledged meanwhile: nothing to do
			}
			fresh.Set("status", string(jurisdiction.StatusEscalated))
			return saveSystem(tx, fresh)
		})
		if err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// dbTime formats t as PocketBase stores dates, for SQL comparisons.
func dbTime(t time.Time) string {
	dt, _ := types.ParseDateTime(t)
	return dt.String()
}
