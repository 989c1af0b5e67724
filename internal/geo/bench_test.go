package geo

import (
	"bytes"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
)

// benchPoints is the shared query list: the 546 arrondissement inner
// points followed by 546 uniform random points in Benin's bbox (fixed
// seed), some of which fall outside Benin.
func benchPoints(b *testing.B, d *beninData) []Point {
	var pts []Point
	for _, ip := range d.inner[Arrondissement] {
		pts = append(pts, ip.p)
	}
	bb := NewIndex(d.layers[Departement].Features).bounds
	rng := rand.New(rand.NewPCG(2024, 546))
	for range len(d.inner[Arrondissement]) {
		pts = append(pts, Point{
			Lat: bb.MinLat + rng.Float64()*(bb.MaxLat-bb.MinLat),
			Lon: bb.MinLon + rng.Float64()*(bb.MaxLon-bb.MinLon),
		})
	}
	return pts
}

var sinkFeature *Feature

func BenchmarkLocateIndexed(b *testing.B) {
	d := loadBenin(b)
	pts := benchPoints(b, d)
	ix := NewIndex(d.layers[Arrondissement].Features)
	i := 0
	for b.Loop() {
		sinkFeature, _ = ix.Locate(pts[i])
		if i++; i == len(pts) {
			i = 0
		}
	}
}

func BenchmarkLocateLinear(b *testing.B) {
	d := loadBenin(b)
	pts := benchPoints(b, d)
	fs := d.layers[Arrondissement].Features
	i := 0
	for b.Loop() {
		sinkFeature, _ = LinearLocate(fs, pts[i])
		if i++; i == len(pts) {
			i = 0
		}
	}
}

// BenchmarkLocateLinearBBox is a fairer baseline than LinearLocate: a scan
// that skips features whose precomputed bbox excludes the point.
func BenchmarkLocateLinearBBox(b *testing.B) {
	d := loadBenin(b)
	pts := benchPoints(b, d)
	fs := d.layers[Arrondissement].Features
	boxes := make([]BBox, len(fs))
	for i, f := range fs {
		boxes[i] = f.Geometry.BBox()
	}
	i := 0
	for b.Loop() {
		p := pts[i]
		sinkFeature = nil
		for k := range fs {
			if boxes[k].Contains(p) && (sinkFeature == nil || fs[k].Code < sinkFeature.Code) && fs[k].Geometry.Contains(p) {
				sinkFeature = &fs[k]
			}
		}
		if i++; i == len(pts) {
			i = 0
		}
	}
}

func BenchmarkNewIndexArrondissements(b *testing.B) {
	fs := loadBenin(b).layers[Arrondissement].Features
	for b.Loop() {
		NewIndex(fs)
	}
}

func BenchmarkReadGeoJSONArrondissements(b *testing.B) {
	data, err := os.ReadFile(filepath.Join(beninDir(b), "arrondissements.geojson"))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := ReadGeoJSON(bytes.NewReader(data)); err != nil {
			b.Fatal(err)
		}
	}
}
