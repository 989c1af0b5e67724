package routes

import (
	"net/http"
	"time"

	"coprosec/hooks/apierr"
	"coprosec/internal/jurisdiction"
	"coprosec/internal/syncproto"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
)

// situationDepartement is one département's counts (DESIGN §5).
type situationDepartement struct {
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

type situationResponse struct {
	Date         string                 `json:"date"`
	Departements []situationDepartement `json:"departements"`
}

// handleSituation answers GET /api/situation[?date=YYYY-MM-DD] (DESIGN §5)
// for the ministry (every département) and a director (its own); anyone
// else is refused (403 forbidden). For day D (local, today by default),
// per département, over the events of active elections that are not
// cancelled:
//
//   - declared: all of them;
//   - today, tomorrow: those whose window meets D, D+1;
//   - awaiting_ack, escalated, clash, late_notice: among those not over
//     before D and not completed (what is still to handle), the ones whose
//     lead assignment is pending; with an escalated assignment (J9, J11);
//     flagged clash (J10); flagged late_notice (J9);
//   - incidents: the incidents that occurred on D, by severity.
func (s *Routes) handleSituation(e *core.RequestEvent) error {
	day, err := s.localDay(e)
	if err != nil {
		return err
	}
	forbidden := apierr.Coded(http.StatusForbidden, jurisdiction.CodeForbidden, "The situation is for the ministry and the directors.")
	onlyDep := ""
	switch {
	case e.Auth.IsSuperuser(), e.Auth.Collection().Name == "users" && e.Auth.GetString("role") == syncproto.RoleMinistry:
	case e.Auth.Collection().Name == "users" && e.Auth.GetString("role") == syncproto.RoleDirector:
		unit, err := e.App.FindRecordById("units", e.Auth.GetString("unit"))
		if err != nil || unit.GetString("departement") == "" {
			return forbidden
		}
		onlyDep = unit.GetString("departement")
	default:
		return forbidden
	}

	var deps []struct{ ID, Code, Name string }
	dq := e.App.DB().Select("id", "code", "name").From("departements").OrderBy("code ASC")
	if onlyDep != "" {
		dq.Where(dbx.HashExp{"id": onlyDep})
	}
	if err := dq.All(&deps); err != nil {
		return e.InternalServerError("", err)
	}
	counts, err := situationCounts(e.App, day, onlyDep)
	if err != nil {
		return e.InternalServerError("", err)
	}
	resp := situationResponse{Date: day.Format(time.DateOnly), Departements: make([]situationDepartement, 0, len(deps))}
	for _, d := range deps {
		c := counts[d.ID]
		if c == nil {
			c = &situationDepartement{}
		}
		c.Code, c.Name = d.Code, d.Name
		if c.Incidents == nil {
			c.Incidents = map[string]int{}
		}
		for _, sev := range []string{"1", "2", "3", "4"} {
			c.Incidents[sev] += 0
		}
		resp.Departements = append(resp.Departements, *c)
	}
	e.Response.Header().Set("Cache-Control", "private, no-store")
	return e.JSON(http.StatusOK, resp)
}

// situationCounts are the counts of day (local midnight) by département
// id, of one département when dep is set.
func situationCounts(app core.App, day time.Time, dep string) (map[string]*situationDepartement, error) {
	params := dbx.Params{
		"d0": dbTime(day), "d1": dbTime(day.AddDate(0, 0, 1)), "d2": dbTime(day.AddDate(0, 0, 2)), "dep": dep,
	}
	open := `(e.ends_at >= {:d0} AND e.status != 'completed')`
	var rows []struct {
		Dep         string `db:"dep"`
		Declared    int    `db:"declared"`
		Today       int    `db:"today"`
		Tomorrow    int    `db:"tomorrow"`
		AwaitingAck int    `db:"awaiting_ack"`
		Escalated   int    `db:"escalated"`
		Clash       int    `db:"clash"`
		LateNotice  int    `db:"late_notice"`
	}
	err := app.DB().NewQuery(`SELECT e.departement AS dep,
		COUNT(*) AS declared,
		COALESCE(SUM(e.ends_at > {:d0} AND e.starts_at < {:d1}), 0) AS today,
		COALESCE(SUM(e.ends_at > {:d1} AND e.starts_at < {:d2}), 0) AS tomorrow,
		COALESCE(SUM(` + open + ` AND EXISTS (SELECT 1 FROM assignments a
			WHERE a.event = e.id AND a.role = 'lead' AND a.status = 'pending')), 0) AS awaiting_ack,
		COALESCE(SUM(` + open + ` AND EXISTS (SELECT 1 FROM assignments a
			WHERE a.event = e.id AND a.status = 'escalated')), 0) AS escalated,
		COALESCE(SUM(` + open + ` AND e.clash = TRUE), 0) AS clash,
		COALESCE(SUM(` + open + ` AND e.late_notice = TRUE), 0) AS late_notice
	FROM events e JOIN elections el ON el.id = e.election
	WHERE el.active = TRUE AND e.status != 'cancelled' AND e.departement != ''
		AND ({:dep} = '' OR e.departement = {:dep})
	GROUP BY e.departement`).Bind(params).All(&rows)
	if err != nil {
		return nil, err
	}
	out := map[string]*situationDepartement{}
	for _, r := range rows {
		out[r.Dep] = &situationDepartement{Declared: r.Declared, Today: r.Today, Tomorrow: r.Tomorrow,
			AwaitingAck: r.AwaitingAck, Escalated: r.Escalated, Clash: r.Clash, LateNotice: r.LateNotice,
			Incidents: map[string]int{}}
	}
	var inc []struct {
		Dep      string
		Severity int
		N        int
	}
	err = app.DB().NewQuery(`SELECT departement AS dep, severity, COUNT(*) AS n FROM incidents
		WHERE occurred_at >= {:d0} AND occurred_at < {:d1} AND departement != ''
			AND ({:dep} = '' OR departement = {:dep})
		GROUP BY departement, severity`).Bind(params).All(&inc)
	if err != nil {
		return nil, err
	}
	for _, r := range inc {
		if r.Severity < 1 || r.Severity > 4 {
			continue
		}
		d := out[r.Dep]
		if d == nil {
			d = &situationDepartement{Incidents: map[string]int{}}
			out[r.Dep] = d
		}
		d.Incidents[string(rune('0'+r.Severity))] = r.N
	}
	return out, nil
}
