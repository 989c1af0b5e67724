// Package geoimport loads administrative divisions and their boundaries
// (`coprosec geo import`): our GeoJSON and CSV layouts and geoBoundaries'.
package geoimport

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"coprosec/hooks/write"
	"coprosec/internal/geo"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"
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
		layer, centers, err = geo.ReadDivisionsCSV(f)
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
		case geo.LayoutCoprosec, geo.LayoutCSV:
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
		byName[e.Parent+"|"+geo.FoldName(e.Name)] = e.Code
		byParent[e.Parent] = append(byParent[e.Parent], e)
		nameOf[e.Code] = e.Name
	}
	claimed := map[string]bool{}
	var pending []*geo.Feature
	for i := range layer.Features {
		f := &layer.Features[i]
		if code, ok := byName[f.ParentCode+"|"+geo.FoldName(f.Name)]; ok && !claimed[code] {
			f.Code, f.Name, claimed[code] = code, nameOf[code], true
		} else {
			pending = append(pending, f)
		}
	}
	var stored *geo.Index // polygons of this level, read when needed
	for _, f := range pending {
		code := ""
		if geo.LostLetters(f.Name) {
			for _, e := range byParent[f.ParentCode] {
				if !claimed[e.Code] && geo.WildcardName(f.Name, e.Name) {
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
			if d.Parent == f.ParentCode && (geo.FoldName(d.Name) == geo.FoldName(f.Name) || geo.LostLetters(d.Name) && geo.WildcardName(d.Name, f.Name)) {
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
