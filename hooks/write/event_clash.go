package write

import (
	"encoding/json"
	"maps"
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
// size of the events table. It returns every partner (clash_with keeps
// jurisdiction.MaxClashLinks of them) and ev's own keys.
func findClashes(tx core.App, selfID string, ev jurisdiction.Event, place jurisdiction.Place, el jurisdiction.Election) (partners []jurisdiction.ClashLink, cell, area string, err error) {
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
	// one bounded index range per key and rival party (meetingWindow)
	rivals, err := rivalParties(tx, ev.Party)
	if err != nil || len(rivals) == 0 {
		return nil, cell, area, err
	}
	var keyExp []dbx.Expression
	for _, c := range cells {
		keyExp = append(keyExp, meetingWindow(dbx.HashExp{"election": ev.Election, "clash_cell": c}, rivals, from, to))
	}
	for _, a := range areas {
		keyExp = append(keyExp, meetingWindow(dbx.HashExp{"election": ev.Election, "clash_area": a}, rivals, from, to))
	}
	var rows []struct {
		ID, Party, Status, Arrondissement, Location string
		StartsAt                                    types.DateTime `db:"starts_at"`
		EndsAt                                      types.DateTime `db:"ends_at"`
		DeclaredAt                                  types.DateTime `db:"declared_at"`
	}
	err = tx.DB().Select("id", "party", "status", "arrondissement", "location", "starts_at", "ends_at", "declared_at").
		From("events").
		Where(dbx.Or(keyExp...)).
		// a party's own events never clash with it (jurisdiction.Clashes)
		AndWhere(dbx.NewExp("status != 'cancelled' AND id != {:self} AND party != {:party}",
			dbx.Params{"self": selfID, "party": ev.Party})).
		All(&rows)
	if err != nil {
		return nil, "", "", err
	}
	me := jurisdiction.CandidateOf(ev, place)
	for _, r := range rows {
		other := jurisdiction.ClashCandidate{ID: r.ID, Party: r.Party, Status: r.Status, Arrondissement: r.Arrondissement,
			Location: parseGeoPoint(r.Location), StartsAt: r.StartsAt.Time(), EndsAt: r.EndsAt.Time()}
		if jurisdiction.Clashes(me, other, params) {
			partners = append(partners, jurisdiction.ClashLink{ID: r.ID, DeclaredAt: r.DeclaredAt.Time()})
		}
	}
	slices.SortFunc(partners, func(a, b jurisdiction.ClashLink) int { return strings.Compare(a.ID, b.ID) })
	return partners, cell, area, nil
}

// storedPartners finds every partner of the stored event r, placed as it
// is stored (its clash_with may list only some of them), but exclude.
func storedPartners(tx core.App, r *core.Record, exclude string) ([]jurisdiction.ClashLink, error) {
	ev, err := eventFromRecord(r)
	if err != nil {
		return nil, err
	}
	elRec, err := findElection(tx, ev.Election)
	if err != nil {
		return nil, nil // no election: nothing clashes
	}
	place := jurisdiction.Place{Departement: r.GetString("departement"), Commune: ev.Commune, Arrondissement: ev.Arrondissement}
	partners, _, _, err := findClashes(tx, r.Id, ev, place, electionFromRecord(elRec))
	return slices.DeleteFunc(partners, func(l jurisdiction.ClashLink) bool { return l.ID == exclude }), err
}

// setClashes stores partners on r: the flag, the exact count and the
// partners clash_with keeps.
func setClashes(r *core.Record, partners []jurisdiction.ClashLink) {
	r.Set("clash", len(partners) > 0)
	r.Set("clash_count", len(partners))
	r.Set("clash_with", jurisdiction.KeptClashLinks(partners, jurisdiction.MaxClashLinks))
}

// clashLinkOf is the stored event r as a clash partner.
func clashLinkOf(r *core.Record) jurisdiction.ClashLink {
	return jurisdiction.ClashLink{ID: r.Id, DeclaredAt: timeOf(r, "declared_at")}
}

// linkIDs are the ids of links.
func linkIDs(links []jurisdiction.ClashLink) []string {
	out := make([]string, len(links))
	for i, l := range links {
		out[i] = l.ID
	}
	return out
}

// partnersBefore are every partner r had before this write: its stored
// list when complete, else its partners found again with its stored
// placement (the other events have not changed since they were linked).
func partnersBefore(tx core.App, r *core.Record) ([]string, error) {
	links := r.GetStringSlice("clash_with")
	if r.GetInt("clash_count") <= len(links) {
		return links, nil
	}
	found, err := storedPartners(tx, r, "")
	if err != nil {
		return nil, err
	}
	// the union: a stored link the search no longer finds is unlinked too
	out := slices.Concat(links, linkIDs(found))
	slices.Sort(out)
	return slices.Compact(out), nil
}

func parseGeoPoint(raw string) *geo.Point {
	var gp types.GeoPoint
	if raw == "" || json.Unmarshal([]byte(raw), &gp) != nil || (gp.Lat == 0 && gp.Lon == 0) {
		return nil
	}
	return &geo.Point{Lat: gp.Lat, Lon: gp.Lon}
}

// linkClashes keeps clash links symmetric: partners gained get self in
// their clash_with, partners lost lose it, and their clash_count follows.
// before and after are every partner of self, not only those it lists. A
// partner never refuses the link: it lists the first
// jurisdiction.MaxClashLinks partners declared and counts them all
// (jurisdiction.UpdateLinks).
//
// notices are the notice changes of other events (noticeChanges): each is
// written with that event's links, or on its own.
func (s *Engine) linkClashes(tx core.App, self jurisdiction.ClashLink, before, after []string, notices map[string]bool) error {
	update := func(id string, add bool) error {
		r, err := tx.FindRecordById("events", id)
		if err != nil {
			return nil // deleted meanwhile: nothing to link
		}
		notice, hasNotice := notices[id]
		if hasNotice {
			r.Set("clash_notice", notice)
			delete(notices, id)
		}
		links, err := storedLinks(tx, r)
		if err != nil {
			return err
		}
		ch := jurisdiction.UpdateLinks(links, r.GetInt("clash_count"), self, add, jurisdiction.MaxClashLinks)
		switch {
		case ch.Recompute:
			// self is stored as it now is (moved or cancelled), or is
			// being deleted: a departing self is never counted
			partners, err := storedPartners(tx, r, self.ID)
			if err != nil {
				return err
			}
			setClashes(r, partners)
		case ch.Changed:
			r.Set("clash_with", ch.Links)
			r.Set("clash_count", ch.Count)
			r.Set("clash", ch.Count > 0)
		case !hasNotice:
			return nil
		}
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
	// the notices of events that are not partners
	for _, id := range slices.Sorted(maps.Keys(notices)) {
		r, err := tx.FindRecordById("events", id)
		if err != nil {
			continue
		}
		r.Set("clash_notice", notices[id])
		if err := s.updateEventFollowUp(tx, r); err != nil {
			return err
		}
	}
	return nil
}

// storedLinks are the partners r lists, with their declaration times when
// they decide which ones it keeps (its list is full or truncated).
func storedLinks(tx core.App, r *core.Record) ([]jurisdiction.ClashLink, error) {
	ids := r.GetStringSlice("clash_with")
	links := make([]jurisdiction.ClashLink, len(ids))
	for i, id := range ids {
		links[i].ID = id
	}
	if len(ids) < jurisdiction.MaxClashLinks && r.GetInt("clash_count") <= len(ids) {
		return links, nil
	}
	var rows []struct {
		ID         string
		DeclaredAt types.DateTime `db:"declared_at"`
	}
	in := make([]any, len(ids))
	for i, id := range ids {
		in[i] = id
	}
	if err := tx.DB().Select("id", "declared_at").From("events").Where(dbx.In("id", in...)).All(&rows); err != nil {
		return nil, err
	}
	at := make(map[string]types.DateTime, len(rows))
	for _, row := range rows {
		at[row.ID] = row.DeclaredAt
	}
	for i := range links {
		links[i].DeclaredAt = at[links[i].ID].Time()
	}
	return links, nil
}
