package hooks_test

import (
	"bytes"
	"coprosec/hooks/geoimport"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/tools/types"
)

// geoLayers are the reference layers, coarsest first (the import order).
var geoLayers = []string{"departements", "communes", "arrondissements"}

// geoImport imports files into e in order, failing the test on error.
func (e *env) geoImport(paths ...string) []geoimport.Report {
	e.t.Helper()
	var out []geoimport.Report
	for _, p := range paths {
		r, err := geoimport.Import(e.app, p)
		if err != nil {
			e.t.Fatalf("import %s: %v", p, err)
		}
		out = append(out, r)
	}
	return out
}

// importBenin imports the three GeoJSON layers of ../shared/data/benin.
func (e *env) importBenin() []geoimport.Report {
	e.t.Helper()
	return e.geoImport(beninPaths(e.t, "geojson")...)
}

// beninPaths are the files of the reference layers with extension ext,
// coarsest first.
func beninPaths(t testing.TB, ext string) []string {
	dir := sharedData(t)
	var paths []string
	for _, l := range geoLayers {
		paths = append(paths, filepath.Join(dir, l+"."+ext))
	}
	return paths
}

// geoCSV reads one CSV of the reference data as maps keyed by header.
func geoCSV(t testing.TB, name string) []map[string]string {
	t.Helper()
	f, err := os.Open(filepath.Join(sharedData(t), name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil || len(rows) < 2 {
		t.Fatalf("%s: %d rows, %v", name, len(rows), err)
	}
	out := make([]map[string]string, 0, len(rows)-1)
	for _, r := range rows[1:] {
		m := map[string]string{}
		for i, h := range rows[0] {
			m[h] = r[i]
		}
		out = append(out, m)
	}
	return out
}

// geoSnapshot is every reference and boundary row (id → code, name,
// parents, center, updated) plus the size of the sync change log: two
// equal snapshots mean an import wrote nothing.
func (e *env) geoSnapshot() map[string]string {
	e.t.Helper()
	out := map[string]string{}
	queries := map[string]string{
		"departements":    `SELECT id, code || '|' || name || '|' || iso || '|' || center || '|' || updated AS v FROM departements`,
		"communes":        `SELECT id, code || '|' || name || '|' || departement || '|' || center || '|' || updated AS v FROM communes`,
		"arrondissements": `SELECT id, code || '|' || name || '|' || commune || '|' || departement || '|' || center || '|' || updated AS v FROM arrondissements`,
		"boundaries":      `SELECT id, level || '|' || code || '|' || length(geometry) || '|' || source || '|' || updated AS v FROM boundaries`,
	}
	for c, q := range queries {
		var rows []struct{ ID, V string }
		if err := e.app.DB().NewQuery(q).All(&rows); err != nil {
			e.t.Fatalf("snapshot %s: %v", c, err)
		}
		for _, r := range rows {
			out[c+"/"+r.ID] = r.V
		}
	}
	var n struct{ N int }
	if err := e.app.DB().NewQuery(`SELECT COUNT(*) AS n FROM _sync_log`).One(&n); err != nil {
		e.t.Fatalf("snapshot _sync_log: %v", err)
	}
	out["_sync_log"] = fmt.Sprint(n.N)
	return out
}

// snapshotDiff describes up to five differences between two snapshots.
func snapshotDiff(a, b map[string]string) string {
	var diffs []string
	for k, v := range a {
		if b[k] != v {
			diffs = append(diffs, fmt.Sprintf("%s: %q → %q", k, v, b[k]))
		}
	}
	for k, v := range b {
		if _, ok := a[k]; !ok {
			diffs = append(diffs, fmt.Sprintf("%s: new %q", k, v))
		}
	}
	slices.Sort(diffs)
	n := len(diffs)
	if n > 5 {
		diffs = append(diffs[:5], "…")
	}
	return fmt.Sprintf("%d differences: %s", n, strings.Join(diffs, "; "))
}

func (e *env) geoCount(collection string, filter string) int {
	e.t.Helper()
	n, err := e.app.CountRecords(collection)
	if filter != "" {
		var row struct{ N int }
		err = e.app.DB().NewQuery(`SELECT COUNT(*) AS n FROM ` + collection + ` WHERE ` + filter).One(&row)
		n = int64(row.N)
	}
	if err != nil {
		e.t.Fatal(err)
	}
	return int(n)
}

// codesByID maps record ids of a reference collection to their codes.
func (e *env) codesByID(collection string) map[string]string {
	e.t.Helper()
	var rows []struct{ ID, Code string }
	if err := e.app.DB().NewQuery(`SELECT id, code FROM ` + collection).All(&rows); err != nil {
		e.t.Fatal(err)
	}
	out := map[string]string{}
	for _, r := range rows {
		out[r.ID] = r.Code
	}
	return out
}

func TestGeoImportBeninLayers(t *testing.T) {
	dir := sharedData(t)
	e := newEnv(t)
	// The embedded seed holds the 12 départements and 77 communes, without
	// polygons or centers; arrondissements come only from an import.
	if d, c, a := e.geoCount("departements", ""), e.geoCount("communes", ""), e.geoCount("arrondissements", ""); d != 12 || c != 77 || a != 0 {
		t.Fatalf("seed: %d/%d/%d", d, c, a)
	}

	want := map[string]int{"departements": 12, "communes": 77, "arrondissements": 546}
	for _, layer := range geoLayers {
		start := time.Now()
		rep := e.geoImport(filepath.Join(dir, layer+".geojson"))[0]
		took := time.Since(start)
		t.Logf("import %s.geojson: %s in %v", layer, rep, took)
		if rep.Layout != "coprosec" || rep.Level+"s" != layer || rep.Features != want[layer] {
			t.Errorf("%s: report %+v", layer, rep)
		}
		// seeded levels gain their polygon and center; arrondissements are new
		if layer == "arrondissements" {
			if rep.Created != 546 || rep.Updated != 0 || rep.Unchanged != 0 {
				t.Errorf("arrondissements: %s", rep)
			}
			if took > time.Minute {
				t.Errorf("importing 546 arrondissements took %v, want < 60 s", took)
			}
		} else if rep.Created != 0 || rep.Updated != want[layer] {
			t.Errorf("%s: %s, want the %d seeded records updated", layer, rep, want[layer])
		}
	}

	for layer, n := range want {
		if got := e.geoCount(layer, ""); got != n {
			t.Errorf("%s: %d records, want %d", layer, got, n)
		}
		level := strings.TrimSuffix(layer, "s")
		if got := e.geoCount("boundaries", "level = '"+level+"' AND length(geometry) > 100 AND source = '"+layer+".geojson'"); got != n {
			t.Errorf("boundaries of level %s: %d rows, want %d", level, got, n)
		}
		if got := e.geoCount(layer, "center IS NOT NULL AND json_extract(center, '$.lat') BETWEEN 6 AND 12.5 AND json_extract(center, '$.lon') BETWEEN 0.7 AND 3.9"); got != n {
			t.Errorf("%s: %d records with a center in Benin, want %d", layer, got, n)
		}
	}

	deps, coms := e.codesByID("departements"), e.codesByID("communes")
	for _, row := range geoCSV(t, "departements.csv") {
		r := e.byCode("departements", row["code"])
		if r.GetString("name") != row["name"] || r.GetString("iso") != row["iso_3166_2"] {
			t.Errorf("département %s: %q %q, want %q %q", row["code"], r.GetString("name"), r.GetString("iso"), row["name"], row["iso_3166_2"])
		}
	}
	for _, row := range geoCSV(t, "communes.csv") {
		r := e.byCode("communes", row["code"])
		if r.GetString("name") != row["name"] || deps[r.GetString("departement")] != row["parent_code"] {
			t.Errorf("commune %s: %q in %s, want %q in %s", row["code"], r.GetString("name"), deps[r.GetString("departement")], row["name"], row["parent_code"])
		}
	}
	arrs, err := e.app.FindAllRecords("arrondissements")
	if err != nil {
		t.Fatal(err)
	}
	byCode := map[string]*recordT{}
	for _, r := range arrs {
		byCode[r.GetString("code")] = r
	}
	ok := 0
	for _, row := range geoCSV(t, "arrondissements.csv") {
		r := byCode[row["code"]]
		if r == nil {
			t.Errorf("arrondissement %s (%s) missing", row["code"], row["name"])
			continue
		}
		com, dep := coms[r.GetString("commune")], deps[r.GetString("departement")]
		center, _ := r.Get("center").(types.GeoPoint)
		inBBox := center.Lon >= mustFloat(t, row["min_lon"]) && center.Lon <= mustFloat(t, row["max_lon"]) &&
			center.Lat >= mustFloat(t, row["min_lat"]) && center.Lat <= mustFloat(t, row["max_lat"])
		if r.GetString("name") != row["name"] || com != row["parent_code"] || dep != row["departement_code"] || !inBBox {
			t.Errorf("arrondissement %s: %q in %s/%s center %v, want %q in %s/%s inside its bbox",
				row["code"], r.GetString("name"), com, dep, center, row["name"], row["parent_code"], row["departement_code"])
			continue
		}
		ok++
	}
	t.Logf("%d/546 arrondissements with the right name, commune, département and center", ok)
	if ok != 546 {
		t.Errorf("%d/546 arrondissements correct", ok)
	}
}

func mustFloat(t testing.TB, s string) float64 {
	t.Helper()
	var f float64
	if _, err := fmt.Sscan(s, &f); err != nil {
		t.Fatalf("not a number: %q", s)
	}
	return f
}

func TestGeoImportIsIdempotent(t *testing.T) {
	e := newEnv(t)
	e.importBenin()
	time.Sleep(5 * time.Millisecond) // any rewrite would show in `updated`
	e.geoImportChangesNothing("second import", beninPaths(t, "geojson")...)
}

// geoImportChangesNothing imports paths and fails unless every file finds
// all its features unchanged and the database is as it was.
func (e *env) geoImportChangesNothing(what string, paths ...string) {
	e.t.Helper()
	before := e.geoSnapshot()
	for i, rep := range e.geoImport(paths...) {
		if rep.Created != 0 || rep.Updated != 0 || rep.Unchanged != rep.Features {
			e.t.Errorf("%s, %s: %s, want all unchanged", what, filepath.Base(paths[i]), rep)
		}
	}
	if after := e.geoSnapshot(); !sameSnapshot(before, after) {
		e.t.Errorf("%s changed the database: %s", what, snapshotDiff(before, after))
	}
}

func sameSnapshot(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// geoBoundariesFile rewrites a reference layer into geoBoundaries' own
// layout (shapeName, shapeID, shapeISO, shapeGroup, shapeType; no codes
// or parents) in dir. name and id give each feature's shapeName and shapeID
// from its original properties.
func geoBoundariesFile(t testing.TB, dir, layer, shapeType string, name, id func(props map[string]any) string) string {
	t.Helper()
	out := editedLayer(t, layer, func(features []any) {
		for _, f := range features {
			feat := f.(map[string]any)
			props := feat["properties"].(map[string]any)
			iso := "None"
			if s, ok := props["iso_3166_2"].(string); ok {
				iso = s
			}
			feat["properties"] = map[string]any{"shapeName": name(props), "shapeID": id(props),
				"shapeISO": iso, "shapeGroup": "BEN", "shapeType": shapeType}
		}
	})
	path := filepath.Join(dir, "geoBoundaries-BEN-"+shapeType+".geojson")
	if err := os.WriteFile(path, out, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// gbFiles builds geoBoundaries-layout ADM1, ADM2 and ADM3 files from the
// reference layers. ADM3 uses the raw geoBoundaries names (name_osm_raw:
// 250 of them have "?" for every accented letter, as upstream) and the
// real shapeIDs.
func gbFiles(t testing.TB) (adm1, adm2, adm3 string) {
	t.Helper()
	dir := t.TempDir()
	raw := map[string]string{}
	for _, row := range geoCSV(t, "arrondissements.csv") {
		raw[row["code"]] = row["name_osm_raw"]
	}
	str := func(k string) func(map[string]any) string {
		return func(p map[string]any) string { s, _ := p[k].(string); return s }
	}
	fakeID := func(prefix string) func(map[string]any) string {
		return func(p map[string]any) string { return prefix + strings.TrimPrefix(p["code"].(string), "BJ") }
	}
	adm1 = geoBoundariesFile(t, dir, "departements", "ADM1", str("name"), fakeID("99999991B"))
	adm2 = geoBoundariesFile(t, dir, "communes", "ADM2", str("name"), fakeID("99999992B"))
	adm3 = geoBoundariesFile(t, dir, "arrondissements", "ADM3",
		func(p map[string]any) string { return raw[p["code"].(string)] }, str("gb_shape_id"))
	return adm1, adm2, adm3
}

func TestGeoImportGeoBoundariesLayout(t *testing.T) {
	dir := sharedData(t)
	adm1, adm2, adm3 := gbFiles(t)
	rows := geoCSV(t, "arrondissements.csv")
	corrupted := 0
	for _, row := range rows {
		if strings.Contains(row["name_osm_raw"], "?") {
			corrupted++
		}
	}
	t.Logf("%d/546 geoBoundaries ADM3 names have '?' for accented letters", corrupted)

	t.Run("fresh", func(t *testing.T) {
		// Only the seeded départements and communes exist: the
		// geoBoundaries layers are matched to them by name, and the
		// arrondissements, which have no record yet, keep their shapeID
		// as code with parents derived spatially.
		e := newEnv(t)
		reps := e.geoImport(adm1, adm2)
		for i, rep := range reps {
			if rep.Layout != "geoboundaries" || rep.Created != 0 || rep.Updated != rep.Features {
				t.Errorf("ADM%d: %s, want every seeded record matched by name and updated", i+1, rep)
			}
		}
		start := time.Now()
		rep := e.geoImport(adm3)[0]
		t.Logf("ADM3 (geoBoundaries layout, spatial parents): %s in %v", rep, time.Since(start))
		if rep.Layout != "geoboundaries" || rep.Level != "arrondissement" || rep.Created != 546 {
			t.Errorf("ADM3: %s, want 546 created", rep)
		}
		if d, c := e.geoCount("departements", ""), e.geoCount("communes", ""); d != 12 || c != 77 {
			t.Errorf("ADM1/ADM2 created records: %d départements, %d communes", d, c)
		}
		deps, coms := e.codesByID("departements"), e.codesByID("communes")
		ok := 0
		for _, row := range rows {
			r, err := e.app.FindFirstRecordByData("arrondissements", "code", row["gb_shape_id"])
			if err != nil {
				t.Errorf("%s (%s): no record with code %s", row["code"], row["name"], row["gb_shape_id"])
				continue
			}
			com, dep := coms[r.GetString("commune")], deps[r.GetString("departement")]
			if com != row["parent_code"] || dep != row["departement_code"] || r.GetString("name") != row["name_osm_raw"] {
				t.Errorf("%s %s: %q in %s/%s, want %q in %s/%s", row["code"], row["gb_shape_id"], r.GetString("name"), com, dep,
					row["name_osm_raw"], row["parent_code"], row["departement_code"])
				continue
			}
			ok++
		}
		t.Logf("spatial parents: %d/546 arrondissements in the right commune and département", ok)
		if ok != 546 {
			t.Errorf("spatial parents: %d/546 right", ok)
		}
		// idempotent in this layout too
		e.geoImportChangesNothing("second geoBoundaries import", adm1, adm2, adm3)
	})

	t.Run("reference layers after it", func(t *testing.T) {
		// The official layer arriving after a geoBoundaries-only import
		// takes over the divisions that import created (by name, a "?"
		// standing for a lost letter, or by polygon) instead of adding
		// all 546 a second time: same ids, our codes and names.
		e := newEnv(t)
		e.geoImport(adm1, adm2, adm3)
		ids := map[string]string{} // shapeID → record id
		for _, row := range rows {
			r := e.byCode("arrondissements", row["gb_shape_id"])
			ids[row["gb_shape_id"]] = r.Id
		}
		rep := e.geoImport(beninPaths(t, "geojson")[2])[0]
		if rep.Created != 0 {
			t.Errorf("our arrondissements over geoBoundaries ones: %s, want none created", rep)
		}
		if n, b := e.geoCount("arrondissements", ""), e.geoCount("boundaries", "level = 'arrondissement'"); n != 546 || b != 546 {
			t.Errorf("%d arrondissements and %d polygons, want 546 of each", n, b)
		}
		for _, row := range rows {
			r := e.byCode("arrondissements", row["code"])
			if r.Id != ids[row["gb_shape_id"]] || r.GetString("name") != row["name"] {
				t.Errorf("%s: record %s %q, want the geoBoundaries record %s named %q", row["code"], r.Id, r.GetString("name"), ids[row["gb_shape_id"]], row["name"])
			}
		}
		e.geoImportChangesNothing("second import of the reference layers", beninPaths(t, "geojson")...)
	})

	t.Run("over the reference layers", func(t *testing.T) {
		// With our layers imported, every geoBoundaries feature is the
		// existing record of the same name (accents lost upstream as "?"
		// included) in the same spatially derived parent: nothing is
		// created, codes stay ours and good names are not degraded.
		e := newEnv(t)
		e.importBenin()
		e.geoImportChangesNothing("geoBoundaries import over the reference layers", adm1, adm2, adm3)
		if n := e.geoCount("arrondissements", ""); n != 546 {
			t.Errorf("%d arrondissements after the geoBoundaries import, want 546 (duplicates created)", n)
		}
	})

	t.Run("without parent polygons", func(t *testing.T) {
		// The CSV gives codes but no polygons: parents cannot be derived.
		e := newEnv(t)
		e.geoImport(filepath.Join(dir, "departements.csv"), filepath.Join(dir, "communes.csv"))
		before := e.geoSnapshot()
		_, err := geoimport.Import(e.app, adm3)
		if err == nil || !strings.Contains(err.Error(), "no commune polygons are imported yet") {
			t.Errorf("ADM3 without commune polygons: %v", err)
		}
		if after := e.geoSnapshot(); !sameSnapshot(before, after) {
			t.Errorf("failed import changed the database: %s", snapshotDiff(before, after))
		}
	})
}

// writeGeoFile writes content to dir/name and returns its path.
func writeGeoFile(t testing.TB, dir, name string, content []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, content, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// editedLayer returns the reference layer with edit applied to its
// decoded FeatureCollection, as JSON.
func editedLayer(t testing.TB, layer string, edit func(features []any)) []byte {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(sharedData(t), layer+".geojson"))
	if err != nil {
		t.Fatal(err)
	}
	var fc map[string]any
	if err := json.Unmarshal(raw, &fc); err != nil {
		t.Fatal(err)
	}
	edit(fc["features"].([]any))
	out, err := json.Marshal(fc)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func featureProps(f any) map[string]any { return f.(map[string]any)["properties"].(map[string]any) }

func TestGeoImportRejectsMalformedFiles(t *testing.T) {
	dir := t.TempDir()
	one := `{"type":"Feature","properties":{"code":"BJ0101-01","name":"Banikoara","parent_code":"BJ0101"},` +
		`"geometry":{"type":"Polygon","coordinates":[[[2.4,11.3],[2.5,11.3],[2.5,11.4],[2.4,11.3]]]}}`
	fc := func(features ...string) []byte {
		return []byte(`{"type":"FeatureCollection","features":[` + strings.Join(features, ",") + `]}`)
	}
	cases := []struct {
		name, file string
		content    []byte
		want       []string // fragments of the error message
	}{
		{"not JSON", "notjson.geojson", []byte("code,name\nBJ01,{oops"), []string{"notjson.geojson", "malformed GeoJSON"}},
		{"empty file", "empty.geojson", nil, []string{"empty.geojson", "malformed GeoJSON"}},
		{"truncated JSON", "truncated.geojson", fc(one)[:60], []string{"malformed GeoJSON"}},
		{"JSON array", "array.geojson", []byte(`[1,2,3]`), []string{"malformed GeoJSON"}},
		{"wrong type", "feature.geojson", []byte(one), []string{`type is "Feature", want "FeatureCollection"`}},
		{"no features", "nofeatures.geojson", fc(), []string{"has no features"}},
		{"wrong geometry type", "point.geojson",
			fc(strings.Replace(strings.Replace(one, `"Polygon"`, `"Point"`, 1), `[[[2.4,11.3],[2.5,11.3],[2.5,11.4],[2.4,11.3]]]`, `[2.4,11.3]`, 1)),
			[]string{"feature 0", `unsupported geometry type "Point"`}},
		{"missing name", "noname.geojson", fc(strings.Replace(one, `"name":"Banikoara",`, "", 1)),
			[]string{"feature 0", "missing property name"}},
		{"bad coordinates", "badcoords.geojson", fc(strings.Replace(one, "[2.5,11.4]", "[2.5,114]", 1)),
			[]string{"feature 0", "bad coordinates [2.5, 114]"}},
		{"unknown layout", "layout.geojson", fc(strings.Replace(one, `"code":"BJ0101-01","name":"Banikoara","parent_code":"BJ0101"`, `"NAME_3":"Banikoara"`, 1)),
			[]string{"unknown layout"}},
		{"300th feature broken", "arrondissements-300.geojson", editedLayer(t, "arrondissements", func(fs []any) {
			g := fs[299].(map[string]any)["geometry"].(map[string]any)
			g["coordinates"] = []any{[]any{[]any{2.0, 6.0}, []any{"x", 6.1}, []any{2.1, 6.1}}}
		}), []string{"arrondissements-300.geojson", "feature 299"}},
		{"300th feature duplicate code", "arrondissements-dup.geojson", editedLayer(t, "arrondissements", func(fs []any) {
			featureProps(fs[299])["code"] = featureProps(fs[10])["code"]
		}), []string{"feature 299", "duplicate code", "feature 10"}},
		{"mixed levels", "mixed.geojson", editedLayer(t, "arrondissements", func(fs []any) {
			featureProps(fs[299])["code"], featureProps(fs[299])["parent_code"] = "BJ0199", "BJ01"
		}), []string{"feature 299", "a file holds one level"}},
		// Valid to the reader, so the import starts: the first 299 features
		// are renamed (written), then the 300th names an unknown commune.
		// The whole import must roll back.
		{"300th feature unknown parent", "arrondissements-parent.geojson", editedLayer(t, "arrondissements", func(fs []any) {
			for _, f := range fs[:299] {
				featureProps(f)["name"] = featureProps(f)["name"].(string) + " (modifié)"
			}
			featureProps(fs[299])["parent_code"] = "BJ0199"
		}), []string{"arrondissements-parent.geojson", `unknown parent in communes: "BJ0199"`, "import the level above first"}},
		{"CSV without code column", "bad.csv", []byte("name,parent_code\nBanikoara,BJ0101\n"), []string{"bad.csv", "malformed CSV", `no "code" column`}},
		{"CSV bad inner point", "badpoint.csv", []byte("code,name,parent_code,inner_lat,inner_lon\nBJ0101-01,Banikoara,BJ0101,abc,2.4\n"),
			[]string{"line 2", "bad inner_lat/inner_lon"}},
		{"CSV 300th row unknown parent", "arrondissements-parent.csv", func() []byte {
			raw, err := os.ReadFile(filepath.Join(sharedData(t), "arrondissements.csv"))
			if err != nil {
				t.Fatal(err)
			}
			lines := strings.Split(string(raw), "\n")
			for i := 1; i < 300; i++ { // rows 1..299 get a new name
				lines[i] = strings.Replace(lines[i], ",", ",X", 1)
			}
			lines[300] = strings.Replace(lines[300], ","+strings.Split(lines[300], ",")[3]+",", ",BJ0199,", 1)
			return []byte(strings.Join(lines, "\n"))
		}(), []string{`unknown parent in communes: "BJ0199"`}},
	}

	e := newEnv(t)
	e.importBenin()
	before := e.geoSnapshot()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := writeGeoFile(t, dir, c.file, c.content)
			rep, err := geoimport.Import(e.app, path)
			if err == nil {
				t.Fatalf("accepted: %s", rep)
			}
			if !errors.Is(err, geoimport.ErrImport) {
				t.Errorf("error does not wrap ErrImport: %v", err)
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
			t.Logf("%s → %v", c.name, err)
			if after := e.geoSnapshot(); !sameSnapshot(before, after) {
				t.Errorf("rejected file changed the database: %s", snapshotDiff(before, after))
			}
		})
	}
	if _, err := geoimport.Import(e.app, filepath.Join(dir, "missing.geojson")); err == nil || !strings.Contains(err.Error(), "no such file") {
		t.Errorf("missing file: %v", err)
	}

	// On an empty database (no arrondissement yet) the failing import
	// must not leave its first 299 arrondissements behind.
	fresh := newEnv(t)
	fresh.geoImport(filepath.Join(sharedData(t), "departements.geojson"), filepath.Join(sharedData(t), "communes.geojson"))
	if _, err := geoimport.Import(fresh.app, filepath.Join(dir, "arrondissements-parent.geojson")); err == nil {
		t.Fatal("accepted a file with an unknown parent")
	}
	if n, b := fresh.geoCount("arrondissements", ""), fresh.geoCount("boundaries", "level = 'arrondissement'"); n != 0 || b != 0 {
		t.Errorf("partial import: %d arrondissements and %d boundaries left behind", n, b)
	}
}

func TestGeoImportCSV(t *testing.T) {
	e := newEnv(t)
	paths := beninPaths(t, "csv")
	start := time.Now()
	reps := e.geoImport(paths...)
	t.Logf("CSV import: %v in %v", reps, time.Since(start))
	if rep := reps[2]; rep.Layout != "coprosec-csv" || rep.Level != "arrondissement" || rep.Created != 546 {
		t.Errorf("arrondissements.csv: %s", rep)
	}
	if n := e.geoCount("boundaries", ""); n != 0 {
		t.Errorf("a CSV has no polygons, yet %d boundaries rows", n)
	}
	deps, coms := e.codesByID("departements"), e.codesByID("communes")
	ok := 0
	for _, row := range geoCSV(t, "arrondissements.csv") {
		r := e.byCode("arrondissements", row["code"])
		center, _ := r.Get("center").(types.GeoPoint)
		if r.GetString("name") != row["name"] || coms[r.GetString("commune")] != row["parent_code"] ||
			deps[r.GetString("departement")] != row["departement_code"] ||
			center.Lat != mustFloat(t, row["inner_lat"]) || center.Lon != mustFloat(t, row["inner_lon"]) {
			t.Errorf("%s: %q %s/%s %v", row["code"], r.GetString("name"), coms[r.GetString("commune")], deps[r.GetString("departement")], center)
			continue
		}
		ok++
	}
	if ok != 546 {
		t.Errorf("%d/546 arrondissements imported from CSV with the right parents and inner point", ok)
	}
	e.geoImportChangesNothing("second CSV import", paths...)
}

// Importing the CSV after the GeoJSON keeps the centers computed from the
// polygons (and changes nothing else), so the order of the imports does not
// decide where an arrondissement's center is.
func TestGeoImportCSVAfterGeoJSONKeepsPolygonCenters(t *testing.T) {
	e := newEnv(t)
	e.importBenin()
	e.geoImportChangesNothing("CSV after GeoJSON", beninPaths(t, "csv")...)
}

// TestGeoImportCommand runs the real binary: `coprosec --dir=… geo import`.
func TestGeoImportCommand(t *testing.T) {
	data := sharedData(t)
	tmp := t.TempDir()
	bin := coprosecBinary(t)
	start := time.Now()

	run := func(args ...string) (stdout, stderr string, code int) {
		t.Helper()
		// --dev=false: a binary under the temp dir looks like `go run` to
		// PocketBase, which would then log every SQL statement
		cmd := exec.Command(bin, append([]string{"--dir=" + filepath.Join(tmp, "pb"), "--dev=false"}, args...)...)
		var o, e bytes.Buffer
		cmd.Stdout, cmd.Stderr = &o, &e
		err := cmd.Run()
		var exit *exec.ExitError
		switch {
		case errors.As(err, &exit):
			code = exit.ExitCode()
		case err != nil:
			t.Fatalf("run %v: %v", args, err)
		}
		return o.String(), e.String(), code
	}
	files := []string{filepath.Join(data, "departements.geojson"), filepath.Join(data, "communes.geojson"), filepath.Join(data, "arrondissements.geojson")}

	start = time.Now()
	out, errOut, code := run(append([]string{"geo", "import"}, files...)...)
	t.Logf("first import (%v):\n%s%s", time.Since(start), out, errOut)
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	for _, want := range []string{
		"departements.geojson: 12 departements (coprosec layout): 0 created, 12 updated, 0 unchanged",
		"communes.geojson: 77 communes (coprosec layout): 0 created, 77 updated, 0 unchanged",
		"arrondissements.geojson: 546 arrondissements (coprosec layout): 546 created, 0 updated, 0 unchanged",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q", want)
		}
	}

	out, errOut, code = run(append([]string{"geo", "import"}, files...)...)
	if code != 0 || strings.Count(out, ": 0 created, 0 updated, ") != 3 {
		t.Errorf("second import (exit %d) is not a no-op:\n%s%s", code, out, errOut)
	}

	bad := writeGeoFile(t, tmp, "bad.geojson", []byte("{not json"))
	out, errOut, code = run("geo", "import", bad)
	t.Logf("bad file: exit %d\n%s%s", code, out, errOut)
	if code == 0 || !strings.Contains(out+errOut, "geo import: bad.geojson: geo: malformed GeoJSON") {
		t.Errorf("bad file: exit %d, output %q", code, out+errOut)
	}
	// a bad file after a good one: the good one is imported (reported),
	// the command then fails on the bad one
	out, errOut, code = run("geo", "import", files[2], filepath.Join(tmp, "missing.geojson"))
	if code == 0 || !strings.Contains(out, "546 unchanged") || !strings.Contains(out+errOut, "missing.geojson") {
		t.Errorf("missing file: exit %d, output %q", code, out+errOut)
	}
	out, errOut, code = run("geo", "import")
	if code == 0 || !strings.Contains(out+errOut, "requires at least 1 arg") {
		t.Errorf("no file: exit %d, output %q", code, out+errOut)
	}
}
