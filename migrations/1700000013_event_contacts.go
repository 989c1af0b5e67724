package migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

func init() {
	m.Register(addEventContacts, nil)
}

// addEventContacts gives the police, offline, whom to call about an event
// (issue 13.4): the event carries, server-set, its organizer's name and
// phone (the declaring account) and its itinerary's leader (the VIP) and
// the leader's phone; itineraries get the leader's phone, which the party
// writes. The police may read neither the party's accounts nor its
// itineraries, so the event brings the contacts with it (write.setContacts
// refreshes them at every save of the event, and an itinerary's leader
// change reaches its events).
func addEventContacts(app core.App) error {
	events, err := app.FindCollectionByNameOrId("events")
	if err != nil {
		return err
	}
	events.Fields.Add(
		&core.TextField{Name: "organizer_name", Max: 200, Help: "Organisateur (compte déclarant), mis à jour par le serveur"},
		&core.TextField{Name: "organizer_phone", Max: 40, Help: "Téléphone de l'organisateur, mis à jour par le serveur"},
		&core.TextField{Name: "leader", Max: 200, Help: "Personnalité de l'itinéraire, mis à jour par le serveur"},
		&core.TextField{Name: "leader_phone", Max: 40, Help: "Téléphone du contact de la personnalité, mis à jour par le serveur"},
	)
	if err := app.Save(events); err != nil {
		return err
	}
	itineraries, err := app.FindCollectionByNameOrId("itineraries")
	if err != nil {
		return err
	}
	itineraries.Fields.Add(&core.TextField{Name: "leader_phone", Max: 40, Help: "Téléphone du contact de la personnalité (facultatif)"})
	if err := app.Save(itineraries); err != nil {
		return err
	}
	// the events declared before: their contacts as the accounts and
	// itineraries are now (their phones see them at the event's next change)
	_, err = app.DB().NewQuery(`UPDATE events SET
		organizer_name = COALESCE((SELECT name FROM users WHERE users.id = events.created_by), ''),
		organizer_phone = COALESCE((SELECT phone FROM users WHERE users.id = events.created_by), ''),
		leader = COALESCE((SELECT leader FROM itineraries WHERE itineraries.id = events.itinerary), '')`).Execute()
	return err
}
