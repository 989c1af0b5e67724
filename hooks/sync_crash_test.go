package hooks_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"syscall"
	"testing"
	"time"
)

// crashServer is the real coprosec binary serving a data dir.
type crashServer struct {
	t    *testing.T
	bin  string
	dir  string
	base string
	cmd  *exec.Cmd
	log  bytes.Buffer
	// args and env are added to serve's (a replica, its credentials)
	args []string
	env  []string
	// noDemo serves without --demo (a restored database)
	noDemo bool
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func (s *crashServer) start() {
	s.t.Helper()
	addr := freeAddr(s.t)
	s.base = "http://" + addr
	args := []string{"serve", "--dir", s.dir, "--http", addr}
	if !s.noDemo {
		args = append(args, "--demo")
	}
	s.cmd = exec.Command(s.bin, append(args, s.args...)...)
	s.cmd.Dir = filepath.Dir(s.dir)
	s.cmd.Env = append(os.Environ(), s.env...)
	s.log.Reset()
	s.cmd.Stdout, s.cmd.Stderr = &s.log, &s.log
	if err := s.cmd.Start(); err != nil {
		s.t.Fatal(err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		res, err := http.Get(s.base + "/api/health")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	s.kill()
	s.t.Fatalf("the server did not start:\n%s", s.log.String())
}

func (s *crashServer) kill() {
	if s.cmd != nil && s.cmd.Process != nil {
		_ = s.cmd.Process.Signal(syscall.SIGKILL)
		_ = s.cmd.Wait()
		s.cmd = nil
	}
}

// call sends a JSON request and decodes the JSON answer into out.
func (s *crashServer) call(method, path, token string, body, out any) (int, error) {
	var rd io.Reader
	if body != nil {
		raw, _ := json.Marshal(body)
		rd = bytes.NewReader(raw)
	}
	req, _ := http.NewRequest(method, s.base+path, rd)
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", token)
	}
	client := &http.Client{Timeout: 5 * time.Minute}
	res, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	if out != nil && len(raw) > 0 {
		if err := json.Unmarshal(raw, out); err != nil {
			return res.StatusCode, fmt.Errorf("%v: %s", err, raw)
		}
	}
	if res.StatusCode >= 300 {
		return res.StatusCode, fmt.Errorf("%s %s: %d %s", method, path, res.StatusCode, raw)
	}
	return res.StatusCode, nil
}

func (s *crashServer) signIn(email string) (string, map[string]any) {
	s.t.Helper()
	var out struct {
		Token  string         `json:"token"`
		Record map[string]any `json:"record"`
	}
	if _, err := s.call("POST", "/api/collections/users/auth-with-password", "", map[string]any{"identity": email, "password": "coprosec-demo"}, &out); err != nil {
		s.t.Fatal(err)
	}
	return out.Token, out.Record
}

func (s *crashServer) list(path, token string) []map[string]any {
	s.t.Helper()
	var all []map[string]any
	for page := 1; ; page++ {
		var out struct {
			Items []map[string]any `json:"items"`
		}
		sep := "?"
		if bytes.ContainsRune([]byte(path), '?') {
			sep = "&"
		}
		if _, err := s.call("GET", fmt.Sprintf("%s%sperPage=500&skipTotal=1&page=%d", path, sep, page), token, nil, &out); err != nil {
			s.t.Fatal(err)
		}
		all = append(all, out.Items...)
		if len(out.Items) < 500 {
			return all
		}
	}
}

// goTool is the go command of the toolchain running the test.
func goTool() string {
	if p := filepath.Join(runtime.GOROOT(), "bin", "go"); fileExists(p) {
		return p
	}
	return "go"
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// Killing the server (SIGKILL) while a phone pushes its changes batch after
// batch, restarting it and sending the batches again applies every
// mutation exactly once.
func TestSyncCrashDuringPush(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the server binary")
	}
	tmp := t.TempDir()
	bin := filepath.Join(tmp, "coprosec")
	build := exec.Command(goTool(), "build", "-o", bin, ".")
	build.Dir = ".."
	build.Env = append(os.Environ(), "GOTOOLCHAIN="+runtime.Version())
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	s := &crashServer{t: t, bin: bin, dir: filepath.Join(tmp, "pb_data")}
	s.start()
	t.Cleanup(s.kill)

	token, org := s.signIn("organisateur.br@demo.coprosec.bj")
	var elections struct {
		Items []struct {
			ID            string `json:"id"`
			CampaignStart string `json:"campaign_start"`
			CampaignEnd   string `json:"campaign_end"`
		} `json:"items"`
	}
	if _, err := s.call("GET", "/api/collections/elections/records?filter="+url.QueryEscape("active = true"), token, nil, &elections); err != nil || len(elections.Items) != 1 {
		t.Fatalf("demo election: %v %+v", err, elections)
	}
	el := elections.Items[0]
	end, err := time.Parse("2006-01-02 15:04:05.000Z", el.CampaignEnd)
	if err != nil {
		t.Fatal(err)
	}
	communes := s.list("/api/collections/communes/records?filter="+url.QueryEscape("code = 'BJ0800'"), token)
	if len(communes) != 1 {
		t.Fatalf("Cotonou: %v", communes)
	}
	cotonou := communes[0]["id"].(string)

	// 400 lawful meetings: 08:00–20:00 local (UTC+1) on the campaign days
	// after today, all inside the campaign
	loc := time.FixedZone("WAT", 3600)
	today := time.Now().In(loc)
	first := time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, loc).AddDate(0, 0, 1)
	days := int(end.Sub(first).Hours()/24) - 1
	if days < 2 {
		t.Fatalf("campaign ends %v: too few days left", end)
	}
	const n = 400
	var muts []map[string]any
	for i := 0; i < n; i++ {
		start := first.AddDate(0, 0, i%days).Add(time.Duration(8+i%12) * time.Hour).Add(time.Duration(i%4) * 10 * time.Minute)
		muts = append(muts, map[string]any{
			"id": fmt.Sprintf("crash-%d", i), "collection": "events", "op": "create", "record_id": fmt.Sprintf("crashevent%05d", i),
			"data": map[string]any{
				"party": org["party"], "election": el.ID, "kind": "meeting", "title": fmt.Sprint("Meeting ", i),
				"place": "Place de l'Étoile rouge", "commune": cotonou,
				"starts_at": start.UTC().Format(time.RFC3339), "ends_at": start.Add(time.Hour).UTC().Format(time.RFC3339),
			},
		})
	}
	// the phone sends its 400 changes in batches of 100, one after the other
	const perBatch = 100
	var batches []map[string]any
	for i := 0; i < n; i += perBatch {
		batches = append(batches, map[string]any{"device": "crash-phone", "mutations": muts[i : i+perBatch]})
	}
	applied := func() int {
		var out struct {
			TotalItems int `json:"totalItems"`
		}
		if _, err := s.call("GET", "/api/collections/events/records?perPage=1&filter="+url.QueryEscape("id ~ 'crashevent'"), token, nil, &out); err != nil {
			t.Fatal(err)
		}
		return out.TotalItems
	}

	// send, and kill the server once at least one batch is in: the next
	// one is in flight (a batch is one transaction, applied whole or not
	// at all; killed after its commit, it is answered from its stored
	// results on the resend)
	done := make(chan error, 1)
	go func() {
		for _, b := range batches {
			if _, err := s.call("POST", "/api/sync/push", token, b, nil); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	killedAt := -1
	for deadline := time.Now().Add(2 * time.Minute); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if k := applied(); k >= perBatch && k < n {
			s.kill()
			killedAt = k
			break
		}
	}
	if killedAt < 0 {
		t.Fatalf("the push did not progress:\n%s", s.log.String())
	}
	if err := <-done; err == nil {
		t.Fatalf("every batch was answered although the server was killed (%d applied when killed)", killedAt)
	}

	s.start()
	before := applied()
	if before <= 0 || before >= n {
		t.Fatalf("%d of %d mutations applied before the crash: not in the middle of the pushes", before, n)
	}
	token, _ = s.signIn("organisateur.br@demo.coprosec.bj")
	for bi, b := range batches {
		var resp struct {
			Results []struct {
				ID     string         `json:"id"`
				Status string         `json:"status"`
				Record map[string]any `json:"record"`
				Error  map[string]any `json:"error"`
			} `json:"results"`
		}
		if _, err := s.call("POST", "/api/sync/push", token, b, &resp); err != nil {
			t.Fatal(err)
		}
		if len(resp.Results) != perBatch {
			t.Fatalf("%d results", len(resp.Results))
		}
		for j, r := range resp.Results {
			i := bi*perBatch + j
			if r.ID != muts[i]["id"] || r.Status != "applied" || r.Record["id"] != muts[i]["record_id"] {
				t.Fatalf("result %d on the resend: %+v", i, r)
			}
		}
	}
	if got := applied(); got != n {
		t.Fatalf("%d events after the resend, want %d", got, n)
	}
	// each create took effect once: one audited creation per event
	mtoken, _ := s.signIn("dppae@demo.coprosec.bj")
	creations := map[string]int{}
	for _, a := range s.list("/api/collections/audit/records?filter="+url.QueryEscape("collection = 'events' && action = 'create' && record ~ 'crashevent'"), mtoken) {
		creations[a["record"].(string)]++
	}
	for i := 0; i < n; i++ {
		if c := creations[fmt.Sprintf("crashevent%05d", i)]; c != 1 {
			t.Fatalf("event %d created %d times", i, c)
		}
	}
	t.Logf("killed with %d of %d applied (%d seen after restart); the resend applied the rest", killedAt, n, before)
}
