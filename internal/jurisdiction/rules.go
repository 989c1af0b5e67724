package jurisdiction

import (
	"time"
)

const wallFmt = "2006-01-02 15:04 WAT"

// CheckRules applies J7 (campaign window) and J8 (quiet/sound hours) and
// returns the first violation, in this order:
//
//  1. election not active → election_inactive (field election);
//  2. party not in el.Parties → party_not_admitted (field party);
//  3. missing starts_at/ends_at, or starts_at ≥ ends_at → invalid_window
//     (field starts_at when missing, else ends_at);
//  4. starts_at < campaign_start (field starts_at) or ends_at > campaign_end
//     (field ends_at) → outside_campaign; bounds inclusive, zero = unbounded;
//  5. the window [starts_at, ends_at) intersects the local vote eve or vote
//     day, i.e. [eve 00:00, day after the vote 00:00) WAT → outside_campaign
//     (field starts_at if it starts inside, else ends_at);
//  6. meeting/rally overlapping any [23:00, 07:00) WAT night → quiet_hours;
//  7. kind sound_vehicle or SoundVehicle set, and the window is not entirely
//     inside [07:00, 13:00] or [15:00, 23:00] of one local day → sound_hours.
//
// All comparisons are on instants; local time is [Local] (UTC+1, no DST).
func CheckRules(ev Event, el Election) error {
	if !el.Active {
		return ruleErr(CodeElectionInactive, "election", "election %q is not active", el.ID)
	}
	if !el.Admits(ev.Party) {
		return ruleErr(CodePartyNotAdmitted, "party", "party %q is not admitted to election %q", ev.Party, el.ID)
	}
	if ev.StartsAt.IsZero() {
		return ruleErr(CodeInvalidWindow, "starts_at", "starts_at is required")
	}
	if ev.EndsAt.IsZero() {
		return ruleErr(CodeInvalidWindow, "ends_at", "ends_at is required")
	}
	if !ev.StartsAt.Before(ev.EndsAt) {
		return ruleErr(CodeInvalidWindow, "ends_at", "ends_at (%s) must be after starts_at (%s)", wall(ev.EndsAt), wall(ev.StartsAt))
	}
	if !el.CampaignStart.IsZero() && ev.StartsAt.Before(el.CampaignStart) {
		return ruleErr(CodeOutsideCampaign, "starts_at", "starts_at (%s) is before the campaign opens (%s)", wall(ev.StartsAt), wall(el.CampaignStart))
	}
	if !el.CampaignEnd.IsZero() && ev.EndsAt.After(el.CampaignEnd) {
		return ruleErr(CodeOutsideCampaign, "ends_at", "ends_at (%s) is after the campaign closes (%s)", wall(ev.EndsAt), wall(el.CampaignEnd))
	}
	if !el.ElectionDay.IsZero() {
		eve, after := VoteBlackout(el.ElectionDay)
		if ev.StartsAt.Before(after) && ev.EndsAt.After(eve) {
			field := "ends_at"
			if !ev.StartsAt.Before(eve) {
				field = "starts_at"
			}
			return ruleErr(CodeOutsideCampaign, field, "no campaign event on the eve or the day of the vote (%s to %s); event runs %s to %s",
				wall(eve), wall(after), wall(ev.StartsAt), wall(ev.EndsAt))
		}
	}
	if ev.Kind == KindMeeting || ev.Kind == KindRally {
		if QuietHoursOverlap(ev.StartsAt, ev.EndsAt) {
			return ruleErr(CodeQuietHours, "", "a %s may not take place between 23:00 and 07:00 local time (event runs %s to %s)",
				ev.Kind, wall(ev.StartsAt), wall(ev.EndsAt))
		}
	}
	if ev.Kind == KindSoundVehicle || ev.SoundVehicle {
		if !WithinSoundHours(ev.StartsAt, ev.EndsAt) {
			return ruleErr(CodeSoundHours, "", "a sound vehicle may only run 07:00–13:00 or 15:00–23:00 local time on one day (event runs %s to %s)",
				wall(ev.StartsAt), wall(ev.EndsAt))
		}
	}
	return nil
}

func wall(t time.Time) string { return t.In(Local).Format(wallFmt) }

func localMidnight(t time.Time) time.Time {
	l := t.In(Local)
	return time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, Local)
}

// VoteBlackout returns the half-open interval [eve 00:00, day after vote
// 00:00) in local time, for any instant of the vote day.
func VoteBlackout(electionDay time.Time) (from, to time.Time) {
	day := localMidnight(electionDay)
	return day.AddDate(0, 0, -1), day.AddDate(0, 0, 1)
}

// QuietHoursOverlap reports whether [s, e) overlaps any [23:00, 07:00) local
// night. Ending exactly at 23:00 or starting exactly at 07:00 does not
// overlap; windows spanning midnight or several days are caught.
func QuietHoursOverlap(s, e time.Time) bool {
	// Start with the night that began the local day before s.
	for qs := localMidnight(s).Add(-time.Hour); qs.Before(e); qs = qs.Add(24 * time.Hour) {
		qe := qs.Add(8 * time.Hour)
		if s.Before(qe) && e.After(qs) {
			return true
		}
	}
	return false
}

// WithinSoundHours reports whether [s, e] lies entirely inside 07:00–13:00 or
// 15:00–23:00 of the local day of s (bounds inclusive).
func WithinSoundHours(s, e time.Time) bool {
	d := localMidnight(s)
	in := func(fromH, toH int) bool {
		return !s.Before(d.Add(time.Duration(fromH)*time.Hour)) && !e.After(d.Add(time.Duration(toH)*time.Hour))
	}
	return in(7, 13) || in(15, 23)
}
