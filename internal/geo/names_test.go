package geo

import "testing"

func TestFoldName(t *testing.T) {
	tests := []struct{ a, b string }{
		{"Sèmè-Kpodji", "SEME KPODJI"},
		{"Abomey-Calavi", "abomey calavi"},
		{"Dangbo ", " dangbo"},
		{"Ouidah's", "ouidah s"},
		{"Kétou’", "ketou"},
	}
	for _, tt := range tests {
		if FoldName(tt.a) != FoldName(tt.b) {
			t.Errorf("FoldName(%q) = %q, FoldName(%q) = %q", tt.a, FoldName(tt.a), tt.b, FoldName(tt.b))
		}
	}
	if FoldName("Cotonou") == FoldName("Porto-Novo") {
		t.Error("different names fold alike")
	}
}

func TestWildcardName(t *testing.T) {
	tests := []struct {
		lossy, name string
		want        bool
	}{
		{"S?m?-Kpodji", "Sèmè-Kpodji", true},
		{"S\uFFFDm\uFFFD-Kpodji", "Sèmè-Kpodji", true},
		{"K?tou", "Kétou", true},
		{"K?tou", "Kétous", false},
		{"K?tou", "Ketuo", false},
		{"Cotonou", "cotonou", true},
	}
	for _, tt := range tests {
		if got := WildcardName(tt.lossy, tt.name); got != tt.want {
			t.Errorf("WildcardName(%q, %q) = %v, want %v", tt.lossy, tt.name, got, tt.want)
		}
	}
	if !LostLetters("S?m?") || !LostLetters("S\uFFFDm") || LostLetters("Sèmè") {
		t.Error("LostLetters")
	}
}
