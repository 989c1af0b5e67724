package migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

func init() {
	m.Register(addAuditActorSnapshot, removeAuditActorSnapshot)
}

// auditActorFields are the audit fields that keep who acted as it was at
// write time: the `actor` relation is cleared when the account is deleted,
// these are not.
//
//   - actor_kind: `user` (a signed-in account: `actor` and the snapshot
//     below), `superuser` (the dashboard: actor_superuser, its email in
//     actor_name) or `system` (Go code: the escalation job, imports, the
//     seed; actor_name says which when known). Empty on rows written
//     before this migration that had no actor: a superuser or the server,
//     which was not recorded then.
//   - actor_name: the account's name (a superuser's email, a system part's
//     label).
//   - actor_role: the account's role.
//   - actor_unit, actor_unit_name, actor_party, actor_party_name: the
//     account's unit and party, ids and names.
//   - actor_superuser: the id of the superuser who acted.
//
// The fields follow the audit collection's rules (read by the ministry and
// superusers, written by the server only).
var auditActorFields = []string{"actor_kind", "actor_name", "actor_role", "actor_unit", "actor_unit_name",
	"actor_party", "actor_party_name", "actor_superuser"}

// addAuditActorSnapshot adds the actor snapshot to the audit collection and
// fills it for the existing rows from their actor's account as it is now
// (the best that is known of it).
func addAuditActorSnapshot(app core.App) error {
	audit, err := app.FindCollectionByNameOrId("audit")
	if err != nil {
		return err
	}
	audit.Fields.Add(
		sel("actor_kind", false, "user", "superuser", "system"),
		&core.TextField{Name: "actor_name", Max: 255},
		&core.TextField{Name: "actor_role", Max: 32},
		&core.TextField{Name: "actor_unit", Max: 64},
		&core.TextField{Name: "actor_unit_name", Max: 200},
		&core.TextField{Name: "actor_party", Max: 64},
		&core.TextField{Name: "actor_party_name", Max: 200},
		&core.TextField{Name: "actor_superuser", Max: 64},
	)
	if err := app.Save(audit); err != nil {
		return err
	}
	_, err = app.DB().NewQuery(`UPDATE audit SET
			actor_kind = 'user',
			actor_name = COALESCE(u.name, ''),
			actor_role = COALESCE(u.role, ''),
			actor_unit = COALESCE(u.unit, ''),
			actor_unit_name = COALESCE((SELECT name FROM units WHERE id = u.unit), ''),
			actor_party = COALESCE(u.party, ''),
			actor_party_name = COALESCE((SELECT name FROM parties WHERE id = u.party), '')
		FROM users u
		WHERE u.id = audit.actor AND audit.actor != ''`).Execute()
	return err
}

func removeAuditActorSnapshot(app core.App) error {
	audit, err := app.FindCollectionByNameOrId("audit")
	if err != nil {
		return err
	}
	for _, name := range auditActorFields {
		audit.Fields.RemoveByName(name)
	}
	return app.Save(audit)
}
