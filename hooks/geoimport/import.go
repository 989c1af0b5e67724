// Package geoimport loads administrative divisions and their boundaries
// (`coprosec geo import`): our GeoJSON and CSV layouts and geoBoundaries'.
package geoimport

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"coprosec/hooks/write"
	"coprosec/internal/geo"

	"unicode"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"
	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// Report counts what a boundary import did.
type Report struct {
	Level     string `json:"level"`
	Layout    string `json:"layout"`
	Features  int    `json:"features"`
	Created   int    `json:"created"`
	Updated   int    `json:"updated"`
	Unchanged int    `json:"unchanged"`
}

func (r Report) String() string {
	return fmt.Sprintf("%d %ss (%s layout): %d created, %d updated, %d unchanged",
		r.Features, r.Level, r.Layout, r.Created, r.Updated, r.Unchanged)
}

// ErrImport wraps every import failure; nothing is written when it occurs.
var ErrImport = errors.New("geo import")

// Import loads one layer of divisions from a GeoJSON file (the
// coprosec layout or geoBoundaries' own) or a CSV of our layout (codes,
// names, parents and inner points, no polygons). It is idempotent: records
// are written only when something differs. Everything happens in one
// transaction, so a bad file leaves the database as it was.
func Import(app core.App, path string) (Report, error) {
	f, err := os.Open(path)
	if err != nil {
		return Report{}, fmt.Errorf("%w: %v", ErrImport, err)
	}
	defer f.Close()

	var layer *geo.Layer
	var centers map[string]geo.Point // inner points given by a CSV
	switch strings.ToLower(filepath.Ext(path)) {
	case ".csv":
		layer, centers, err = readDivisionsCSV(f)
	default:
		layer, err = geo.ReadGeoJSON(f)
	}
	if err != nil {
		return Report{}, fmt.Errorf("%w: %s: %v", ErrImport, filepath.Base(path), err)
	}

	report := Report{Level: layer.Level.String(), Layout: layer.Layout, Features: len(layer.Features)}
	err = app.RunInTransaction(func(tx core.App) error {
		switch layer.Layout {
		case geo.LayoutGeoBoundaries:
			if err := matchGeoBoundaries(tx, layer); err != nil {
				return err
			}
		case geo.LayoutCoprosec, layoutCSV:
			if err := adoptGeoBoundariesDivisions(tx, layer); err != nil {
				return err
			}
		}
		for _, feat := range layer.Features {
			center, hasCenter := centers[feat.Code]
			if len(feat.Geometry) > 0 {
				center, hasCenter = feat.Geometry.InteriorPoint(), true
			} else if hasCenter {
				// a center computed from a stored polygon stands: the
				// CSV's inner point would replace it, and importing the
				// GeoJSON again would put it back
				if has, err := hasBoundary(tx, feat); err != nil {
					return err
				} else if has {
					hasCenter = false
				}
			}
			var c *geo.Point
			if hasCenter {
				c = &center
			}
			changed, created, err := upsertDivision(tx, feat, c, path)
			if err != nil {
				return fmt.Errorf("%v %s (%s): %w", feat.Level, feat.Code, feat.Name, err)
			}
			switch {
			case created:
				report.Created++
			case changed:
				report.Updated++
			default:
				report.Unchanged++
			}
		}
		return nil
	})
	if err != nil {
		return Report{}, fmt.Errorf("%w: %s: %v", ErrImport, filepath.Base(path), err)
	}
	return report, nil
}

// hasBoundary reports whether a polygon of feat's division is stored.
func hasBoundary(tx core.App, feat geo.Feature) (bool, error) {
	var n int
	err := tx.DB().Select("COUNT(*)").From("boundaries").
		Where(dbx.HashExp{"level": feat.Level.String(), "code": feat.Code}).Row(&n)
	return n > 0, err
}

// layoutCSV names our CSV layout in import reports.
const layoutCSV = "coprosec-csv"

var divisionCollection = map[geo.Level]string{
	geo.Departement:    "departements",
	geo.Commune:        "communes",
	geo.Arrondissement: "arrondissements",
}

// upsertDivision writes the reference record of feat and, when it has a
// polygon, its boundary row. It reports whether anything changed.
func upsertDivision(tx core.App, feat geo.Feature, center *geo.Point, source string) (changed, created bool, err error) {
	collection := divisionCollection[feat.Level]
	rec, err := tx.FindFirstRecordByData(collection, "code", feat.Code)
	if err != nil {
		c, cerr := tx.FindCachedCollectionByNameOrId(collection)
		if cerr != nil {
			return false, false, cerr
		}
		rec, created = core.NewRecord(c), true
		rec.Set("code", feat.Code)
	}
	want := map[string]any{"name": feat.Name}
	switch feat.Level {
	case geo.Departement:
		if feat.ISO != "" {
			want["iso"] = feat.ISO
		}
	case geo.Commune:
		dep, err := findByCode(tx, "departements", feat.DepartementCode, feat.ParentCode)
		if err != nil {
			return false, false, err
		}
		want["departement"] = dep
	case geo.Arrondissement:
		com, err := findByCode(tx, "communes", feat.ParentCode)
		if err != nil {
			return false, false, err
		}
		want["commune"] = com
		comRec, _ := tx.FindRecordById("communes", com)
		want["departement"] = comRec.GetString("departement")
	}
	if center != nil {
		want["center"] = types.GeoPoint{Lon: round5(center.Lon), Lat: round5(center.Lat)}
	}
	for k, v := range want {
		if fmt.Sprint(rec.Get(k)) != fmt.Sprint(v) {
			rec.Set(k, v)
			changed = true
		}
	}
	if changed || created {
		if err := tx.Save(rec); err != nil {
			return false, false, err
		}
	}
	if len(feat.Geometry) == 0 {
		return changed, created, nil
	}
	geometry, err := geo.EncodeGeometry(feat.Geometry)
	if err != nil {
		return false, false, err
	}
	level := feat.Level.String()
	b, err := tx.FindFirstRecordByFilter("boundaries", "level = {:l} && code = {:c}", map[string]any{"l": level, "c": feat.Code})
	if err != nil {
		c, cerr := tx.FindCachedCollectionByNameOrId("boundaries")
		if cerr != nil {
			return false, false, cerr
		}
		b = core.NewRecord(c)
		b.Set("level", level)
		b.Set("code", feat.Code)
	} else if sameJSON(b.Get("geometry"), geometry) {
		return changed, created, nil
	}
	b.Set("geometry", types.JSONRaw(geometry))
	b.Set("source", filepath.Base(source))
	if err := tx.Save(b); err != nil {
		return false, false, err
	}
	return true, created, nil
}

func sameJSON(stored any, encoded []byte) bool {
	raw, ok := stored.(types.JSONRaw)
	return ok && string(raw) == string(encoded)
}

func round5(f float64) float64 {
	v, _ := strconv.ParseFloat(strconv.FormatFloat(f, 'f', 5, 64), 64)
	return v
}

// findByCode returns the id of the first record of collection matching one
// of the non-empty codes.
func findByCode(tx core.App, collection string, codes ...string) (string, error) {
	for _, code := range codes {
		if code == "" {
			continue
		}
		if r, err := tx.FindFirstRecordByData(collection, "code", code); err == nil {
			return r.Id, nil
		}
	}
	return "", fmt.Errorf("unknown parent in %s: %q (import the level above first)", collection, strings.Join(codes, `", "`))
}

// matchGeoBoundaries turns a geoBoundaries layer into our codes: parents
// are derived spatially from the stored level above, and a feature takes
// the code of the existing division under the same parent that it matches,
// trying in turn:
//  1. the same (accent-insensitive) name;
//  2. the same name where geoBoundaries lost letters: its downloads write
//     "?" for every non-ASCII letter (250 of Benin's 546 arrondissements,
//     "Tangbo-Dj?vi?"), so a "?" matches any one letter;
//  3. the stored polygon containing the feature's interior point (a name
//     spelled differently, or restored by hand, such as "Beng?kou" for
//     Bensékou).
//
// Each existing division is matched at most once; a feature matching none
// keeps its shapeID as code (a new division). A matched division keeps its
// stored name: geoBoundaries names are a poorer source ("Savalou--Agbado",
// lost accents), so importing them over good data must not degrade it;
// the file brings the polygon.
func matchGeoBoundaries(tx core.App, layer *geo.Layer) error {
	if layer.Level != geo.Departement {
		parentLevel := geo.Departement
		if layer.Level == geo.Arrondissement {
			parentLevel = geo.Commune
		}
		parents, err := write.StoredBoundaries(tx, parentLevel.String())
		if err != nil {
			return err
		}
		if len(parents) == 0 {
			return fmt.Errorf("no %s polygons are imported yet: import the %ss first to derive parents", parentLevel, parentLevel)
		}
		if err := geo.AssignParents(layer.Features, geo.NewIndex(parents)); err != nil {
			return err
		}
	}
	existing, err := storedDivisions(tx, layer.Level)
	if err != nil {
		return err
	}
	byName := map[string]string{}
	byParent := map[string][]storedDivision{}
	nameOf := map[string]string{}
	for _, e := range existing {
		byName[e.Parent+"|"+foldName(e.Name)] = e.Code
		byParent[e.Parent] = append(byParent[e.Parent], e)
		nameOf[e.Code] = e.Name
	}
	claimed := map[string]bool{}
	var pending []*geo.Feature
	for i := range layer.Features {
		f := &layer.Features[i]
		if code, ok := byName[f.ParentCode+"|"+foldName(f.Name)]; ok && !claimed[code] {
			f.Code, f.Name, claimed[code] = code, nameOf[code], true
		} else {
			pending = append(pending, f)
		}
	}
	var stored *geo.Index // polygons of this level, read when needed
	for _, f := range pending {
		code := ""
		if lostLetters(f.Name) {
			for _, e := range byParent[f.ParentCode] {
				if !claimed[e.Code] && wildcardName(f.Name, e.Name) {
					if code != "" { // ambiguous
						code = ""
						break
					}
					code = e.Code
				}
			}
		}
		if code == "" && len(existing) > 0 {
			if stored == nil {
				features, err := write.StoredBoundaries(tx, layer.Level.String())
				if err != nil {
					return err
				}
				stored = geo.NewIndex(features)
			}
			if s, ok := stored.Locate(f.Geometry.InteriorPoint()); ok && !claimed[s.Code] && s.ParentCode == f.ParentCode {
				if _, known := nameOf[s.Code]; known {
					code = s.Code
				}
			}
		}
		if code == "" {
			continue
		}
		f.Code, f.Name, claimed[code] = code, nameOf[code], true
	}
	for i := range layer.Features {
		if f := &layer.Features[i]; f.Level == geo.Departement {
			f.DepartementCode = f.Code
		}
	}
	return nil
}

// adoptGeoBoundariesDivisions is matchGeoBoundaries the other way round:
// our layer arriving over divisions that a geoBoundaries import created
// (their codes are shapeIDs). A feature whose code is not stored takes
// over the stray division under the same parent with the same name (a "?"
// in the stray's name standing for any one letter) or whose stored polygon
// contains the feature's interior point: the division is given our code,
// and the import then brings our name and polygon to it. Without this, the
// official layer would add every division a second time.
func adoptGeoBoundariesDivisions(tx core.App, layer *geo.Layer) error {
	existing, err := storedDivisions(tx, layer.Level)
	if err != nil {
		return err
	}
	inLayer := map[string]bool{}
	for _, f := range layer.Features {
		inLayer[f.Code] = true
	}
	stored := map[string]bool{}
	strays := map[string]storedDivision{} // code → division the layer does not name
	for _, d := range existing {
		stored[d.Code] = true
		if !inLayer[d.Code] {
			strays[d.Code] = d
		}
	}
	if len(strays) == 0 {
		return nil
	}
	var polygons *geo.Index // of the strays, read when needed
	for _, f := range layer.Features {
		if stored[f.Code] {
			continue
		}
		code := ""
		for _, d := range strays {
			if d.Parent == f.ParentCode && (foldName(d.Name) == foldName(f.Name) || lostLetters(d.Name) && wildcardName(d.Name, f.Name)) {
				if code != "" { // ambiguous
					code = ""
					break
				}
				code = d.Code
			}
		}
		if code == "" && len(f.Geometry) > 0 {
			if polygons == nil {
				features, err := write.StoredBoundaries(tx, layer.Level.String())
				if err != nil {
					return err
				}
				features = slices.DeleteFunc(features, func(b geo.Feature) bool { _, stray := strays[b.Code]; return !stray })
				polygons = geo.NewIndex(features)
			}
			if b, ok := polygons.Locate(f.Geometry.InteriorPoint()); ok && strays[b.Code].Parent == f.ParentCode {
				code = b.Code
			}
		}
		if code == "" {
			continue
		}
		if err := renameDivision(tx, layer.Level, code, f.Code); err != nil {
			return err
		}
		delete(strays, code)
		stored[f.Code] = true
	}
	return nil
}

// renameDivision gives the division of level with code from the code to,
// and its stored polygon with it.
func renameDivision(tx core.App, level geo.Level, from, to string) error {
	rec, err := tx.FindFirstRecordByData(divisionCollection[level], "code", from)
	if err != nil {
		return err
	}
	rec.Set("code", to)
	if err := tx.Save(rec); err != nil {
		return err
	}
	b, err := tx.FindFirstRecordByFilter("boundaries", "level = {:l} && code = {:c}", dbx.Params{"l": level.String(), "c": from})
	if err != nil {
		return nil // no polygon stored
	}
	b.Set("code", to)
	return tx.Save(b)
}

// storedDivision is a division in the database with its parent's code.
type storedDivision struct{ Code, Name, Parent string }

// storedDivisions are the divisions of level in the database, each with
// the code of its parent ("" for départements).
func storedDivisions(tx core.App, level geo.Level) ([]storedDivision, error) {
	parentCol := map[geo.Level]string{geo.Departement: "''", geo.Commune: "(SELECT code FROM departements WHERE id = t.departement)", geo.Arrondissement: "(SELECT code FROM communes WHERE id = t.commune)"}[level]
	var out []storedDivision
	err := tx.DB().NewQuery(`SELECT code, name, ` + parentCol + ` AS parent FROM ` + divisionCollection[level] + ` t`).All(&out)
	return out, err
}

// lostLetters reports whether a name has letters replaced by "?" or U+FFFD.
func lostLetters(name string) bool { return strings.ContainsAny(name, "?\uFFFD") }

// wildcardName compares a name with lost letters to a stored one: equal
// once folded, where each "?" or U+FFFD stands for any one letter.
func wildcardName(lossy, name string) bool {
	a, b := []rune(foldName(lossy)), []rune(foldName(name))
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] && a[i] != '?' && a[i] != '\uFFFD' {
			return false
		}
	}
	return true
}

// foldName compares names across sources: "Sèmè-Kpodji" = "SEME KPODJI".
func foldName(s string) string {
	t := transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
	out, _, _ := transform.String(t, s)
	out = strings.ToLower(out)
	out = strings.NewReplacer("-", " ", "'", " ", "’", " ").Replace(out)
	return strings.Join(strings.Fields(out), " ")
}

// errMalformedCSV is wrapped by every error of readDivisionsCSV; it is a
// geo.ErrMalformed whose message does not speak of GeoJSON.
var errMalformedCSV = &malformedCSV{}

type malformedCSV struct{}

func (*malformedCSV) Error() string        { return "malformed CSV" }
func (*malformedCSV) Is(target error) bool { return target == geo.ErrMalformed }

// readDivisionsCSV reads departements.csv, communes.csv or
// arrondissements.csv of our layout: codes, names, parents and an inner
// point, without polygons.
func readDivisionsCSV(r io.Reader) (*geo.Layer, map[string]geo.Point, error) {
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
	layer := &geo.Layer{Layout: layoutCSV}
	centers := map[string]geo.Point{}
	seen := map[string]bool{}
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, nil, fmt.Errorf("%w: line %d: %v", errMalformedCSV, line, err)
		}
		f := geo.Feature{Code: get(rec, "code"), Name: get(rec, "name"), ParentCode: get(rec, "parent_code"),
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
			f.Level = geo.Arrondissement
		case len(f.Code) == 6:
			f.Level = geo.Commune
		case len(f.Code) == 4:
			f.Level, f.DepartementCode, f.ParentCode = geo.Departement, f.Code, ""
		default:
			return nil, nil, fmt.Errorf("%w: line %d: code %q is not a département (BJ01), commune (BJ0101) or arrondissement (BJ0101-01) code", errMalformedCSV, line, f.Code)
		}
		if f.Level == geo.Commune && f.DepartementCode == "" {
			f.DepartementCode = f.ParentCode
		}
		if layer.Level == 0 && len(layer.Features) == 0 {
			layer.Level = f.Level
		} else if f.Level != layer.Level {
			return nil, nil, fmt.Errorf("%w: line %d: mixed levels (%v and %v) in one file", errMalformedCSV, line, layer.Level, f.Level)
		}
		if f.Level != geo.Departement && f.ParentCode == "" {
			return nil, nil, fmt.Errorf("%w: line %d: %v %q has no parent_code", errMalformedCSV, line, f.Level, f.Code)
		}
		if lat, lon := get(rec, "inner_lat"), get(rec, "inner_lon"); lat != "" && lon != "" {
			la, err1 := strconv.ParseFloat(lat, 64)
			lo, err2 := strconv.ParseFloat(lon, 64)
			p := geo.Point{Lat: la, Lon: lo}
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
