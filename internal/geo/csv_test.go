package geo

import (
	"errors"
	"strings"
	"testing"
)

func TestReadDivisionsCSV(t *testing.T) {
	layer, centers, err := ReadDivisionsCSV(strings.NewReader(
		"code,name,parent_code,inner_lat,inner_lon\nBJ0101,Banikoara,BJ01,11.3,2.43\nBJ0102,Gogounou,BJ01,,\n"))
	if err != nil {
		t.Fatal(err)
	}
	if layer.Level != Commune || layer.Layout != LayoutCSV || len(layer.Features) != 2 {
		t.Fatalf("layer %+v", layer)
	}
	if f := layer.Features[0]; f.Code != "BJ0101" || f.ParentCode != "BJ01" || f.DepartementCode != "BJ01" {
		t.Errorf("feature %+v", f)
	}
	if p, ok := centers["BJ0101"]; !ok || p.Lat != 11.3 || p.Lon != 2.43 {
		t.Errorf("centers %v", centers)
	}
	if _, ok := centers["BJ0102"]; ok {
		t.Error("an empty inner point is no center")
	}
}

func TestReadDivisionsCSVRefuses(t *testing.T) {
	tests := []struct{ name, csv, says string }{
		{"no header", "", "header"},
		{"no code column", "name\nx\n", `"code"`},
		{"no rows", "code,name\n", "no rows"},
		{"empty name", "code,name\nBJ01,\n", "line 2: empty code or name"},
		{"duplicate", "code,name\nBJ01,Alibori\nBJ01,Alibori\n", "line 3: duplicate code"},
		{"bad code", "code,name\nXX,Nowhere\n", "line 2: code"},
		{"mixed levels", "code,name,parent_code\nBJ01,Alibori,\nBJ0101,Banikoara,BJ01\n", "line 3: mixed levels"},
		{"no parent", "code,name\nBJ0101,Banikoara\n", "no parent_code"},
		{"bad point", "code,name,inner_lat,inner_lon\nBJ01,Alibori,north,2\n", "inner_lat"},
		{"point out of range", "code,name,inner_lat,inner_lon\nBJ01,Alibori,95,2\n", "inner_lat"},
		{"ragged", "code,name\nBJ01,Alibori,extra\n", "line 2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := ReadDivisionsCSV(strings.NewReader(tt.csv))
			if err == nil || !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), tt.says) {
				t.Fatalf("got %v, want a malformed-CSV error saying %q", err, tt.says)
			}
			if strings.Contains(err.Error(), "GeoJSON") {
				t.Errorf("%v speaks of GeoJSON", err)
			}
		})
	}
}
