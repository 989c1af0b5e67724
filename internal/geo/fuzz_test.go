package geo

import (
	"bytes"
	"errors"
	"os"
	"testing"
)

// FuzzReadGeoJSON checks that ReadGeoJSON never panics and that whatever
// it accepts satisfies the documented invariants, which the index and the
// resolver rely on.
func FuzzReadGeoJSON(f *testing.F) {
	f.Add([]byte(fc(ft(`{"code":"BJ01","name":"Alibori","iso_3166_2":"BJ-AL"}`, sqGeom))))
	f.Add([]byte(fc(
		ft(`{"code":"BJ0101-01","name":"A","parent_code":"BJ0101","departement_code":"BJ01"}`, sqGeom),
		ft(`{"code":"BJ0101-02","name":"B","parent_code":"BJ0101"}`,
			`{"type":"MultiPolygon","coordinates":[[[[2,6],[3,6],[3,7]]],[[[4,6],[5,6],[5,7],[4,6]],[[4.2,6.1],[4.8,6.1],[4.8,6.2],[4.2,6.1]]]]}`),
	)))
	f.Add([]byte(`{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"shapeID":"x","shapeName":"y","shapeType":"ADM3"},"geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1,5],[0,0]]]}}]}`))
	f.Add([]byte(fc(ft(`{"code":"x","name":"N","parent_code":"x"}`, `{"type":"Point","coordinates":[1,2]}`))))
	f.Add([]byte(`{"type":"FeatureCollection","features":[null,{},[]]}`))
	f.Add([]byte(`{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code":"a","name":"b"},"geometry":{"type":"Polygon","coordinates":[[[1e308,-1e308],[0,0]]]}}]}`))
	if data, err := os.ReadFile("testdata/geoboundaries-ADM2.geojson"); err == nil {
		f.Add(data)
	}

	f.Fuzz(func(t *testing.T, data []byte) {
		layer, err := ReadGeoJSON(bytes.NewReader(data))
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error %v does not wrap ErrMalformed", err)
			}
			if layer != nil {
				t.Fatal("non-nil layer with an error")
			}
			return
		}
		if len(layer.Features) == 0 {
			t.Fatal("accepted a layer without features")
		}
		if layer.Layout != LayoutCoprosec && layer.Layout != LayoutGeoBoundaries {
			t.Fatalf("layout %q", layer.Layout)
		}
		seen := map[string]bool{}
		for i, ft := range layer.Features {
			if ft.Level != layer.Level || ft.Level < Departement || ft.Level > Arrondissement {
				t.Fatalf("feature %d level %v, layer %v", i, ft.Level, layer.Level)
			}
			if ft.Code == "" || ft.Name == "" || seen[ft.Code] {
				t.Fatalf("feature %d code %q name %q", i, ft.Code, ft.Name)
			}
			seen[ft.Code] = true
			if err := ft.Geometry.Valid(); err != nil {
				t.Fatalf("feature %d geometry accepted but invalid: %v", i, err)
			}
			// The accepted geometry must be usable.
			if p := ft.Geometry.InteriorPoint(); !ft.Geometry.Contains(p) {
				t.Fatalf("feature %d: InteriorPoint %v not inside", i, p)
			}
		}
		ix := NewIndex(layer.Features)
		for _, ft := range layer.Features {
			p := ft.Geometry.InteriorPoint()
			got, ok := ix.Locate(p)
			want, wok := LinearLocate(layer.Features, p)
			if !ok || !wok || got.Code != want.Code {
				t.Fatalf("at %v: Index %v %v, LinearLocate %v %v", p, got, ok, want, wok)
			}
		}
	})
}
