package jurisdiction

import (
	"testing"
	"time"
)

func TestCheckElectionWindow(t *testing.T) {
	d := func(day int) time.Time { return time.Date(2026, 3, day, 0, 0, 0, 0, time.UTC) }
	var zero time.Time
	tests := []struct {
		name            string
		start, end, day time.Time
		field           string // "" when accepted
	}{
		{"complete", d(1), d(15), d(16), ""},
		{"vote at campaign end", d(1), d(15), d(15), ""},
		{"end before start", d(15), d(1), d(16), "campaign_end"},
		{"empty campaign", d(1), d(1), d(16), "campaign_end"},
		{"vote before the end", d(1), d(15), d(14), "election_day"},
		{"no dates yet", zero, zero, zero, ""},
		{"no vote day yet", d(1), d(15), zero, ""},
		{"only a vote day", zero, zero, d(3), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckElectionWindow(tt.start, tt.end, tt.day)
			re, _ := AsRuleError(err)
			switch {
			case tt.field == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tt.field != "" && (re == nil || re.Code != CodeInvalidWindow || re.Field != tt.field):
				t.Fatalf("got %v, want %s on %s", err, CodeInvalidWindow, tt.field)
			}
		})
	}
}

func TestIncidentFlagged(t *testing.T) {
	for sev, want := range map[int]bool{0: false, 1: false, 2: false, 3: true, 4: true, 5: true} {
		if IncidentFlagged(sev) != want {
			t.Errorf("severity %d: flagged %v", sev, !want)
		}
	}
}
