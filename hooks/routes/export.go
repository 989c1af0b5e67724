package routes

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"coprosec/hooks/apierr"
	"coprosec/hooks/clashview"
	"coprosec/hooks/write"
	"coprosec/internal/geo"
	"coprosec/internal/jurisdiction"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"
)

// Codes of the export, briefing and situation routes.
const (
	CodeInvalidFormat = "invalid_format" // format is not one the route writes
	CodeInvalidDate   = "invalid_date"   // a date is not YYYY-MM-DD (or RFC 3339), or from is after to
	CodeInvalidStatus = "invalid_status" // status is not an event status
	CodeUnknownParty  = "unknown_party"  // party names no party (id or acronym)
	CodeUnknownUnit   = "unknown_unit"   // unit names no unit
	CodeUnitNotFound  = "unit_not_found" // 404: no unit, or one whose plan the caller may not see
)

// exportPageSize is how many events an export reads at a time.
const exportPageSize = 500

// exportColumns are the columns of GET /api/export/events, in order; the
// names are stable (the event's own field names where there is one).
// policeColumns follow for the accounts that read the exact clash
// (clashview.Police); no other account gets them, whatever it asks.
var (
	exportColumns = []string{
		"id", "title", "kind", "status",
		"party", "party_name", "departement", "departement_name", "commune", "commune_name",
		"arrondissement", "arrondissement_name", "place", "lat", "lon", "route",
		"starts_at", "ends_at", "local_date", "local_start", "local_end",
		"expected_attendance", "security_needs", "sound_vehicle", "notes",
		"lead_unit", "lead_unit_name", "directorate", "directorate_name",
		"declared_at", "late_notice", "uncovered", "clash_notice", "version",
		"itinerary", "party_id", "created", "updated",
	}
	policeColumns = []string{"clash", "clash_count", "clash_with"}
	// free text typed by users: a CSV cell starting with a formula sign is
	// quoted for spreadsheets
	textColumns = map[string]bool{"title": true, "place": true, "notes": true, "party_name": true,
		"departement_name": true, "commune_name": true, "arrondissement_name": true,
		"lead_unit_name": true, "directorate_name": true}
)

// eventFilter is the filters of an export (DESIGN §5), parsed and
// resolved to record ids.
type eventFilter struct {
	from, to                 time.Time // zero: open
	departements, communes   []string
	parties, units, statuses []string
}

// dbTime is t in PocketBase's stored date layout.
func dbTime(t time.Time) string { return t.UTC().Format(types.DefaultDateLayout) }

// where is f as expressions on the events table; units are matched by
// the assignments the caller may see (PocketBase's assignments list rule).
func (f eventFilter) where(e *core.RequestEvent) ([]dbx.Expression, error) {
	var out []dbx.Expression
	if !f.from.IsZero() {
		out = append(out, dbx.NewExp("[[events.ends_at]] >= {:export_from}", dbx.Params{"export_from": dbTime(f.from)}))
	}
	if !f.to.IsZero() {
		out = append(out, dbx.NewExp("[[events.starts_at]] < {:export_to}", dbx.Params{"export_to": dbTime(f.to)}))
	}
	in := func(col string, ids []string) {
		if len(ids) > 0 {
			out = append(out, dbx.In(col, anySlice(ids)...))
		}
	}
	in("events.departement", f.departements)
	in("events.commune", f.communes)
	in("events.party", f.parties)
	if slices.Contains(f.statuses, jurisdiction.EventDeclared) {
		out = append(out, dbx.Or(dbx.In("events.status", anySlice(f.statuses)...), dbx.HashExp{"events.status": ""}))
	} else {
		in("events.status", f.statuses)
	}
	if len(f.units) > 0 {
		q, _, err := visibleQuery(e, "assignments", dbx.In("assignments.unit", anySlice(f.units)...))
		if err != nil {
			return nil, err
		}
		out = append(out, inSubquery("events.id", q.Select("assignments.event").Distinct(false)))
	}
	return out, nil
}

func anySlice(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// splitList is a comma-separated parameter's values, trimmed, empty ones
// dropped.
func splitList(v string) []string {
	var out []string
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// parseDay reads a local date (YYYY-MM-DD, its 00:00 in Benin) or an
// RFC 3339 instant; end turns a date into the end of that day.
func parseDay(v string, end bool) (time.Time, bool) {
	v = strings.TrimSpace(v)
	if d, err := time.ParseInLocation(time.DateOnly, v, jurisdiction.Local); err == nil && d.Year() >= 2000 && d.Year() <= 2099 {
		if end {
			d = d.AddDate(0, 0, 1)
		}
		return d, true
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil && t.Year() >= 2000 && t.Year() <= 2099 {
		return t, true
	}
	return time.Time{}, false
}

// parseEventFilter reads the filters of an export: from, to (local dates
// or instants; an event is kept when its window meets [from, to]),
// departement and commune (codes or ids), party (acronyms or ids), unit
// (ids), status; each but from and to may list values separated by
// commas.
func parseEventFilter(e *core.RequestEvent, g *write.Geography) (eventFilter, error) {
	q := e.Request.URL.Query()
	var f eventFilter
	var ok bool
	if v := q.Get("from"); v != "" {
		if f.from, ok = parseDay(v, false); !ok {
			return f, apierr.Rule(CodeInvalidDate, "from", "from must be a date (YYYY-MM-DD, local time) or an RFC 3339 instant.")
		}
	}
	if v := q.Get("to"); v != "" {
		if f.to, ok = parseDay(v, true); !ok {
			return f, apierr.Rule(CodeInvalidDate, "to", "to must be a date (YYYY-MM-DD, local time) or an RFC 3339 instant.")
		}
	}
	if !f.from.IsZero() && !f.to.IsZero() && !f.to.After(f.from) {
		return f, apierr.Rule(CodeInvalidDate, "to", "to must not be before from.")
	}
	division := func(param, level string, byCode func(string) string) ([]string, error) {
		var ids []string
		for _, v := range splitList(q.Get(param)) {
			id := byCode(v)
			if id == "" && g.Code(v) != "" && g.DivisionLevel(g.Code(v)) == level {
				id = v // a record id
			}
			if id == "" {
				return nil, apierr.Rule(CodeUnknownDivision, param, "Unknown "+param+": give its code (or record id).")
			}
			ids = append(ids, id)
		}
		return ids, nil
	}
	var err error
	if f.departements, err = division("departement", "departement", g.DepartementByCode); err != nil {
		return f, err
	}
	if f.communes, err = division("commune", "commune", g.CommuneByCode); err != nil {
		return f, err
	}
	for _, v := range splitList(q.Get("party")) {
		var rows []struct{ ID string }
		err := e.App.DB().Select("id").From("parties").
			Where(dbx.Or(dbx.HashExp{"id": v}, dbx.NewExp("LOWER([[acronym]]) = LOWER({:acronym})", dbx.Params{"acronym": v}))).
			Limit(1).All(&rows)
		if err != nil {
			return f, err
		}
		if len(rows) == 0 {
			return f, apierr.Rule(CodeUnknownParty, "party", "Unknown party: give its acronym or record id.")
		}
		f.parties = append(f.parties, rows[0].ID)
	}
	for _, v := range splitList(q.Get("unit")) {
		if _, err := e.App.FindRecordById("units", v); err != nil {
			return f, apierr.Rule(CodeUnknownUnit, "unit", "Unknown unit: give its record id.")
		}
		f.units = append(f.units, v)
	}
	for _, v := range splitList(q.Get("status")) {
		switch v {
		case jurisdiction.EventDeclared, jurisdiction.EventInProgress, jurisdiction.EventCompleted, jurisdiction.EventCancelled:
			f.statuses = append(f.statuses, v)
		default:
			return f, apierr.Rule(CodeInvalidStatus, "status", "status must be declared, in_progress, completed or cancelled (several separated by commas).")
		}
	}
	return f, nil
}

func (s *Routes) bindExportRoutes(se *core.ServeEvent) {
	se.Router.GET("/api/export/events", s.handleExportEvents).Bind(apis.RequireAuth(), apis.Gzip())
}

// handleExportEvents answers GET /api/export/events?format=csv|geojson
// [&from=&to=&departement=&commune=&party=&unit=&status=] (DESIGN §5): the
// events the caller may see — PocketBase's events list rule, as the REST
// list applies it — with the filters, as CSV (UTF-8, header row) or as
// GeoJSON (points, or lines for the routes of caravans and marches). Each
// event is exported as the REST list shows it to the caller (the enrich
// hooks run): fields hidden from it, such as the exact clash for a party,
// are in no column.
func (s *Routes) handleExportEvents(e *core.RequestEvent) error {
	format := strings.TrimSpace(e.Request.URL.Query().Get("format"))
	if format == "" {
		format = "csv"
	}
	if format != "csv" && format != "geojson" {
		return apierr.Rule(CodeInvalidFormat, "format", "format must be csv or geojson.")
	}
	g, err := s.write.Geography(e.App)
	if err != nil {
		return e.InternalServerError("", err)
	}
	f, err := parseEventFilter(e, g)
	if err != nil {
		return err
	}
	where, err := f.where(e)
	if err != nil {
		return err
	}
	columns := slices.Clone(exportColumns)
	if clashview.AudienceOf(e.Auth) == clashview.Police {
		columns = append(columns, policeColumns...)
	}
	names, err := loadNames(e.App)
	if err != nil {
		return e.InternalServerError("", err)
	}

	// the first page before any byte is written, so that a failure is
	// still an error answer
	page, err := s.exportPage(e, where, 0)
	if err != nil {
		return err
	}
	stamp := s.write.Now().In(jurisdiction.Local).Format("20060102-1504")
	h := e.Response.Header()
	switch format {
	case "csv":
		h.Set("Content-Type", "text/csv; charset=utf-8")
		h.Set("Content-Disposition", `attachment; filename="evenements-`+stamp+`.csv"`)
	default:
		h.Set("Content-Type", "application/geo+json")
		h.Set("Content-Disposition", `attachment; filename="evenements-`+stamp+`.geojson"`)
	}
	h.Set("Cache-Control", "private, no-store")
	e.Response.WriteHeader(http.StatusOK)

	var cw *csv.Writer
	if format == "csv" {
		cw = csv.NewWriter(e.Response)
		_ = cw.Write(columns)
	} else {
		_, _ = e.Response.Write([]byte(`{"type":"FeatureCollection","features":[`))
	}
	n := 0
	for offset := 0; ; offset += exportPageSize {
		if offset > 0 {
			if page, err = s.exportPage(e, where, offset); err != nil {
				// the status is sent: the file ends here, truncated
				e.App.Logger().Error("export: reading events", "error", err, "offset", offset)
				return nil
			}
		}
		for _, rec := range page {
			row := exportRow(rec, names)
			if cw != nil {
				cells := make([]string, len(columns))
				for i, c := range columns {
					cells[i] = csvCell(c, row[c])
				}
				_ = cw.Write(cells)
				continue
			}
			b, err := geoJSONFeature(rec, row, columns)
			if err != nil {
				e.App.Logger().Error("export: encoding an event", "error", err, "event", rec.Id)
				return nil
			}
			if n > 0 {
				_, _ = e.Response.Write([]byte{','})
			}
			_, _ = e.Response.Write(b)
			n++
		}
		if cw != nil {
			cw.Flush()
		}
		if len(page) < exportPageSize {
			break
		}
	}
	if cw == nil {
		_, _ = e.Response.Write([]byte("]}"))
	}
	return nil
}

// exportPage is one page of the visible events, by start then id, each
// enriched as the REST list would answer it to the caller.
func (s *Routes) exportPage(e *core.RequestEvent, where []dbx.Expression, offset int) ([]*core.Record, error) {
	q, _, err := visibleQuery(e, "events", where...)
	if err != nil {
		return nil, err
	}
	var recs []*core.Record
	if err := q.OrderBy("events.starts_at ASC", "events.id ASC").Offset(int64(offset)).Limit(exportPageSize).All(&recs); err != nil {
		return nil, err
	}
	if err := apis.EnrichRecords(e, recs); err != nil {
		return nil, err
	}
	return recs, nil
}

// refNames are the codes and names of the reference records an export
// shows beside ids.
type refNames struct {
	code, name map[string]string // record id → code (divisions) or acronym (parties); name
}

func loadNames(app core.App) (*refNames, error) {
	n := &refNames{code: map[string]string{}, name: map[string]string{}}
	var rows []struct{ ID, Code, Name string }
	for _, sql := range []string{
		"SELECT id, code, name FROM departements", "SELECT id, code, name FROM communes",
		"SELECT id, code, name FROM arrondissements", "SELECT id, acronym AS code, name FROM parties",
		"SELECT id, '' AS code, name FROM units",
	} {
		rows = rows[:0]
		if err := app.DB().NewQuery(sql).All(&rows); err != nil {
			return nil, err
		}
		for _, r := range rows {
			n.code[r.ID], n.name[r.ID] = r.Code, r.Name
		}
	}
	return n, nil
}

// exportRow is rec's exported values by column, as typed values (the
// GeoJSON properties); read from rec's public export, so a field hidden
// from the caller has no value.
func exportRow(rec *core.Record, names *refNames) map[string]any {
	pub := rec.PublicExport()
	str := func(k string) string { s, _ := pub[k].(string); return s }
	row := map[string]any{}
	for _, k := range []string{"id", "title", "kind", "place", "notes", "itinerary"} {
		row[k] = str(k)
	}
	row["status"] = str("status")
	if row["status"] == "" {
		row["status"] = jurisdiction.EventDeclared
	}
	ref := func(col, field string) {
		id := str(field)
		row[col] = names.code[id]
		row[col+"_name"] = names.name[id]
	}
	ref("party", "party")
	row["party_id"] = str("party")
	ref("departement", "departement")
	ref("commune", "commune")
	ref("arrondissement", "arrondissement")
	row["lead_unit"], row["lead_unit_name"] = str("lead_unit"), names.name[str("lead_unit")]
	row["directorate"], row["directorate_name"] = str("directorate"), names.name[str("directorate")]
	if p, ok := pub["location"].(types.GeoPoint); ok && (p.Lat != 0 || p.Lon != 0) {
		row["lat"], row["lon"] = p.Lat, p.Lon
	}
	if route := eventRoute(rec); len(route) > 0 {
		row["route"] = route
	}
	date := func(k string) time.Time {
		if d, ok := pub[k].(types.DateTime); ok && !d.IsZero() {
			return d.Time()
		}
		return time.Time{}
	}
	instant := func(t time.Time) any {
		if t.IsZero() {
			return nil
		}
		return t.UTC().Format(time.RFC3339)
	}
	start, end := date("starts_at"), date("ends_at")
	row["starts_at"], row["ends_at"] = instant(start), instant(end)
	row["declared_at"], row["created"], row["updated"] = instant(date("declared_at")), instant(date("created")), instant(date("updated"))
	if !start.IsZero() {
		row["local_date"] = start.In(jurisdiction.Local).Format(time.DateOnly)
		row["local_start"] = start.In(jurisdiction.Local).Format("15:04")
	}
	if !end.IsZero() {
		row["local_end"] = end.In(jurisdiction.Local).Format("15:04")
		if d := end.In(jurisdiction.Local).Format(time.DateOnly); d != row["local_date"] {
			row["local_end"] = d + " " + end.In(jurisdiction.Local).Format("15:04")
		}
	}
	for _, k := range []string{"expected_attendance", "version", "clash_count"} {
		if v, ok := pub[k]; ok {
			row[k] = v
		}
	}
	for _, k := range []string{"sound_vehicle", "late_notice", "uncovered", "clash_notice", "clash"} {
		if v, ok := pub[k]; ok {
			row[k] = v
		}
	}
	if v, ok := pub["security_needs"]; ok {
		row["security_needs"] = v
	}
	if v, ok := pub["clash_with"]; ok {
		row["clash_with"] = v
	}
	return row
}

// eventRoute is the route of a caravan or a march, nil for other kinds.
func eventRoute(rec *core.Record) []geo.Point {
	if k := rec.GetString("kind"); k != jurisdiction.KindCaravan && k != jurisdiction.KindMarch {
		return nil
	}
	var pts []geo.Point
	raw, _ := rec.Get("route").(types.JSONRaw)
	if len(raw) == 0 || json.Unmarshal(raw, &pts) != nil {
		return nil
	}
	return slices.DeleteFunc(pts, func(p geo.Point) bool { return !p.Valid() })
}

// csvCell is a value as one CSV cell: lists separated by ";", a route as
// "lat lon" pairs separated by ";", booleans true/false, numbers in full.
func csvCell(column string, v any) string {
	var s string
	switch x := v.(type) {
	case nil:
	case string:
		s = x
	case bool:
		s = strconv.FormatBool(x)
	case float64:
		s = strconv.FormatFloat(x, 'f', -1, 64)
	case int:
		s = strconv.Itoa(x)
	case []string:
		s = strings.Join(x, ";")
	case []geo.Point:
		parts := make([]string, len(x))
		for i, p := range x {
			parts[i] = strconv.FormatFloat(p.Lat, 'f', -1, 64) + " " + strconv.FormatFloat(p.Lon, 'f', -1, 64)
		}
		s = strings.Join(parts, ";")
	default:
		s = fmt.Sprint(x)
	}
	if textColumns[column] {
		s = spreadsheetSafe(s)
	}
	return s
}

// spreadsheetSafe is a text cell a spreadsheet will not run as a formula:
// one starting with = + - @ or a tab or carriage return gets a leading
// apostrophe, unless it is a plain number such as a phone number
// (+22997000000).
func spreadsheetSafe(s string) string {
	if s == "" || !strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return s
	}
	if len(s) > 1 && strings.Trim(s[1:], "0123456789.") == "" && s[0] != '=' && s[0] != '@' {
		return s
	}
	return "'" + s
}

// geoJSONFeature is one event as a GeoJSON feature: a LineString along
// its route (caravans, marches), else a Point at its location, else no
// geometry; the properties are the columns.
func geoJSONFeature(rec *core.Record, row map[string]any, columns []string) ([]byte, error) {
	var geometry any
	route, _ := row["route"].([]geo.Point)
	switch {
	case len(route) >= 2:
		coords := make([][2]float64, len(route))
		for i, p := range route {
			coords[i] = [2]float64{p.Lon, p.Lat}
		}
		geometry = map[string]any{"type": "LineString", "coordinates": coords}
	case len(route) == 1:
		geometry = map[string]any{"type": "Point", "coordinates": [2]float64{route[0].Lon, route[0].Lat}}
	case row["lat"] != nil:
		geometry = map[string]any{"type": "Point", "coordinates": [2]any{row["lon"], row["lat"]}}
	}
	props := make(map[string]any, len(columns))
	for _, c := range columns {
		if c == "route" {
			continue // the geometry
		}
		props[c] = row[c]
	}
	return json.Marshal(map[string]any{"type": "Feature", "id": rec.Id, "geometry": geometry, "properties": props})
}
