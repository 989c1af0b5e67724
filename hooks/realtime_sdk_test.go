package hooks_test

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestRealtimeOfficialSDK runs sdk/realtime_sdk.mjs: the official PocketBase
// JavaScript SDK (with the `eventsource` package on Node 20) signs in as a
// commander, subscribes, and receives the event an organizer declares; a
// commander of another unit receives nothing. Needs `node` and
// `cd sdk && npm ci`.
func TestRealtimeOfficialSDK(t *testing.T) {
	// CI sets COPROSEC_REQUIRE_INTEROP=1: there a missing Node or
	// npm install fails the test instead of skipping it.
	skip := t.Skipf
	if os.Getenv("COPROSEC_REQUIRE_INTEROP") != "" {
		skip = t.Fatalf
	}
	node, err := exec.LookPath("node")
	if err != nil {
		skip("node not found: install Node.js 20+ to run the JavaScript SDK check")
	}
	sdkDir, _ := filepath.Abs(filepath.Join("..", "sdk"))
	for _, dep := range []string{"pocketbase", "eventsource"} {
		if _, err := os.Stat(filepath.Join(sdkDir, "node_modules", dep)); err != nil {
			skip("sdk/node_modules/%s missing: run `cd sdk && npm ci` to run the JavaScript SDK check", dep)
		}
	}

	e := newEnv(t)
	w := e.world()
	srv := rtServer(e)
	ev := e.meeting(w.partyA, map[string]any{"title": "Meeting vu par le SDK"})
	for k, v := range ev {
		if tm, ok := v.(time.Time); ok {
			ev[k] = tm.UTC().Format("2006-01-02 15:04:05.000Z")
		}
	}
	cfg, _ := json.Marshal(map[string]any{
		"password": testPassword, "commander": w.commanderCotonou.Email(), "otherCommander": w.commanderCalavi.Email(),
		"organizer": w.orgA.Email(), "event": ev,
	})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "realtime_sdk.mjs")
	cmd.Dir = sdkDir
	cmd.Env = append(os.Environ(), "PB_URL="+srv.URL, "SDK_CONFIG="+string(cfg))
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("node realtime_sdk.mjs: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), `"ok":true`) {
		t.Fatalf("unexpected output: %s", out)
	}
	t.Logf("%s", strings.TrimSpace(string(out)))
}
