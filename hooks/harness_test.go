package hooks_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"coprosec/hooks"
	_ "coprosec/migrations"

	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"
	"github.com/pocketbase/pocketbase/tools/router"
)

// templateDir is a data dir migrated once in TestMain and cloned per test.
var templateDir string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "coprosec-template-")
	if err != nil {
		panic(err)
	}
	app := core.NewBaseApp(core.BaseAppConfig{DataDir: dir})
	if err := app.Bootstrap(); err != nil {
		panic(err)
	}
	// as in production, the hooks are bound while migrations run, so the
	// seed is in the sync change log like any other write
	hooks.MustRegister(app, nil, hooks.Config{})
	if err := app.RunAllMigrations(); err != nil {
		panic(err)
	}
	if err := app.ClearBootstrap(); err != nil {
		panic(err)
	}
	templateDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	if binary.path != "" {
		os.RemoveAll(filepath.Dir(binary.path))
	}
	os.Exit(code)
}

// testNow is the fixed clock of the tests: mid-campaign, 10:00 local.
var testNow = time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)

// env is one test app with Coprosec registered and its router built.
type env struct {
	t   testing.TB
	app *tests.TestApp
	svc *hooks.Parts
	mux http.Handler
	now time.Time
	w   *world
}

func newEnv(t testing.TB) *env {
	t.Helper()
	app, err := tests.NewTestApp(templateDir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(app.Cleanup)
	e := &env{t: t, app: app, now: testNow}
	e.svc = hooks.MustRegister(app, nil, hooks.Config{Now: func() time.Time { return e.now }})

	router, err := apis.NewRouter(app)
	if err != nil {
		t.Fatal(err)
	}
	se := &core.ServeEvent{App: app, Router: router}
	err = app.OnServe().Trigger(se, func(se *core.ServeEvent) error {
		mux, err := se.Router.BuildMux()
		e.mux = mux
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// response is a decoded JSON reply.
type response struct {
	Status int
	Body   []byte
	JSON   map[string]any
	Header http.Header
}

func (r response) String() string { return fmt.Sprintf("%d %s", r.Status, r.Body) }

// code returns the stable error code of a 400 body: data.code or the
// code of the first field in data.
func (r response) code() string {
	data, _ := r.JSON["data"].(map[string]any)
	if c, ok := data["code"].(string); ok {
		return c
	}
	for _, v := range data {
		if m, ok := v.(map[string]any); ok {
			if c, ok := m["code"].(string); ok {
				return c
			}
		}
	}
	return ""
}

// recordT shortens fixture signatures.
type recordT = core.Record

// ids returns the ids of the items of a list response.
func ids(r response) map[string]bool {
	out := map[string]bool{}
	items, _ := r.JSON["items"].([]any)
	for _, it := range items {
		if m, ok := it.(map[string]any); ok {
			out[m["id"].(string)] = true
		}
	}
	return out
}

// do sends one request as the given user (nil = guest).
func (e *env) do(method, url string, as *core.Record, body any) response {
	e.t.Helper()
	token := ""
	if as != nil {
		var err error
		if token, err = as.NewAuthToken(); err != nil {
			e.t.Fatal(err)
		}
	}
	return e.doToken(method, url, token, body)
}

// doToken sends one request with a raw auth token ("" = guest).
func (e *env) doToken(method, url, token string, body any) response {
	e.t.Helper()
	return e.doHeaders(method, url, token, body, nil)
}

// doHeaders is doToken with extra request headers (Accept-Language).
func (e *env) doHeaders(method, url, token string, body any, headers map[string]string) response {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		rd = bytes.NewReader(raw)
	}
	req := httptest.NewRequest(method, url, rd)
	req.Header.Set("Content-Type", "application/json")
	req.RemoteAddr = "127.0.0.1:5555"
	if token != "" {
		req.Header.Set("Authorization", token)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	e.mux.ServeHTTP(rec, req)
	res := response{Status: rec.Code, Body: rec.Body.Bytes(), Header: rec.Header()}
	_ = json.Unmarshal(res.Body, &res.JSON)
	return res
}

// save creates a record through Go (the app.Save path), failing the test
// on error.
func (e *env) save(collection string, data map[string]any) *core.Record {
	e.t.Helper()
	r, err := e.trySave(collection, data)
	if err != nil {
		e.t.Fatalf("save %s %v: %v", collection, data, err)
	}
	return r
}

func (e *env) trySave(collection string, data map[string]any) (*core.Record, error) {
	c, err := e.app.FindCollectionByNameOrId(collection)
	if err != nil {
		return nil, err
	}
	r := core.NewRecord(c)
	if c.IsAuth() {
		if pw, ok := data["password"].(string); ok {
			r.SetPassword(pw)
			delete(data, "password")
		}
	}
	r.Load(data)
	return r, e.app.Save(r)
}

func (e *env) byCode(collection, code string) *core.Record {
	e.t.Helper()
	r, err := e.app.FindFirstRecordByData(collection, "code", code)
	if err != nil {
		e.t.Fatalf("%s %s: %v", collection, code, err)
	}
	return r
}

// sharedData is ../shared/data/benin, or COPROSEC_SHARED_DATA.
func sharedData(t testing.TB) string {
	t.Helper()
	dir := os.Getenv("COPROSEC_SHARED_DATA")
	if dir == "" {
		dir = filepath.Join("..", "..", "shared", "data", "benin")
	}
	if _, err := os.Stat(filepath.Join(dir, "arrondissements.geojson")); err != nil {
		t.Skipf("reference boundaries not found in %s (set COPROSEC_SHARED_DATA): %v", dir, err)
	}
	return dir
}

// apiErrorData renders the data of an *router.ApiError inside err.
func apiErrorData(err error) string {
	var apiErr *router.ApiError
	if errors.As(err, &apiErr) {
		b, _ := json.Marshal(apiErr.Data)
		return string(b)
	}
	return ""
}
