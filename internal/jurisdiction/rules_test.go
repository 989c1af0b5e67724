package jurisdiction

import (
	"testing"
	"time"
)

func TestElectionDefaults(t *testing.T) {
	d := Election{}.Defaults()
	if d.NoticeHours != 72 || d.ClashRadiusM != 500 || d.ClashBufferMin != 60 || d.AckHours != 12 {
		t.Fatalf("defaults: %+v", d)
	}
	if d.Defaults().NoticeHours != 72 {
		t.Fatal("not idempotent")
	}
	e := Election{NoticeHours: 48, ClashRadiusM: 200, ClashBufferMin: -1, AckHours: 6}.Defaults()
	if e.NoticeHours != 48 || e.ClashRadiusM != 200 || e.ClashBufferMin != -1 || e.AckHours != 6 {
		t.Fatalf("kept values: %+v", e)
	}
	if p := e.ClashParams(); p.BufferMin != 0 || p.Buffer() != 0 || p.RadiusM != 200 {
		t.Fatalf("negative buffer must mean 0: %+v", p)
	}
}

func TestCheckRules(t *testing.T) {
	el := testElection()
	inactive := el
	inactive.Active = false
	d := func(day, h, m int) time.Time { return lt(2026, 4, day, h, m) }
	ev := func(kind string, s, e time.Time) Event {
		return Event{Party: "p1", Election: el.ID, Kind: kind, StartsAt: s, EndsAt: e}
	}
	sv := ev(KindCaravan, d(5, 14, 0), d(5, 14, 30))
	sv.SoundVehicle = true
	stranger := ev(KindMeeting, d(5, 10, 0), d(5, 12, 0))
	stranger.Party = "p9"
	tests := []struct {
		name      string
		ev        Event
		el        Election
		code, fld string
	}{
		{"ok meeting", ev(KindMeeting, d(5, 10, 0), d(5, 12, 0)), el, "", ""},
		{"election inactive", ev(KindMeeting, d(5, 10, 0), d(5, 12, 0)), inactive, CodeElectionInactive, "election"},
		{"party not admitted", stranger, el, CodePartyNotAdmitted, "party"},
		{"missing start", ev(KindMeeting, time.Time{}, d(5, 12, 0)), el, CodeInvalidWindow, "starts_at"},
		{"missing end", ev(KindMeeting, d(5, 10, 0), time.Time{}), el, CodeInvalidWindow, "ends_at"},
		{"start == end", ev(KindMeeting, d(5, 10, 0), d(5, 10, 0)), el, CodeInvalidWindow, "ends_at"},
		{"end before start", ev(KindMeeting, d(5, 10, 0), d(5, 9, 0)), el, CodeInvalidWindow, "ends_at"},
		// J7 campaign window
		{"starts at campaign start", ev(KindCaravan, lt(2026, 3, 28, 0, 0), lt(2026, 3, 28, 9, 0)), el, "", ""},
		{"starts before campaign", ev(KindCaravan, lt(2026, 3, 27, 23, 59), lt(2026, 3, 28, 9, 0)), el, CodeOutsideCampaign, "starts_at"},
		{"ends after campaign", ev(KindCaravan, lt(2026, 4, 13, 0, 0).Add(-time.Hour), lt(2026, 4, 13, 0, 1)), el, CodeOutsideCampaign, "ends_at"},
		{"day before eve", ev(KindCaravan, d(10, 20, 0), d(10, 22, 0)), el, "", ""},
		{"ends exactly at eve 00:00 local", ev(KindCaravan, d(10, 20, 0), d(11, 0, 0)), el, "", ""},
		{"runs into eve", ev(KindCaravan, d(10, 20, 0), d(11, 0, 1)), el, CodeOutsideCampaign, "ends_at"},
		{"on the eve", ev(KindMeeting, d(11, 10, 0), d(11, 12, 0)), el, CodeOutsideCampaign, "starts_at"},
		{"on vote day", ev(KindMeeting, d(12, 10, 0), d(12, 12, 0)), el, CodeOutsideCampaign, "starts_at"},
		{"eve starts 23:00 UTC the day before", ev(KindCaravan, time.Date(2026, 4, 10, 23, 0, 0, 0, time.UTC), time.Date(2026, 4, 10, 23, 30, 0, 0, time.UTC)), el, CodeOutsideCampaign, "starts_at"},
		{"day after vote", ev(KindMeeting, lt(2026, 4, 13, 0, 0).Add(-2*time.Hour), lt(2026, 4, 13, 0, 0).Add(-time.Hour)), el, CodeOutsideCampaign, "starts_at"},
		// J8 quiet hours
		{"ends exactly 23:00", ev(KindMeeting, d(5, 20, 0), d(5, 23, 0)), el, "", ""},
		{"ends 23:01", ev(KindMeeting, d(5, 20, 0), d(5, 23, 1)), el, CodeQuietHours, ""},
		{"starts exactly 07:00", ev(KindRally, d(5, 7, 0), d(5, 9, 0)), el, "", ""},
		{"starts 06:59", ev(KindRally, d(5, 6, 59), d(5, 9, 0)), el, CodeQuietHours, ""},
		{"inside the night", ev(KindMeeting, d(5, 1, 0), d(5, 2, 0)), el, CodeQuietHours, ""},
		{"spans midnight", ev(KindMeeting, d(5, 22, 0), d(6, 1, 0)), el, CodeQuietHours, ""},
		{"starts 23:00", ev(KindMeeting, d(5, 23, 0), d(5, 23, 30)), el, CodeQuietHours, ""},
		{"multi-day", ev(KindRally, d(5, 8, 0), d(6, 20, 0)), el, CodeQuietHours, ""},
		{"multi-day week", ev(KindRally, d(1, 8, 0), d(8, 20, 0)), el, CodeQuietHours, ""},
		{"UTC 21-22 = local 22-23", ev(KindMeeting, time.Date(2026, 4, 5, 21, 0, 0, 0, time.UTC), time.Date(2026, 4, 5, 22, 0, 0, 0, time.UTC)), el, "", ""},
		{"UTC 22:00 = local 23:00", ev(KindMeeting, time.Date(2026, 4, 5, 21, 0, 0, 0, time.UTC), time.Date(2026, 4, 5, 22, 0, 1, 0, time.UTC)), el, CodeQuietHours, ""},
		{"UTC 06:00 = local 07:00", ev(KindMeeting, time.Date(2026, 4, 5, 6, 0, 0, 0, time.UTC), time.Date(2026, 4, 5, 8, 0, 0, 0, time.UTC)), el, "", ""},
		{"caravan at night is fine", ev(KindCaravan, d(5, 22, 0), d(6, 2, 0)), el, "", ""},
		// J8 sound hours
		{"sound 07-13", ev(KindSoundVehicle, d(5, 7, 0), d(5, 13, 0)), el, "", ""},
		{"sound 15-23", ev(KindSoundVehicle, d(5, 15, 0), d(5, 23, 0)), el, "", ""},
		{"sound 06:59", ev(KindSoundVehicle, d(5, 6, 59), d(5, 9, 0)), el, CodeSoundHours, ""},
		{"sound into lunch break", ev(KindSoundVehicle, d(5, 12, 0), d(5, 13, 1)), el, CodeSoundHours, ""},
		{"sound in lunch break", ev(KindSoundVehicle, d(5, 13, 0), d(5, 15, 0)), el, CodeSoundHours, ""},
		{"sound across lunch", ev(KindSoundVehicle, d(5, 12, 0), d(5, 16, 0)), el, CodeSoundHours, ""},
		{"sound past 23:00", ev(KindSoundVehicle, d(5, 22, 0), d(5, 23, 30)), el, CodeSoundHours, ""},
		{"sound two days", ev(KindSoundVehicle, d(5, 8, 0), d(6, 9, 0)), el, CodeSoundHours, ""},
		{"sound flag on caravan", sv, el, CodeSoundHours, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			wantCode(t, CheckRules(tc.ev, tc.el), tc.code, tc.fld)
		})
	}
}

func TestVoteBlackoutLocalDate(t *testing.T) {
	// The vote day given as local midnight (= 23:00 UTC the day before) or
	// as UTC midnight gives the same blackout.
	a1, b1 := VoteBlackout(time.Date(2026, 4, 11, 23, 0, 0, 0, time.UTC))
	a2, b2 := VoteBlackout(time.Date(2026, 4, 12, 0, 0, 0, 0, time.UTC))
	if !a1.Equal(a2) || !b1.Equal(b2) || !a1.Equal(lt(2026, 4, 11, 0, 0)) || !b1.Equal(lt(2026, 4, 13, 0, 0)) {
		t.Fatalf("blackout %v–%v vs %v–%v", a1, b1, a2, b2)
	}
}
