package write

import (
	"coprosec/hooks/apierr"
	"coprosec/internal/jurisdiction"

	"github.com/pocketbase/pocketbase/core"
)

// bindElections gives a new election the default rule parameters it lacks
// and checks its dates on every write path.
func (s *Engine) bindElections() {
	s.app.OnRecordCreate("elections").BindFunc(func(e *core.RecordEvent) error {
		for field, def := range jurisdiction.ElectionDefaults {
			if e.Record.GetFloat(field) == 0 {
				e.Record.Set(field, def)
			}
		}
		return e.Next()
	})
	s.app.OnRecordValidate("elections").BindFunc(func(e *core.RecordEvent) error {
		r := e.Record
		err := jurisdiction.CheckElectionWindow(r.GetDateTime("campaign_start").Time(), r.GetDateTime("campaign_end").Time(), r.GetDateTime("election_day").Time())
		if err != nil {
			return apierr.FromRule(err)
		}
		return e.Next()
	})
}
