package receipts

import "testing"

func TestFormatNumber(t *testing.T) {
	tests := []struct {
		dep  string
		year int
		seq  int64
		want string
	}{
		{"08", 2026, 123, "BJ08-2026-000123"},
		{"01", 2026, 0, "BJ01-2026-000000"},
		{"12", 2031, 999999, "BJ12-2031-999999"},
		{"12", 2031, 1000000, "BJ12-2031-1000000"},
		{"05", 2026, 9223372036854775807, "BJ05-2026-9223372036854775807"},
	}
	for _, tt := range tests {
		got := FormatNumber(tt.dep, tt.year, tt.seq)
		if got != tt.want {
			t.Errorf("FormatNumber(%q, %d, %d) = %q, want %q", tt.dep, tt.year, tt.seq, got, tt.want)
		}
		dep, year, seq, err := ParseNumber(got)
		if err != nil || dep != tt.dep || year != tt.year || seq != tt.seq {
			t.Errorf("ParseNumber(%q) = %q, %d, %d, %v", got, dep, year, seq, err)
		}
	}
}

func TestParseNumberRejects(t *testing.T) {
	for _, s := range []string{
		"", "BJ", "BJ08-2026", "bj08-2026-000123", "FR08-2026-000123",
		"BJ8-2026-000123", "BJ008-2026-000123", "BJAB-2026-000123",
		"BJ08-26-000123", "BJ08-02026-000123", "BJ08-2026-12345",
		"BJ08-2026-0000123", "BJ08-2026-000123-1", "BJ08-2026-00012a",
		"BJ08-2026--00123", "BJ08-2026-+00123", "BJ08-2026-9223372036854775808",
		"BJ08-2026-000123 ", " BJ08-2026-000123", "BJ08_2026_000123",
		FormatNumber("8", 2026, 1), FormatNumber("08", 2026, -1), FormatNumber("08", 12026, 1),
	} {
		if dep, year, seq, err := ParseNumber(s); err == nil {
			t.Errorf("ParseNumber(%q) = %q, %d, %d; want error", s, dep, year, seq)
		}
	}
}
