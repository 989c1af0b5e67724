package jurisdiction

import "testing"

func TestValidateCoverage(t *testing.T) {
	us := testUnits()
	comm := func(id string, dep string, communes, arrs []string) Unit {
		parent := "dirA"
		if dep == "depB" {
			parent = "dirB"
		}
		return Unit{ID: id, Name: "Commissariat " + id, Kind: UnitCommissariat, Departement: dep, Parent: parent, Communes: communes, Arrondissements: arrs}
	}
	godomey := us[3]
	godomey.Arrondissements = []string{"arrA1x", "arrA2x"}
	dirAMoved := us[0]
	dirAMoved.Departement = "depB"
	tests := []struct {
		name      string
		edited    Unit
		code, fld string
		msg       string
	}{
		{"new commissariat, free arrondissement", comm("n1", "depA", nil, []string{"arrA2x"}), "", "", ""},
		{"new commissariat, free commune", comm("n1", "depA", []string{"comA2"}, nil), "", "", ""},
		{"arrondissement inside another's commune-level coverage", comm("n1", "depA", nil, []string{"arrA1y"}), "", "", ""},
		{"edit keeps own coverage", godomey, "", "", ""},
		{"arrondissement already covered", comm("n1", "depA", nil, []string{"arrA2y", "arrA1x"}), CodeCoverageConflict, "arrondissements",
			`commissariat "Commissariat de Godomey" already covers arrondissement "arrA1x"`},
		{"commune already covered", comm("n1", "depA", []string{"comA1"}, nil), CodeCoverageConflict, "communes",
			`commissariat "Commissariat de Calavi" already covers commune "comA1" at commune level`},
		{"arrondissement outside département", comm("n1", "depA", nil, []string{"arrB2x"}), CodeCoverageOutsideDepartement, "arrondissements",
			`arrondissement "arrB2x" is in département "depB", outside the département "depA" of commissariat "Commissariat n1"`},
		{"commune outside département", comm("n1", "depB", []string{"comA2"}, nil), CodeCoverageOutsideDepartement, "communes", ""},
		{"unknown arrondissement", comm("n1", "depA", nil, []string{"arrQ"}), CodeUnknownPlace, "arrondissements", ""},
		{"unknown commune", comm("n1", "depA", []string{"comQ"}, nil), CodeUnknownPlace, "communes", ""},
		{"commissariat without parent", Unit{ID: "n1", Kind: UnitCommissariat, Departement: "depA"}, CodeInvalidParent, "parent", ""},
		{"parent is a commissariat", Unit{ID: "n1", Kind: UnitCommissariat, Departement: "depA", Parent: "cCalavi"}, CodeInvalidParent, "parent", ""},
		{"parent of another département", Unit{ID: "n1", Kind: UnitCommissariat, Departement: "depA", Parent: "dirB"}, CodeInvalidParent, "parent", ""},
		{"directorate with communes", Unit{ID: "d3", Kind: UnitDirectorate, Departement: "depC", Communes: []string{"comA1"}}, CodeDirectorateCoverage, "communes", ""},
		{"directorate with arrondissements", Unit{ID: "d3", Kind: UnitDirectorate, Departement: "depC", Arrondissements: []string{"arrA1x"}}, CodeDirectorateCoverage, "arrondissements", ""},
		{"directorate with parent", Unit{ID: "d3", Kind: UnitDirectorate, Departement: "depC", Parent: "dirA"}, CodeInvalidParent, "parent", ""},
		{"second directorate", Unit{ID: "d3", Name: "DDP bis", Kind: UnitDirectorate, Departement: "depA"}, CodeDuplicateDirectorate, "departement",
			`directorate "DDP Atlantique" already exists for département "depA"`},
		{"new directorate", Unit{ID: "d3", Kind: UnitDirectorate, Departement: "depC"}, "", "", ""},
		{"directorate moved away from its commissariats", dirAMoved, CodeDuplicateDirectorate, "departement", ""},
		{"unknown kind", Unit{ID: "x", Kind: "brigade", Departement: "depA"}, CodeInvalidUnit, "kind", ""},
		{"missing département", Unit{ID: "x", Kind: UnitDirectorate}, CodeInvalidUnit, "departement", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := ValidateCoverage(us, tc.edited, fakeGeo{})
			wantCode(t, err, tc.code, tc.fld)
			if tc.msg != "" && err.Error() != tc.msg {
				t.Fatalf("message %q, want %q", err.Error(), tc.msg)
			}
		})
	}
	// A directorate moved to a free département while it still has children.
	moved := us[0]
	moved.Departement = "depC"
	err := ValidateCoverage(us, moved, fakeGeo{})
	wantCode(t, err, CodeInvalidParent, "departement")
	// A directorate turned into a commissariat while it has children.
	turned := us[0]
	turned.Kind, turned.Parent = UnitCommissariat, "dirB"
	turned.Departement = "depB"
	wantCode(t, ValidateCoverage(us, turned, fakeGeo{}), CodeInvalidParent, "kind")
}
