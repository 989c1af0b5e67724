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
