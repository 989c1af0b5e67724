package onboard

import (
	"errors"
	"strings"
	"testing"
)

func TestReadUnits(t *testing.T) {
	ok := "name,kind,departement,parent,communes,arrondissements,phone\n" +
		"DDPR Littoral,directorate,BJ08,,,,+229 21 00 00 00\n" +
		"\n" +
		"Commissariat central de Cotonou,commissariat,bj08,DDPR Littoral,BJ0800,,\n" +
		"\"Commissariat de Cadjèhoun, Cotonou\",commissariat,BJ08,DDPR Littoral,, BJ0800-01 ; BJ0800-02 ,\n"
	rows, err := ReadUnits(strings.NewReader("\xef\xbb\xbf" + ok))
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3 || rows[1].Departement != "BJ08" || rows[2].Line != 5 || strings.Join(rows[2].Arrondissements, "|") != "BJ0800-01|BJ0800-02" ||
		rows[2].Name != "Commissariat de Cadjèhoun, Cotonou" || rows[0].Phone != "+229 21 00 00 00" {
		t.Fatalf("rows %+v", rows)
	}
	// the columns may come in any order, names in any case
	if rows, err := ReadUnits(strings.NewReader("Kind,Name,departement,parent,communes,arrondissements,phone\ndirectorate,DDPR Zou,BJ12,,,,\n")); err != nil || rows[0].Name != "DDPR Zou" {
		t.Fatalf("reordered header: %v %v", rows, err)
	}

	head := "name,kind,departement,parent,communes,arrondissements,phone\n"
	for _, c := range []struct {
		name, file, code, field string
		line                    int
	}{
		{"latin-1", head + "Commissariat de Cadjh\xe8oun,commissariat,BJ08,DDPR,,BJ0800-01,\n", CodeInvalidEncoding, "", 2},
		{"semicolons", "name;kind;departement;parent;communes;arrondissements;phone\n", CodeWrongSeparator, "", 1},
		{"missing column", "name,kind,departement,parent,communes,arrondissements\n", CodeInvalidHeader, "", 1},
		{"unknown column", head[:len(head)-1] + ",code\n", CodeInvalidHeader, "", 1},
		{"empty", "", CodeInvalidHeader, "", 1},
		{"header only", head, CodeEmptyFile, "", 1},
		{"short row", head + "DDPR Zou,directorate,BJ12\n", CodeInvalidRow, "", 2},
		{"broken quote", head + "\"DDPR Zou,directorate,BJ12,,,,\n", CodeInvalidRow, "", 2},
		{"no name", head + ",directorate,BJ12,,,,\n", CodeMissingValue, "name", 2},
		{"duplicate name", head + "DDPR Zou,directorate,BJ12,,,,\nddpr zou,directorate,BJ12,,,,\n", CodeDuplicate, "name", 3},
		{"unknown kind", head + "Poste,outpost,BJ12,DDPR Zou,,,\n", CodeInvalidValue, "kind", 2},
		{"directorate with coverage", head + "DDPR Zou,directorate,BJ12,,BJ1201,,\n", CodeInvalidValue, "communes", 2},
		{"commissariat without parent", head + "Commissariat d'Abomey,commissariat,BJ12,,BJ1201,,\n", CodeMissingValue, "parent", 2},
		{"bad département", head + "DDPR Zou,directorate,Zou,,,,\n", CodeInvalidValue, "departement", 2},
		{"commune of another département", head + "Commissariat,commissariat,BJ12,DDPR Zou,BJ0800,,\n", CodeInvalidValue, "communes", 2},
		{"bad arrondissement code", head + "Commissariat,commissariat,BJ12,DDPR Zou,,BJ1201-1,\n", CodeInvalidValue, "arrondissements", 2},
		{"two rows cover an arrondissement", head + "A,commissariat,BJ12,DDPR Zou,,BJ1201-01;BJ1201-02,\nB,commissariat,BJ12,DDPR Zou,,BJ1201-03;bj1201-02,\n", "coverage_conflict", "arrondissements", 3},
		{"two rows cover a commune", head + "A,commissariat,BJ12,DDPR Zou,BJ1201,,\nB,commissariat,BJ12,DDPR Zou,BJ1202;BJ1201,,\n", "coverage_conflict", "communes", 3},
	} {
		_, err := ReadUnits(strings.NewReader(c.file))
		p, ok := firstProblem(err)
		if !ok || p.Code != c.code || p.Field != c.field || p.Line != c.line {
			t.Errorf("%s: %v, want %s on line %d (%s)", c.name, err, c.code, c.line, c.field)
		}
	}
	// every refused row is reported, not only the first
	_, err = ReadUnits(strings.NewReader(head + ",directorate,BJ12,,,,\nDDPR Zou,directorate,BJ12,,,,\nX,outpost,BJ12,,,,\n"))
	var ps Problems
	if !errors.As(err, &ps) || len(ps) != 2 || ps[0].Line != 2 || ps[1].Line != 4 {
		t.Fatalf("problems: %v", err)
	}
}

func TestReadAccounts(t *testing.T) {
	head := "name,phone,email,role,party,unit\n"
	rows, err := ReadAccounts(strings.NewReader(head +
		"Awa Dossou,97 00 00 01,,organizer,br,\n" +
		"Koffi Agbo,+22990000002,K.Agbo@Police.bj,commander,,Commissariat central de Cotonou\n" +
		"Ministère,,ministre@interieur.bj,ministry,,\n"))
	if err != nil {
		t.Fatal(err)
	}
	if rows[0].Phone != "+22997000001" || rows[0].Party != "BR" || rows[1].Email != "k.agbo@police.bj" || rows[2].Phone != "" {
		t.Fatalf("rows %+v", rows)
	}
	for _, c := range []struct {
		name, file, code, field string
		line                    int
	}{
		{"bad phone", head + "A,12345,,organizer,BR,\n", CodeInvalidValue, "phone", 2},
		{"duplicate phone in two spellings", head + "A,97000001,,organizer,BR,\nB,+229 97 00 00 01,,organizer,BR,\n", CodeDuplicate, "phone", 3},
		{"duplicate email", head + "A,,a@b.bj,ministry,,\nB,,A@B.bj,ministry,,\n", CodeDuplicate, "email", 3},
		{"no identity", head + "A,,,organizer,BR,\n", CodeMissingValue, "phone", 2},
		{"bad email", head + "A,,a-at-b,ministry,,\n", CodeInvalidValue, "email", 2},
		{"unknown role", head + "A,97000001,,chief,,\n", CodeInvalidValue, "role", 2},
		{"party account without party", head + "A,97000001,,organizer,,\n", "party_required", "party", 2},
		{"police account with a party", head + "A,97000001,,officer,BR,Commissariat\n", "party_not_allowed", "party", 2},
		{"police account without unit", head + "A,97000001,,officer,,\n", "unit_required", "unit", 2},
		{"wrong header", "nom,telephone,email,role,parti,unite\n", CodeInvalidHeader, "", 1},
	} {
		_, err := ReadAccounts(strings.NewReader(c.file))
		p, ok := firstProblem(err)
		if !ok || p.Code != c.code || p.Field != c.field || p.Line != c.line {
			t.Errorf("%s: %v, want %s on line %d (%s)", c.name, err, c.code, c.line, c.field)
		}
	}
}

func TestInitialPassword(t *testing.T) {
	seen := map[string]bool{}
	for i := 0; i < 200; i++ {
		p, err := InitialPassword()
		if err != nil || len(p) != 14 || p[4] != '-' || p[9] != '-' || strings.ContainsAny(p, "0O1lI") || seen[p] {
			t.Fatalf("password %q, %v", p, err)
		}
		seen[p] = true
	}
}

func firstProblem(err error) (Problem, bool) {
	var fe *FileError
	if errors.As(err, &fe) {
		return fe.Problem, true
	}
	var ps Problems
	if errors.As(err, &ps) && len(ps) > 0 {
		return ps[0], true
	}
	return Problem{}, false
}
