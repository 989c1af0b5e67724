package write

import (
	"coprosec/hooks/apierr"

	"github.com/pocketbase/pocketbase/core"
)

// Election defaults of DESIGN §3, applied when an admin leaves them blank.
var electionDefaults = map[string]int{
	"notice_hours":     72,
	"clash_radius_m":   500,
	"clash_buffer_min": 60,
	"ack_hours":        12,
}

func (s *Engine) bindElections() {
	s.app.OnRecordCreate("elections").BindFunc(func(e *core.RecordEvent) error {
		for field, def := range electionDefaults {
			if e.Record.GetFloat(field) == 0 {
				e.Record.Set(field, def)
			}
		}
		return e.Next()
	})
	s.app.OnRecordValidate("elections").BindFunc(func(e *core.RecordEvent) error {
		start, end := e.Record.GetDateTime("campaign_start"), e.Record.GetDateTime("campaign_end")
		day := e.Record.GetDateTime("election_day")
		if !start.IsZero() && !end.IsZero() && !start.Before(end) {
			return apierr.Rule("invalid_window", "campaign_end", "The campaign must end after it starts.")
		}
		if !end.IsZero() && !day.IsZero() && day.Before(end) {
			return apierr.Rule("invalid_window", "election_day", "The election day cannot fall before the end of the campaign.")
		}
		return e.Next()
	})
}
