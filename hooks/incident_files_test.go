package hooks_test

import (
	"bytes"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/pocketbase/pocketbase/core"
)

// incidentWithPhoto reports an incident with one PNG photo through REST
// multipart, as the field app uploads it, and returns the record's JSON.
func (e *env) incidentWithPhoto(as *core.Record, fields map[string]string) map[string]any {
	e.t.Helper()
	photo := bytes.NewBuffer(testPhoto(e.t))
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, v := range fields {
		if err := mw.WriteField(k, v); err != nil {
			e.t.Fatal(err)
		}
	}
	fw, err := mw.CreateFormFile("photos", "blesse.png")
	if err != nil {
		e.t.Fatal(err)
	}
	fw.Write(photo.Bytes())
	mw.Close()
	token, err := as.NewAuthToken()
	if err != nil {
		e.t.Fatal(err)
	}
	req := httptest.NewRequest("POST", "/api/collections/incidents/records", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", token)
	req.RemoteAddr = "127.0.0.1:5555"
	rec := httptest.NewRecorder()
	e.mux.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		e.t.Fatalf("incident with photo: %d %s", rec.Code, rec.Body)
	}
	var out map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
		e.t.Fatal(err)
	}
	return out
}

// fileToken is a file token of u (POST /api/files/token).
func (e *env) fileToken(u *core.Record) string {
	e.t.Helper()
	res := e.do("POST", "/api/files/token", u, nil)
	tok, _ := res.JSON["token"].(string)
	if res.Status != http.StatusOK || tok == "" {
		e.t.Fatalf("file token: %s", res)
	}
	return tok
}

// TestIncidentPhotosProtected: an incident's photos are served only to
// those who may view the incident, with a file token (issue 12.4).
func TestIncidentPhotosProtected(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	ev := e.rcDeclare(nil) // Cotonou: lead Cotonou, oversight Littoral
	inc := e.incidentWithPhoto(w.officerCotonou, map[string]string{"event": ev, "kind": "violence", "severity": "2",
		"description": "Blessé léger", "occurred_at": testNow.Format("2006-01-02 15:04:05.000Z")})
	files, _ := inc["photos"].([]any)
	if len(files) != 1 {
		t.Fatalf("photos = %v", inc["photos"])
	}
	url := "/api/files/incidents/" + inc["id"].(string) + "/" + files[0].(string)

	if res := e.doToken("GET", url, "", nil); res.Status != http.StatusNotFound {
		t.Fatalf("guest got the photo: %d", res.Status)
	}
	if res := e.do("GET", url, w.officerCotonou, nil); res.Status != http.StatusNotFound {
		t.Fatalf("photo served without a file token: %d", res.Status)
	}
	for _, c := range []struct {
		name string
		u    *core.Record
		want int
	}{
		{"reporter's unit", w.commanderCotonou, http.StatusOK},
		{"reporter", w.officerCotonou, http.StatusOK},
		{"directorate of the unit", w.directorLittoral, http.StatusOK},
		{"ministry", w.ministry, http.StatusOK},
		{"another unit", w.officerCalavi, http.StatusNotFound},
		{"another directorate", w.directorAtlantique, http.StatusNotFound},
		{"the event's party", w.orgA, http.StatusNotFound},
		{"another party", w.orgB, http.StatusNotFound},
	} {
		for _, suffix := range []string{"", "&thumb=320x0"} {
			res := e.doToken("GET", url+"?token="+e.fileToken(c.u)+suffix, "", nil)
			if res.Status != c.want {
				t.Errorf("%s%s: %d, want %d", c.name, suffix, res.Status, c.want)
			}
		}
	}
}
