package hooks_test

import (
	"fmt"
	"net/http"
	"os"
	"runtime/pprof"
	"testing"
)

func TestSyncProfPush(t *testing.T) {
	if os.Getenv("PROF") == "" {
		t.Skip()
	}
	d := newDemoEnv(t)
	tok, _ := d.org.NewAuthToken()
	f, _ := os.Create("/root/syncscratch/pushonly.prof")
	pprof.StartCPUProfile(f)
	for i := 0; i < 2000; i += 100 {
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
}
