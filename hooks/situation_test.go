package hooks_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"coprosec/internal/jurisdiction"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
)

func (e *env) leadOf(eventID string) *core.Record {
	e.t.Helper()
	lead, err := e.app.FindFirstRecordByFilter("assignments", "event = {:e} && role = 'lead'", dbx.Params{"e": eventID})
	if err != nil {
		e.t.Fatal(err)
	}
	return lead
}

func TestBriefingOfAUnitsDay(t *testing.T) {
	e := newEnv(t)
	w := e.visWorld()
	// the lead's commander writes its plan for A1
	lead := e.leadOf(w.evA1.Id)
	res := e.do("PATCH", "/api/collections/assignments/records/"+lead.Id, w.commanderCotonou,
		map[string]any{"officers": 12, "plan": "Deux équipes, barrières rue 12"})
	if res.Status != http.StatusOK {
		t.Fatal(res)
	}
	// free text that must come out as text, never markup
	xss := e.mustDeclare(w.orgA, e.meeting(w.partyA, map[string]any{"title": `<script>alert("t")</script>`,
		"place": `"><img src=x onerror=alert(1)>`, "notes": "Sécurité & ordre <b>"}))

	phoneA := strings.TrimPrefix(w.orgA.GetString("phone"), "+") // html/template writes + as &#43;
	// the commissariat's day: its events of 14 March (local), with times, plan and contacts
	res = e.do("GET", "/api/briefing?unit="+w.comCotonou.Id+"&date=2026-03-14", w.officerCotonou, nil)
	if res.Status != http.StatusOK || !strings.HasPrefix(res.String(), "200 <!doctype html>") {
		t.Fatalf("briefing: %.300s", res)
	}
	html := string(res.Body)
	for _, want := range []string{
		"A1 Cotonou frontière", "10:00–12:00", "Chef de file", "Accusé", "12 agent(s)", "Deux équipes, barrières rue 12",
		"&#43;" + phoneA, `href="tel:&#43;` + phoneA + `"`, "Parti A (PA)", "samedi 14 mars 2026",
		"&lt;script&gt;alert(&#34;t&#34;)&lt;/script&gt;", "&#34;&gt;&lt;img src=x onerror=alert(1)&gt;", "Sécurité &amp; ordre &lt;b&gt;",
	} {
		if !strings.Contains(html, want) {
			t.Errorf("briefing lacks %q", want)
		}
	}
	for _, never := range []string{"<script>", "<img", "B2 secret", "A2 Calavi", "A3 caravane", "<b>"} {
		if strings.Contains(html, never) {
			t.Errorf("briefing contains %q", never)
		}
	}

	// CSV: one row per event, the unit's role, officers and plan, organizer
	res = e.do("GET", "/api/briefing?unit="+w.comCotonou.Id+"&date=2026-03-14&format=csv", w.commanderCotonou, nil)
	rows, err := csv.NewReader(bytes.NewReader(res.Body)).ReadAll()
	if res.Status != http.StatusOK || err != nil {
		t.Fatalf("csv: %v %s", err, res)
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	got := map[string][]string{}
	for _, r := range rows[1:] {
		got[r[col["event"]]] = r
	}
	a1 := got[w.evA1.Id]
	if len(rows) != 3 || a1 == nil || got[xss] == nil {
		t.Fatalf("csv rows: %v", rows)
	}
	if a1[col["officers"]] != "12" || a1[col["plan"]] != "Deux équipes, barrières rue 12" || a1[col["role"]] != "Chef de file" ||
		a1[col["organizer_phone"]] != w.orgA.GetString("phone") || a1[col["local_start"]] != "10:00" || a1[col["clash"]] != "true" ||
		a1[col["leader"]] != "Leader A" {
		t.Errorf("A1 row: %v", a1)
	}

	// the directorate's day is its département's: Atlantique has B2 on the 14th, and the caravan on the 13th
	res = e.do("GET", "/api/briefing?unit="+w.ddprAtlantique.Id+"&date=2026-03-14&format=csv", w.directorAtlantique, nil)
	if res.Status != http.StatusOK || !strings.Contains(res.String(), "B2 secret Calavi frontière") || strings.Contains(res.String(), "A1 Cotonou") {
		t.Errorf("directorate Atlantique 14 March: %s", res)
	}
	res = e.do("GET", "/api/briefing?unit="+w.ddprAtlantique.Id+"&date=2026-03-13&format=csv", w.ministry, nil)
	if res.Status != http.StatusOK || !strings.Contains(res.String(), "A3 caravane") {
		t.Errorf("directorate Atlantique 13 March: %s", res)
	}
	// Calavi supports the caravan: its plan lists it, with its own role
	res = e.do("GET", "/api/briefing?unit="+w.comCalavi.Id+"&date=2026-03-13&format=csv", w.officerCalavi, nil)
	if res.Status != http.StatusOK || !strings.Contains(res.String(), "A3 caravane") || !strings.Contains(res.String(), "Appui") {
		t.Errorf("Calavi 13 March: %s", res)
	}
	// a day with nothing
	res = e.do("GET", "/api/briefing?unit="+w.comCotonou.Id+"&date=2026-03-02", w.directorLittoral, nil)
	if res.Status != http.StatusOK || !strings.Contains(res.String(), "Aucun événement ce jour") {
		t.Errorf("empty day: %s", res)
	}
}

func TestBriefingRefusals(t *testing.T) {
	e := newEnv(t)
	w := e.visWorld()
	for _, c := range []struct {
		name   string
		as     *core.Record
		q      string
		status int
		code   string
	}{
		{"party", w.orgA, "unit=" + w.comCotonou.Id, 404, "unit_not_found"},
		{"party admin", w.adminB, "unit=" + w.ddprLittoral.Id, 404, "unit_not_found"},
		{"another commissariat", w.officerCalavi, "unit=" + w.comCotonou.Id, 404, "unit_not_found"},
		{"own directorate", w.commanderCotonou, "unit=" + w.ddprLittoral.Id, 404, "unit_not_found"},
		{"another département", w.directorLittoral, "unit=" + w.comCalavi.Id, 404, "unit_not_found"},
		{"unknown unit", w.ministry, "unit=nosuchunit", 404, "unit_not_found"},
		{"no unit", w.ministry, "date=2026-03-14", 400, "invalid_request"},
		{"bad date", w.ministry, "unit=" + w.comCotonou.Id + "&date=2026-13-01", 400, "invalid_date"},
		{"bad date text", w.ministry, "unit=" + w.comCotonou.Id + "&date=%ff%00", 400, "invalid_date"},
		{"bad format", w.ministry, "unit=" + w.comCotonou.Id + "&format=pdf", 400, "invalid_format"},
	} {
		res := e.do("GET", "/api/briefing?"+c.q, c.as, nil)
		if res.Status != c.status || res.code() != c.code {
			t.Errorf("%s: %s, want %d %s", c.name, res, c.status, c.code)
		}
	}
	for _, ok := range []struct {
		as   *core.Record
		unit *core.Record
	}{{w.directorLittoral, w.comCotonou}, {w.directorLittoral, w.ddprLittoral}, {w.ministry, w.comCalavi}, {w.commanderCalavi, w.comCalavi}} {
		if res := e.do("GET", "/api/briefing?unit="+ok.unit.Id, ok.as, nil); res.Status != http.StatusOK {
			t.Errorf("%s for %s: %s", ok.as.GetString("role"), ok.unit.GetString("name"), res)
		}
	}
	if res := e.do("GET", "/api/briefing?unit="+w.comCotonou.Id, nil, nil); res.Status != http.StatusUnauthorized {
		t.Errorf("guest: %s", res)
	}
}

type situationDep struct {
	Code, Name                                                           string
	Declared, Today, Tomorrow, AwaitingAck, Escalated, Clash, LateNotice int
	Incidents                                                            map[string]int
}

func (d *situationDep) UnmarshalJSON(b []byte) error {
	var raw struct {
		Code        string         `json:"code"`
		Name        string         `json:"name"`
		Declared    int            `json:"declared"`
		Today       int            `json:"today"`
		Tomorrow    int            `json:"tomorrow"`
		AwaitingAck int            `json:"awaiting_ack"`
		Escalated   int            `json:"escalated"`
		Clash       int            `json:"clash"`
		LateNotice  int            `json:"late_notice"`
		Incidents   map[string]int `json:"incidents"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	*d = situationDep{raw.Code, raw.Name, raw.Declared, raw.Today, raw.Tomorrow, raw.AwaitingAck, raw.Escalated, raw.Clash, raw.LateNotice, raw.Incidents}
	return nil
}

func (e *env) situation(as *core.Record, date string) (string, map[string]situationDep, []string) {
	e.t.Helper()
	res := e.do("GET", "/api/situation?date="+date, as, nil)
	if res.Status != http.StatusOK {
		e.t.Fatalf("situation as %s: %s", as.GetString("role"), res)
	}
	var body struct {
		Date         string         `json:"date"`
		Departements []situationDep `json:"departements"`
	}
	if err := json.Unmarshal(res.Body, &body); err != nil {
		e.t.Fatal(err)
	}
	out := map[string]situationDep{}
	var order []string
	for _, d := range body.Departements {
		out[d.Code] = d
		order = append(order, d.Code)
	}
	return body.Date, out, order
}

// expectedSituation counts, from the records, what DESIGN §5's situation
// says for local day d (the definitions of handleSituation).
func (e *env) expectedSituation(d time.Time) map[string]situationDep {
	e.t.Helper()
	d0, d1, d2 := d, d.AddDate(0, 0, 1), d.AddDate(0, 0, 2)
	depCode := map[string]string{}
	deps, _ := e.app.FindAllRecords("departements")
	out := map[string]situationDep{}
	for _, r := range deps {
		depCode[r.Id] = r.GetString("code")
		out[r.GetString("code")] = situationDep{Code: r.GetString("code"), Name: r.GetString("name"), Incidents: map[string]int{"1": 0, "2": 0, "3": 0, "4": 0}}
	}
	events, _ := e.app.FindAllRecords("events")
	assignments, _ := e.app.FindAllRecords("assignments")
	for _, ev := range events {
		el, err := e.app.FindRecordById("elections", ev.GetString("election"))
		if err != nil || !el.GetBool("active") || ev.GetString("status") == "cancelled" || ev.GetString("departement") == "" {
			continue
		}
		c := out[depCode[ev.GetString("departement")]]
		start, end := ev.GetDateTime("starts_at").Time(), ev.GetDateTime("ends_at").Time()
		c.Declared++
		if end.After(d0) && start.Before(d1) {
			c.Today++
		}
		if end.After(d1) && start.Before(d2) {
			c.Tomorrow++
		}
		if !end.Before(d0) && ev.GetString("status") != "completed" {
			pending, escalated := false, false
			for _, a := range assignments {
				if a.GetString("event") != ev.Id {
					continue
				}
				pending = pending || a.GetString("role") == "lead" && a.GetString("status") == "pending"
				escalated = escalated || a.GetString("status") == "escalated"
			}
			c.AwaitingAck += b2i(pending)
			c.Escalated += b2i(escalated)
			c.Clash += b2i(ev.GetBool("clash"))
			c.LateNotice += b2i(ev.GetBool("late_notice"))
		}
		out[c.Code] = c
	}
	incidents, _ := e.app.FindAllRecords("incidents")
	for _, in := range incidents {
		at := in.GetDateTime("occurred_at").Time()
		if at.Before(d0) || !at.Before(d1) || in.GetString("departement") == "" {
			continue
		}
		out[depCode[in.GetString("departement")]].Incidents[in.GetString("severity")]++
	}
	return out
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func TestSituationCountsMatchTheRecords(t *testing.T) {
	e := newEnv(t)
	w := e.visWorld()
	// a late notice (two days ahead: escalated to the directorate at once),
	// a cancelled event, a completed one, an event of an inactive election
	late := e.mustDeclare(w.orgB, e.meeting(w.partyB, map[string]any{"title": "B tardif", "commune": w.calavi.Id,
		"starts_at": local(2026, 3, 11, 10, 0), "ends_at": local(2026, 3, 11, 12, 0)}))
	if res := e.do("PATCH", "/api/collections/events/records/"+w.evB1.Id, w.orgB, map[string]any{"status": "cancelled"}); res.Status != http.StatusOK {
		t.Fatal(res)
	}
	today := e.mustDeclare(w.orgA, e.meeting(w.partyA, map[string]any{"title": "A aujourd'hui",
		"starts_at": local(2026, 3, 10, 8, 0), "ends_at": local(2026, 3, 10, 9, 30)}))
	e.now = local(2026, 3, 10, 9, 0)
	if res := e.do("PATCH", "/api/collections/events/records/"+today, w.officerCotonou, map[string]any{"status": "completed"}); res.Status != http.StatusOK {
		t.Fatal(res)
	}
	e.now = testNow

	for _, day := range []string{"2026-03-10", "2026-03-11", "2026-03-13", "2026-03-14", "2026-03-15", "2026-03-20"} {
		d, _ := time.ParseInLocation(time.DateOnly, day, jurisdiction.Local)
		want := e.expectedSituation(d)
		date, got, order := e.situation(w.ministry, day)
		if date != day || len(got) != 12 || order[0] != "BJ01" || order[11] != "BJ12" {
			t.Fatalf("%s: date %s, départements %v", day, date, order)
		}
		for code, g := range got {
			if wt := want[code]; !situationEqual(g, wt) {
				t.Errorf("%s %s: got %+v, want %+v", day, code, g, wt)
			}
		}
	}

	// by hand, 10 March: Littoral's incidents A (1) and B (3); Atlantique's Calavi (2) and X (1);
	// the late notice escalated in Atlantique; A2 awaits Calavi's acknowledgement
	_, got, _ := e.situation(w.ministry, "2026-03-10")
	lit, atl := got["BJ08"], got["BJ03"]
	if lit.Incidents["1"] != 1 || lit.Incidents["3"] != 1 || atl.Incidents["2"] != 1 || atl.Incidents["1"] != 1 || atl.Incidents["4"] != 0 {
		t.Errorf("incidents: Littoral %v, Atlantique %v", lit.Incidents, atl.Incidents)
	}
	if atl.LateNotice != 1 || atl.Escalated != 1 || atl.Tomorrow != 1 || atl.AwaitingAck < 1 {
		t.Errorf("Atlantique 10 March: %+v (late event %s)", atl, late)
	}
	// Littoral: A1, A3, "A aujourd'hui" (completed), the formula-free fixture; B1 cancelled
	if lit.Declared != 3 || lit.Today != 1 || lit.Clash != 1 {
		t.Errorf("Littoral 10 March: %+v", lit)
	}

	// a director sees its own département only, with the same counts
	_, mine, order := e.situation(w.directorAtlantique, "2026-03-10")
	if len(order) != 1 || !situationEqual(mine["BJ03"], atl) {
		t.Errorf("director Atlantique: %v", mine)
	}
	// today by default (the server's clock: 10 March)
	if date, _, _ := e.situation(w.directorLittoral, ""); date != "2026-03-10" {
		t.Errorf("default date %s", date)
	}

	for _, u := range []*core.Record{w.orgA, w.adminB, w.officerCotonou, w.commanderCalavi} {
		if res := e.do("GET", "/api/situation", u, nil); res.Status != http.StatusForbidden || res.code() != "forbidden" {
			t.Errorf("%s: %s", u.GetString("role"), res)
		}
	}
	if res := e.do("GET", "/api/situation", nil, nil); res.Status != http.StatusUnauthorized {
		t.Errorf("guest: %s", res)
	}
	for _, q := range []string{"date=10/03/2026", "date=2026-02-30", "date=1999-12-31", "date=%ff"} {
		if res := e.do("GET", "/api/situation?"+q, w.ministry, nil); res.Status != http.StatusBadRequest || res.code() != "invalid_date" {
			t.Errorf("%s: %s", q, res)
		}
	}
}

func situationEqual(a, b situationDep) bool {
	if a.Code != b.Code || a.Name != b.Name || a.Declared != b.Declared || a.Today != b.Today || a.Tomorrow != b.Tomorrow ||
		a.AwaitingAck != b.AwaitingAck || a.Escalated != b.Escalated || a.Clash != b.Clash || a.LateNotice != b.LateNotice {
		return false
	}
	for _, s := range []string{"1", "2", "3", "4"} {
		if a.Incidents[s] != b.Incidents[s] {
			return false
		}
	}
	return len(a.Incidents) == 4
}

// TestSituationRoutesNeverFailOnGarbage: whatever the parameters, the four
// routes answer 2xx, 304 or 4xx, never a 500.
func TestSituationRoutesNeverFailOnGarbage(t *testing.T) {
	e := newEnv(t)
	w := e.visWorld()
	garbage := []string{"", "%00", "%ff%fe", "'%20OR%201=1--", "9999999999999999999999", ",,,", "BJ01,,BJ99",
		strings.Repeat("x", 5000), "2026-03-14T25:00:00Z", "-1", "null", "%7B%7D", "..%2F..%2Fetc"}
	routes := map[string][]string{
		"/api/geo/boundaries": {"level", "within", "simplify_m"},
		"/api/export/events":  {"format", "from", "to", "departement", "commune", "party", "unit", "status"},
		"/api/briefing":       {"unit", "date", "format"},
		"/api/situation":      {"date"},
	}
	for path, params := range routes {
		for _, p := range params {
			for _, g := range garbage {
				for _, as := range []*core.Record{w.orgA, w.ministry, w.directorLittoral} {
					q := p + "=" + g
					if path == "/api/geo/boundaries" && p != "level" {
						q += "&level=commune"
					}
					if path == "/api/briefing" && p != "unit" {
						q += "&unit=" + w.comCotonou.Id
					}
					res := e.do("GET", path+"?"+q, as, nil)
					if res.Status >= 500 {
						t.Errorf("%s?%.80s as %s: %s", path, q, as.GetString("role"), res)
					}
				}
			}
		}
	}
}
