package hooks_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"runtime/pprof"
	"testing"
)

// TestSyncProfile writes CPU profiles of a push and a pull run when
// SYNC_PROFILE names a directory (never in normal runs).
func TestSyncProfile(t *testing.T) {
	dir := os.Getenv("SYNC_PROFILE")
	if dir == "" {
		t.Skip("set SYNC_PROFILE=<dir> to profile push and pull")
	}
	d := newDemoEnv(t)
	tok, _ := d.org.NewAuthToken()
	f, _ := os.Create(dir + "/push.prof")
	pprof.StartCPUProfile(f)
	for i := 0; i < 1000; i += 100 {
		var muts []map[string]any
		for j := i; j < i+100; j++ {
			muts = append(muts, map[string]any{"id": fmt.Sprintf("m%d", j), "collection": "events", "op": "create",
				"record_id": recID("ev", j), "data": d.lawfulEvent(j)})
		}
		res := d.doToken("POST", "/api/sync/push", tok, map[string]any{"device": "bench", "mutations": muts})
		if res.Status != http.StatusOK {
			t.Fatal(res)
		}
	}
	pprof.StopCPUProfile()
	f.Close()
	if mf, err := os.Create(dir + "/push.mem"); err == nil {
		pprof.Lookup("allocs").WriteTo(mf, 0)
		mf.Close()
	}

	seedClones(t, d.env, recID("ev", 0), 20000)
	dtok, _ := d.director.NewAuthToken()
	f, _ = os.Create(dir + "/pull.prof")
	pprof.StartCPUProfile(f)
	cursor := ""
	for {
		code, body, _ := d.rawGet("/api/sync/pull?limit=500&cursor="+cursor, dtok, true)
		if code != 200 {
			t.Fatal(code)
		}
		var page syncPage
		if err := json.Unmarshal(gunzip(t, body), &page); err != nil {
			t.Fatal(err)
		}
		cursor = page.Cursor
		if !page.More {
			break
		}
	}
	pprof.StopCPUProfile()
	f.Close()
}
