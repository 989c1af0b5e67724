package hooks_test

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"net/http"
	"slices"
	"testing"
)

// boundaries fetches GET /api/geo/boundaries with query q as user, with
// extra request headers; it returns the answer and its headers (ETag).
func (e *env) boundaries(q string, as *recordT, headers map[string]string) (response, http.Header) {
	e.t.Helper()
	token := ""
	if as != nil {
		var err error
		if token, err = as.NewAuthToken(); err != nil {
			e.t.Fatal(err)
		}
	}
	res := e.doHeaders("GET", "/api/geo/boundaries?"+q, token, nil, headers)
	return res, res.Header
}

type featureCollection struct {
	Type     string `json:"type"`
	Features []struct {
		Type       string            `json:"type"`
		ID         string            `json:"id"`
		Properties map[string]string `json:"properties"`
		Geometry   struct {
			Type        string          `json:"type"`
			Coordinates json.RawMessage `json:"coordinates"`
		} `json:"geometry"`
	} `json:"features"`
}

func decodeFC(t *testing.T, res response) featureCollection {
	t.Helper()
	if res.Status != http.StatusOK {
		t.Fatalf("boundaries: %s", res)
	}
	var fc featureCollection
	if err := json.Unmarshal(res.Body, &fc); err != nil || fc.Type != "FeatureCollection" {
		t.Fatalf("not a FeatureCollection (%v): %.200s", err, res.Body)
	}
	return fc
}

func TestBoundariesRefuseBadParameters(t *testing.T) {
	e := newEnv(t)
	w := e.visWorld()
	if res, _ := e.boundaries("level=commune", nil, nil); res.Status != http.StatusUnauthorized {
		t.Errorf("guest: %s", res)
	}
	for _, c := range []struct{ q, code string }{
		{"", "invalid_level"},
		{"level=canton", "invalid_level"},
		{"level=commune&simplify_m=-1", "invalid_simplify"},
		{"level=commune&simplify_m=abc", "invalid_simplify"},
		{"level=commune&simplify_m=1e9", "invalid_simplify"},
		{"level=commune&simplify_m=99999999999999999999", "invalid_simplify"},
		{"level=commune&within=BJ99", "unknown_division"},
		{"level=commune&within=%00%ff", "unknown_division"},
		{"level=departement&within=BJ0800", "invalid_within"},
		{"level=commune&within=BJ0800-01", "invalid_within"},
	} {
		res, _ := e.boundaries(c.q, w.orgA, nil)
		if res.Status != http.StatusBadRequest || res.code() != c.code {
			t.Errorf("%q: got %s, want 400 %s", c.q, res, c.code)
		}
	}
}

func TestBoundariesLevelsParentsWithinAndETag(t *testing.T) {
	e := newEnv(t)
	w := e.visWorld()

	fc := decodeFC(t, first(e.boundaries("level=commune", w.orgA, nil)))
	got := map[string]map[string]string{}
	for _, f := range fc.Features {
		got[f.ID] = f.Properties
		if f.Geometry.Type != "Polygon" && f.Geometry.Type != "MultiPolygon" {
			t.Errorf("%s: geometry %s", f.ID, f.Geometry.Type)
		}
	}
	if len(got) != 2 || got["BJ0800"]["departement"] != "BJ08" || got["BJ0301"]["departement"] != "BJ03" ||
		got["BJ0301"]["name"] != "Abomey-Calavi" || got["BJ0301"]["code"] != "BJ0301" {
		t.Fatalf("communes: %v", got)
	}
	fc = decodeFC(t, first(e.boundaries("level=arrondissement&within=BJ0301", w.officerCalavi, nil)))
	if len(fc.Features) != 1 || fc.Features[0].Properties["commune"] != "BJ0301" || fc.Features[0].Properties["departement"] != "BJ03" {
		t.Fatalf("arrondissements within BJ0301: %+v", fc.Features)
	}
	for q, want := range map[string][]string{
		"level=commune&within=BJ03":     {"BJ0301"},
		"level=departement&within=BJ08": {"BJ08"},
		"level=commune&within=BJ0304":   {}, // Ouidah: known, no polygon stored
	} {
		var ids []string
		for _, f := range decodeFC(t, first(e.boundaries(q, w.ministry, nil))).Features {
			ids = append(ids, f.ID)
		}
		if !slices.Equal(ids, want) && len(ids)+len(want) > 0 {
			t.Errorf("%s: %v, want %v", q, ids, want)
		}
	}

	// cacheable: the same layer answers the same ETag, a match is a 304
	res, h := e.boundaries("level=commune", w.orgA, nil)
	etag := h.Get("ETag")
	if etag == "" || h.Get("Cache-Control") == "" {
		t.Fatalf("no ETag or Cache-Control: %v", h)
	}
	res2, h2 := e.boundaries("level=commune", w.directorLittoral, map[string]string{"If-None-Match": etag})
	if res2.Status != http.StatusNotModified || len(res2.Body) != 0 || h2.Get("ETag") != etag {
		t.Fatalf("If-None-Match %s: %d %q", etag, res2.Status, res2.Body)
	}
	if res3, _ := e.boundaries("level=commune", w.orgA, map[string]string{"If-None-Match": `W/"other", ` + etag}); res3.Status != http.StatusNotModified {
		t.Errorf("If-None-Match list: %d", res3.Status)
	}
	if len(res.Body) == 0 {
		t.Fatal("empty answer")
	}

	// a boundary edited: another layer, another ETag, the old one no longer matches
	b, err := e.app.FindFirstRecordByFilter("boundaries", "level = 'commune' && code = 'BJ0301'")
	if err != nil {
		t.Fatal(err)
	}
	b.Set("geometry", visSquare(6.40, 6.56))
	if err := e.app.Save(b); err != nil {
		t.Fatal(err)
	}
	res5, h5 := e.boundaries("level=commune", w.orgA, map[string]string{"If-None-Match": etag})
	if res5.Status != http.StatusOK || h5.Get("ETag") == etag {
		t.Fatalf("after an edit: %d, ETag %s (was %s)", res5.Status, h5.Get("ETag"), etag)
	}
}

func first(r response, _ http.Header) response { return r }

// TestBoundariesBenin serves the real layers: a commune asked alone is
// exactly the same polygon as in the whole layer (the layer is simplified
// whole, so neighbours asked apart fit together), simplified below the
// raw size; and it logs the bytes of one commune, one département and the
// country at the default tolerance (docs/BENCHMARKS.md).
func TestBoundariesBenin(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	e.importBenin()

	whole := decodeFC(t, first(e.boundaries("level=commune", w.ministry, nil)))
	if len(whole.Features) != 77 {
		t.Fatalf("%d communes", len(whole.Features))
	}
	byCode := map[string]string{}
	for _, f := range whole.Features {
		byCode[f.ID] = string(f.Geometry.Coordinates)
	}
	for _, code := range []string{"BJ0301", "BJ0800", "BJ0101"} {
		alone := decodeFC(t, first(e.boundaries("level=commune&within="+code, w.orgA, nil)))
		if len(alone.Features) != 1 || string(alone.Features[0].Geometry.Coordinates) != byCode[code] {
			t.Errorf("%s alone differs from %s in the whole layer", code, code)
		}
	}
	arrs := decodeFC(t, first(e.boundaries("level=arrondissement&within=BJ01", w.ministry, nil)))
	if len(arrs.Features) != 41 {
		t.Errorf("Alibori: %d arrondissements, want 41", len(arrs.Features))
	}

	size := func(q string) (raw, gz int) {
		res, _ := e.boundaries(q, w.ministry, nil)
		if res.Status != http.StatusOK {
			t.Fatalf("%s: %s", q, res)
		}
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.DefaultCompression)
		zw.Write(res.Body)
		zw.Close()
		return len(res.Body), buf.Len()
	}
	for _, q := range []string{
		"level=commune&within=BJ0301", "level=departement&within=BJ03", "level=departement",
		"level=commune", "level=arrondissement&within=BJ0301", "level=arrondissement",
		"level=departement&simplify_m=0", "level=commune&simplify_m=0", "level=arrondissement&simplify_m=0",
		"level=departement&simplify_m=1000",
	} {
		raw, gz := size(q)
		t.Logf("%-40s raw %7d B  gzip %7d B", q, raw, gz)
	}
	// the simplified country is smaller than the raw one
	raw100, _ := size("level=departement")
	raw0, _ := size("level=departement&simplify_m=0")
	if raw100 >= raw0 {
		t.Errorf("country: %d B simplified, %d B raw", raw100, raw0)
	}
	// gzip is served to clients that accept it
	res, h := e.boundaries("level=departement", w.ministry, map[string]string{"Accept-Encoding": "gzip"})
	if res.Status != http.StatusOK || h.Get("Content-Encoding") != "gzip" {
		t.Errorf("gzip: %d %v", res.Status, h.Get("Content-Encoding"))
	}
}
