package migrations

import (
	"coprosec/internal/jurisdiction"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
	"github.com/pocketbase/pocketbase/tools/types"
)

func init() {
	m.Register(boundClashes, nil)
}

// boundClashes bounds what J10 stores and shows (issues 12.5 and 12.6).
//
//   - clash_count: how many events of other parties clash with the event.
//     clash_with keeps at most 50 of them (the first declared), so that a
//     party declaring 51 door-to-door events in one arrondissement no longer
//     refuses every other party's declaration there ("Select no more than
//     50"): a clash never refuses a lawful event.
//   - clash_notice: what a party learns of J10 — another party has an event
//     in the same arrondissement in the same three-hour slots of local time,
//     which police coordinate (jurisdiction.Notices).
//   - clash, clash_with and clash_count become hidden fields: no client
//     filters or sorts on them (a party filtering its events by
//     `clash = true` would read the exact signal), and every export shows
//     them to police, the ministry and superusers only (hooks/clashview).
//   - an (election, commune, starts_at) index for the notice of events
//     known only by their commune.
//
// Existing events count the partners they list and get their notice.
func boundClashes(app core.App) error {
	events, err := app.FindCollectionByNameOrId("events")
	if err != nil {
		return err
	}
	if events.Fields.GetByName("clash_count") == nil {
		events.Fields.Add(&core.NumberField{Name: "clash_count", OnlyInt: true, Min: types.Pointer(0.0), Hidden: true,
			Help: "Nombre d'événements d'autres partis en conflit (calculé ; clash_with en liste au plus 50)"})
	}
	if events.Fields.GetByName("clash_notice") == nil {
		events.Fields.Add(&core.BoolField{Name: "clash_notice",
			Help: "Un autre parti a un événement dans le même arrondissement sur les mêmes tranches de trois heures ; la police coordonne (calculé)"})
	}
	for _, name := range []string{"clash", "clash_with"} {
		if f := events.Fields.GetByName(name); f != nil {
			f.SetHidden(true)
		}
	}
	events.AddIndex("idx_events_clash_commune", false, "election, commune, starts_at", "")
	if err := app.Save(events); err != nil {
		return err
	}
	_, err = app.DB().NewQuery(`UPDATE events SET clash_count = json_array_length(clash_with)
		WHERE json_valid(clash_with) AND json_array_length(clash_with) > 0`).Execute()
	if err != nil {
		return err
	}
	return backfillNotices(app)
}

// backfillNotices sets clash_notice on the stored events, comparing the
// events of each election and commune pairwise (Notices implies the same
// commune).
func backfillNotices(app core.App) error {
	var rows []struct {
		ID, Election, Party, Status, Arrondissement, Commune string
		StartsAt                                             types.DateTime `db:"starts_at"`
		EndsAt                                               types.DateTime `db:"ends_at"`
	}
	err := app.DB().Select("id", "election", "party", "status", "arrondissement", "commune", "starts_at", "ends_at").
		From("events").All(&rows)
	if err != nil || len(rows) == 0 {
		return err
	}
	var els []struct {
		ID     string
		Buffer int `db:"clash_buffer_min"`
	}
	if err := app.DB().Select("id", "clash_buffer_min").From("elections").All(&els); err != nil {
		return err
	}
	params := map[string]jurisdiction.ClashParams{}
	for _, el := range els {
		params[el.ID] = jurisdiction.Election{ClashBufferMin: el.Buffer}.ClashParams()
	}
	groups := map[[2]string][]jurisdiction.ClashCandidate{}
	for _, r := range rows {
		k := [2]string{r.Election, r.Commune}
		groups[k] = append(groups[k], jurisdiction.ClashCandidate{ID: r.ID, Party: r.Party, Status: r.Status,
			Arrondissement: r.Arrondissement, Commune: r.Commune, StartsAt: r.StartsAt.Time(), EndsAt: r.EndsAt.Time()})
	}
	var noticed []any
	for k, cs := range groups {
		p, ok := params[k[0]]
		if !ok || k[1] == "" {
			continue
		}
		for _, a := range cs {
			for _, b := range cs {
				if jurisdiction.Notices(a, b, p) {
					noticed = append(noticed, a.ID)
					break
				}
			}
		}
	}
	for len(noticed) > 0 {
		n := min(len(noticed), 500)
		if _, err := app.DB().Update("events", dbx.Params{"clash_notice": true}, dbx.In("id", noticed[:n]...)).Execute(); err != nil {
			return err
		}
		noticed = noticed[n:]
	}
	return nil
}
