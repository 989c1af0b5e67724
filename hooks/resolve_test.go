package hooks_test

import (
	"fmt"
	"net/http"
	"net/url"
	"testing"
	"time"
)

// resolveURL is GET /api/jurisdiction/resolve with the given query.
func resolveURL(query string) string { return "/api/jurisdiction/resolve?" + query }

func pointQuery(lat, lon string) string {
	return url.Values{"lat": {lat}, "lon": {lon}}.Encode()
}

// divisionCode is the code of one level of a resolve answer.
func divisionCode(r response, level string) string {
	d, _ := r.JSON[level].(map[string]any)
	s, _ := d["code"].(string)
	return s
}

func resolvedUnit(r response, key string) string {
	u, _ := r.JSON[key].(map[string]any)
	s, _ := u["id"].(string)
	return s
}

func TestResolveEveryArrondissementInnerPoint(t *testing.T) {
	e := newEnv(t)
	e.importBenin()
	w := e.world()

	// one account per level: each stays under the per-account rate limit
	levels := []struct {
		file, level string
		parents     map[string]string // level of the answer → CSV column
		user        *recordT
	}{
		{"arrondissements.csv", "arrondissement", map[string]string{"commune": "parent_code", "departement": "departement_code"}, w.orgA},
		{"communes.csv", "commune", map[string]string{"departement": "parent_code"}, w.officerCotonou},
		{"departements.csv", "departement", nil, w.ministry},
	}
	for _, l := range levels {
		user := l.user
		rows := geoCSV(t, l.file)
		ok := 0
		start := time.Now()
		for _, row := range rows {
			res := e.do("GET", resolveURL(pointQuery(row["inner_lat"], row["inner_lon"])), user, nil)
			if res.Status != http.StatusOK {
				t.Errorf("%s %s (%s): %s", l.level, row["code"], row["name"], res)
				continue
			}
			good := divisionCode(res, l.level) == row["code"]
			for level, col := range l.parents {
				good = good && divisionCode(res, level) == row[col]
			}
			if !good {
				t.Errorf("inner point of %s %s (%s) resolved to %s/%s/%s", l.level, row["code"], row["name"],
					divisionCode(res, "departement"), divisionCode(res, "commune"), divisionCode(res, "arrondissement"))
				continue
			}
			ok++
		}
		took := time.Since(start)
		t.Logf("%s inner points: %d/%d resolved to their own code through GET /api/jurisdiction/resolve in %v (%v per request)",
			l.level, ok, len(rows), took, took/time.Duration(len(rows)))
		if ok != len(rows) {
			t.Errorf("%s: %d/%d inner points resolved to their own code", l.level, ok, len(rows))
		}
	}
}

func TestResolveOutsideTerritory(t *testing.T) {
	e := newEnv(t)
	e.importBenin()
	user := e.world().orgA
	for _, p := range []struct{ name, lat, lon string }{
		{"Lagos", "6.45", "3.39"},
		{"Lomé", "6.13", "1.22"},
		{"Niamey", "13.51", "2.11"},
		{"Gulf of Guinea", "5.5", "2.0"},
		{"Ouagadougou", "12.37", "-1.52"},
		{"null island", "0", "0"},
		{"antipode", "-6.4", "-177.6"},
	} {
		res := e.do("GET", resolveURL(pointQuery(p.lat, p.lon)), user, nil)
		if res.Status != http.StatusBadRequest || res.code() != "outside_territory" {
			t.Errorf("%s (%s, %s): %s, want 400 outside_territory", p.name, p.lat, p.lon, res)
		}
	}
}

func TestResolveRejectsBadInput(t *testing.T) {
	e := newEnv(t)
	w := e.world()

	// before any import: codes resolve from the seed, points cannot
	res := e.do("GET", resolveURL("lat=6.37&lon=2.42"), w.orgA, nil)
	if res.Status != http.StatusBadRequest || res.code() != "no_boundaries" {
		t.Errorf("point without boundaries: %s, want 400 no_boundaries", res)
	}
	if res := e.do("GET", resolveURL("commune=BJ0800"), w.orgA, nil); res.Status != http.StatusOK || resolvedUnit(res, "lead_unit") != w.comCotonou.Id {
		t.Errorf("commune without boundaries: %s", res)
	}

	// The import is seen at once, although the geography was cached by the
	// request above: writes to the reference collections drop the cache.
	e.importBenin()
	if res := e.do("GET", resolveURL("lat=6.37&lon=2.42"), w.orgA, nil); res.Status != http.StatusOK || divisionCode(res, "commune") != "BJ0800" {
		t.Errorf("point right after the import: %s", res)
	}
	arr := geoCSV(t, "arrondissements.csv")[0]["code"]
	for _, c := range []struct{ query, code string }{
		{"lat=abc&lon=2.42", "invalid_point"},
		{"lat=6.37&lon=abc", "invalid_point"},
		{"lat=91&lon=2.42", "invalid_point"},
		{"lat=-90.5&lon=2.42", "invalid_point"},
		{"lat=6.37&lon=181", "invalid_point"},
		{"lat=NaN&lon=2.42", "invalid_point"},
		{"lat=Inf&lon=2.42", "invalid_point"},
		{"lat=1e400&lon=2.42", "invalid_point"},
		{"lat=0x10&lon=2.42", "invalid_point"},
		{"lat=6,37&lon=2,42", "invalid_point"},
		{"lat=6.37", "invalid_point"},
		{"lon=2.42", "invalid_point"},
		{"lat=&lon=", "invalid_point"},
		{"lat=6.37&lat=7&lon=2.42&lon=3", ""}, // first values win: a valid point
		{"", "location_required"},
		{"foo=bar", "location_required"},
		{"commune=", "unknown_commune"},
		{"commune=BJ9999", "unknown_commune"},
		{"commune=" + arr, "unknown_commune"}, // an arrondissement code is not a commune
		{"arrondissement=BJ0800", "unknown_arrondissement"},
		{"arrondissement=%27%20OR%201=1--", "unknown_arrondissement"},
		{"commune=" + url.QueryEscape(string(make([]byte, 5000))), "unknown_commune"},
	} {
		res := e.do("GET", resolveURL(c.query), w.orgA, nil)
		switch {
		case c.code == "" && res.Status != http.StatusOK:
			t.Errorf("?%.60s: %s, want 200", c.query, res)
		case c.code != "" && (res.Status != http.StatusBadRequest || res.code() != c.code):
			t.Errorf("?%.60s: %s, want 400 %s", c.query, res, c.code)
		case c.code != "" && res.JSON["message"] == "":
			t.Errorf("?%.60s: no message: %s", c.query, res)
		}
	}

	// only signed-in users
	for _, q := range []string{"lat=6.37&lon=2.42", "commune=BJ0800", "lat=abc"} {
		if res := e.do("GET", resolveURL(q), nil, nil); res.Status != http.StatusUnauthorized {
			t.Errorf("guest ?%s: %s, want 401", q, res)
		}
		if res := e.doToken("GET", resolveURL(q), "not-a-token", nil); res.Status != http.StatusUnauthorized {
			t.Errorf("bad token ?%s: %s, want 401", q, res)
		}
	}
	// every role may ask
	for _, u := range []*recordT{w.orgA, w.adminB, w.officerCotonou, w.commanderCalavi, w.directorAtlantique, w.ministry} {
		if res := e.do("GET", resolveURL("lat=6.37&lon=2.42"), u, nil); res.Status != http.StatusOK {
			t.Errorf("%s: %s", u.GetString("role"), res)
		}
	}
}

func TestResolveReturnsUnits(t *testing.T) {
	e := newEnv(t)
	e.importBenin()
	w := e.world()
	communes := map[string]map[string]string{}
	for _, row := range geoCSV(t, "communes.csv") {
		communes[row["code"]] = row
	}
	inner := func(code string) string { return pointQuery(communes[code]["inner_lat"], communes[code]["inner_lon"]) }

	// an arrondissement commissariat in Cotonou, beside the commune one
	var cotonouArr string
	for _, row := range geoCSV(t, "arrondissements.csv") {
		if row["parent_code"] == "BJ0800" {
			cotonouArr = row["code"]
			break
		}
	}
	arrRow := map[string]string{}
	for _, row := range geoCSV(t, "arrondissements.csv") {
		if row["code"] == cotonouArr {
			arrRow = row
		}
	}
	comArr := e.save("units", map[string]any{"name": "Commissariat du " + arrRow["name"], "kind": "commissariat",
		"departement": w.depLittoral.Id, "parent": w.ddprLittoral.Id, "arrondissements": []string{e.byCode("arrondissements", cotonouArr).Id}})

	for _, c := range []struct {
		name, query          string
		lead, directorate    string
		uncovered            bool
		departement, commune string
	}{
		{"Cotonou inner point", inner("BJ0800"), w.comCotonou.Id, w.ddprLittoral.Id, false, "BJ08", "BJ0800"},
		{"Cotonou by code", "commune=BJ0800", w.comCotonou.Id, w.ddprLittoral.Id, false, "BJ08", "BJ0800"},
		{"arrondissement of Cotonou with its own commissariat", pointQuery(arrRow["inner_lat"], arrRow["inner_lon"]), comArr.Id, w.ddprLittoral.Id, false, "BJ08", "BJ0800"},
		{"the same by code", "arrondissement=" + cotonouArr, comArr.Id, w.ddprLittoral.Id, false, "BJ08", "BJ0800"},
		{"Abomey-Calavi", inner("BJ0301"), w.comCalavi.Id, w.ddprAtlantique.Id, false, "BJ03", "BJ0301"},
		{"Ouidah", inner("BJ0304"), w.comOuidah.Id, w.ddprAtlantique.Id, false, "BJ03", "BJ0304"},
		{"Allada: no commissariat, the directorate leads", inner("BJ0302"), w.ddprAtlantique.Id, w.ddprAtlantique.Id, true, "BJ03", "BJ0302"},
		{"Parakou: no unit at all", inner("BJ0405"), "", "", true, "BJ04", "BJ0405"},
		{"Parakou by code", "commune=BJ0405", "", "", true, "BJ04", "BJ0405"},
	} {
		res := e.do("GET", resolveURL(c.query), w.orgB, nil)
		if res.Status != http.StatusOK {
			t.Errorf("%s: %s", c.name, res)
			continue
		}
		got := fmt.Sprint(resolvedUnit(res, "lead_unit"), " ", resolvedUnit(res, "directorate"), " ", res.JSON["uncovered"], " ",
			divisionCode(res, "departement"), " ", divisionCode(res, "commune"))
		want := fmt.Sprint(c.lead, " ", c.directorate, " ", c.uncovered, " ", c.departement, " ", c.commune)
		if got != want {
			t.Errorf("%s: got %s, want %s\n%s", c.name, got, want, res)
		}
	}
	// the answer carries names and kinds for display
	res := e.do("GET", resolveURL(inner("BJ0800")), w.orgA, nil)
	lead, _ := res.JSON["lead_unit"].(map[string]any)
	dep, _ := res.JSON["departement"].(map[string]any)
	if lead["name"] != "Commissariat central de Cotonou" || lead["kind"] != "commissariat" || dep["name"] != "Littoral" || dep["id"] != w.depLittoral.Id {
		t.Errorf("names: %s", res)
	}
}
