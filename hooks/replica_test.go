package hooks_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
)

// replicaPhone is a field phone speaking the durability protocol of
// README's "Sync" notes: it keeps each applied mutation until an answer of
// the same epoch has durable_seq at or above the written_seq of the push
// that applied it, and sends again the ones it kept from another epoch.
type replicaPhone struct {
	name, email string
	token       string
	user        map[string]any
	commune     string

	mu       sync.Mutex
	outbox   []map[string]any
	kept     []keptMutation
	applied  map[string]time.Time // mutation id → when the server first said applied
	recordOf map[string]string    // mutation id → record id
	cursor   string
	replica  map[string]map[string]any // events id → record
	resets   int
	resent   int
	retried  int // answered internal_error (transient) and sent again
}

type keptMutation struct {
	mut     map[string]any
	epoch   string
	written int64
}

type durableAnswer struct {
	Durable    string `json:"durable"`
	DurableSeq int64  `json:"durable_seq"`
	Epoch      string `json:"epoch"`
}

// settle drops the kept mutations the answer says are replicated and puts
// back at the head of the outbox those kept from another epoch.
func (p *replicaPhone) settle(a durableAnswer) {
	if a.Epoch == "" {
		return
	}
	var keep []keptMutation
	var again []map[string]any
	for _, k := range p.kept {
		switch {
		case k.epoch != a.Epoch:
			again = append(again, k.mut)
		case k.written > a.DurableSeq:
			keep = append(keep, k)
		}
	}
	p.kept = keep
	if len(again) > 0 {
		p.resent += len(again)
		p.outbox = append(again, p.outbox...)
	}
}

// push sends up to n mutations of the outbox.
func (p *replicaPhone) push(s *crashServer, n int) error {
	p.mu.Lock()
	batch := append([]map[string]any(nil), p.outbox[:min(n, len(p.outbox))]...)
	p.mu.Unlock()
	if len(batch) == 0 {
		return nil
	}
	var resp struct {
		Results []struct {
			ID     string         `json:"id"`
			Status string         `json:"status"`
			Error  map[string]any `json:"error"`
		} `json:"results"`
		WrittenSeq int64 `json:"written_seq"`
		durableAnswer
	}
	if _, err := s.call("POST", "/api/sync/push", p.token, map[string]any{"device": p.name, "mutations": batch}, &resp); err != nil {
		return err
	}
	if resp.Epoch == "" || resp.Durable == "" || len(resp.Results) != len(batch) {
		return fmt.Errorf("push answer without its durability: %+v", resp)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.outbox = p.outbox[len(batch):]
	var retry []map[string]any
	defer func() { p.outbox = append(retry, p.outbox...) }()
	for i, r := range resp.Results {
		if r.Status == "rejected" && r.Error["code"] == "internal_error" {
			// transient, as the field app treats it: sent again
			p.retried++
			retry = append(retry, batch[i])
			continue
		}
		if r.Status != "applied" {
			return fmt.Errorf("%s: mutation %s %s: %v", p.name, r.ID, r.Status, r.Error)
		}
		if _, seen := p.applied[r.ID]; !seen {
			p.applied[r.ID] = time.Now()
		}
		p.kept = append(p.kept, keptMutation{mut: batch[i], epoch: resp.Epoch, written: resp.WrittenSeq})
	}
	p.settle(resp.durableAnswer)
	return nil
}

// pull follows the pages from the phone's cursor into its events replica.
func (p *replicaPhone) pull(s *crashServer) error {
	for {
		var page struct {
			Changes []struct {
				Collection string         `json:"collection"`
				ID         string         `json:"id"`
				Op         string         `json:"op"`
				Record     map[string]any `json:"record"`
			} `json:"changes"`
			Cursor string `json:"cursor"`
			More   bool   `json:"more"`
			Reset  bool   `json:"reset"`
			durableAnswer
		}
		if _, err := s.call("GET", "/api/sync/pull?limit=1000&cursor="+url.QueryEscape(p.cursor), p.token, nil, &page); err != nil {
			return err
		}
		p.mu.Lock()
		if page.Reset {
			p.resets++
			p.replica = map[string]map[string]any{}
		}
		for _, c := range page.Changes {
			if c.Collection != "events" {
				continue
			}
			if c.Op == "remove" {
				delete(p.replica, c.ID)
			} else {
				p.replica[c.ID] = c.Record
			}
		}
		p.cursor = page.Cursor
		p.settle(page.durableAnswer)
		p.mu.Unlock()
		if !page.More {
			return nil
		}
	}
}

// drillWorld is the demo election's ids and the event a phone declares.
type drillWorld struct {
	election string
	first    time.Time
	days     int
	communes map[string]string // code → id
}

func loadDrillWorld(t *testing.T, s *crashServer, token string) drillWorld {
	t.Helper()
	var elections struct {
		Items []struct {
			ID          string `json:"id"`
			CampaignEnd string `json:"campaign_end"`
		} `json:"items"`
	}
	if _, err := s.call("GET", "/api/collections/elections/records?filter="+url.QueryEscape("active = true"), token, nil, &elections); err != nil || len(elections.Items) != 1 {
		t.Fatalf("demo election: %v %+v", err, elections)
	}
	end, err := time.Parse("2006-01-02 15:04:05.000Z", elections.Items[0].CampaignEnd)
	if err != nil {
		t.Fatal(err)
	}
	loc := time.FixedZone("WAT", 3600)
	today := time.Now().In(loc)
	first := time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, loc).AddDate(0, 0, 1)
	w := drillWorld{election: elections.Items[0].ID, first: first, days: int(end.Sub(first).Hours()/24) - 1, communes: map[string]string{}}
	if w.days < 2 {
		t.Fatalf("campaign ends %v: too few days left", end)
	}
	for _, code := range []string{"BJ0800", "BJ0301"} {
		c := s.list("/api/collections/communes/records?filter="+url.QueryEscape("code = '"+code+"'"), token)
		if len(c) != 1 {
			t.Fatalf("commune %s: %v", code, c)
		}
		w.communes[code] = c[0]["id"].(string)
	}
	return w
}

func (w drillWorld) event(p *replicaPhone, i int) map[string]any {
	start := w.first.AddDate(0, 0, i%w.days).Add(time.Duration(8+i%12) * time.Hour).Add(time.Duration(i%6) * 10 * time.Minute)
	return map[string]any{
		"id": fmt.Sprintf("%s-m%05d", p.name, i), "collection": "events", "op": "create", "record_id": fmt.Sprintf("%sevt%010d", p.name, i),
		"data": map[string]any{
			"party": p.user["party"], "election": w.election, "kind": "meeting", "title": fmt.Sprint("Réunion ", i),
			"place": "Place de l'Étoile rouge", "commune": p.commune,
			"starts_at": start.UTC().Format(time.RFC3339), "ends_at": start.Add(time.Hour).UTC().Format(time.RFC3339),
		},
	}
}

// runCoprosec runs a command of the binary and returns its output.
func runCoprosec(t *testing.T, bin string, env []string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// The drill (issue 14): two organizers' phones push continuously while the
// server replicates to a directory; the server is SIGKILLed and its data
// directory deleted; `restore` rebuilds it; the server starts again and
// the phones sync. Every mutation a phone was told applied exists once,
// none that the durable cursor covered was lost, the phones that lost
// changes sent them again, and every phone's replica equals what the list
// rules show it.
func TestReplicaDrill(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the server binary")
	}
	s, _, replica := startReplicating(t)
	bin := s.bin

	phones := []*replicaPhone{
		{name: "br", email: "organisateur.br@demo.coprosec.bj"},
		{name: "ld", email: "organisateur.ld@demo.coprosec.bj"},
	}
	police := &replicaPhone{name: "police", email: "commissaire.cotonou@demo.coprosec.bj"}
	var world drillWorld
	for _, p := range append(phones, police) {
		p.token, p.user = s.signIn(p.email)
		p.applied, p.recordOf, p.replica = map[string]time.Time{}, map[string]string{}, map[string]map[string]any{}
	}
	world = loadDrillWorld(t, s, phones[0].token)
	phones[0].commune, phones[1].commune = world.communes["BJ0800"], world.communes["BJ0301"]
	const perPhone = 100000 // more than the drill ever reaches
	for _, p := range phones {
		for i := 0; i < 400; i++ {
			m := world.event(p, i)
			p.outbox = append(p.outbox, m)
			p.recordOf[m["id"].(string)] = m["record_id"].(string)
		}
	}
	for _, p := range append(phones, police) {
		if err := p.pull(s); err != nil {
			t.Fatal(err)
		}
	}

	// the phones push continuously, 10 mutations a request
	stop := make(chan struct{})
	pushErrs := make(chan error, len(phones))
	var wg sync.WaitGroup
	for _, p := range phones {
		wg.Add(1)
		go func(p *replicaPhone) {
			defer wg.Done()
			for i := 400; i < perPhone; i++ {
				select {
				case <-stop:
					return
				default:
				}
				if err := p.push(s, 10); err != nil {
					pushErrs <- err // the server is gone, once killed
					return
				}
				p.mu.Lock()
				if len(p.outbox) < 20 {
					m := world.event(p, i)
					p.outbox = append(p.outbox, m)
					p.recordOf[m["id"].(string)] = m["record_id"].(string)
				}
				p.mu.Unlock()
			}
		}(p)
	}
	// until enough is applied and some of it is durable
	for deadline := time.Now().Add(90 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		n := 0
		durable := true
		for _, p := range phones {
			p.mu.Lock()
			n += len(p.applied)
			durable = durable && len(p.applied) > len(p.kept)
			p.mu.Unlock()
		}
		if n >= 300 && durable {
			break
		}
		select {
		case err := <-pushErrs:
			t.Fatalf("a phone stopped pushing before the kill: %v", err)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("the phones did not progress (%d applied)", n)
		}
	}
	// kill -9, mid-push, and lose the disk
	s.kill()
	killedAt := time.Now()
	close(stop)
	wg.Wait()
	keptAtKill := map[string]bool{}
	toldApplied := 0
	for _, p := range phones {
		for _, k := range p.kept {
			keptAtKill[k.mut["id"].(string)] = true
		}
		toldApplied += len(p.applied)
	}
	if err := os.RemoveAll(s.dir); err != nil {
		t.Fatal(err)
	}

	// restore, then serve again (RTO: from the kill until the server answers)
	restoreStart := time.Now()
	out, err := runCoprosec(t, bin, nil, "restore", "--dir", s.dir, "--replica", replica)
	if err != nil {
		t.Fatalf("restore: %v\n%s", err, out)
	}
	restoreTook := time.Since(restoreStart)
	if !strings.Contains(out, "new sync epoch") {
		t.Fatalf("restore said: %s", out)
	}
	s.noDemo = true
	startAt := time.Now()
	s.start()
	startTook := time.Since(startAt)

	// what the restored server lacks: only mutations the phones still kept
	mtoken, _ := s.signIn("dppae@demo.coprosec.bj")
	present := func() map[string]int {
		creations := map[string]int{}
		for _, a := range s.list("/api/collections/audit/records?filter="+url.QueryEscape("collection = 'events' && action = 'create'"), mtoken) {
			creations[a["record"].(string)]++
		}
		return creations
	}
	before := present()
	lost, lostOldest := 0, time.Time{}
	for _, p := range phones {
		for id, at := range p.applied {
			if before[p.recordOf[id]] == 0 {
				lost++
				if !keptAtKill[id] {
					t.Errorf("%s: mutation %s was applied and dropped as durable, but the restored server lacks it", p.name, id)
				}
				if lostOldest.IsZero() || at.Before(lostOldest) {
					lostOldest = at
				}
			}
		}
	}

	// the phones sync again: a pull resets (new epoch) and what they kept
	// of the old epoch goes again
	for _, p := range append(phones, police) {
		p.token, _ = s.signIn(p.email)
		if err := p.pull(s); err != nil {
			t.Fatal(err)
		}
		if p.resets == 0 {
			t.Errorf("%s: no reset after the restore", p.name)
		}
	}
	for _, p := range phones {
		for len(p.outbox) > 0 {
			if err := p.push(s, 100); err != nil {
				var errs []string
				for _, l := range strings.Split(s.log.String(), "\n") {
					if strings.Contains(strings.ToLower(l), "error") && !strings.HasPrefix(l, "[") {
						errs = append(errs, l)
					}
				}
				t.Fatalf("%v\n%s", err, strings.Join(errs, "\n"))
			}
		}
	}
	// wait until the resent changes are durable, as a phone would
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		left := 0
		for _, p := range append(phones, police) {
			if err := p.pull(s); err != nil {
				t.Fatal(err)
			}
			left += len(p.kept)
		}
		if left == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d mutations still not durable", left)
		}
	}

	after := present()
	for _, p := range phones {
		for id := range p.applied {
			if c := after[p.recordOf[id]]; c != 1 {
				t.Errorf("%s: mutation %s told applied, its event created %d times", p.name, id, c)
			}
		}
	}
	// every replica equals what the list rules show
	for _, p := range append(phones, police) {
		listed := map[string]any{}
		for _, e := range s.list("/api/collections/events/records", p.token) {
			listed[e["id"].(string)] = e["version"]
		}
		if len(listed) != len(p.replica) {
			t.Errorf("%s: replica holds %d events, the list shows %d", p.name, len(p.replica), len(listed))
		}
		for id, rec := range p.replica {
			if v, ok := listed[id]; !ok || v != rec["version"] {
				t.Errorf("%s: replica's event %s (version %v) listed as %v, %v", p.name, id, rec["version"], v, ok)
			}
		}
	}
	resent, retried := 0, 0
	for _, p := range phones {
		resent += p.resent
		retried += p.retried
	}
	if retried > 0 {
		var errs []string
		lines := strings.Split(s.log.String(), "\n")
		for i, l := range lines {
			if strings.Contains(l, "sync push") {
				errs = append(errs, l, lines[min(i+1, len(lines)-1)])
			}
		}
		t.Logf("%d mutations answered internal_error and sent again:\n%s", retried, strings.Join(errs, "\n"))
	}
	window := time.Duration(0)
	if !lostOldest.IsZero() {
		window = killedAt.Sub(lostOldest)
	}
	t.Logf("drill: %d mutations told applied before the kill; %d lost by the restore (applied within %v of the kill), all kept and resent by their phones (%d resent in all); restore %v, server start %v: RTO %v after the data directory is back",
		toldApplied, lost, window.Round(time.Millisecond), resent, restoreTook.Round(time.Millisecond), startTook.Round(time.Millisecond), (restoreTook + startTook).Round(time.Millisecond))
}

// serve --replica s3://… replicates to an S3-protocol server (gofakes3 on
// 127.0.0.1, credentials from the AWS variables); restore reads it back
// into an empty directory, refuses a non-empty one without --force, and
// GET /api/ops/status shows the replica without credentials.
func TestReplicaS3RestoreAndOpsStatus(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the server binary")
	}
	backend := s3mem.New()
	faker := gofakes3.New(backend)
	ts := httptest.NewServer(faker.Server()) // 127.0.0.1
	defer ts.Close()
	if err := backend.CreateBucket("coprosec"); err != nil {
		t.Fatal(err)
	}
	// (a CA bundle of the machine's would make the AWS client refuse its
	// HTTP client: the fake server speaks plain HTTP on loopback)
	env := []string{"AWS_ACCESS_KEY_ID=test-key", "AWS_SECRET_ACCESS_KEY=test-secret-do-not-show", "AWS_CA_BUNDLE="}
	replica := "s3://coprosec/prod/db?endpoint=" + url.QueryEscape(ts.URL) + "&region=us-east-1"

	tmp := t.TempDir()
	bin := coprosecBinary(t)
	s := &crashServer{t: t, bin: bin, dir: filepath.Join(tmp, "pb_data"), args: []string{"--replica", replica}, env: env}
	s.start()
	t.Cleanup(s.kill)

	p := &replicaPhone{name: "br", email: "organisateur.br@demo.coprosec.bj"}
	p.token, p.user = s.signIn(p.email)
	p.applied, p.recordOf, p.replica = map[string]time.Time{}, map[string]string{}, map[string]map[string]any{}
	world := loadDrillWorld(t, s, p.token)
	p.commune = world.communes["BJ0800"]
	for i := 0; i < 30; i++ {
		p.outbox = append(p.outbox, world.event(p, i))
	}
	if err := p.pull(s); err != nil {
		t.Fatal(err)
	}
	oldCursor := p.cursor
	if err := p.push(s, 30); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(30 * time.Second); len(p.kept) > 0; time.Sleep(200 * time.Millisecond) {
		if err := p.pull(s); err != nil {
			t.Fatal(err)
		}
		if time.Now().After(deadline) {
			t.Fatalf("the push never became durable on S3:\n%s", s.log.String())
		}
	}

	// ops status: the ministry and superusers only; no credentials
	officer, _ := s.signIn("agent.cotonou@demo.coprosec.bj")
	if code, err := s.call("GET", "/api/ops/status", officer, nil, nil); err == nil || code != 400 {
		t.Errorf("an officer reads the ops status: %d %v", code, err)
	}
	mtoken, _ := s.signIn("dppae@demo.coprosec.bj")
	var st struct {
		Epoch   string `json:"epoch"`
		Replica *struct {
			URL              string  `json:"url"`
			LagS             float64 `json:"lag_s"`
			LastReplicatedAt *string `json:"last_replicated_at"`
		} `json:"replica"`
		DBBytes    int64 `json:"db_bytes"`
		SSEClients *int  `json:"sse_clients"`
		Devices24h int   `json:"devices_24h"`
	}
	if _, err := s.call("GET", "/api/ops/status", mtoken, nil, &st); err != nil {
		t.Fatal(err)
	}
	if st.Epoch == "" || st.Replica == nil || st.Replica.LastReplicatedAt == nil || st.DBBytes <= 0 || st.SSEClients == nil || st.Devices24h < 1 {
		t.Fatalf("ops status: %+v", st)
	}
	if !strings.HasPrefix(st.Replica.URL, "s3://coprosec/prod/db?") || strings.Contains(st.Replica.URL, "test-") {
		t.Errorf("replica url %q", st.Replica.URL)
	}
	s.kill()

	// restore from S3: a non-empty directory is refused without --force
	out, err := runCoprosec(t, bin, env, "restore", "--dir", s.dir, "--replica", replica)
	if err == nil || !strings.Contains(out, "not empty") {
		t.Fatalf("restore into a non-empty directory: %v\n%s", err, out)
	}
	dir2 := filepath.Join(tmp, "restored")
	if out, err := runCoprosec(t, bin, env, "restore", "--dir", dir2, "--replica", replica); err != nil {
		t.Fatalf("restore: %v\n%s", err, out)
	}
	if out, err := runCoprosec(t, bin, env, "restore", "--dir", s.dir, "--replica", replica, "--force"); err != nil {
		t.Fatalf("restore --force: %v\n%s", err, out)
	}
	if out, err := runCoprosec(t, bin, env, "restore", "--dir", filepath.Join(tmp, "x"), "--replica", replica, "--timestamp", "yesterday"); err == nil {
		t.Errorf("a bad --timestamp was taken:\n%s", out)
	}
	s2 := &crashServer{t: t, bin: bin, dir: dir2, noDemo: true}
	s2.start()
	t.Cleanup(s2.kill)
	token, _ := s2.signIn(p.email)
	if n := len(s2.list("/api/collections/events/records?filter="+url.QueryEscape("id ~ 'brevt'"), token)); n != 30 {
		t.Errorf("%d events restored from S3, want 30", n)
	}
	var page struct {
		Reset bool `json:"reset"`
	}
	if _, err := s2.call("GET", "/api/sync/pull?cursor="+url.QueryEscape(oldCursor), token, nil, &page); err != nil || !page.Reset {
		t.Errorf("a pull from a cursor of before the restore: reset %v, %v", page.Reset, err)
	}
}

// Restoring one of PocketBase's own backups rotates the sync epoch (issue
// 14, measured before: a phone whose cursor the restored log had passed
// again by new writes got no reset, kept 5 records the server no longer
// had and missed 5 new ones).
func TestReplicaBackupRestoreRotatesEpoch(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the server binary")
	}
	tmp := t.TempDir()
	bin := coprosecBinary(t)
	dir := filepath.Join(tmp, "pb_data")
	if out, err := runCoprosec(t, bin, nil, "superuser", "upsert", "--dir", dir, "root@example.com", "root-password-123"); err != nil {
		t.Fatalf("superuser: %v\n%s", err, out)
	}
	s := &crashServer{t: t, bin: bin, dir: dir}
	s.start()
	t.Cleanup(s.kill)
	var su struct {
		Token string `json:"token"`
	}
	if _, err := s.call("POST", "/api/collections/_superusers/auth-with-password", "", map[string]any{"identity": "root@example.com", "password": "root-password-123"}, &su); err != nil {
		t.Fatal(err)
	}
	p := &replicaPhone{name: "bk", email: "organisateur.br@demo.coprosec.bj"}
	p.token, p.user = s.signIn(p.email)
	p.applied, p.recordOf, p.replica = map[string]time.Time{}, map[string]string{}, map[string]map[string]any{}
	world := loadDrillWorld(t, s, p.token)
	p.commune = world.communes["BJ0800"]
	if _, err := s.call("POST", "/api/backups", su.Token, map[string]any{"name": "before.zip"}, nil); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 5; i++ {
		p.outbox = append(p.outbox, world.event(p, i))
	}
	if err := p.push(s, 5); err != nil {
		t.Fatal(err)
	}
	if err := p.pull(s); err != nil {
		t.Fatal(err)
	}
	oldEpoch := ""
	var page struct {
		durableAnswer
	}
	if _, err := s.call("GET", "/api/sync/pull?cursor="+url.QueryEscape(p.cursor), p.token, nil, &page); err != nil {
		t.Fatal(err)
	}
	oldEpoch = page.Epoch
	if _, err := s.call("POST", "/api/backups/before.zip/restore", su.Token, nil, nil); err != nil {
		t.Fatal(err)
	}
	// PocketBase restarts the process on the restored directory
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		var out struct {
			TotalItems int `json:"totalItems"`
		}
		_, err := s.call("GET", "/api/collections/events/records?perPage=1&filter="+url.QueryEscape("id ~ 'bkevt'"), p.token, nil, &out)
		if err == nil && out.TotalItems == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the backup was not restored: %v %d", err, out.TotalItems)
		}
	}
	// new writes move the log past the phone's cursor
	for i := 5; i < 15; i++ {
		p.outbox = append(p.outbox, world.event(p, i))
	}
	if err := p.push(s, 10); err != nil {
		t.Fatal(err)
	}
	var after struct {
		Reset bool `json:"reset"`
		durableAnswer
	}
	if _, err := s.call("GET", "/api/sync/pull?cursor="+url.QueryEscape(p.cursor), p.token, nil, &after); err != nil {
		t.Fatal(err)
	}
	if !after.Reset || after.Epoch == oldEpoch {
		t.Fatalf("a pull after the backup's restore: reset %v, epoch %s (was %s)", after.Reset, after.Epoch, oldEpoch)
	}
	// the phone's replica is the server's again: without a replica the
	// durable cursor was the head, so the 5 pushed after the backup were
	// not kept (a backup is not continuous replication) and are gone
	if err := p.pull(s); err != nil {
		t.Fatal(err)
	}
	listed := map[string]bool{}
	for _, e := range s.list("/api/collections/events/records", p.token) {
		listed[e["id"].(string)] = true
	}
	if len(listed) != len(p.replica) {
		t.Fatalf("replica %d events, list %d", len(p.replica), len(listed))
	}
	for id := range p.replica {
		if !listed[id] {
			t.Errorf("the replica keeps %s, which the restored server does not have", id)
		}
	}
}

// A warm standby (`restore --follow`) applies the replica as the writer
// goes on; once the writer is gone, SIGUSR1 promotes it: it catches up,
// checks the database, rotates the epoch and exits, ready to serve with
// every durable change.
func TestReplicaStandbyPromotion(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the server binary")
	}
	s, tmp, replica := startReplicating(t)
	bin := s.bin
	p := &replicaPhone{name: "sb", email: "organisateur.br@demo.coprosec.bj"}
	p.token, p.user = s.signIn(p.email)
	p.applied, p.recordOf, p.replica = map[string]time.Time{}, map[string]string{}, map[string]map[string]any{}
	world := loadDrillWorld(t, s, p.token)
	p.commune = world.communes["BJ0800"]
	pushDurable := func(from, to int) {
		t.Helper()
		for i := from; i < to; i++ {
			p.outbox = append(p.outbox, world.event(p, i))
		}
		if err := p.push(s, 100); err != nil {
			t.Fatal(err)
		}
		for deadline := time.Now().Add(30 * time.Second); len(p.kept) > 0; time.Sleep(100 * time.Millisecond) {
			if err := p.pull(s); err != nil {
				t.Fatal(err)
			}
			if time.Now().After(deadline) {
				t.Fatal("not durable")
			}
		}
	}
	pushDurable(0, 20)

	standbyDir := filepath.Join(tmp, "standby")
	var out strings.Builder
	standby := exec.Command(bin, "restore", "--dir", standbyDir, "--replica", replica, "--follow")
	standby.Stdout, standby.Stderr = &out, &out
	if err := standby.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = standby.Process.Kill() })
	pushDurable(20, 40)
	// the writer dies; the standby is promoted
	s.kill()
	time.Sleep(1500 * time.Millisecond) // the standby has had time to follow
	promoted := time.Now()
	if err := standby.Process.Signal(syscall.SIGUSR1); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- standby.Wait() }()
	select {
	case err := <-done:
		if err != nil || !strings.Contains(out.String(), "new sync epoch") {
			t.Fatalf("promotion: %v\n%s", err, out.String())
		}
	case <-time.After(60 * time.Second):
		t.Fatalf("the standby did not finish its promotion:\n%s", out.String())
	}
	promotion := time.Since(promoted)
	s2 := &crashServer{t: t, bin: bin, dir: standbyDir, noDemo: true, args: []string{"--replica", "file://" + filepath.Join(tmp, "replica2")}}
	start := time.Now()
	s2.start()
	t.Cleanup(s2.kill)
	serving := time.Since(start)
	token, _ := s2.signIn(p.email)
	if n := len(s2.list("/api/collections/events/records?filter="+url.QueryEscape("id ~ 'sbevt'"), token)); n != 40 {
		t.Fatalf("%d events on the promoted standby, want the 40 durable ones", n)
	}
	t.Logf("standby promoted in %v, serving %v later", promotion.Round(time.Millisecond), serving.Round(time.Millisecond))
}

// When the replica stops answering, the durable position stops, the ops
// status shows the lag and the server logs a warning; once it answers
// again the phone's kept mutations become durable.
func TestReplicaLagWarning(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the server binary")
	}
	backend := s3mem.New()
	var mu sync.Mutex
	down := false
	faker := gofakes3.New(backend).Server()
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		d := down
		mu.Unlock()
		if d {
			http.Error(w, "unavailable", http.StatusServiceUnavailable)
			return
		}
		faker.ServeHTTP(w, r)
	}))
	defer ts.Close()
	if err := backend.CreateBucket("lag"); err != nil {
		t.Fatal(err)
	}
	env := []string{"AWS_ACCESS_KEY_ID=k", "AWS_SECRET_ACCESS_KEY=s", "AWS_CA_BUNDLE=", "COPROSEC_REPLICA_LAG_WARNING=2s"}
	tmp := t.TempDir()
	s := &crashServer{t: t, bin: coprosecBinary(t), dir: filepath.Join(tmp, "pb_data"), env: env,
		args: []string{"--replica", "s3://lag/db?endpoint=" + url.QueryEscape(ts.URL) + "&region=us-east-1"}}
	s.start()
	t.Cleanup(s.kill)
	p := &replicaPhone{name: "lg", email: "organisateur.br@demo.coprosec.bj"}
	p.token, p.user = s.signIn(p.email)
	p.applied, p.recordOf, p.replica = map[string]time.Time{}, map[string]string{}, map[string]map[string]any{}
	world := loadDrillWorld(t, s, p.token)
	p.commune = world.communes["BJ0800"]
	mtoken, _ := s.signIn("dppae@demo.coprosec.bj")
	type status struct {
		Replica *struct {
			LagS float64 `json:"lag_s"`
		} `json:"replica"`
	}

	mu.Lock()
	down = true
	mu.Unlock()
	for i := 0; i < 5; i++ {
		p.outbox = append(p.outbox, world.event(p, i))
	}
	if err := p.push(s, 5); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(30 * time.Second); !strings.Contains(s.log.String(), "replication lags"); time.Sleep(200 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("no warning while the replica is down")
		}
	}
	var st status
	if _, err := s.call("GET", "/api/ops/status", mtoken, nil, &st); err != nil || st.Replica == nil || st.Replica.LagS < 2 {
		t.Fatalf("ops status while the replica is down: %+v %v", st.Replica, err)
	}
	if err := p.pull(s); err != nil {
		t.Fatal(err)
	}
	if len(p.kept) != 5 {
		t.Fatalf("%d kept while the replica is down, want the 5 applied", len(p.kept))
	}

	mu.Lock()
	down = false
	mu.Unlock()
	for deadline := time.Now().Add(30 * time.Second); len(p.kept) > 0; time.Sleep(200 * time.Millisecond) {
		if err := p.pull(s); err != nil {
			t.Fatal(err)
		}
		if time.Now().After(deadline) {
			t.Fatalf("still %d kept after the replica came back", len(p.kept))
		}
	}
	if _, err := s.call("GET", "/api/ops/status", mtoken, nil, &st); err != nil || st.Replica == nil || st.Replica.LagS != 0 {
		t.Fatalf("ops status after the replica came back: %+v %v", st.Replica, err)
	}
}

// startReplicating starts the server binary on a fresh data directory,
// replicating to a directory beside it: the server, the temporary
// directory and the replica URL.
func startReplicating(t *testing.T) (*crashServer, string, string) {
	t.Helper()
	tmp := t.TempDir()
	replica := "file://" + filepath.Join(tmp, "replica")
	s := &crashServer{t: t, bin: coprosecBinary(t), dir: filepath.Join(tmp, "pb_data"), args: []string{"--replica", replica}}
	s.start()
	t.Cleanup(s.kill)
	return s, tmp, replica
}
