package geo

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// errMalformedCSV is wrapped by every error of ReadDivisionsCSV; it is a
// ErrMalformed whose message does not speak of GeoJSON.
var errMalformedCSV = &malformedCSV{}

type malformedCSV struct{}

func (*malformedCSV) Error() string        { return "malformed CSV" }
func (*malformedCSV) Is(target error) bool { return target == ErrMalformed }

// LayoutCSV names our CSV layout in import reports.
const LayoutCSV = "coprosec-csv"

// ReadDivisionsCSV reads departements.csv, communes.csv or
// arrondissements.csv of our layout: codes, names, parents and an inner
// point, without polygons.
func ReadDivisionsCSV(r io.Reader) (*Layer, map[string]Point, error) {
	cr := csv.NewReader(io.LimitReader(r, 16<<20))
	header, err := cr.Read()
	if err != nil {
		return nil, nil, fmt.Errorf("%w: reading CSV header: %v", errMalformedCSV, err)
	}
	col := map[string]int{}
	for i, h := range header {
		col[strings.TrimSpace(h)] = i
	}
	for _, need := range []string{"code", "name"} {
		if _, ok := col[need]; !ok {
			return nil, nil, fmt.Errorf("%w: CSV has no %q column (want code,name[,parent_code,departement_code,iso_3166_2,inner_lat,inner_lon])", errMalformedCSV, need)
		}
	}
	get := func(rec []string, name string) string {
		if i, ok := col[name]; ok && i < len(rec) {
			return strings.TrimSpace(rec[i])
		}
		return ""
	}
	layer := &Layer{Layout: LayoutCSV}
	centers := map[string]Point{}
	seen := map[string]bool{}
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, nil, fmt.Errorf("%w: line %d: %v", errMalformedCSV, line, err)
		}
		f := Feature{Code: get(rec, "code"), Name: get(rec, "name"), ParentCode: get(rec, "parent_code"),
			DepartementCode: get(rec, "departement_code"), ISO: get(rec, "iso_3166_2")}
		if f.Code == "" || f.Name == "" {
			return nil, nil, fmt.Errorf("%w: line %d: empty code or name", errMalformedCSV, line)
		}
		if seen[f.Code] {
			return nil, nil, fmt.Errorf("%w: line %d: duplicate code %q", errMalformedCSV, line, f.Code)
		}
		seen[f.Code] = true
		switch {
		case strings.Contains(f.Code, "-"):
			f.Level = Arrondissement
		case len(f.Code) == 6:
			f.Level = Commune
		case len(f.Code) == 4:
			f.Level, f.DepartementCode, f.ParentCode = Departement, f.Code, ""
		default:
			return nil, nil, fmt.Errorf("%w: line %d: code %q is not a département (BJ01), commune (BJ0101) or arrondissement (BJ0101-01) code", errMalformedCSV, line, f.Code)
		}
		if f.Level == Commune && f.DepartementCode == "" {
			f.DepartementCode = f.ParentCode
		}
		if layer.Level == 0 && len(layer.Features) == 0 {
			layer.Level = f.Level
		} else if f.Level != layer.Level {
			return nil, nil, fmt.Errorf("%w: line %d: mixed levels (%v and %v) in one file", errMalformedCSV, line, layer.Level, f.Level)
		}
		if f.Level != Departement && f.ParentCode == "" {
			return nil, nil, fmt.Errorf("%w: line %d: %v %q has no parent_code", errMalformedCSV, line, f.Level, f.Code)
		}
		if lat, lon := get(rec, "inner_lat"), get(rec, "inner_lon"); lat != "" && lon != "" {
			la, err1 := strconv.ParseFloat(lat, 64)
			lo, err2 := strconv.ParseFloat(lon, 64)
			p := Point{Lat: la, Lon: lo}
			if err1 != nil || err2 != nil || !p.Valid() {
				return nil, nil, fmt.Errorf("%w: line %d: bad inner_lat/inner_lon %q,%q", errMalformedCSV, line, lat, lon)
			}
			centers[f.Code] = p
		}
		layer.Features = append(layer.Features, f)
	}
	if len(layer.Features) == 0 {
		return nil, nil, fmt.Errorf("%w: the CSV has no rows", errMalformedCSV)
	}
	return layer, centers, nil
}
