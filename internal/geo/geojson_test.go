package geo

import (
	"bytes"
	"errors"
	"io"
	"os"
	"reflect"
	"strings"
	"testing"
)

// fc wraps feature JSON objects in a FeatureCollection.
func fc(features ...string) string {
	return `{"type":"FeatureCollection","features":[` + strings.Join(features, ",") + `]}`
}

// sqGeom is a valid small square polygon geometry.
const sqGeom = `{"type":"Polygon","coordinates":[[[2,6],[3,6],[3,7],[2,7],[2,6]]]}`

// ft builds a feature with the given properties and geometry JSON.
func ft(props, geom string) string {
	return `{"type":"Feature","properties":` + props + `,"geometry":` + geom + `}`
}

func TestReadGeoJSONCoprosec(t *testing.T) {
	tests := []struct {
		name  string
		input string
		level Level
		want  Feature // the first feature, without geometry
	}{
		{
			"departement",
			fc(ft(`{"code":"BJ01","name":"Alibori","iso_3166_2":"BJ-AL"}`, sqGeom)),
			Departement,
			Feature{Level: Departement, Code: "BJ01", Name: "Alibori", DepartementCode: "BJ01", ISO: "BJ-AL"},
		},
		{
			"commune",
			fc(ft(`{"code":"BJ0101","name":"Banikoara","parent_code":"BJ01","departement_name":"Alibori"}`, sqGeom)),
			Commune,
			Feature{Level: Commune, Code: "BJ0101", Name: "Banikoara", ParentCode: "BJ01", DepartementCode: "BJ01"},
		},
		{
			"arrondissement",
			fc(ft(`{"code":"BJ0101-01","name":"Banikoara","parent_code":"BJ0101","departement_code":"BJ01","gb_shape_id":"x"}`, sqGeom)),
			Arrondissement,
			Feature{Level: Arrondissement, Code: "BJ0101-01", Name: "Banikoara", ParentCode: "BJ0101", DepartementCode: "BJ01"},
		},
		{
			"arrondissement without parents, by code shape",
			fc(ft(`{"code":"BJ0101-01","name":"Banikoara"}`, sqGeom)),
			Arrondissement,
			Feature{Level: Arrondissement, Code: "BJ0101-01", Name: "Banikoara"},
		},
		{
			"free-form codes: no parent means département",
			fc(ft(`{"code":"north","name":"Nord"}`, sqGeom)),
			Departement,
			Feature{Level: Departement, Code: "north", Name: "Nord", DepartementCode: "north"},
		},
		{
			"free-form code under a commune p-code",
			fc(ft(`{"code":"x1","name":"X","parent_code":"BJ0101"}`, sqGeom)),
			Arrondissement,
			Feature{Level: Arrondissement, Code: "x1", Name: "X", ParentCode: "BJ0101"},
		},
		{
			"free-form codes with departement_code",
			fc(ft(`{"code":"x1","name":"X","parent_code":"c","departement_code":"d"}`, sqGeom)),
			Arrondissement,
			Feature{Level: Arrondissement, Code: "x1", Name: "X", ParentCode: "c", DepartementCode: "d"},
		},
		{
			"free-form codes, commune",
			fc(ft(`{"code":"c","name":"C","parent_code":"d","departement_code":null}`, sqGeom)),
			Commune,
			Feature{Level: Commune, Code: "c", Name: "C", ParentCode: "d", DepartementCode: "d"},
		},
		{
			"whitespace trimmed, null optional",
			fc(ft(`{"code":" BJ02 ","name":"Atacora ","iso_3166_2":null}`, sqGeom)),
			Departement,
			Feature{Level: Departement, Code: "BJ02", Name: "Atacora", DepartementCode: "BJ02"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			layer, err := ReadGeoJSON(strings.NewReader(tt.input))
			if err != nil {
				t.Fatal(err)
			}
			if layer.Layout != LayoutCoprosec || layer.Level != tt.level || len(layer.Features) != 1 {
				t.Fatalf("layer = %s %v %d features", layer.Layout, layer.Level, len(layer.Features))
			}
			got := layer.Features[0]
			if len(got.Geometry) != 1 || len(got.Geometry[0][0]) != 5 {
				t.Errorf("geometry = %v", got.Geometry)
			}
			got.Geometry = nil
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("feature = %+v\nwant      %+v", got, tt.want)
			}
		})
	}
}

func TestReadGeoJSONGeoBoundaries(t *testing.T) {
	f, err := os.Open("testdata/geoboundaries-ADM2.geojson")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	layer, err := ReadGeoJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	if layer.Layout != LayoutGeoBoundaries || layer.Level != Commune || len(layer.Features) != 3 {
		t.Fatalf("layer = %s %v %d features", layer.Layout, layer.Level, len(layer.Features))
	}
	for i, want := range []struct{ code, name string }{
		{"TEST-ADM2-1", "Nord"}, {"TEST-ADM2-2", "Sud"}, {"TEST-ADM2-3", "Est"},
	} {
		got := layer.Features[i]
		if got.Code != want.code || got.Name != want.name || got.Level != Commune ||
			got.ParentCode != "" || got.DepartementCode != "" || got.ISO != "" {
			t.Errorf("feature %d = %+v", i, got)
		}
	}
	sud := layer.Features[1].Geometry
	if len(sud) != 2 || len(sud[0]) != 2 {
		t.Fatalf("Sud geometry shape: %d polygons", len(sud))
	}
	// The island fills the hole of the first polygon; the open ring was closed.
	if n := len(sud[1][0]); n != 5 {
		t.Errorf("island ring has %d points, want 5 after closing", n)
	}
	if !sud.Contains(Point{Lat: 6.25, Lon: 1.5}) || !sud.Contains(Point{Lat: 6.1, Lon: 1.5}) {
		t.Error("Sud does not contain its island or its body")
	}
	if layer.Features[2].Geometry[0][0][0] != (Point{Lat: 6, Lon: 2}) {
		t.Errorf("altitude not ignored: %v", layer.Features[2].Geometry[0][0][0])
	}

	// Parents can then be derived from a département layer.
	deps, err := ReadGeoJSON(strings.NewReader(fc(
		ft(`{"code":"BJ10","name":"Ouest"}`, `{"type":"Polygon","coordinates":[[[0,5],[2,5],[2,8],[0,8],[0,5]]]}`),
		ft(`{"code":"BJ11","name":"Est"}`, `{"type":"Polygon","coordinates":[[[2,5],[4,5],[4,8],[2,8],[2,5]]]}`),
	)))
	if err != nil {
		t.Fatal(err)
	}
	if err := AssignParents(layer.Features, NewIndex(deps.Features)); err != nil {
		t.Fatal(err)
	}
	for i, want := range []string{"BJ10", "BJ10", "BJ11"} {
		if f := layer.Features[i]; f.ParentCode != want || f.DepartementCode != want {
			t.Errorf("%s: parent %q dep %q, want %q", f.Code, f.ParentCode, f.DepartementCode, want)
		}
	}
}

func TestReadGeoJSONGeoBoundariesLevels(t *testing.T) {
	for typ, want := range map[string]Level{"ADM1": Departement, "ADM2": Commune, "ADM3": Arrondissement} {
		layer, err := ReadGeoJSON(strings.NewReader(fc(
			ft(`{"shapeName":"A","shapeID":"id1","shapeISO":"BJ-AL","shapeType":"`+typ+`"}`, sqGeom))))
		if err != nil {
			t.Fatalf("%s: %v", typ, err)
		}
		f := layer.Features[0]
		if layer.Level != want || f.Level != want || f.ISO != "BJ-AL" {
			t.Errorf("%s: level %v, ISO %q", typ, f.Level, f.ISO)
		}
		if (want == Departement) != (f.DepartementCode == "id1") {
			t.Errorf("%s: DepartementCode %q", typ, f.DepartementCode)
		}
	}
}

func TestReadGeoJSONMalformed(t *testing.T) {
	dep := func(code string) string { return ft(`{"code":"`+code+`","name":"N"}`, sqGeom) }
	geom := func(g string) string { return fc(ft(`{"code":"BJ01","name":"N"}`, g)) }
	tests := []struct {
		name, input, want string
	}{
		{"empty input", "", "unexpected end"},
		{"not JSON", "hello", "invalid character"},
		{"trailing data", fc(dep("BJ01")) + "x", "invalid character"},
		{"array", "[]", "cannot unmarshal"},
		{"not a FeatureCollection", `{"type":"Feature","features":[]}`, `type is "Feature"`},
		{"no type", `{"features":[]}`, `type is ""`},
		{"no features", fc(), "no features"},
		{"features not an array", `{"type":"FeatureCollection","features":{}}`, "cannot unmarshal"},
		{"feature not a Feature", fc(`{"type":"Point"}`), `feature 0: type is "Point"`},
		{"feature not an object", fc(`42`), "feature 0: json"},
		{"unknown layout", fc(ft(`{"id":"x","label":"y"}`, sqGeom)), "feature 0: unknown layout"},
		{"null properties", fc(ft(`null`, sqGeom)), "unknown layout"},
		{"missing code", fc(ft(`{"name":"N"}`, sqGeom)), "feature 0: missing property code"},
		{"empty code", fc(ft(`{"code":" ","name":"N"}`, sqGeom)), "missing property code"},
		{"missing name", fc(dep("BJ01"), ft(`{"code":"BJ02"}`, sqGeom)), `feature 1: "BJ02": missing property name`},
		{"numeric code", fc(ft(`{"code":1,"name":"N"}`, sqGeom)), "property code is not a string"},
		{"duplicate code", fc(dep("BJ01"), dep("BJ02"), dep("BJ01")), `feature 2: duplicate code "BJ01" (also feature 0)`},
		{"mixed levels", fc(dep("BJ01"), ft(`{"code":"BJ0101","name":"N","parent_code":"BJ01"}`, sqGeom)), "feature 1 (\"BJ0101\"): level commune, but feature 0 has level departement"},
		{"mixed layouts", fc(dep("BJ01"), ft(`{"shapeID":"x","shapeName":"N","shapeType":"ADM1"}`, sqGeom)), "feature 1: geoboundaries layout, but feature 0 has the coprosec layout"},
		{"parent of wrong level", fc(ft(`{"code":"BJ0101-01","name":"N","parent_code":"BJ01"}`, sqGeom)), `parent_code "BJ01" is a departement code, want a commune code`},
		{"département with parent", fc(ft(`{"code":"BJ01","name":"N","parent_code":"x"}`, sqGeom)), "cannot have parent_code"},
		{"own parent", fc(ft(`{"code":"x","name":"N","parent_code":"x"}`, sqGeom)), "own code"},
		{"child of arrondissement", fc(ft(`{"code":"x","name":"N","parent_code":"BJ0101-01"}`, sqGeom)), "arrondissements have no children"},
		{"gb missing shapeID", fc(ft(`{"shapeName":"N","shapeType":"ADM1"}`, sqGeom)), "missing property shapeID"},
		{"gb missing shapeName", fc(ft(`{"shapeID":"x","shapeType":"ADM1"}`, sqGeom)), "missing property shapeName"},
		{"gb missing shapeType", fc(ft(`{"shapeID":"x","shapeName":"N"}`, sqGeom)), "missing property shapeType"},
		{"gb bad shapeType", fc(ft(`{"shapeID":"x","shapeName":"N","shapeType":"ADM4"}`, sqGeom)), `shapeType "ADM4"`},
		{"gb mixed levels", fc(ft(`{"shapeID":"x","shapeName":"N","shapeType":"ADM1"}`, sqGeom), ft(`{"shapeID":"y","shapeName":"N","shapeType":"ADM2"}`, sqGeom)), "feature 1 (\"y\"): level commune"},
		{"no geometry", geom(`null`), `"BJ01" has no geometry`},
		{"point geometry", geom(`{"type":"Point","coordinates":[2,6]}`), `unsupported geometry type "Point"`},
		{"collection geometry", geom(`{"type":"GeometryCollection","geometries":[]}`), `unsupported geometry type "GeometryCollection"`},
		{"polygon with multipolygon coordinates", geom(`{"type":"Polygon","coordinates":[[[[2,6]]]]}`), "Polygon coordinates"},
		{"string coordinate", geom(`{"type":"Polygon","coordinates":[[["2",6],[3,6],[3,7],[2,6]]]}`), "Polygon coordinates"},
		{"huge coordinate", geom(`{"type":"Polygon","coordinates":[[[1e999,6],[3,6],[3,7],[2,6]]]}`), "Polygon coordinates"},
		{"short position", geom(`{"type":"Polygon","coordinates":[[[2,6],[3],[3,7],[2,6]]]}`), "position 1 has 1 numbers"},
		{"lat out of range", geom(`{"type":"Polygon","coordinates":[[[2,6],[3,96],[3,7],[2,6]]]}`), "bad coordinates [3, 96]"},
		{"lon out of range", geom(`{"type":"MultiPolygon","coordinates":[[[[2,6],[3,6],[3,7],[2,6]]],[[[2,6],[-181,6],[3,7],[2,6]]]]}`), "polygon 1 ring 0 position 1: bad coordinates"},
		{"empty polygon", geom(`{"type":"Polygon","coordinates":[]}`), "invalid geometry: polygon 0 has no ring"},
		{"null coordinates", geom(`{"type":"Polygon","coordinates":null}`), "invalid geometry"},
		{"empty multipolygon", geom(`{"type":"MultiPolygon","coordinates":[]}`), "invalid geometry: geometry has no polygon"},
		{"too few points", geom(`{"type":"Polygon","coordinates":[[[2,6],[3,6],[2,6]]]}`), "invalid geometry: polygon 0 ring 0: ring has 2 distinct positions"},
		{"zero area", geom(`{"type":"Polygon","coordinates":[[[2,6],[3,6],[4,6],[2,6]]]}`), "encloses no area"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			layer, err := ReadGeoJSON(strings.NewReader(tt.input))
			if err == nil {
				t.Fatalf("no error; layer %+v", layer)
			}
			if !errors.Is(err, ErrMalformed) {
				t.Errorf("error %q does not wrap ErrMalformed", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not contain %q", err, tt.want)
			}
		})
	}
}

// endless yields an unbounded stream of spaces, which is valid leading
// whitespace for JSON, so only the size limit can stop it.
type endless struct{}

func (endless) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = ' '
	}
	return len(p), nil
}

func TestReadGeoJSONTooLarge(t *testing.T) {
	if testing.Short() {
		t.Skip("reads 64 MiB")
	}
	_, err := ReadGeoJSON(endless{})
	if !errors.Is(err, ErrTooLarge) {
		t.Fatalf("err = %v, want ErrTooLarge", err)
	}
}

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, io.ErrUnexpectedEOF }

func TestReadGeoJSONReadError(t *testing.T) {
	_, err := ReadGeoJSON(io.MultiReader(bytes.NewReader([]byte("{")), failingReader{}))
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("err = %v, want the reader's error", err)
	}
}
