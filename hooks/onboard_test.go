package hooks_test

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"coprosec/hooks/onboard"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
)

const unitsHeader = "name,kind,departement,parent,communes,arrondissements,phone\n"
const accountsHeader = "name,phone,email,role,party,unit\n"

// importUnitsAs posts a units file to the import endpoint.
func (e *env) importUnitsAs(as *core.Record, file string, query string) response {
	e.t.Helper()
	return e.do("POST", "/api/import/units"+query, as, file)
}

// importedProblems are the (line, field, code) of a refused import.
func importedProblems(res response) []string {
	data, _ := res.JSON["data"].(map[string]any)
	list, _ := data["problems"].([]any)
	var out []string
	for _, p := range list {
		m := p.(map[string]any)
		out = append(out, fmt.Sprintf("%v:%v:%v", m["line"], m["field"], m["code"]))
	}
	return out
}

// tableDigest is every row of the tables an import may touch, to check
// that a refused import changed nothing.
func (e *env) tableDigest(tables ...string) string {
	e.t.Helper()
	var b strings.Builder
	for _, t := range tables {
		var rows []dbx.NullStringMap
		if err := e.app.DB().NewQuery("SELECT * FROM " + t + " ORDER BY id").All(&rows); err != nil {
			e.t.Fatal(err)
		}
		fmt.Fprintf(&b, "%s:%d\n", t, len(rows))
		for _, r := range rows {
			keys := make([]string, 0, len(r))
			for k := range r {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			for _, k := range keys {
				fmt.Fprintf(&b, "%s=%s;", k, r[k].String)
			}
			b.WriteString("\n")
		}
	}
	return b.String()
}

func TestUnitsImport(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	file := unitsHeader +
		"DDPR Littoral,directorate,BJ08,,,,+229 21 31 00 00\n" + // stored: phone added
		"DDPR Zou,directorate,BJ12,,,,\n" +
		"Commissariat central de Cotonou,commissariat,BJ08,DDPR Littoral,BJ0800,,\n" + // stored, unchanged
		"Commissariat central d'Abomey,commissariat,BJ12,ddpr zou,BJ1201,,\n" +
		"Commissariat central de Bohicon,commissariat,BJ12,DDPR Zou,BJ1203,,\n"

	// a dry run writes nothing and says what would happen
	before := e.tableDigest("units", "assignments", "events")
	res := e.importUnitsAs(w.ministry, file, "?dry_run=true")
	rep, _ := res.JSON["report"].(map[string]any)
	if res.Status != http.StatusOK || rep["created"] != 3.0 || rep["updated"] != 1.0 || rep["unchanged"] != 1.0 || rep["dry_run"] != true {
		t.Fatalf("dry run: %s", res)
	}
	if e.tableDigest("units", "assignments", "events") != before {
		t.Fatal("a dry run wrote")
	}

	res = e.importUnitsAs(w.ministry, file, "")
	rep, _ = res.JSON["report"].(map[string]any)
	if res.Status != http.StatusOK || rep["created"] != 3.0 || rep["updated"] != 1.0 || rep["unchanged"] != 1.0 {
		t.Fatalf("import: %s", res)
	}
	abomey, err := e.app.FindFirstRecordByData("units", "name", "Commissariat central d'Abomey")
	if err != nil {
		t.Fatal(err)
	}
	zou, _ := e.app.FindFirstRecordByData("units", "name", "DDPR Zou")
	if abomey.GetString("parent") != zou.Id || !slices.Equal(abomey.GetStringSlice("communes"), []string{e.byCode("communes", "BJ1201").Id}) {
		t.Fatalf("Abomey: %v", abomey.FieldsData())
	}
	if got, _ := e.app.FindRecordById("units", w.ddprLittoral.Id); got.GetString("phone") != "+229 21 31 00 00" {
		t.Fatalf("phone not updated: %v", got.FieldsData())
	}

	// idempotent: the same file again changes nothing
	before = e.tableDigest("units")
	res = e.importUnitsAs(w.ministry, file, "")
	if rep, _ := res.JSON["report"].(map[string]any); res.Status != http.StatusOK || rep["unchanged"] != 5.0 {
		t.Fatalf("second import: %s", res)
	}
	if e.tableDigest("units") != before {
		t.Fatal("the second import changed units")
	}

	// an area moving between two commissariats of the file is not a
	// conflict on the way (released before it is given)
	swap := unitsHeader +
		"Commissariat central d'Abomey,commissariat,BJ12,DDPR Zou,BJ1203,,\n" +
		"Commissariat central de Bohicon,commissariat,BJ12,DDPR Zou,BJ1201,,\n"
	if res := e.importUnitsAs(w.ministry, swap, ""); res.Status != http.StatusOK {
		t.Fatalf("swap: %s", res)
	}
	abomey, _ = e.app.FindRecordById("units", abomey.Id)
	if !slices.Equal(abomey.GetStringSlice("communes"), []string{e.byCode("communes", "BJ1203").Id}) {
		t.Fatalf("swap not applied: %v", abomey.FieldsData())
	}

	// only the ministry (and superusers) import units
	for _, as := range []*core.Record{w.directorLittoral, w.commanderCotonou, w.adminA, nil} {
		if res := e.importUnitsAs(as, file, ""); res.Status < 400 || res.Status >= 500 {
			t.Errorf("%v: %s", as, res)
		}
	}
}

// A refused file changes nothing and names every line at fault.
func TestUnitsImportRefusesBadFiles(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	cases := []struct {
		name, file string
		want       []string // line:field:code
	}{
		{"wrong header", "nom,type,departement\nX,directorate,BJ12\n", []string{"1::invalid_header"}},
		{"semicolons", strings.ReplaceAll(unitsHeader, ",", ";") + "DDPR Zou;directorate;BJ12;;;;\n", []string{"1::wrong_separator"}},
		{"latin-1", unitsHeader + "DDPR Zou,directorate,BJ12,,,,\nCommissariat de Bohicon \xe9,commissariat,BJ12,DDPR Zou,BJ1203,,\n", []string{"3::invalid_encoding"}},
		{"unknown codes", unitsHeader + "DDPR Zou,directorate,BJ12,,,,\nCommissariat X,commissariat,BJ12,DDPR Zou,BJ1299,,\nCommissariat Y,commissariat,BJ12,DDPR Nulle part,BJ1202,,\n",
			[]string{"3:communes:unknown_code", "4:parent:unknown_code"}},
		{"stored coverage conflict", unitsHeader + "DDPR Zou,directorate,BJ12,,,,\nCommissariat bis de Cotonou,commissariat,BJ08,DDPR Littoral,BJ0800,,\n",
			[]string{"3:communes:coverage_conflict"}},
		{"in-file coverage conflict", unitsHeader + "DDPR Zou,directorate,BJ12,,,,\nA,commissariat,BJ12,DDPR Zou,BJ1201,,\nB,commissariat,BJ12,DDPR Zou,BJ1201,,\n",
			[]string{"4:communes:coverage_conflict"}},
		{"second directorate", unitsHeader + "DDPR Littoral bis,directorate,BJ08,,,,\n", []string{"2:departement:duplicate_directorate"}},
		{"parent in another département", unitsHeader + "Commissariat de Ouidah bis,commissariat,BJ03,DDPR Littoral,,,\n", []string{"2:parent:invalid_parent"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := e.tableDigest("units", "assignments")
			res := e.importUnitsAs(w.ministry, c.file, "")
			if res.Status != http.StatusBadRequest || res.code() != "import_refused" {
				t.Fatalf("got %s", res)
			}
			if got := importedProblems(res); !slices.Equal(got, c.want) {
				t.Errorf("problems %v, want %v\n%s", got, c.want, res)
			}
			if e.tableDigest("units", "assignments") != before {
				t.Error("a refused file changed the units")
			}
		})
	}
	// each problem is said in French, with the English detail beside it
	res := e.importUnitsAs(w.ministry, cases[3].file, "")
	p := res.JSON["data"].(map[string]any)["problems"].([]any)[0].(map[string]any)
	if p["message"] != "Code inconnu." || !strings.Contains(p["detail"].(string), "BJ1299") {
		t.Errorf("problem wording: %v", p)
	}
}

// importAccountsAs posts an accounts file to the import endpoint.
func (e *env) importAccountsAs(as *core.Record, file string) response {
	e.t.Helper()
	return e.do("POST", "/api/import/accounts", as, file)
}

func credentialsOf(res response) map[string]map[string]any {
	out := map[string]map[string]any{}
	list, _ := res.JSON["credentials"].([]any)
	for _, c := range list {
		m := c.(map[string]any)
		out[m["login"].(string)] = m
	}
	return out
}

func TestAccountsImport(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	file := accountsHeader +
		"Agent Houénou,97 11 22 33,,officer,,Commissariat central de Cotonou\n" +
		"Commandant Dossou,+22901 97 11 22 34,dossou@police.bj,commander,,commissariat central d'abomey-calavi\n" +
		"Agent sans téléphone,,agent.nophone@police.bj,officer,,Commissariat central de Ouidah\n" +
		// an existing account, found by its e-mail: its name and unit change, its password stays
		"Agent renommé,," + w.officerCalavi.Email() + ",officer,,Commissariat central de Ouidah\n"

	res := e.importAccountsAs(w.ministry, file)
	rep, _ := res.JSON["report"].(map[string]any)
	if res.Status != http.StatusOK || rep["created"] != 3.0 || rep["updated"] != 1.0 {
		t.Fatalf("import: %s", res)
	}
	if res.Body != nil && bytes.Contains(res.Body, []byte("$2a$")) {
		t.Fatal("the answer carries a password hash")
	}
	creds := credentialsOf(res)
	if len(creds) != 3 || creds["+22997112233"] == nil || creds["+2290197112234"] == nil || creds["agent.nophone@police.bj"] == nil {
		t.Fatalf("credentials: %v", creds)
	}
	// every new account signs in with its initial password, by its phone
	// in local form too, and must change it
	for login, c := range creds {
		identity := login
		if strings.HasPrefix(login, "+229") {
			identity = strings.TrimPrefix(login, "+229")
		}
		in := e.do("POST", "/api/collections/users/auth-with-password", nil, map[string]any{"identity": identity, "password": c["password"]})
		if in.Status != http.StatusOK {
			t.Fatalf("sign-in of %s: %s", login, in)
		}
		rec := in.JSON["record"].(map[string]any)
		if rec["must_change_password"] != true {
			t.Errorf("%s: must_change_password %v", login, rec["must_change_password"])
		}
	}
	houenou, err := e.app.FindFirstRecordByData("users", "phone", "+22997112233")
	if err != nil || houenou.GetString("unit") != w.comCotonou.Id || houenou.GetString("role") != "officer" || houenou.GetString("party") != "" ||
		houenou.Email() != onboard.PlaceholderEmail("+22997112233") {
		t.Fatalf("Houénou: %v %v", houenou, err)
	}
	renamed, _ := e.app.FindRecordById("users", w.officerCalavi.Id)
	if renamed.GetString("name") != "Agent renommé" || renamed.GetString("unit") != w.comOuidah.Id || !renamed.ValidatePassword(testPassword) || renamed.GetBool("must_change_password") {
		t.Fatalf("existing account: %v", renamed.FieldsData())
	}

	// idempotent by phone: the same file again changes nothing, no new
	// password is drawn, the first ones still work
	before := e.tableDigest("users")
	res = e.importAccountsAs(w.ministry, file)
	if rep, _ := res.JSON["report"].(map[string]any); res.Status != http.StatusOK || rep["unchanged"] != 4.0 || len(credentialsOf(res)) != 0 {
		t.Fatalf("second import: %s", res)
	}
	if e.tableDigest("users") != before {
		t.Fatal("the second import changed accounts (or passwords)")
	}

	// the ministry imports police accounts only; a party_admin its own
	// party's organizers only: the users' REST rules, row by row
	for _, c := range []struct {
		name string
		as   *core.Record
		file string
		want []string
	}{
		{"ministry creates an organizer", w.ministry, accountsHeader + "Organisateur,97 55 00 01,,organizer,PA,\n", []string{"2::forbidden"}},
		{"ministry creates a ministry account", w.ministry, accountsHeader + "Ministère bis,97 55 00 02,,ministry,,\n", []string{"2::forbidden"}},
		{"party_admin creates an officer", w.adminA, accountsHeader + "Agent,97 55 00 03,,officer,,Commissariat central de Cotonou\n", []string{"2::forbidden"}},
		{"party_admin creates another party's organizer", w.adminA, accountsHeader + "Organisateur PB,97 55 00 04,,organizer,PB,\n", []string{"2::forbidden"}},
		{"party_admin renames another party's organizer", w.adminA, accountsHeader + "Volé,," + w.orgB.Email() + ",organizer,PB,\n", []string{"2::not_found"}},
		{"duplicate phones", w.adminA, accountsHeader + "Un,97 55 00 05,,organizer,PA,\nDeux,+229 97550005,,organizer,PA,\n", []string{"3:phone:duplicate"}},
		{"unknown party and unit", w.ministry, accountsHeader + "Agent,97 55 00 06,,officer,,Commissariat imaginaire\n", []string{"2:unit:unknown_code"}},
		{"wrong separator", w.ministry, "name;phone;email;role;party;unit\nA;97550007;;officer;;X\n", []string{"1::wrong_separator"}},
	} {
		before := e.tableDigest("users")
		res := e.importAccountsAs(c.as, c.file)
		if res.Status != http.StatusBadRequest || res.code() != "import_refused" || !slices.Equal(importedProblems(res), c.want) {
			t.Errorf("%s: got %v, want %v\n%s", c.name, importedProblems(res), c.want, res)
		}
		if e.tableDigest("users") != before {
			t.Errorf("%s: a refused file changed accounts", c.name)
		}
	}

	// a party_admin imports its organizers
	res = e.importAccountsAs(w.adminA, accountsHeader+"Organisatrice Adjovi,96 00 00 01,,organizer,PA,\n")
	if rep, _ := res.JSON["report"].(map[string]any); res.Status != http.StatusOK || rep["created"] != 1.0 || len(credentialsOf(res)) != 1 {
		t.Fatalf("party_admin import: %s", res)
	}
	// officers and directors import nothing
	for _, as := range []*core.Record{w.officerCotonou, w.directorLittoral, w.orgA} {
		if res := e.importAccountsAs(as, accountsHeader+"X,96 00 00 02,,organizer,PA,\n"); res.Status != http.StatusBadRequest || res.code() != "forbidden" {
			t.Errorf("%s imports: %s", as.GetString("role"), res)
		}
	}
}

// must_change_password is true exactly while somebody else chose the
// password, and no client sets it.
func TestMustChangePassword(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	res := e.importAccountsAs(w.ministry, accountsHeader+"Agent Zinsou,97 33 44 55,,officer,,Commissariat central de Cotonou\n")
	pw, _ := credentialsOf(res)["+22997334455"]["password"].(string)
	if pw == "" {
		t.Fatalf("import: %s", res)
	}
	zinsou, _ := e.app.FindFirstRecordByData("users", "phone", "+22997334455")

	// the account may not clear the flag by hand
	if res := e.do("PATCH", "/api/collections/users/records/"+zinsou.Id, zinsou, map[string]any{"must_change_password": false}); res.Status != http.StatusBadRequest || res.code() != "server_field" {
		t.Fatalf("clearing the flag by hand: %s", res)
	}
	// choosing its own password clears it
	res = e.do("PATCH", "/api/collections/users/records/"+zinsou.Id, zinsou, map[string]any{"oldPassword": pw, "password": "mon-mot-de-passe-1", "passwordConfirm": "mon-mot-de-passe-1"})
	if res.Status != http.StatusOK || res.JSON["must_change_password"] != false {
		t.Fatalf("own password: %s", res)
	}
	// the ministry resetting it sets it again
	res = e.do("PATCH", "/api/collections/users/records/"+zinsou.Id, w.ministry, map[string]any{"password": "provisoire-2026", "passwordConfirm": "provisoire-2026"})
	if res.Status != http.StatusOK {
		t.Fatalf("reset: %s", res)
	}
	if got, _ := e.app.FindRecordById("users", zinsou.Id); !got.GetBool("must_change_password") {
		t.Fatal("a reset password is not to be changed")
	}
	// an account created over REST by its manager starts with it too
	res = e.do("POST", "/api/collections/users/records", w.adminA, map[string]any{"name": "Org", "email": "org.new@test.bj", "password": "provisoire-2026",
		"passwordConfirm": "provisoire-2026", "role": "organizer", "party": w.partyA.Id})
	if res.Status != http.StatusOK || res.JSON["must_change_password"] != true {
		t.Fatalf("REST create: %s", res)
	}
	// nor may a manager set it by hand
	if res := e.do("POST", "/api/collections/users/records", w.adminA, map[string]any{"name": "Org", "email": "org.new2@test.bj", "password": "provisoire-2026",
		"passwordConfirm": "provisoire-2026", "role": "organizer", "party": w.partyA.Id, "must_change_password": true}); res.Status != http.StatusBadRequest || res.code() != "server_field" {
		t.Fatalf("REST create with the flag: %s", res)
	}
}

// The country's units built from the reference data: a directorate per
// département, a commissariat central per commune (coverage at commune
// level), and a commissariat d'arrondissement wherever OpenStreetMap has a
// police station (an assumption, SOURCES.md: no official list exists).
// Every one of the 546 arrondissements then has a lead unit, the station's
// where there is one.
func TestUnitsImportBuildsTheCountry(t *testing.T) {
	sharedData(t)
	e := newEnv(t)
	e.importBenin()
	ministry := e.save("users", map[string]any{"email": "ministere@test.bj", "password": testPassword, "name": "Ministère", "role": "ministry"})

	var buf bytes.Buffer
	cw := csv.NewWriter(&buf)
	_ = cw.Write(strings.Split(strings.TrimSpace(unitsHeader), ","))
	depName := map[string]string{}
	for _, d := range geoCSV(t, "departements.csv") {
		depName[d["code"]] = d["name"]
		_ = cw.Write([]string{"DDPR " + d["name"], "directorate", d["code"], "", "", "", ""})
	}
	communeName := map[string]string{}
	for _, c := range geoCSV(t, "communes.csv") {
		communeName[c["code"]] = c["name"]
		_ = cw.Write([]string{"Commissariat central de " + c["name"], "commissariat", c["parent_code"], "DDPR " + depName[c["parent_code"]], c["code"], "", ""})
	}
	arrName := map[string]string{}
	for _, a := range geoCSV(t, "arrondissements.csv") {
		arrName[a["code"]] = a["name"]
	}
	stations := map[string]bool{} // arrondissement code → has a station
	for _, s := range geoCSV(t, "police_osm_2019.csv") {
		code := s["arrondissement_code"]
		if s["in_benin"] != "1" || code == "" || stations[code] {
			continue
		}
		stations[code] = true
		dep, com := s["departement_code"], s["commune_code"]
		_ = cw.Write([]string{fmt.Sprintf("Commissariat de %s (%s)", arrName[code], communeName[com]), "commissariat", dep,
			"DDPR " + depName[dep], "", code, ""})
	}
	cw.Flush()
	if len(stations) < 50 {
		t.Fatalf("only %d arrondissements with a police station: the reference data changed", len(stations))
	}

	res := e.importUnitsAs(ministry, buf.String(), "")
	rep, _ := res.JSON["report"].(map[string]any)
	want := float64(12 + 77 + len(stations))
	if res.Status != http.StatusOK || rep["created"] != want {
		t.Fatalf("import of %v units: %s", want, res)
	}
	t.Logf("%d units: 12 directorates, 77 commissariats centraux, %d commissariats d'arrondissement", int(want), len(stations))

	units := map[string]*core.Record{}
	all, _ := e.app.FindAllRecords("units")
	for _, u := range all {
		units[u.Id] = u
	}
	arrs, _ := e.app.FindAllRecords("arrondissements")
	if len(arrs) != 546 {
		t.Fatalf("%d arrondissements", len(arrs))
	}
	for _, a := range arrs {
		code := a.GetString("code")
		res := e.do("GET", resolveURL("arrondissement="+code), ministry, nil)
		lead, _ := res.JSON["lead_unit"].(map[string]any)
		id, _ := lead["id"].(string)
		u := units[id]
		if res.Status != http.StatusOK || u == nil {
			t.Errorf("%s: no lead unit: %s", code, res)
			continue
		}
		if stations[code] != slices.Contains(u.GetStringSlice("arrondissements"), a.Id) {
			t.Errorf("%s (station %v) is led by %q", code, stations[code], u.GetString("name"))
		}
	}

	// the same file again is a no-op
	res = e.importUnitsAs(ministry, buf.String(), "")
	if rep, _ := res.JSON["report"].(map[string]any); rep["unchanged"] != want {
		t.Fatalf("second import: %s", res)
	}
}
