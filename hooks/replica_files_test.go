package hooks_test

import (
	"bytes"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"coprosec/hooks/routes"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
)

// TestReplicaCarriesUploadedFiles: an incident photo (pb_data/storage, not
// in SQLite) reaches the replica, file:// and s3:// alike; the incident
// is not durable until its photo is there (over S3, photo uploads are
// refused for a while and durable_seq stays below the incident's written
// seq); after the disk is lost, restore brings the photo back and the
// restored server serves it.
func TestReplicaCarriesUploadedFiles(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the server binary")
	}
	bin := coprosecBinary(t)
	for _, kind := range []string{"file", "s3"} {
		t.Run(kind, func(t *testing.T) {
			tmp := t.TempDir()
			var env []string
			var replica string
			var mu sync.Mutex
			blockFiles := false
			if kind == "file" {
				replica = "file://" + filepath.Join(tmp, "replica")
			} else {
				backend := s3mem.New()
				if err := backend.CreateBucket("photos"); err != nil {
					t.Fatal(err)
				}
				faker := gofakes3.New(backend).Server()
				ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					mu.Lock()
					blocked := blockFiles && r.Method == http.MethodPut && strings.Contains(r.URL.Path, "/storage/")
					mu.Unlock()
					if blocked {
						http.Error(w, "unavailable", http.StatusServiceUnavailable)
						return
					}
					faker.ServeHTTP(w, r)
				}))
				t.Cleanup(ts.Close)
				env = []string{"AWS_ACCESS_KEY_ID=k", "AWS_SECRET_ACCESS_KEY=s", "AWS_CA_BUNDLE="}
				replica = "s3://photos/prod/db?endpoint=" + url.QueryEscape(ts.URL) + "&region=us-east-1"
				blockFiles = true
			}
			s := &crashServer{t: t, bin: bin, dir: filepath.Join(tmp, "pb_data"), args: []string{"--replica", replica}, env: env}
			s.start()
			t.Cleanup(s.kill)
			token, _ := s.signIn("commissaire.cotonou@demo.coprosec.bj")

			photo := testPhoto(t)
			// an incident at an event in Cotonou (no boundaries here to place a point)
			otoken, ouser := s.signIn("organisateur.br@demo.coprosec.bj")
			w := loadDrillWorld(t, s, otoken)
			var ev struct {
				ID string `json:"id"`
			}
			data := w.event(&replicaPhone{name: "ph", user: ouser, commune: w.communes["BJ0800"]}, 0)["data"]
			if _, err := s.call("POST", "/api/collections/events/records", otoken, data, &ev); err != nil {
				t.Fatal(err)
			}
			incident, written := postIncidentWithPhoto(t, s, token, ev.ID, photo)
			durableSeq := func() int64 {
				var page struct {
					DurableSeq int64 `json:"durable_seq"`
				}
				if _, err := s.call("GET", "/api/sync/pull?limit=1", token, nil, &page); err != nil {
					t.Fatal(err)
				}
				return page.DurableSeq
			}
			if kind == "s3" {
				// the database reaches S3, the photo cannot: not durable
				time.Sleep(3 * time.Second)
				if d := durableSeq(); d >= written {
					t.Fatalf("durable_seq %d covers the incident (seq %d) while its photo is not on the replica", d, written)
				}
				mu.Lock()
				blockFiles = false
				mu.Unlock()
			}
			for deadline := time.Now().Add(30 * time.Second); durableSeq() < written; time.Sleep(200 * time.Millisecond) {
				if time.Now().After(deadline) {
					t.Fatalf("the incident never became durable:\n%s", s.log.String())
				}
			}

			// the disk is lost
			s.kill()
			if err := os.RemoveAll(s.dir); err != nil {
				t.Fatal(err)
			}
			out, err := runCoprosec(t, bin, env, "restore", "--dir", s.dir, "--replica", replica)
			if err != nil {
				t.Fatalf("restore: %v\n%s", err, out)
			}
			if !strings.Contains(out, " 1 uploaded files") {
				t.Errorf("restore did not report the photo: %s", out)
			}
			s2 := &crashServer{t: t, bin: bin, dir: s.dir, noDemo: true}
			s2.start()
			t.Cleanup(s2.kill)
			token, _ = s2.signIn("commissaire.cotonou@demo.coprosec.bj")
			var rec struct {
				Photos []string `json:"photos"`
			}
			if _, err := s2.call("GET", "/api/collections/incidents/records/"+incident, token, nil, &rec); err != nil || len(rec.Photos) != 1 {
				t.Fatalf("restored incident: %+v %v", rec, err)
			}
			var ft struct {
				Token string `json:"token"`
			}
			if _, err := s2.call("POST", "/api/files/token", token, nil, &ft); err != nil {
				t.Fatal(err)
			}
			res, err := http.Get(s2.base + "/api/files/incidents/" + incident + "/" + rec.Photos[0] + "?token=" + ft.Token)
			if err != nil {
				t.Fatal(err)
			}
			got, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != http.StatusOK || !bytes.Equal(got, photo) {
				t.Fatalf("the restored photo: %d, %d bytes (want %d)", res.StatusCode, len(got), len(photo))
			}
		})
	}
}

// testPhoto is a small PNG, for incident photo uploads.
func testPhoto(t testing.TB) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 40, 30))
	for x := range 40 {
		img.Set(x, x%30, color.RGBA{R: uint8(6 * x), G: 90, A: 255})
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// postIncidentWithPhoto reports an incident with one photo through REST
// multipart: its id and the written seq its answer carries.
func postIncidentWithPhoto(t *testing.T, s *crashServer, token, event string, photo []byte) (string, int64) {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	payload, _ := json.Marshal(map[string]any{"kind": "obstruction", "severity": 2, "description": "Barrage sur la voie",
		"event":       event,
		"occurred_at": time.Now().UTC().Add(-time.Minute).Format("2006-01-02 15:04:05.000Z")})
	mw.WriteField("@jsonPayload", string(payload))
	fw, _ := mw.CreateFormFile("photos", "barrage.png")
	fw.Write(photo)
	mw.Close()
	req, _ := http.NewRequest("POST", s.base+"/api/collections/incidents/records", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("incident with photo: %d %s", res.StatusCode, raw)
	}
	var out struct {
		ID string `json:"id"`
	}
	json.Unmarshal(raw, &out)
	written, err := strconv.ParseInt(res.Header.Get(routes.HeaderWrittenSeq), 10, 64)
	if err != nil || out.ID == "" {
		t.Fatalf("incident answer: %s (written seq %q)", raw, res.Header.Get(routes.HeaderWrittenSeq))
	}
	return out.ID, written
}
