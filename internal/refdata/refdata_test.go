package refdata

import "testing"

func TestSeedCounts(t *testing.T) {
	communes := map[string]bool{}
	for _, d := range Departements {
		for _, c := range d.Communes {
			if c.Code[:4] != d.Code {
				t.Errorf("commune %s %s is not under département %s", c.Code, c.Name, d.Code)
			}
			if communes[c.Code] {
				t.Errorf("duplicate commune code %s", c.Code)
			}
			communes[c.Code] = true
		}
	}
	if len(Departements) != 12 || len(communes) != 77 {
		t.Fatalf("got %d départements and %d communes, want 12 and 77", len(Departements), len(communes))
	}
}

func TestOf(t *testing.T) {
	for name, want := range map[string]string{
		"Cotonou": "de Cotonou", "Abomey-Calavi": "d'Abomey-Calavi", "Ifangni": "d'Ifangni", "Athiémè": "d'Athiémè",
		"Ouidah": "de Ouidah", "Ouèssè": "de Ouèssè", "Ouinhi": "de Ouinhi", "Écoles": "d'Écoles", "Kandi": "de Kandi",
	} {
		if got := Of(name); got != want {
			t.Errorf("Of(%q) = %q, want %q", name, got, want)
		}
	}
}
