package jurisdiction

import (
	"errors"
	"fmt"
)

// Machine codes returned in RuleError.Code (stable: used in HTTP 400 bodies).
const (
	// J1
	CodeLocationRequired = "location_required"
	CodeOutsideTerritory = "outside_territory"
	CodeLocationMismatch = "location_mismatch"
	CodeUnknownPlace     = "unknown_place" // an arrondissement/commune id the geography does not know
	// J2, J4
	CodeNoDirectorate = "no_directorate"
	CodeRouteTooLong  = "route_too_long"
	// J5
	CodeCoverageConflict           = "coverage_conflict"
	CodeCoverageOutsideDepartement = "coverage_outside_departement"
	CodeDirectorateCoverage        = "directorate_coverage"  // a directorate with coverage lists
	CodeDuplicateDirectorate       = "duplicate_directorate" // a second directorate for a département
	CodeInvalidParent              = "invalid_parent"
	CodeInvalidUnit                = "invalid_unit" // unknown kind or missing département
	// J7, J8
	CodeInvalidWindow    = "invalid_window"
	CodeOutsideCampaign  = "outside_campaign"
	CodeElectionInactive = "election_inactive"
	CodePartyNotAdmitted = "party_not_admitted"
	CodeQuietHours       = "quiet_hours"
	CodeSoundHours       = "sound_hours"
	// J12
	CodeReasonRequired          = "reason_required"
	CodeServerField             = "server_field"
	CodeForbiddenField          = "forbidden_field"
	CodeForbidden               = "forbidden" // actor may not write this record at all
	CodeInvalidStatusTransition = "invalid_status_transition"
	CodeEventClosed             = "event_closed"
	CodeStatusOutOfWindow       = "status_out_of_window" // in_progress/completed far from the event's time
	CodeInvalidOfficers         = "invalid_officers"
	CodeInvalidPhone            = "invalid_phone" // a contact phone that is not a phone number

	// references and input the rules cannot place
	CodeUnknownElection       = "unknown_election"
	CodeUnknownEvent          = "unknown_event" // also answers an event the writer may not see
	CodeUnknownArrondissement = "unknown_arrondissement"
	CodeUnknownCommune        = "unknown_commune"
	CodeInvalidRoute          = "invalid_route"
	CodeInvalidPoint          = "invalid_point"
	CodeInvalidBool           = "invalid_bool"
	CodeInvalidType           = "invalid_type"        // a value of the wrong JSON type (a word for a number, an object for a list)
	CodeInvalidText           = "invalid_text"        // text that is not valid UTF-8
	CodeNumberOutOfRange      = "number_out_of_range" // beyond what every client reads exactly (±2^53)
	CodeDateOutOfRange        = "date_out_of_range"   // a date far outside any election
	CodeNoBoundaries          = "no_boundaries"       // no polygons imported yet
	CodeEventOver             = "event_over"          // too late to acknowledge: no receipt can be issued
)

// Flag codes: not errors, but conditions shown to users (internal/i18n has
// their French too).
const (
	FlagLateNotice = "late_notice"
	FlagUncovered  = "uncovered"
	FlagClash      = "clash"
)

// RuleError is a rule violation. Field is the record field at fault (the HTTP
// layer reports it as data.<field>.code) or empty when no single field is at
// fault (reported as data.code). Message is English and names the offending
// value; internal/i18n holds the French message of every code, which the
// HTTP layer answers unless the client prefers English.
type RuleError struct {
	Code    string `json:"code"`
	Field   string `json:"field,omitempty"`
	Message string `json:"message"`
}

// Error returns the English message.
func (e *RuleError) Error() string { return e.Message }

func ruleErr(code, field, format string, args ...any) *RuleError {
	return &RuleError{Code: code, Field: field, Message: fmt.Sprintf(format, args...)}
}

// AsRuleError unwraps err to a *RuleError.
func AsRuleError(err error) (*RuleError, bool) {
	var re *RuleError
	if errors.As(err, &re) {
		return re, true
	}
	return nil, false
}

// HasCode reports whether err is a *RuleError with the given code.
func HasCode(err error, code string) bool {
	re, ok := AsRuleError(err)
	return ok && re.Code == code
}
