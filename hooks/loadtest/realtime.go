// Package loadtest measures a throw-away Coprosec server from outside, as
// phones would: the realtime fan-out against PocketBase's stock broadcast
// (`coprosec loadtest realtime`). It ships in the binary as a hidden
// command but is no part of the server.
package loadtest

import (
	"bufio"
	"bytes"
	"context"
	"coprosec/hooks/realtime"
	"coprosec/hooks/write"
	"coprosec/internal/jurisdiction"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"os"
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/spf13/cobra"
	"golang.org/x/crypto/bcrypt"
)

// Config sizes `coprosec loadtest realtime`.
type Config struct {
	Units      int           // commissariats, one synthetic arrondissement each
	Officers   int           // officers per unit, each with one SSE connection
	Organizers int           // party accounts declaring the events
	Events     int           // measured events per mode
	Warmup     int           // unmeasured events per mode
	Pause      time.Duration // between two declarations
	Rounds     int           // the modes alternate in this many rounds
	Modes      []string      // "stock" and/or "coprosec", run in this order
	Out        io.Writer     // progress and the report
	CPUProfile string        // write a CPU profile of the measured runs here
	Bind       Binder        // binds the server to the throw-away app
}

// Binder binds the whole server to app, as the composition root does, and
// hands back the parts the load test drives.
type Binder func(app core.App) (*write.Engine, *realtime.Hub)

// Result is one mode's figures.
type Result struct {
	Mode                string
	Create, Delivery    Percentiles
	Delivered, Expected int
	Unexpected          int // deliveries to officers of another unit (leaks)
}

// Percentiles of a latency sample.
type Percentiles struct{ P50, P95, P99, Max time.Duration }

func percentiles(d []time.Duration) Percentiles {
	if len(d) == 0 {
		return Percentiles{}
	}
	s := slices.Clone(d)
	slices.Sort(s)
	at := func(q float64) time.Duration {
		i := int(math.Ceil(q*float64(len(s)))) - 1
		return s[max(i, 0)]
	}
	return Percentiles{P50: at(0.50), P95: at(0.95), P99: at(0.99), Max: s[len(s)-1]}
}

// Command is the hidden `loadtest` command; bind binds the whole server
// to the throw-away app.
func Command(bind Binder) *cobra.Command {
	cfg := Config{Bind: bind}
	var modes string
	load := &cobra.Command{Use: "loadtest", Short: "Load tests on a throw-away server", Hidden: true}
	rt := &cobra.Command{
		Use:   "realtime",
		Short: "Realtime fan-out: create and delivery latency, stock PocketBase broadcast vs Coprosec's",
		Long: "Starts a server on 127.0.0.1 with a temporary data directory, creates units × officers\n" +
			"(each with one SSE connection subscribed to events/* and sync) and organizers, declares\n" +
			"events one after the other, the modes alternating in rounds, and prints p50/p95/p99 of the create request\n" +
			"latency and of the delivery latency (request sent → SSE message read by each officer of\n" +
			"the event's unit).",
		Args:         cobra.NoArgs,
		SilenceUsage: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg.Modes = strings.Split(modes, ",")
			cfg.Out = cmd.OutOrStdout()
			_, err := Run(cmd.Context(), cfg)
			return err
		},
	}
	f := rt.Flags()
	f.IntVar(&cfg.Units, "units", 100, "police units")
	f.IntVar(&cfg.Officers, "officers", 10, "officers (SSE connections) per unit")
	f.IntVar(&cfg.Organizers, "organizers", 10, "organizer accounts")
	f.IntVar(&cfg.Events, "events", 200, "measured events per mode")
	f.IntVar(&cfg.Warmup, "warmup", 10, "unmeasured events per mode")
	f.DurationVar(&cfg.Pause, "pause", 50*time.Millisecond, "pause between two declarations")
	f.IntVar(&cfg.Rounds, "rounds", 4, "the modes alternate in this many rounds (each runs events/rounds events per round)")
	f.StringVar(&modes, "modes", "stock,coprosec", "modes to run, in order")
	f.StringVar(&cfg.CPUProfile, "cpuprofile", "", "write a CPU profile of the measured runs to this file")
	load.AddCommand(rt)
	return load
}

// Run runs the realtime load test (see Command).
func Run(ctx context.Context, cfg Config) ([]Result, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	out := cfg.Out
	if out == nil {
		out = io.Discard
	}
	logf := func(format string, a ...any) { fmt.Fprintf(out, format+"\n", a...) }

	dir, err := os.MkdirTemp("", "coprosec-loadtest-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	app := core.NewBaseApp(core.BaseAppConfig{DataDir: dir})
	if err := app.Bootstrap(); err != nil {
		return nil, err
	}
	defer app.ResetBootstrapState()
	if err := app.RunAllMigrations(); err != nil {
		return nil, err
	}
	settings := app.Settings()
	settings.RateLimits.Enabled = false // one IP, a thousand clients
	settings.Logs.MaxDays = 0           // no request log: measure the fan-out
	if err := app.Save(settings); err != nil {
		return nil, err
	}
	if cfg.Bind == nil {
		return nil, errors.New("loadtest: Config.Bind is required")
	}
	eng, hub := cfg.Bind(app)

	// serve on 127.0.0.1
	router, err := apis.NewRouter(app)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	server := &http.Server{ReadHeaderTimeout: 10 * time.Second}
	se := &core.ServeEvent{App: app, Router: router, Server: server}
	err = app.OnServe().Trigger(se, func(se *core.ServeEvent) error {
		mux, err := se.Router.BuildMux()
		server.Handler = mux
		return err
	})
	if err != nil {
		return nil, err
	}
	go server.Serve(ln)
	defer server.Close()
	base := "http://" + ln.Addr().String()

	start := time.Now()
	fx, err := loadFixture(app, eng, cfg)
	if err != nil {
		return nil, fmt.Errorf("fixture: %w", err)
	}
	logf("fixture: %d units × %d officers, %d organizers in %v", cfg.Units, cfg.Officers, cfg.Organizers, time.Since(start).Round(time.Millisecond))
	time.Sleep(2 * realtime.PokeInterval) // the fixture's pokes are out

	// the SSE connections
	sseTransport := &http.Transport{MaxIdleConnsPerHost: -1, DisableCompression: true}
	defer sseTransport.CloseIdleConnections()
	connCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	rec := &loadRecorder{byEvent: map[string][]loadArrival{}}
	var wg sync.WaitGroup
	defer wg.Wait()
	defer cancel()
	start = time.Now()
	sem := make(chan struct{}, 32)
	errs := make(chan error, len(fx.officers))
	for i, o := range fx.officers {
		sem <- struct{}{}
		wg.Add(1)
		ready := make(chan error, 1)
		go func() {
			defer wg.Done()
			loadSSE(connCtx, sseTransport, base, o.token, i, o.unit, rec, ready)
		}()
		go func() {
			errs <- <-ready
			<-sem
		}()
	}
	for range fx.officers {
		if err := <-errs; err != nil {
			return nil, fmt.Errorf("sse: %w", err)
		}
	}
	logf("%d SSE connections open in %v (%d server-side clients)", len(fx.officers), time.Since(start).Round(time.Millisecond), app.SubscriptionsBroker().TotalClients())

	api := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 16}, Timeout: 60 * time.Second}
	if cfg.CPUProfile != "" {
		f, err := os.Create(cfg.CPUProfile)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return nil, err
		}
		defer pprof.StopCPUProfile()
	}
	// The modes alternate in rounds, so that both see the same machine:
	// a busy spell of the other processes on a shared machine then hits
	// both, not whichever mode happened to run at that time.
	type acc struct {
		creates  []time.Duration
		measured []loadEvent
	}
	accs := map[string]*acc{}
	var modes []string
	for _, mode := range cfg.Modes {
		mode = strings.TrimSpace(mode)
		if mode != "stock" && mode != "coprosec" {
			return nil, fmt.Errorf("unknown mode %q (stock, coprosec)", mode)
		}
		if accs[mode] == nil {
			accs[mode] = &acc{}
			modes = append(modes, mode)
		}
	}
	rounds := min(max(cfg.Rounds, 1), cfg.Events)
	seq := 0
	for r := 0; r < rounds; r++ {
		n := cfg.Events / rounds
		if r == rounds-1 {
			n = cfg.Events - n*(rounds-1)
		}
		warm := 0
		if r == 0 {
			warm = cfg.Warmup
		}
		for _, mode := range modes {
			hub.SetStock(mode == "stock")
			a := accs[mode]
			var block []loadEvent
			for k := 0; k < warm+n; k++ {
				if err := ctx.Err(); err != nil {
					return nil, err
				}
				seq++
				u := seq % cfg.Units
				t0 := time.Now()
				id, lead, err := loadDeclare(api, base, fx.organizers[seq%len(fx.organizers)], fx.eventBody(seq, u))
				d := time.Since(t0)
				if err != nil {
					return nil, fmt.Errorf("declare: %w", err)
				}
				if lead != fx.units[u] {
					return nil, fmt.Errorf("event %s led by %s, want %s", id, lead, fx.units[u])
				}
				ev := loadEvent{id: id, unit: u, sent: t0}
				block = append(block, ev)
				if k >= warm {
					a.creates = append(a.creates, d)
					a.measured = append(a.measured, ev)
				}
				time.Sleep(cfg.Pause)
			}
			// let this block's deliveries land before the next mode
			deadline := time.Now().Add(30 * time.Second)
			for time.Now().Before(deadline) && rec.count(block) < len(block)*cfg.Officers {
				time.Sleep(10 * time.Millisecond)
			}
		}
	}
	time.Sleep(200 * time.Millisecond) // late leaks, if any

	var results []Result
	for _, mode := range modes {
		a := accs[mode]
		res := Result{Mode: mode, Expected: len(a.measured) * cfg.Officers}
		var deliveries []time.Duration
		rec.mu.Lock()
		for _, ev := range a.measured {
			for _, arr := range rec.byEvent[ev.id] {
				if arr.unit != ev.unit {
					res.Unexpected++
					continue
				}
				res.Delivered++
				deliveries = append(deliveries, arr.at.Sub(ev.sent))
			}
		}
		rec.mu.Unlock()
		res.Create, res.Delivery = percentiles(a.creates), percentiles(deliveries)
		results = append(results, res)
		logf("%-8s create p50 %7s  p95 %7s  p99 %7s  max %7s | delivery p50 %7s  p95 %7s  p99 %7s  max %7s | delivered %d/%d, to other units %d",
			mode, ms(res.Create.P50), ms(res.Create.P95), ms(res.Create.P99), ms(res.Create.Max),
			ms(res.Delivery.P50), ms(res.Delivery.P95), ms(res.Delivery.P99), ms(res.Delivery.Max), res.Delivered, res.Expected, res.Unexpected)
	}
	var stock, ours *Result
	for i := range results {
		switch results[i].Mode {
		case "stock":
			stock = &results[i]
		case "coprosec":
			ours = &results[i]
		}
	}
	logf("setup: %d SSE connections (%d units × %d officers, subscribed to events/* and sync), %d measured events per mode in %d alternating rounds, %v pause, GOMAXPROCS=%d, %d CPUs, %s",
		len(fx.officers), cfg.Units, cfg.Officers, cfg.Events, rounds, cfg.Pause, runtime.GOMAXPROCS(0), runtime.NumCPU(), runtime.Version())
	if stock != nil && ours != nil && ours.Create.P95 > 0 {
		logf("p95 create latency: stock / coprosec = %.1f×", float64(stock.Create.P95)/float64(ours.Create.P95))
	}
	return results, nil
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1fms", float64(d.Microseconds())/1000) }

type loadEvent struct {
	id   string
	unit int
	sent time.Time
}

type loadArrival struct {
	unit int
	at   time.Time
}

type loadRecorder struct {
	mu      sync.Mutex
	byEvent map[string][]loadArrival
}

func (r *loadRecorder) add(id string, unit int, at time.Time) {
	r.mu.Lock()
	r.byEvent[id] = append(r.byEvent[id], loadArrival{unit: unit, at: at})
	r.mu.Unlock()
}

func (r *loadRecorder) count(evs []loadEvent) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, ev := range evs {
		n += len(r.byEvent[ev.id])
	}
	return n
}

// loadSSE holds one officer's SSE connection and records every events/*
// create it reads.
func loadSSE(ctx context.Context, tr *http.Transport, base, token string, idx, unit int, rec *loadRecorder, ready chan<- error) {
	fail := func(err error) {
		select {
		case ready <- err:
		default:
		}
	}
	req, _ := http.NewRequestWithContext(ctx, "GET", base+"/api/realtime", nil)
	req.Header.Set("Authorization", token)
	resp, err := tr.RoundTrip(req)
	if err != nil {
		fail(err)
		return
	}
	defer resp.Body.Close()
	rd := bufio.NewReaderSize(resp.Body, 16<<10)
	var event string
	var data []byte
	for {
		line, err := rd.ReadSlice('\n')
		if err != nil {
			fail(fmt.Errorf("officer %d: %w", idx, err))
			return
		}
		line = bytes.TrimRight(line, "\r\n")
		switch {
		case bytes.HasPrefix(line, []byte("event:")):
			event = string(line[len("event:"):])
		case bytes.HasPrefix(line, []byte("data:")):
			data = append(data[:0], line[len("data:"):]...)
		case len(line) == 0:
			now := time.Now()
			switch event {
			case "PB_CONNECT":
				var m struct {
					ClientID string `json:"clientId"`
				}
				_ = json.Unmarshal(data, &m)
				body, _ := json.Marshal(map[string]any{"clientId": m.ClientID, "subscriptions": []string{"events/*", realtime.SyncTopic}})
				sreq, _ := http.NewRequestWithContext(ctx, "POST", base+"/api/realtime", bytes.NewReader(body))
				sreq.Header.Set("Authorization", token)
				sreq.Header.Set("Content-Type", "application/json")
				sresp, err := tr.RoundTrip(sreq)
				if err != nil {
					fail(err)
					return
				}
				io.Copy(io.Discard, sresp.Body)
				sresp.Body.Close()
				if sresp.StatusCode != http.StatusNoContent {
					fail(fmt.Errorf("subscribe: %s", sresp.Status))
					return
				}
				fail(nil) // ready
			case "events/*":
				var m struct {
					Action string `json:"action"`
					Record struct {
						ID string `json:"id"`
					} `json:"record"`
				}
				if json.Unmarshal(data, &m) == nil && m.Action == "create" {
					rec.add(m.Record.ID, unit, now)
				}
			}
			event, data = "", data[:0]
		}
	}
}

func loadDeclare(c *http.Client, base, token string, body map[string]any) (id, lead string, err error) {
	raw, _ := json.Marshal(body)
	req, _ := http.NewRequest("POST", base+"/api/collections/events/records", bytes.NewReader(raw))
	req.Header.Set("Authorization", token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.Do(req)
	if err != nil {
		return "", "", err
	}
	defer resp.Body.Close()
	var out struct {
		ID       string `json:"id"`
		LeadUnit string `json:"lead_unit"`
	}
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || json.Unmarshal(b, &out) != nil {
		return "", "", fmt.Errorf("%s: %s", resp.Status, b)
	}
	return out.ID, out.LeadUnit, nil
}

type loadOfficer struct {
	token string
	unit  int
}

type loadWorld struct {
	party, election string
	arrs, units     []string // index = unit number
	officers        []loadOfficer
	organizers      []string // tokens
	day             time.Time
}

// eventBody is a meeting in unit u's arrondissement, inside the campaign,
// outside quiet hours, with more than the notice, never clashing (one
// party).
func (fx *loadWorld) eventBody(seq, u int) map[string]any {
	start := fx.day.Add(time.Duration(8+seq%12) * time.Hour)
	return map[string]any{
		"party": fx.party, "election": fx.election, "kind": "meeting", "title": fmt.Sprintf("Meeting de charge %d", seq),
		"place": "Place publique", "arrondissement": fx.arrs[u],
		"starts_at": start.UTC().Format("2006-01-02 15:04:05.000Z"), "ends_at": start.Add(time.Hour).UTC().Format("2006-01-02 15:04:05.000Z"),
	}
}

func loadFixture(app core.App, eng *write.Engine, cfg Config) (*loadWorld, error) {
	if cfg.Units < 1 || cfg.Officers < 1 || cfg.Organizers < 1 || cfg.Events < 1 {
		return nil, errors.New("units, officers, organizers and events must be positive")
	}
	fx := &loadWorld{}
	save := func(tx core.App, col string, data map[string]any) (*core.Record, error) {
		c, err := tx.FindCachedCollectionByNameOrId(col)
		if err != nil {
			return nil, err
		}
		r := core.NewRecord(c)
		r.Load(data)
		return r, tx.Save(r)
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(fmt.Sprintf("load-%d", time.Now().UnixNano())), bcrypt.MinCost)
	if err != nil {
		return nil, err
	}
	user := func(tx core.App, n int, data map[string]any) (string, error) {
		c, err := tx.FindCachedCollectionByNameOrId("users")
		if err != nil {
			return "", err
		}
		r := core.NewRecord(c)
		r.Load(data)
		r.Set("email", fmt.Sprintf("load%05d@loadtest.bj", n))
		r.Set("phone", fmt.Sprintf("+2299%07d", n))
		r.Set("verified", true)
		r.SetRaw("password", &core.PasswordFieldValue{Hash: string(hash)})
		if err := tx.Save(r); err != nil {
			return "", err
		}
		return r.NewAuthToken()
	}
	now := time.Now().In(jurisdiction.Local)
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, jurisdiction.Local)
	fx.day = today.AddDate(0, 0, 5)

	var communes []*core.Record
	err = app.RunInTransaction(func(tx core.App) error {
		party, err := save(tx, "parties", map[string]any{"name": "Parti de charge", "acronym": "PCH", "color": "#224466"})
		if err != nil {
			return err
		}
		fx.party = party.Id
		election, err := save(tx, "elections", map[string]any{"name": "Élection de charge",
			"campaign_start": today.AddDate(0, 0, -1).UTC(), "campaign_end": today.AddDate(0, 0, 14).UTC(),
			"election_day": today.AddDate(0, 0, 15).UTC(), "parties": []string{party.Id}, "active": true})
		if err != nil {
			return err
		}
		fx.election = election.Id
		communes, err = tx.FindAllRecords("communes")
		if err != nil || len(communes) == 0 {
			return fmt.Errorf("communes: %d, %v", len(communes), err)
		}
		slices.SortFunc(communes, func(a, b *core.Record) int { return strings.Compare(a.GetString("code"), b.GetString("code")) })
		for u := 0; u < cfg.Units; u++ {
			com := communes[u%len(communes)]
			arr, err := save(tx, "arrondissements", map[string]any{"code": fmt.Sprintf("%s-9%02d", com.GetString("code"), u/len(communes)),
				"name": fmt.Sprintf("Arrondissement de charge %d", u), "commune": com.Id, "departement": com.GetString("departement")})
			if err != nil {
				return err
			}
			fx.arrs = append(fx.arrs, arr.Id)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	eng.InvalidateGeography() // the new arrondissements
	err = app.RunInTransaction(func(tx core.App) error {
		directorates := map[string]string{}
		for u := 0; u < cfg.Units; u++ {
			dep := communes[u%len(communes)].GetString("departement")
			if directorates[dep] == "" {
				d, err := save(tx, "units", map[string]any{"name": "DDPR " + dep, "kind": "directorate", "departement": dep})
				if err != nil {
					return err
				}
				directorates[dep] = d.Id
			}
			unit, err := save(tx, "units", map[string]any{"name": fmt.Sprintf("Commissariat de charge %d", u), "kind": "commissariat",
				"departement": dep, "parent": directorates[dep], "arrondissements": []string{fx.arrs[u]}})
			if err != nil {
				return err
			}
			fx.units = append(fx.units, unit.Id)
		}
		for i := 0; i < cfg.Organizers; i++ {
			tok, err := user(tx, i, map[string]any{"name": fmt.Sprintf("Organisateur %d", i), "role": "organizer", "party": fx.party})
			if err != nil {
				return err
			}
			fx.organizers = append(fx.organizers, tok)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	n := cfg.Organizers
	for u := 0; u < cfg.Units; u++ {
		err := app.RunInTransaction(func(tx core.App) error {
			for i := 0; i < cfg.Officers; i++ {
				n++
				tok, err := user(tx, n, map[string]any{"name": fmt.Sprintf("Officier %d-%d", u, i), "role": "officer", "unit": fx.units[u]})
				if err != nil {
					return err
				}
				fx.officers = append(fx.officers, loadOfficer{token: tok, unit: u})
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	// sanity: the fixture's rules hold
	var covered int
	if err := app.DB().NewQuery("SELECT COUNT(*) FROM units WHERE kind = 'commissariat'").Row(&covered); err != nil || covered != cfg.Units {
		return nil, fmt.Errorf("units: %d, %v", covered, err)
	}
	return fx, nil
}
