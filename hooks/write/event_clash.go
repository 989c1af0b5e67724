package write

import (
	"encoding/json"
	"slices"
	"strings"

	"coprosec/internal/geo"
	"coprosec/internal/jurisdiction"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"
)

// findClashes finds the events that clash with ev (J10) through the
// (election, clash_cell|clash_area, starts_at) indexes: only events in the
// grid cells within the clash radius, or in the same arrondissement, and
// whose window meets ev's are read, so the cost does not grow with the
// size of the events table. It returns the partners and ev's own keys.
func findClashes(tx core.App, selfID string, ev jurisdiction.Event, place jurisdiction.Place, el jurisdiction.Election) (partners []string, cell, area string, err error) {
	params := el.ClashParams()
	own, search := jurisdiction.ClashCells(ev.Location, place.Arrondissement, params.RadiusM)
	for _, k := range own {
		if strings.HasPrefix(k, "a:") {
			area = k
		} else {
			cell = k
		}
	}
	var cells, areas []any
	for _, k := range search {
		if strings.HasPrefix(k, "a:") {
			areas = append(areas, k)
		} else {
			cells = append(cells, k)
		}
	}
	if len(cells) == 0 && len(areas) == 0 {
		return nil, cell, area, nil
	}
	if ev.Status == jurisdiction.EventCancelled || ev.Party == "" {
		return nil, cell, area, nil
	}
	from, to := jurisdiction.TimeWindow(ev, params.Buffer())
	var keyExp []dbx.Expression
	if len(cells) > 0 {
		keyExp = append(keyExp, dbx.In("clash_cell", cells...))
	}
	if len(areas) > 0 {
		keyExp = append(keyExp, dbx.In("clash_area", areas...))
	}
	var rows []struct {
		ID, Party, Status, Arrondissement, Location string
		StartsAt                                    types.DateTime `db:"starts_at"`
		EndsAt                                      types.DateTime `db:"ends_at"`
	}
	err = tx.DB().Select("id", "party", "status", "arrondissement", "location", "starts_at", "ends_at").
		From("events").
		Where(dbx.HashExp{"election": ev.Election}).
		AndWhere(dbx.Or(keyExp...)).
		// a party's own events never clash with it (jurisdiction.Clashes):
		// a party declaring hundreds of meetings in one city would
		// otherwise read them all back on every declaration
		AndWhere(dbx.NewExp("starts_at < {:to} AND ends_at > {:from} AND status != 'cancelled' AND id != {:self} AND party != {:party}",
			dbx.Params{"to": dbTime(to), "from": dbTime(from), "self": selfID, "party": ev.Party})).
		All(&rows)
	if err != nil {
		return nil, "", "", err
	}
	me := jurisdiction.CandidateOf(ev, place)
	for _, r := range rows {
		other := jurisdiction.ClashCandidate{ID: r.ID, Party: r.Party, Status: r.Status, Arrondissement: r.Arrondissement,
			Location: parseGeoPoint(r.Location), StartsAt: r.StartsAt.Time(), EndsAt: r.EndsAt.Time()}
		if jurisdiction.Clashes(me, other, params) {
			partners = append(partners, r.ID)
		}
	}
	slices.Sort(partners)
	return partners, cell, area, nil
}

func parseGeoPoint(raw string) *geo.Point {
	var gp types.GeoPoint
	if raw == "" || json.Unmarshal([]byte(raw), &gp) != nil || (gp.Lat == 0 && gp.Lon == 0) {
		return nil
	}
	return &geo.Point{Lat: gp.Lat, Lon: gp.Lon}
}

// linkClashes keeps clash links symmetric: partners gained get self in
// their clash_with, partners lost lose it.
func (s *Engine) linkClashes(tx core.App, self string, before, after []string) error {
	update := func(id string, add bool) error {
		r, err := tx.FindRecordById("events", id)
		if err != nil {
			return nil // deleted meanwhile: nothing to link
		}
		links := r.GetStringSlice("clash_with")
		has := slices.Contains(links, self)
		switch {
		case add && !has:
			links = append(links, self)
		case !add && has:
			links = slices.DeleteFunc(links, func(x string) bool { return x == self })
		default:
			return nil
		}
		r.Set("clash_with", links)
		r.Set("clash", len(links) > 0)
		return s.updateEventFollowUp(tx, r)
	}
	for _, id := range after {
		if !slices.Contains(before, id) {
			if err := update(id, true); err != nil {
				return err
			}
		}
	}
	for _, id := range before {
		if !slices.Contains(after, id) {
			if err := update(id, false); err != nil {
				return err
			}
		}
	}
	return nil
}
