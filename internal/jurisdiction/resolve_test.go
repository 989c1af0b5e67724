package jurisdiction

import (
	"math"
	"testing"

	"coprosec/internal/geo"
)

func TestResolve(t *testing.T) {
	g, noB := fakeGeo{}, fakeGeo{noBoundaries: true}
	tests := []struct {
		name      string
		ev        Event
		g         Geography
		want      Place
		code, fld string
	}{
		{"nothing", Event{}, g, Place{}, CodeLocationRequired, ""},
		{"commune only", Event{Commune: "comA1"}, g, mkPlace("A", "1", ""), "", ""},
		{"arrondissement only", Event{Arrondissement: "arrB2y"}, g, mkPlace("B", "2", "y"), "", ""},
		{"arrondissement + its commune", Event{Arrondissement: "arrA1x", Commune: "comA1"}, g, mkPlace("A", "1", "x"), "", ""},
		{"arrondissement in another commune", Event{Arrondissement: "arrA1x", Commune: "comA2"}, g, Place{}, CodeLocationMismatch, "arrondissement"},
		{"unknown arrondissement", Event{Arrondissement: "arrZ9x"}, g, Place{}, CodeUnknownPlace, "arrondissement"},
		{"unknown commune", Event{Commune: "comZ9"}, g, Place{}, CodeUnknownPlace, "commune"},
		{"point only", Event{Location: pp(ptB1x)}, g, mkPlace("B", "1", "x"), "", ""},
		{"point + matching ids", Event{Location: pp(ptA1y), Arrondissement: "arrA1y", Commune: "comA1"}, g, mkPlace("A", "1", "y"), "", ""},
		{"point refines commune", Event{Location: pp(ptA1y), Commune: "comA1"}, g, mkPlace("A", "1", "y"), "", ""},
		{"point contradicts arrondissement", Event{Location: pp(ptA1y), Arrondissement: "arrA1x"}, g, Place{}, CodeLocationMismatch, "arrondissement"},
		{"point contradicts commune", Event{Location: pp(ptA1y), Commune: "comA2"}, g, Place{}, CodeLocationMismatch, "commune"},
		{"point outside Benin", Event{Location: pp(geo.Point{Lat: 5.0, Lon: 2.1})}, g, Place{}, CodeOutsideTerritory, "location"},
		{"point outside Benin with commune", Event{Location: pp(geo.Point{Lat: 5.0, Lon: 2.1}), Commune: "comA1"}, g, Place{}, CodeOutsideTerritory, "location"},
		{"invalid point", Event{Location: pp(geo.Point{Lat: math.NaN(), Lon: 2})}, g, Place{}, CodeOutsideTerritory, "location"},
		{"no boundaries: point only", Event{Location: pp(ptA1x)}, noB, Place{}, CodeLocationRequired, "commune"},
		{"no boundaries: point unchecked", Event{Location: pp(ptB1x), Commune: "comA2"}, noB, mkPlace("A", "2", ""), "", ""},
		{"no boundaries: arrondissement", Event{Location: pp(ptB1x), Arrondissement: "arrA2y"}, noB, mkPlace("A", "2", "y"), "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Resolve(tc.ev, tc.g)
			wantCode(t, err, tc.code, tc.fld)
			if err == nil && got != tc.want {
				t.Fatalf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestMoved(t *testing.T) {
	g, noB := fakeGeo{}, fakeGeo{noBoundaries: true}
	before := Event{Location: pp(ptA1x), Commune: "comA1", Arrondissement: "arrA1x"}
	tests := []struct {
		name      string
		after     Event
		g         Geography
		want      Place
		code, fld string
	}{
		{"the pin alone moves to another commune", Event{Location: pp(ptB1x), Commune: "comA1", Arrondissement: "arrA1x"}, g, mkPlace("B", "1", "x"), "", ""},
		{"the pin alone moves to another arrondissement", Event{Location: pp(ptA1y), Commune: "comA1", Arrondissement: "arrA1x"}, g, mkPlace("A", "1", "y"), "", ""},
		{"pin and a contradicting commune in one write", Event{Location: pp(ptB1x), Commune: "comA2", Arrondissement: "arrA1x"}, g, Place{}, CodeLocationMismatch, "commune"},
		{"pin and a contradicting arrondissement in one write", Event{Location: pp(ptB1x), Commune: "comA1", Arrondissement: "arrA1y"}, g, Place{}, CodeLocationMismatch, "arrondissement"},
		{"pin and matching ids in one write", Event{Location: pp(ptB1x), Commune: "comB1", Arrondissement: "arrB1x"}, g, mkPlace("B", "1", "x"), "", ""},
		{"another commune against the kept pin", Event{Location: pp(ptA1x), Commune: "comB1", Arrondissement: "arrA1x"}, g, Place{}, CodeLocationMismatch, "commune"},
		{"another arrondissement of the same commune, pin removed", Event{Commune: "comA1", Arrondissement: "arrA1y"}, g, mkPlace("A", "1", "y"), "", ""},
		{"another arrondissement elsewhere, pin removed", Event{Commune: "comA1", Arrondissement: "arrB2y"}, g, mkPlace("B", "2", "y"), "", ""},
		{"another commune, pin removed", Event{Commune: "comB1", Arrondissement: "arrA1x"}, g, mkPlace("B", "1", ""), "", ""},
		{"no boundaries: a moved pin keeps the ids", Event{Location: pp(ptB1x), Commune: "comA1", Arrondissement: "arrA1x"}, noB, mkPlace("A", "1", "x"), "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Resolve(Moved(before, tc.after, tc.g), tc.g)
			wantCode(t, err, tc.code, tc.fld)
			if err == nil && got != tc.want {
				t.Fatalf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}
