package geo

// Tests against the reference data of Benin's 12 départements, 77 communes
// and 546 arrondissements (see shared/data/benin/SOURCES.md). The data is
// read in place, never copied into the repository.

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"testing"
)

// beninDir returns the reference data folder, or skips the test.
func beninDir(tb testing.TB) string {
	tb.Helper()
	dir := os.Getenv("COPROSEC_SHARED_DATA")
	if dir == "" {
		dir = filepath.FromSlash("../../../shared/data/benin")
	}
	if _, err := os.Stat(filepath.Join(dir, "arrondissements.geojson")); err != nil {
		tb.Skipf("Benin reference data not found (%v); set COPROSEC_SHARED_DATA to the folder holding arrondissements.geojson", err)
	}
	return dir
}

// innerPoint is one CSV row: a unit, its parents and the point GEOS
// guarantees to be inside it.
type innerPoint struct {
	code, commune, departement string
	p                          Point
}

type beninData struct {
	layers map[Level]*Layer
	inner  map[Level][]innerPoint
}

var (
	beninOnce sync.Once
	benin     *beninData
	beninErr  error
)

// loadBenin reads the three layers and their CSVs once per test binary.
// Callers must clone Features before changing them.
func loadBenin(tb testing.TB) *beninData {
	tb.Helper()
	dir := beninDir(tb)
	beninOnce.Do(func() { benin, beninErr = readBenin(dir) })
	if beninErr != nil {
		tb.Fatal(beninErr)
	}
	return benin
}

func readBenin(dir string) (*beninData, error) {
	d := &beninData{layers: map[Level]*Layer{}, inner: map[Level][]innerPoint{}}
	for level, name := range map[Level]string{Departement: "departements", Commune: "communes", Arrondissement: "arrondissements"} {
		f, err := os.Open(filepath.Join(dir, name+".geojson"))
		if err != nil {
			return nil, err
		}
		layer, err := ReadGeoJSON(f)
		f.Close()
		if err != nil {
			return nil, err
		}
		d.layers[level] = layer
		if d.inner[level], err = readInnerPoints(filepath.Join(dir, name+".csv"), level); err != nil {
			return nil, err
		}
	}
	return d, nil
}

func readInnerPoints(path string, level Level) ([]innerPoint, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := csv.NewReader(f)
	header, err := r.Read()
	if err != nil {
		return nil, err
	}
	col := map[string]int{}
	for i, h := range header {
		col[h] = i
	}
	var out []innerPoint
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		lat, err1 := strconv.ParseFloat(rec[col["inner_lat"]], 64)
		lon, err2 := strconv.ParseFloat(rec[col["inner_lon"]], 64)
		if err := errors.Join(err1, err2); err != nil {
			return nil, err
		}
		ip := innerPoint{code: rec[col["code"]], p: Point{Lat: lat, Lon: lon}}
		switch level {
		case Departement:
			ip.departement = ip.code
		case Commune:
			ip.commune, ip.departement = ip.code, rec[col["parent_code"]]
		case Arrondissement:
			ip.commune, ip.departement = rec[col["parent_code"]], rec[col["departement_code"]]
		}
		out = append(out, ip)
	}
}

func (d *beninData) resolver() *Resolver {
	return NewResolver(d.layers[Departement].Features, d.layers[Commune].Features, d.layers[Arrondissement].Features)
}

// outsideBenin are points in neighbouring countries and the sea.
var outsideBenin = []struct {
	name string
	p    Point
}{
	{"Lagos", Point{Lat: 6.45, Lon: 3.39}},
	{"Lomé", Point{Lat: 6.13, Lon: 1.22}},
	{"Niamey", Point{Lat: 13.51, Lon: 2.11}},
	{"Atlantic", Point{Lat: 5.5, Lon: 2.0}},
	{"Ouagadougou", Point{Lat: 12.37, Lon: -1.52}},
}

func TestBeninLayers(t *testing.T) {
	d := loadBenin(t)
	for level, want := range map[Level]int{Departement: 12, Commune: 77, Arrondissement: 546} {
		layer := d.layers[level]
		if layer.Level != level || layer.Layout != LayoutCoprosec || len(layer.Features) != want {
			t.Errorf("%v: level %v, layout %s, %d features; want %d", level, layer.Level, layer.Layout, len(layer.Features), want)
		}
		if n := len(d.inner[level]); n != want {
			t.Errorf("%v: %d CSV rows, want %d", level, n, want)
		}
	}
	if f := d.layers[Departement].Features[0]; f.Code != "BJ01" || f.Name != "Alibori" || f.ISO != "BJ-AL" {
		t.Errorf("first département = %s %s %s", f.Code, f.Name, f.ISO)
	}
}

func TestBeninInnerPointsResolve(t *testing.T) {
	d := loadBenin(t)
	r := d.resolver()
	for _, level := range []Level{Departement, Commune, Arrondissement} {
		ix := r.Index(level)
		ok := 0
		for _, ip := range d.inner[level] {
			f, found := ix.Locate(ip.p)
			res, rok := r.Resolve(ip.p)
			want := Resolution{Departement: ip.departement, Commune: ip.commune, Arrondissement: ip.code}
			switch level {
			case Departement:
				res.Commune, res.Arrondissement, want.Commune, want.Arrondissement = "", "", "", ""
			case Commune:
				res.Arrondissement, want.Arrondissement = "", ""
			}
			if !found || f.Code != ip.code || !rok || res != want {
				t.Errorf("%v %s at %v: located %v %v, resolved %+v %v; want %+v", level, ip.code, ip.p, f, found, res, rok, want)
				continue
			}
			ok++
		}
		t.Logf("%v inner points resolved to themselves: %d/%d", level, ok, len(d.inner[level]))
	}
}

func TestBeninOutside(t *testing.T) {
	d := loadBenin(t)
	r := d.resolver()
	for _, tt := range outsideBenin {
		if res, ok := r.Resolve(tt.p); ok {
			t.Errorf("%s %v resolved to %+v", tt.name, tt.p, res)
		}
		for level, layer := range d.layers {
			if f, ok := LinearLocate(layer.Features, tt.p); ok {
				t.Errorf("%s %v is in %v %s", tt.name, tt.p, level, f.Code)
			}
		}
	}
}

// TestBeninInteriorPoints checks our InteriorPoint on real, concave and
// multi-part boundaries: each must locate to its own unit.
func TestBeninInteriorPoints(t *testing.T) {
	d := loadBenin(t)
	for level, layer := range d.layers {
		ix := NewIndex(layer.Features)
		for _, f := range layer.Features {
			p := f.Geometry.InteriorPoint()
			if got, ok := ix.Locate(p); !ok || got.Code != f.Code {
				t.Errorf("%v %s: interior point %v located in %v", level, f.Code, p, got)
			}
		}
	}
}

// stripped returns a copy of features without parent codes.
func stripped(features []Feature) []Feature {
	out := slices.Clone(features)
	for i := range out {
		out[i].ParentCode, out[i].DepartementCode = "", ""
	}
	return out
}

func TestBeninAssignParents(t *testing.T) {
	d := loadBenin(t)
	communes := d.layers[Commune].Features
	for _, tt := range []struct {
		name             string
		children, parent []Feature
	}{
		{"arrondissements→communes", d.layers[Arrondissement].Features, communes},
		{"communes→départements", communes, d.layers[Departement].Features},
	} {
		t.Run(tt.name, func(t *testing.T) {
			children := stripped(tt.children)
			if err := AssignParents(children, NewIndex(tt.parent)); err != nil {
				t.Fatal(err)
			}
			ok := 0
			for i, c := range children {
				want := tt.children[i]
				if c.ParentCode != want.ParentCode || c.DepartementCode != want.DepartementCode {
					t.Errorf("%s: parent %q dep %q, want %q %q", c.Code, c.ParentCode, c.DepartementCode, want.ParentCode, want.DepartementCode)
					continue
				}
				ok++
			}
			t.Logf("recovered %d/%d", ok, len(children))
		})
	}
}

// TestBeninGeoBoundariesLayout rewrites the arrondissement file in memory
// into the geoBoundaries layout (the layer it was derived from), reads it
// back and recovers every parent from the commune layer.
func TestBeninGeoBoundariesLayout(t *testing.T) {
	d := loadBenin(t)
	data, err := os.ReadFile(filepath.Join(beninDir(t), "arrondissements.geojson"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Type     string `json:"type"`
		Features []struct {
			Type       string            `json:"type"`
			Properties map[string]string `json:"properties"`
			Geometry   json.RawMessage   `json:"geometry"`
		} `json:"features"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	byShape := map[string]map[string]string{}
	for i := range doc.Features {
		p := doc.Features[i].Properties
		byShape[p["gb_shape_id"]] = p
		doc.Features[i].Properties = map[string]string{
			"shapeName": p["name"], "shapeISO": "None", "shapeID": p["gb_shape_id"],
			"shapeGroup": "BEN", "shapeType": "ADM3",
		}
	}
	gb, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	layer, err := ReadGeoJSON(bytes.NewReader(gb))
	if err != nil {
		t.Fatal(err)
	}
	if layer.Layout != LayoutGeoBoundaries || layer.Level != Arrondissement || len(layer.Features) != 546 {
		t.Fatalf("layer %s %v %d", layer.Layout, layer.Level, len(layer.Features))
	}
	if err := AssignParents(layer.Features, NewIndex(d.layers[Commune].Features)); err != nil {
		t.Fatal(err)
	}
	ok := 0
	for _, f := range layer.Features {
		want := byShape[f.Code]
		if f.ParentCode != want["parent_code"] || f.DepartementCode != want["departement_code"] {
			t.Errorf("%s (%s): parent %q dep %q, want %q %q", f.Code, f.Name, f.ParentCode, f.DepartementCode,
				want["parent_code"], want["departement_code"])
			continue
		}
		ok++
	}
	t.Logf("geoBoundaries layout: recovered %d/%d parents", ok, len(layer.Features))
}

// TestBeninIndexMatchesLinear compares Index and LinearLocate on random
// points and on boundary vertices, where neighbours tie.
func TestBeninIndexMatchesLinear(t *testing.T) {
	d := loadBenin(t)
	for level, layer := range d.layers {
		fs := layer.Features
		ix := NewIndex(fs)
		bounds := ix.bounds
		rng := rand.New(rand.NewPCG(7, uint64(level)))
		check := func(p Point) {
			f1, ok1 := ix.Locate(p)
			f2, ok2 := LinearLocate(fs, p)
			if ok1 != ok2 || (ok1 && f1.Code != f2.Code) {
				t.Fatalf("%v at %v: Index %v %v, LinearLocate %v %v", level, p, f1, ok1, f2, ok2)
			}
		}
		for range 1000 {
			check(Point{
				Lat: bounds.MinLat + rng.Float64()*(bounds.MaxLat-bounds.MinLat),
				Lon: bounds.MinLon + rng.Float64()*(bounds.MaxLon-bounds.MinLon),
			})
		}
		// Every vertex lies on its own unit's border, so it must be found,
		// in that unit or in a neighbour with a lower code; every 17th is
		// also checked against the linear scan.
		n := 0
		for _, f := range fs {
			for _, poly := range f.Geometry {
				for _, ring := range poly {
					for _, v := range ring {
						got, ok := ix.Locate(v)
						if !ok || got.Code > f.Code {
							t.Fatalf("%v vertex %v of %s located in %v %v", level, v, f.Code, got, ok)
						}
						if n++; n%17 == 0 {
							check(v)
						}
					}
				}
			}
		}
	}
}
