package geo

import (
	"encoding/json"
	"fmt"
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
