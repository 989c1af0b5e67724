package routes

import (
	"bytes"
	"encoding/csv"
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"time"

	"coprosec/hooks/apierr"
	"coprosec/internal/jurisdiction"
	"coprosec/internal/syncproto"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
)

// briefingRule is who may read a unit's plan, as a rule on the unit's
// record: the ministry any unit, a director the units of its département,
// officers and commanders their own unit. Parties read no police plan.
const briefingRule = `@request.auth.collectionName = "users" && (` +
	`@request.auth.role = "ministry" || ` +
	`(@request.auth.role = "officer" || @request.auth.role = "commander") && @request.auth.unit != "" && id = @request.auth.unit || ` +
	`@request.auth.role = "director" && @request.auth.unit != "" && departement = @request.auth.unit.departement)`

// briefingEvent is one event of a briefing, as the template and the CSV
// read it.
type briefingEvent struct {
	ID, Title, Kind, Status, Party      string
	Date, Start, End                    string // local
	Place, Commune, Arrondissement      string
	Lat, Lon                            string
	Route                               string
	Attendance                          string
	Needs                               []string
	SoundVehicle, LateNotice, Uncovered bool
	Clash                               bool
	ClashCount                          string
	Notes                               string
	LeadUnit, LeadStatus, LeadOfficers  string
	LeadPlan                            string
	Role, AssignmentStatus, Officers    string
	Plan, DueAt                         string
	Organizer, OrganizerPhone, Leader   string
	LeaderPhone                         string
	Other                               []briefingAssignment // the other units' assignments the caller sees
}

type briefingAssignment struct {
	Unit, Role, Status, Officers, Plan string
}

// briefing is the plan of one unit's day.
type briefing struct {
	Unit, UnitKind, UnitPhone, Departement string
	Date, DateLong                         string
	Generated                              string
	Directorate                            bool
	Events                                 []briefingEvent
}

var frenchKinds = map[string]string{"meeting": "Réunion", "rally": "Meeting", "caravan": "Caravane", "march": "Marche", "door_to_door": "Porte-à-porte"}
var frenchEventStatus = map[string]string{"declared": "Déclaré", "cancelled": "Annulé", "in_progress": "En cours", "completed": "Terminé"}
var frenchAssignmentStatus = map[string]string{"pending": "À accuser", "acknowledged": "Accusé", "adjustment_requested": "Ajustement demandé", "escalated": "Escaladé"}
var frenchRoles = map[string]string{"lead": "Chef de file", "support": "Appui", "oversight": "Supervision"}
var frenchNeeds = map[string]string{"escort": "Escorte", "crowd_control": "Maintien de l’ordre", "vip_protection": "Protection de personnalité", "traffic": "Circulation", "medical": "Secours médical"}
var frenchWeekdays = []string{"dimanche", "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi"}
var frenchMonths = []string{"", "janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre"}

func frenchOr(m map[string]string, k string) string {
	if v, ok := m[k]; ok {
		return v
	}
	return k
}

func (s *Routes) bindSituationRoutes(se *core.ServeEvent) {
	s.bindExportRoutes(se)
	se.Router.GET("/api/briefing", s.handleBriefing).Bind(apis.RequireAuth(), apis.Gzip())
	se.Router.GET("/api/situation", s.handleSituation).Bind(apis.RequireAuth())
}

// localDay reads the date parameter (YYYY-MM-DD, local), today by
// default, as its local midnight.
func (s *Routes) localDay(e *core.RequestEvent) (time.Time, error) {
	v := strings.TrimSpace(e.Request.URL.Query().Get("date"))
	if v == "" {
		now := s.write.Now().In(jurisdiction.Local)
		return time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, jurisdiction.Local), nil
	}
	d, err := time.ParseInLocation(time.DateOnly, v, jurisdiction.Local)
	if err != nil || d.Year() < 2000 || d.Year() > 2099 {
		return time.Time{}, apierr.Rule(CodeInvalidDate, "date", "date must be a day written YYYY-MM-DD (local time), from 2000 to 2099.")
	}
	return d, nil
}

// handleBriefing answers GET /api/briefing?unit=ID&date=YYYY-MM-DD
// [&format=html|csv] (DESIGN §5): the plan of the unit's day — the events
// it has an assignment for (a directorate: also every event of its
// département) that meet the local day, among those the caller may see
// (the events and assignments list rules), with times, places,
// attendance, security needs, the units' officers and plans, and the
// organizer's contact. A unit the caller may not read the plan of is a
// 404, like a unit that does not exist.
func (s *Routes) handleBriefing(e *core.RequestEvent) error {
	q := e.Request.URL.Query()
	format := strings.TrimSpace(q.Get("format"))
	if format == "" {
		format = "html"
	}
	if format != "html" && format != "csv" {
		return apierr.Rule(CodeInvalidFormat, "format", "format must be html or csv.")
	}
	unitID := strings.TrimSpace(q.Get("unit"))
	if unitID == "" {
		return apierr.Rule(syncproto.CodeInvalidRequest, "unit", "Give the unit's record id: ?unit=ID.")
	}
	day, err := s.localDay(e)
	if err != nil {
		return err
	}
	notFound := apierr.Coded(http.StatusNotFound, CodeUnitNotFound, "No such unit, or not one whose plan you may read.")
	unit, err := e.App.FindRecordById("units", unitID)
	if err != nil {
		return notFound
	}
	info, err := e.RequestInfo()
	if err != nil {
		return err
	}
	rule := briefingRule
	if ok, err := e.App.CanAccessRecord(unit, info, &rule); err != nil || !ok {
		return notFound
	}

	b, err := s.buildBriefing(e, unit, day)
	if err != nil {
		return err
	}
	e.Response.Header().Set("Cache-Control", "private, no-store")
	if format == "csv" {
		var buf bytes.Buffer
		w := csv.NewWriter(&buf)
		_ = w.Write(briefingColumns)
		for _, ev := range b.Events {
			_ = w.Write(briefingRow(b, ev))
		}
		w.Flush()
		e.Response.Header().Set("Content-Disposition", `attachment; filename="plan-`+b.Date+`.csv"`)
		return e.Blob(http.StatusOK, "text/csv; charset=utf-8", buf.Bytes())
	}
	var buf bytes.Buffer
	if err := briefingTemplate.Execute(&buf, b); err != nil {
		return e.InternalServerError("", err)
	}
	return e.Blob(http.StatusOK, "text/html; charset=utf-8", buf.Bytes())
}

func (s *Routes) buildBriefing(e *core.RequestEvent, unit *core.Record, day time.Time) (*briefing, error) {
	names, err := loadNames(e.App)
	if err != nil {
		return nil, err
	}
	isDirectorate := unit.GetString("kind") == jurisdiction.UnitDirectorate
	b := &briefing{
		Unit: unit.GetString("name"), UnitKind: unit.GetString("kind"), UnitPhone: unit.GetString("phone"),
		Departement: names.name[unit.GetString("departement")],
		Date:        day.Format(time.DateOnly),
		DateLong:    frenchWeekdays[day.Weekday()] + " " + strconv.Itoa(day.Day()) + " " + frenchMonths[day.Month()] + " " + strconv.Itoa(day.Year()),
		Generated:   s.write.Now().In(jurisdiction.Local).Format("02/01/2006 15:04"),
		Directorate: isDirectorate,
	}

	mine, _, err := visibleQuery(e, "assignments", dbx.HashExp{"assignments.unit": unit.Id})
	if err != nil {
		return nil, err
	}
	scope := inSubquery("events.id", mine.Select("assignments.event"))
	if isDirectorate {
		scope = dbx.Or(scope, dbx.HashExp{"events.departement": unit.GetString("departement")})
	}
	q, _, err := visibleQuery(e, "events", scope,
		dbx.NewExp("[[events.ends_at]] > {:day_from} AND [[events.starts_at]] < {:day_to}",
			dbx.Params{"day_from": dbTime(day), "day_to": dbTime(day.AddDate(0, 0, 1))}))
	if err != nil {
		return nil, err
	}
	var events []*core.Record
	if err := q.OrderBy("events.starts_at ASC", "events.id ASC").All(&events); err != nil {
		return nil, err
	}
	if len(events) == 0 {
		return b, nil
	}
	if err := apis.EnrichRecords(e, events); err != nil {
		return nil, err
	}
	ids := make([]any, len(events))
	for i, ev := range events {
		ids[i] = ev.Id
	}
	aq, _, err := visibleQuery(e, "assignments", dbx.In("assignments.event", ids...))
	if err != nil {
		return nil, err
	}
	var assignments []*core.Record
	if err := aq.OrderBy("assignments.role ASC", "assignments.id ASC").All(&assignments); err != nil {
		return nil, err
	}
	byEvent := map[string][]*core.Record{}
	for _, a := range assignments {
		byEvent[a.GetString("event")] = append(byEvent[a.GetString("event")], a)
	}
	for _, ev := range events {
		row := exportRow(ev, names)
		be := briefingEvent{
			ID: ev.Id, Title: ev.GetString("title"), Kind: frenchOr(frenchKinds, ev.GetString("kind")),
			Status: frenchOr(frenchEventStatus, row["status"].(string)),
			Party:  names.name[ev.GetString("party")],
			Date:   str(row["local_date"]), Start: str(row["local_start"]), End: str(row["local_end"]),
			Place: ev.GetString("place"), Commune: str(row["commune_name"]), Arrondissement: str(row["arrondissement_name"]),
			SoundVehicle: ev.GetBool("sound_vehicle"), LateNotice: ev.GetBool("late_notice"), Uncovered: ev.GetBool("uncovered"),
			Notes:    ev.GetString("notes"),
			LeadUnit: names.name[ev.GetString("lead_unit")],
		}
		if acr := names.code[ev.GetString("party")]; acr != "" {
			be.Party += " (" + acr + ")"
		}
		if row["lat"] != nil {
			be.Lat, be.Lon = csvCell("lat", row["lat"]), csvCell("lon", row["lon"])
		}
		be.Route = csvCell("route", row["route"])
		if n := ev.GetInt("expected_attendance"); n > 0 {
			be.Attendance = strconv.Itoa(n)
		}
		for _, need := range ev.GetStringSlice("security_needs") {
			be.Needs = append(be.Needs, frenchOr(frenchNeeds, need))
		}
		if v, ok := row["clash"].(bool); ok {
			be.Clash = v
			if n, ok := row["clash_count"].(float64); ok && n > 0 {
				be.ClashCount = strconv.Itoa(int(n))
			}
		}
		// the contacts the event carries (write/event_contacts.go)
		be.Organizer, be.OrganizerPhone = ev.GetString("organizer_name"), ev.GetString("organizer_phone")
		be.Leader, be.LeaderPhone = ev.GetString("leader"), ev.GetString("leader_phone")
		for _, a := range byEvent[ev.Id] {
			officers := ""
			if n := a.GetInt("officers"); n > 0 {
				officers = strconv.Itoa(n)
			}
			switch {
			case a.GetString("unit") == unit.Id:
				be.Role = frenchOr(frenchRoles, a.GetString("role"))
				be.AssignmentStatus = frenchOr(frenchAssignmentStatus, a.GetString("status"))
				be.Officers, be.Plan = officers, a.GetString("plan")
				if d := a.GetDateTime("due_at"); !d.IsZero() && a.GetString("status") == string(jurisdiction.StatusPending) {
					be.DueAt = d.Time().In(jurisdiction.Local).Format("02/01 15:04")
				}
			default:
				be.Other = append(be.Other, briefingAssignment{
					Unit: names.name[a.GetString("unit")], Role: frenchOr(frenchRoles, a.GetString("role")),
					Status: frenchOr(frenchAssignmentStatus, a.GetString("status")), Officers: officers, Plan: a.GetString("plan"),
				})
			}
			if a.GetString("role") == string(jurisdiction.RoleLead) {
				be.LeadStatus = frenchOr(frenchAssignmentStatus, a.GetString("status"))
				be.LeadOfficers, be.LeadPlan = officers, a.GetString("plan")
			}
		}
		b.Events = append(b.Events, be)
	}
	return b, nil
}

func str(v any) string { s, _ := v.(string); return s }

var briefingColumns = []string{
	"date", "local_start", "local_end", "event", "title", "kind", "status", "party",
	"place", "commune", "arrondissement", "lat", "lon", "route",
	"expected_attendance", "security_needs", "sound_vehicle", "late_notice", "uncovered", "clash",
	"role", "assignment_status", "officers", "plan", "due_at",
	"lead_unit", "lead_status", "lead_officers", "lead_plan",
	"organizer", "organizer_phone", "leader", "notes", "leader_phone",
}

func briefingRow(b *briefing, ev briefingEvent) []string {
	cells := []string{
		b.Date, ev.Start, ev.End, ev.ID, ev.Title, ev.Kind, ev.Status, ev.Party,
		ev.Place, ev.Commune, ev.Arrondissement, ev.Lat, ev.Lon, ev.Route,
		ev.Attendance, strings.Join(ev.Needs, ";"), strconv.FormatBool(ev.SoundVehicle), strconv.FormatBool(ev.LateNotice),
		strconv.FormatBool(ev.Uncovered), strconv.FormatBool(ev.Clash),
		ev.Role, ev.AssignmentStatus, ev.Officers, ev.Plan, ev.DueAt,
		ev.LeadUnit, ev.LeadStatus, ev.LeadOfficers, ev.LeadPlan,
		ev.Organizer, ev.OrganizerPhone, ev.Leader, ev.Notes, ev.LeaderPhone,
	}
	for i, c := range cells {
		cells[i] = spreadsheetSafe(c)
	}
	return cells
}

// briefingTemplate is the printable plan (html/template escapes every
// value; tel: links are built from the phone numbers only).
var briefingTemplate = template.Must(template.New("briefing").Funcs(template.FuncMap{
	"tel": func(phone string) template.URL {
		return template.URL("tel:" + strings.Map(func(r rune) rune {
			if r == '+' || r >= '0' && r <= '9' {
				return r
			}
			return -1
		}, phone))
	},
	"join": func(ss []string) string { return strings.Join(ss, ", ") },
}).Parse(`<!doctype html>
<html lang="fr">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Plan du {{.DateLong}} — {{.Unit}}</title>
<style>
body{font:14px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:1.5rem;color:#111}
h1{font-size:1.3rem;margin:0 0 .2rem}
.meta{color:#444;margin:0 0 1rem}
table{border-collapse:collapse;width:100%}
th,td{border:1px solid #999;padding:.35rem .45rem;vertical-align:top;text-align:left}
th{background:#eee}
.flag{display:inline-block;border:1px solid #333;border-radius:3px;padding:0 .25rem;margin:.1rem .2rem 0 0;font-size:.8rem}
.warn{background:#ffe8a3}
.alert{background:#ffc9c9}
.muted{color:#555}
.none{margin-top:2rem;font-style:italic}
@media print{body{margin:0;font-size:11px}a{color:inherit;text-decoration:none}tr{break-inside:avoid}th{background:#ddd!important;-webkit-print-color-adjust:exact;print-color-adjust:exact}}
@page{size:A4 landscape;margin:12mm}
</style>
</head>
<body>
<h1>Plan de la journée du {{.DateLong}}</h1>
<p class="meta">{{.Unit}}{{if .Departement}} — {{.Departement}}{{end}}{{if .UnitPhone}} — <a href="{{tel .UnitPhone}}">{{.UnitPhone}}</a>{{end}}<br>
{{len .Events}} événement(s){{if .Directorate}}, tout le département{{end}} — heures locales (UTC+1) — édité le {{.Generated}}</p>
{{if .Events}}
<table>
<thead><tr><th>Heure</th><th>Événement</th><th>Lieu</th><th>Affluence et besoins</th><th>Dispositif</th><th>Contact</th></tr></thead>
<tbody>
{{range .Events}}<tr>
<td>{{.Start}}–{{.End}}</td>
<td><strong>{{.Title}}</strong><br>{{.Kind}} — {{.Party}}<br><span class="muted">{{.Status}}</span>
{{if .LateNotice}}<br><span class="flag warn">Préavis tardif</span>{{end}}{{if .Clash}}<span class="flag alert">Conflit{{if .ClashCount}} ({{.ClashCount}}){{end}}</span>{{end}}{{if .Uncovered}}<span class="flag">Zone sans commissariat</span>{{end}}</td>
<td>{{.Place}}{{if .Arrondissement}}<br>{{.Arrondissement}}{{end}}{{if .Commune}}<br>{{.Commune}}{{end}}{{if .Lat}}<br><span class="muted">{{.Lat}}, {{.Lon}}</span>{{end}}{{if .Route}}<br><span class="muted">Parcours : {{.Route}}</span>{{end}}</td>
<td>{{if .Attendance}}{{.Attendance}} personnes{{else}}<span class="muted">affluence non indiquée</span>{{end}}{{if .Needs}}<br>{{join .Needs}}{{end}}{{if .SoundVehicle}}<br>Véhicule sonorisé{{end}}{{if .Notes}}<br><span class="muted">{{.Notes}}</span>{{end}}</td>
<td>{{if .Role}}<strong>{{.Role}}</strong> : {{.AssignmentStatus}}{{if .DueAt}} (avant le {{.DueAt}}){{end}}{{if .Officers}}<br>{{.Officers}} agent(s){{end}}{{if .Plan}}<br>{{.Plan}}{{end}}{{end}}
{{if .LeadUnit}}<br><span class="muted">Chef de file : {{.LeadUnit}}{{if .LeadStatus}} — {{.LeadStatus}}{{end}}</span>{{end}}
{{range .Other}}<br>{{.Unit}} ({{.Role}}) : {{.Status}}{{if .Officers}}, {{.Officers}} agent(s){{end}}{{if .Plan}} — {{.Plan}}{{end}}{{end}}</td>
<td>{{if .Organizer}}{{.Organizer}}{{end}}{{if .OrganizerPhone}}<br><a href="{{tel .OrganizerPhone}}">{{.OrganizerPhone}}</a>{{end}}{{if .Leader}}<br>Personnalité : {{.Leader}}{{end}}{{if .LeaderPhone}}<br><a href="{{tel .LeaderPhone}}">{{.LeaderPhone}}</a>{{end}}</td>
</tr>
{{end}}</tbody>
</table>
{{else}}<p class="none">Aucun événement ce jour.</p>{{end}}
</body>
</html>
`))
