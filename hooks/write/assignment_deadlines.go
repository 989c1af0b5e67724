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

// EscalationRunBudget bounds one run of the every-minute job, so that a
// run ends before the next one is due; a backlog larger than a run can
// clear (a server back after a long outage) is cleared over several
// minutes, earliest deadlines first.
const EscalationRunBudget = 50 * time.Second

// escalationBatch is how many overdue assignments are read at a time:
// the job's memory follows it, not the backlog.
const escalationBatch = 200

func (s *Engine) bindDeadlines() {
	s.app.Cron().MustAdd(EscalationJob, "* * * * *", func() {
		n, ran, err := s.RunEscalationJob(EscalationRunBudget)
		switch {
		case !ran:
			s.app.Logger().Warn("escalation job still running from the previous minute: this run is skipped")
		case err != nil:
			s.app.Logger().Error("escalating overdue assignments", "error", err, "escalated", n)
		case n > 0:
			s.app.Logger().Info("escalated overdue lead assignments", "count", n)
		}
	})
}

// RunEscalationJob is one run of the escalation job: it escalates overdue
// lead assignments batch by batch until none is left or budget is spent.
// ran is false when another run is still going: runs never overlap.
func (s *Engine) RunEscalationJob(budget time.Duration) (n int, ran bool, err error) {
	if !s.escalating.TryLock() {
		return 0, false, nil
	}
	defer s.escalating.Unlock()
	deadline := time.Now().Add(budget) // wall time: the budget is about the cron minute
	var after escalationKey
	for {
		done, next, more, err := s.escalateBatch(s.app, after)
		n += done
		if err != nil || !more || !time.Now().Before(deadline) {
			return n, true, err
		}
		after = next
	}
}

// EscalateOverdue escalates, for the directorate, every pending lead
// assignment whose acknowledgement deadline has passed (J11). It reads the
// service clock, so tests drive it without sleeping.
func (s *Engine) EscalateOverdue(app core.App) (int, error) {
	n := 0
	var after escalationKey
	for {
		done, next, more, err := s.escalateBatch(app, after)
		n += done
		if err != nil || !more {
			return n, err
		}
		after = next
	}
}

// escalationKey is a position in the (due_at, id) order of the overdue
// assignments: a batch resumes after the last one read, so assignments
// left pending (not overdue by J11 after all) are not read again.
type escalationKey struct{ dueAt, id string }

// escalateBatch escalates the overdue lead assignments of the next batch
// after key, each in its own transaction (the writer is held for one
// assignment at a time), and tells where the next batch starts.
func (s *Engine) escalateBatch(app core.App, after escalationKey) (n int, next escalationKey, more bool, err error) {
	now := s.Now()
	q := app.RecordQuery("assignments").
		Where(dbx.HashExp{"status": string(jurisdiction.StatusPending), "role": string(jurisdiction.RoleLead)}).
		AndWhere(dbx.NewExp("due_at != '' AND due_at < {:now}", dbx.Params{"now": dbTime(now)}))
	if after.id != "" {
		q = q.AndWhere(dbx.NewExp("(due_at > {:due} OR (due_at = {:due} AND id > {:id}))", dbx.Params{"due": after.dueAt, "id": after.id}))
	}
	var overdue []*core.Record
	if err := q.OrderBy("due_at", "id").Limit(escalationBatch).All(&overdue); err != nil {
		return 0, after, false, err
	}
	for _, r := range overdue {
		next = escalationKey{dueAt: r.GetDateTime("due_at").String(), id: r.Id}
		if !jurisdiction.Overdue(assignmentFromRecord(r), now) {
			continue
		}
		escalated := false
		err := app.RunInTransaction(func(tx core.App) error {
			fresh, err := tx.FindRecordById("assignments", r.Id)
			if err != nil || fresh.GetString("status") != string(jurisdiction.StatusPending) {
				return err // acknowledged meanwhile: nothing to do
			}
			fresh.Set("status", string(jurisdiction.StatusEscalated))
			escalated = true
			return saveSystem(tx, fresh)
		})
		if err != nil {
			return n, next, false, err
		}
		if escalated {
			n++
		}
	}
	return n, next, len(overdue) == escalationBatch, nil
}

// dbTime formats t as PocketBase stores dates, for SQL comparisons.
func dbTime(t time.Time) string {
	dt, _ := types.ParseDateTime(t)
	return dt.String()
}
