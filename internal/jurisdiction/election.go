package jurisdiction

import "time"

// ElectionDefaults are the rule parameters an election gets when it is
// created without them (DESIGN §3): notice, clash radius and buffer, and
// the time a lead unit has to acknowledge.
var ElectionDefaults = map[string]int{
	"notice_hours":     72,
	"clash_radius_m":   500,
	"clash_buffer_min": 60,
	"ack_hours":        12,
}

// CheckElectionWindow refuses a campaign that does not end after it
// starts, or an election day before the end of the campaign. Zero times are
// not checked (the fields are optional until the election is complete).
func CheckElectionWindow(campaignStart, campaignEnd, electionDay time.Time) error {
	if !campaignStart.IsZero() && !campaignEnd.IsZero() && !campaignStart.Before(campaignEnd) {
		return ruleErr(CodeInvalidWindow, "campaign_end", "The campaign must end after it starts.")
	}
	if !campaignEnd.IsZero() && !electionDay.IsZero() && electionDay.Before(campaignEnd) {
		return ruleErr(CodeInvalidWindow, "election_day", "The election day cannot fall before the end of the campaign.")
	}
	return nil
}

// FlagSeverity is the incident severity from which the département's
// directorate is alerted.
const FlagSeverity = 3

// IncidentFlagged reports whether an incident of severity alerts the
// directorate.
func IncidentFlagged(severity int) bool { return severity >= FlagSeverity }
