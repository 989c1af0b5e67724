package write

import (
	"database/sql"
	"errors"

	"coprosec/hooks/apierr"
	"coprosec/internal/accounts"
	"coprosec/internal/jurisdiction"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
)

// An event carries whom the police call about it (server-set): its
// organizer, the account that declared it, and its itinerary's leader with
// the leader's contact phone. The police may read neither the party's
// accounts nor its itineraries, and must have the numbers offline, so the
// event brings them: setContacts refreshes them at every save of the
// event, and a leader's change on an itinerary reaches its events
// (onItinerarySave).

// setContacts sets rec's contacts from its declaring account and its
// itinerary as tx sees them.
func setContacts(tx core.App, rec *core.Record) error {
	name, phone, err := accountContact(tx, rec.GetString("created_by"))
	if err != nil {
		return err
	}
	rec.Set("organizer_name", name)
	rec.Set("organizer_phone", phone)
	leader, leaderPhone := "", ""
	if id := rec.GetString("itinerary"); id != "" {
		it, err := tx.FindRecordById("itineraries", id)
		switch {
		case err == nil:
			leader, leaderPhone = it.GetString("leader"), it.GetString("leader_phone")
		case !errors.Is(err, sql.ErrNoRows):
			return err
		}
	}
	rec.Set("leader", leader)
	rec.Set("leader_phone", leaderPhone)
	return nil
}

// accountContact is the name and phone of a user ("" for none, or for an
// account since deleted).
func accountContact(tx core.App, id string) (name, phone string, err error) {
	if id == "" {
		return "", "", nil
	}
	if ws := sessionOf(tx); ws != nil {
		if c, ok := ws.contacts[id]; ok {
			return c[0], c[1], nil
		}
	}
	u, err := tx.FindRecordById("users", id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", "", nil
	} else if err != nil {
		return "", "", err
	}
	name, phone = u.GetString("name"), u.GetString("phone")
	if ws := sessionOf(tx); ws != nil {
		if ws.contacts == nil {
			ws.contacts = map[string][2]string{}
		}
		ws.contacts[id] = [2]string{name, phone}
	}
	return name, phone, nil
}

func (s *Engine) bindItineraries() {
	s.app.OnRecordCreate("itineraries").BindFunc(s.onItinerarySave)
	s.app.OnRecordUpdate("itineraries").BindFunc(s.onItinerarySave)
}

// onItinerarySave stores the leader's phone in one form and, when the
// leader or the phone changed, gives them to the itinerary's events.
func (s *Engine) onItinerarySave(e *core.RecordEvent) error {
	return s.withTx(e, func(tx core.App) error {
		r := e.Record
		phone, ok := accounts.ContactPhone(r.GetString("leader_phone"))
		if !ok {
			return apierr.Rule(jurisdiction.CodeInvalidPhone, "leader_phone", "The leader's contact phone is not a phone number.")
		}
		r.Set("leader_phone", phone)
		isNew := r.IsNew()
		changed := isNew || r.GetString("leader") != r.Original().GetString("leader") ||
			r.GetString("leader_phone") != r.Original().GetString("leader_phone")
		if err := e.Next(); err != nil {
			return err
		}
		if isNew || !changed {
			return nil
		}
		events, err := tx.FindAllRecords("events", dbx.HashExp{"itinerary": r.Id})
		if err != nil {
			return err
		}
		for _, ev := range events {
			ev.Set("leader", r.GetString("leader"))
			ev.Set("leader_phone", r.GetString("leader_phone"))
			if err := s.updateEventFollowUp(tx, ev); err != nil {
				return err
			}
		}
		return nil
	})
}
