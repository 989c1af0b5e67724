package geo

import (
	"encoding/json"
	"fmt"
	"strconv"
)

// EncodeGeometry writes m as a GeoJSON MultiPolygon geometry object
// (positions in [lon, lat] order), the form Coprosec stores boundaries in.
func EncodeGeometry(m MultiPolygon) ([]byte, error) {
	coords := make([][][][2]float64, len(m))
	for i, poly := range m {
		coords[i] = make([][][2]float64, len(poly))
		for j, ring := range poly {
			coords[i][j] = make([][2]float64, len(ring))
			for k, p := range ring {
				coords[i][j][k] = [2]float64{p.Lon, p.Lat}
			}
		}
	}
	return json.Marshal(struct {
		Type        string           `json:"type"`
		Coordinates [][][][2]float64 `json:"coordinates"`
	}{"MultiPolygon", coords})
}

// DecodeGeometry reads a GeoJSON Polygon or MultiPolygon geometry object,
// with the same validation as ReadGeoJSON.
func DecodeGeometry(data []byte) (MultiPolygon, error) {
	var g rawGeometry
	if err := json.Unmarshal(data, &g); err != nil {
		return nil, fmt.Errorf("%w: geometry: %v", ErrMalformed, err)
	}
	m, err := decodeGeometry(&g)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	return m, nil
}

// AppendGeometryJSON appends m to b as a compact GeoJSON geometry: a
// Polygon when m has one polygon, else a MultiPolygon; positions [lon,
// lat] in the shortest decimal form that reads back the same number.
func AppendGeometryJSON(b []byte, m MultiPolygon) []byte {
	ring := func(b []byte, r Ring) []byte {
		b = append(b, '[')
		for k, p := range r {
			if k > 0 {
				b = append(b, ',')
			}
			b = append(b, '[')
			b = strconv.AppendFloat(b, p.Lon, 'f', -1, 64)
			b = append(b, ',')
			b = strconv.AppendFloat(b, p.Lat, 'f', -1, 64)
			b = append(b, ']')
		}
		return append(b, ']')
	}
	poly := func(b []byte, p Polygon) []byte {
		b = append(b, '[')
		for j, r := range p {
			if j > 0 {
				b = append(b, ',')
			}
			b = ring(b, r)
		}
		return append(b, ']')
	}
	if len(m) == 1 {
		b = append(b, `{"type":"Polygon","coordinates":`...)
		return append(poly(b, m[0]), '}')
	}
	b = append(b, `{"type":"MultiPolygon","coordinates":[`...)
	for i, p := range m {
		if i > 0 {
			b = append(b, ',')
		}
		b = poly(b, p)
	}
	return append(b, "]}"...)
}
