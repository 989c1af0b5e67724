package write

import (
	"encoding/json"
	"fmt"
	"time"

	"coprosec/internal/geo"
	"coprosec/internal/jurisdiction"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/list"
	"github.com/pocketbase/pocketbase/tools/types"
)

// This file converts records to the plain structs of the domain packages
// and back. It is the only place that knows both shapes.

func timeOf(r *core.Record, field string) time.Time {
	return r.GetDateTime(field).Time()
}

func pointOf(r *core.Record, field string) *geo.Point {
	raw := r.Get(field)
	gp, ok := raw.(types.GeoPoint)
	if !ok {
		return nil
	}
	// PocketBase stores an unset geo point as {0,0}; (0°,0°) is in the Gulf
	// of Guinea, never a place in Benin, so it means "no point".
	if gp.Lat == 0 && gp.Lon == 0 {
		return nil
	}
	return &geo.Point{Lat: gp.Lat, Lon: gp.Lon}
}

// routeOf decodes the `route` JSON field: a list of {lat, lon}.
func routeOf(r *core.Record) ([]geo.Point, error) {
	raw, _ := r.Get("route").(types.JSONRaw)
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var pts []geo.Point
	if err := json.Unmarshal(raw, &pts); err != nil {
		return nil, fmt.Errorf("route must be a list of {\"lat\": …, \"lon\": …}: %v", err)
	}
	for i, p := range pts {
		if !p.Valid() {
			return nil, fmt.Errorf("route point %d (%v, %v) is not a WGS84 position", i, p.Lat, p.Lon)
		}
	}
	return pts, nil
}

func eventFromRecord(r *core.Record) (jurisdiction.Event, error) {
	route, err := routeOf(r)
	ev := jurisdiction.Event{
		ID: r.Id, Party: r.GetString("party"), Election: r.GetString("election"),
		Kind: r.GetString("kind"), Status: r.GetString("status"),
		Commune: r.GetString("commune"), Arrondissement: r.GetString("arrondissement"),
		Location: pointOf(r, "location"), Route: route,
		StartsAt: timeOf(r, "starts_at"), EndsAt: timeOf(r, "ends_at"),
		DeclaredAt: timeOf(r, "declared_at"), SoundVehicle: r.GetBool("sound_vehicle"),
	}
	return ev, err
}

func electionFromRecord(r *core.Record) jurisdiction.Election {
	return jurisdiction.Election{
		ID: r.Id, CampaignStart: timeOf(r, "campaign_start"), CampaignEnd: timeOf(r, "campaign_end"),
		ElectionDay: timeOf(r, "election_day"), Parties: r.GetStringSlice("parties"),
		NoticeHours: r.GetInt("notice_hours"), ClashRadiusM: r.GetFloat("clash_radius_m"),
		ClashBufferMin: r.GetInt("clash_buffer_min"), AckHours: r.GetInt("ack_hours"),
		Active: r.GetBool("active"),
	}
}

func assignmentFromRecord(r *core.Record) jurisdiction.Assignment {
	a := jurisdiction.Assignment{
		ID: r.Id, Event: r.GetString("event"), Unit: r.GetString("unit"),
		Role: jurisdiction.Role(r.GetString("role")), Status: jurisdiction.Status(r.GetString("status")),
		DueAt: timeOf(r, "due_at"), AcknowledgedBy: r.GetString("acknowledged_by"),
		Reason: r.GetString("reason"), Officers: r.GetInt("officers"), Plan: r.GetString("plan"),
	}
	if t := timeOf(r, "acknowledged_at"); !t.IsZero() {
		a.AcknowledgedAt = &t
	}
	return a
}

// setAssignment writes the server-owned fields of a onto r.
func setAssignment(r *core.Record, a jurisdiction.Assignment) {
	r.Set("event", a.Event)
	r.Set("unit", a.Unit)
	r.Set("role", string(a.Role))
	r.Set("status", string(a.Status))
	r.Set("due_at", a.DueAt)
	r.Set("acknowledged_by", a.AcknowledgedBy)
	if a.AcknowledgedAt != nil {
		r.Set("acknowledged_at", *a.AcknowledgedAt)
	} else {
		r.Set("acknowledged_at", "")
	}
	r.Set("reason", a.Reason)
	r.Set("officers", a.Officers)
	r.Set("plan", a.Plan)
}

// actorOf describes the signed-in user for the J12 checks; nil for
// superusers and server code, which the checks do not restrain.
func actorOf(app core.App, auth *core.Record) *jurisdiction.Actor {
	if auth == nil || auth.IsSuperuser() {
		return nil
	}
	a := &jurisdiction.Actor{Role: auth.GetString("role"), Party: auth.GetString("party"), Unit: auth.GetString("unit")}
	if a.Role == "party_admin" {
		a.Role = jurisdiction.ActorOrganizer
	}
	if a.Unit != "" {
		if u, err := app.FindRecordById("units", a.Unit); err == nil {
			a.UnitDepartement = u.GetString("departement")
		}
	}
	return a
}

// changedFields lists the fields of r whose value differs from the stored
// record (all non-empty fields on create), autodate fields excepted.
func changedFields(r *core.Record) []string {
	var out []string
	var orig *core.Record // a copy: made only when there is something to compare with
	if !r.IsNew() {
		orig = r.Original()
	}
	for _, f := range r.Collection().Fields {
		name := f.GetName()
		if name == "id" || f.Type() == core.FieldTypeAutodate || f.Type() == core.FieldTypePassword {
			continue
		}
		now := r.Get(name)
		if r.IsNew() {
			if !isZeroValue(now) {
				out = append(out, name)
			}
			continue
		}
		if !sameValue(orig.Get(name), now) {
			out = append(out, name)
		}
	}
	return out
}

func sameValue(a, b any) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return string(ja) == string(jb)
}

func isZeroValue(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case string:
		return x == ""
	case bool:
		return !x
	case float64:
		return x == 0
	case int:
		return x == 0
	case []string:
		return len(x) == 0
	case types.DateTime:
		return x.IsZero()
	case types.GeoPoint:
		return x.Lat == 0 && x.Lon == 0
	case types.JSONRaw:
		return len(x) == 0 || string(x) == "null"
	}
	return false
}

// LoadUnits reads every unit with its coverage, as the rules need them.
//
// Every event write calls it (J2–J4 need the whole coverage), so it reads
// the seven columns straight from the table rather than through
// FindAllRecords, which builds full records with field interceptors and
// hooks: with one commissariat per arrondissement (558 units) that was
// ~60% of the time of declaring an event. It reads through app, so inside
// a transaction it sees that transaction's own unit edits.
func LoadUnits(app core.App) ([]jurisdiction.Unit, error) {
	var rows []struct {
		ID, Name, Kind, Departement, Parent string
		Communes, Arrondissements           string
	}
	err := app.DB().NewQuery(`SELECT id, name, kind, departement, parent, communes, arrondissements FROM units`).All(&rows)
	if err != nil {
		return nil, fmt.Errorf("loading units: %w", err)
	}
	units := make([]jurisdiction.Unit, len(rows))
	for i, r := range rows {
		units[i] = jurisdiction.Unit{
			ID: r.ID, Name: r.Name, Kind: r.Kind, Departement: r.Departement, Parent: r.Parent,
			// multiple relations are stored as JSON arrays of ids; this
			// also accepts a bare id, as PocketBase's own reader does
			Communes: list.ToUniqueStringSlice(r.Communes), Arrondissements: list.ToUniqueStringSlice(r.Arrondissements),
		}
	}
	return units, nil
}

func unitFromRecord(r *core.Record) jurisdiction.Unit {
	return jurisdiction.Unit{
		ID: r.Id, Name: r.GetString("name"), Kind: r.GetString("kind"),
		Departement: r.GetString("departement"), Parent: r.GetString("parent"),
		Communes: r.GetStringSlice("communes"), Arrondissements: r.GetStringSlice("arrondissements"),
	}
}
