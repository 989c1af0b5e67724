package accounts

import "testing"

func TestNormalizeIdentity(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Agent.Cotonou@Demo.Coprosec.BJ ", "agent.cotonou@demo.coprosec.bj"},
		{"+22997000001", "+22997000001"},
		{"97000001", "+22997000001"},
		{"97 00 00 01", "+22997000001"},
		{"97.00.00.01", "+22997000001"},
		{"(97) 00-00-01", "+22997000001"},
		{"0197000001", "+2290197000001"},
		{"01 97 00 00 01", "+2290197000001"},
		{"0022997000001", "+22997000001"},
		{"22997000001", "+22997000001"},
		{"229 97 00 00 01", "+22997000001"},
		{"+229 97 00 00 01", "+22997000001"},
		{"9700001", "9700001"}, // 7 digits: not a Benin number, kept
		{"003312345678", "+3312345678"},
		{" someone ", "someone"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := NormalizeIdentity(tt.in); got != tt.want {
			t.Errorf("NormalizeIdentity(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestContactPhone(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		ok       bool
	}{
		{"", "", true},
		{"   ", "", true},
		{"97 00 00 00", "+22997000000", true},
		{"01 97 00 00 00", "+2290197000000", true},
		{"+229 97.00.00.00", "+22997000000", true},
		{"00 33 6 12 34 56 78", "+33612345678", true},
		{"+33 (0)6 12", "", false},
		{"appeler le chef", "", false},
		{"chef@parti.bj", "", false},
		{"12345", "", false},
		{"+1234567890123456", "", false},
	} {
		got, ok := ContactPhone(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("ContactPhone(%q) = %q, %v; want %q, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}
