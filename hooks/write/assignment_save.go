package write

import (
	"coprosec/internal/jurisdiction"

	"github.com/pocketbase/pocketbase/core"
)

func (s *Engine) bindAssignments() {
	s.app.OnRecordUpdate("assignments").BindFunc(func(e *core.RecordEvent) error {
		return s.withTx(e, func(tx core.App) error {
			r := e.Record
			becameAck := r.GetString("status") == string(jurisdiction.StatusAcknowledged) &&
				r.Original().GetString("status") != string(jurisdiction.StatusAcknowledged)
			if becameAck && r.GetDateTime("acknowledged_at").IsZero() {
				r.Set("acknowledged_at", s.Now()) // dashboard path: no request hook set it
			}
			if err := e.Next(); err != nil {
				return err
			}
			if r.GetString("role") != string(jurisdiction.RoleLead) {
				return nil
			}
			withdrawn := r.Original().GetString("status") == string(jurisdiction.StatusAcknowledged) &&
				r.GetString("status") != string(jurisdiction.StatusAcknowledged)
			switch {
			case becameAck:
				return s.issueReceipt(tx, r)
			case withdrawn && !isSystemWrite(e.Context):
				// the lead asked for an adjustment after acknowledging: the
				// receipt no longer stands (a server reset already revoked it)
				return s.revokeReceipts(tx, r.GetString("event"), "acknowledgement_withdrawn")
			}
			return nil
		})
	})
}
