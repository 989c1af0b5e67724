// Package migrations creates Coprosec's collections, rules, security
// defaults and embedded reference seed. Automigrate is off: every schema
// change is a numbered Go migration here.
package migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
	"github.com/pocketbase/pocketbase/tools/types"
)

func init() {
	m.Register(createCollections, nil)
}

// Rule fragments shared by several collections. They mirror DESIGN §3
// "Visibility"; the sync scopes in hooks/syncscope.go must agree with them.
const (
	signedIn   = `@request.auth.id != "" && @request.auth.collectionName = "users"`
	isMinistry = `@request.auth.role = "ministry"`
	isParty    = `(@request.auth.role = "organizer" || @request.auth.role = "party_admin") && @request.auth.party != ""`
	isUnit     = `(@request.auth.role = "officer" || @request.auth.role = "commander") && @request.auth.unit != ""`
	isDirector = `@request.auth.role = "director" && @request.auth.unit != ""`
	authDep    = `@request.auth.unit.departement`
)

func or(parts ...string) string {
	s := ""
	for i, p := range parts {
		if i > 0 {
			s += " || "
		}
		s += "(" + p + ")"
	}
	return s
}

func rule(s string) *string { return types.Pointer(s) }

func timestamps(c *core.Collection) {
	c.Fields.Add(
		&core.AutodateField{Name: "created", OnCreate: true},
		&core.AutodateField{Name: "updated", OnCreate: true, OnUpdate: true},
	)
}

func relation(name string, target *core.Collection, maxSelect int, required bool) *core.RelationField {
	return &core.RelationField{Name: name, CollectionId: target.Id, MaxSelect: maxSelect, Required: required}
}

func withHelp[F interface {
	*core.SelectField | *core.RelationField
}](f F, help string) F {
	switch v := any(f).(type) {
	case *core.SelectField:
		v.Help = help
	case *core.RelationField:
		v.Help = help
	}
	return f
}

func sel(name string, required bool, values ...string) *core.SelectField {
	return &core.SelectField{Name: name, Values: values, MaxSelect: 1, Required: required}
}

func createCollections(app core.App) error {
	if err := applySecurityDefaults(app); err != nil {
		return err
	}

	// --- reference data -------------------------------------------------
	refRead := rule(signedIn)
	refWrite := rule(signedIn + " && " + isMinistry)
	reference := func(c *core.Collection) {
		c.ListRule, c.ViewRule = refRead, refRead
		c.CreateRule, c.UpdateRule, c.DeleteRule = refWrite, refWrite, refWrite
	}

	deps := core.NewBaseCollection("departements")
	reference(deps)
	deps.Fields.Add(
		&core.TextField{Name: "code", Required: true, Presentable: true, Pattern: `^BJ[0-9]{2}$`, Help: "Code OCHA (ex. BJ01)"},
		&core.TextField{Name: "name", Required: true, Presentable: true, Max: 100, Help: "Nom du département"},
		&core.TextField{Name: "iso", Pattern: `^BJ-[A-Z]{2}$`, Help: "Code ISO 3166-2 (ex. BJ-AL)"},
		&core.GeoPointField{Name: "center", Help: "Point intérieur (calculé à l'import des limites)"},
	)
	timestamps(deps)
	deps.AddIndex("idx_departements_code", true, "code", "")
	if err := app.Save(deps); err != nil {
		return err
	}

	communes := core.NewBaseCollection("communes")
	reference(communes)
	communes.Fields.Add(
		&core.TextField{Name: "code", Required: true, Presentable: true, Pattern: `^BJ[0-9]{4}$`, Help: "Code OCHA (ex. BJ0101)"},
		&core.TextField{Name: "name", Required: true, Presentable: true, Max: 100},
		relation("departement", deps, 1, true),
		&core.GeoPointField{Name: "center", Help: "Point intérieur (calculé à l'import des limites)"},
	)
	timestamps(communes)
	communes.AddIndex("idx_communes_code", true, "code", "")
	communes.AddIndex("idx_communes_departement", false, "departement", "")
	if err := app.Save(communes); err != nil {
		return err
	}

	arrs := core.NewBaseCollection("arrondissements")
	reference(arrs)
	arrs.Fields.Add(
		&core.TextField{Name: "code", Required: true, Presentable: true, Max: 64, Help: "Code (ex. BJ0101-01)"},
		&core.TextField{Name: "name", Required: true, Presentable: true, Max: 100},
		relation("commune", communes, 1, true),
		relation("departement", deps, 1, true),
		&core.GeoPointField{Name: "center", Help: "Point intérieur (calculé à l'import des limites)"},
	)
	timestamps(arrs)
	arrs.AddIndex("idx_arrondissements_code", true, "code", "")
	arrs.AddIndex("idx_arrondissements_commune", false, "commune", "")
	arrs.AddIndex("idx_arrondissements_departement", false, "departement", "")
	if err := app.Save(arrs); err != nil {
		return err
	}

	// Polygons live apart from the reference records so that syncing the
	// reference data to a phone on 2G does not carry a megabyte of geometry.
	// Superusers only: the API exposes them through /api/jurisdiction/resolve.
	boundaries := core.NewBaseCollection("boundaries")
	boundaries.Fields.Add(
		sel("level", true, "departement", "commune", "arrondissement"),
		&core.TextField{Name: "code", Required: true, Presentable: true, Max: 64},
		&core.JSONField{Name: "geometry", Required: true, MaxSize: 8 << 20, Help: "MultiPolygon GeoJSON (lon, lat)"},
		&core.TextField{Name: "source", Max: 200, Help: "Fichier importé"},
	)
	timestamps(boundaries)
	boundaries.AddIndex("idx_boundaries_level_code", true, "level, code", "")
	if err := app.Save(boundaries); err != nil {
		return err
	}

	units := core.NewBaseCollection("units")
	reference(units)
	units.Fields.Add(
		&core.TextField{Name: "name", Required: true, Presentable: true, Max: 200},
		sel("kind", true, "directorate", "commissariat"),
		relation("departement", deps, 1, true),
		&core.TextField{Name: "phone", Max: 32},
	)
	timestamps(units)
	if err := app.Save(units); err != nil {
		return err
	}
	units.Fields.Add(
		&core.RelationField{Name: "parent", CollectionId: units.Id, MaxSelect: 1, Help: "Direction départementale de rattachement"},
		&core.RelationField{Name: "communes", CollectionId: communes.Id, MaxSelect: 100, Help: "Couverture au niveau commune (commissariat central)"},
		&core.RelationField{Name: "arrondissements", CollectionId: arrs.Id, MaxSelect: 600, Help: "Couverture au niveau arrondissement"},
	)
	units.AddIndex("idx_units_departement", false, "departement", "")
	units.AddIndex("idx_units_parent", false, "parent", "")
	if err := app.Save(units); err != nil {
		return err
	}

	parties := core.NewBaseCollection("parties")
	reference(parties)
	parties.Fields.Add(
		&core.TextField{Name: "name", Required: true, Presentable: true, Max: 200},
		&core.TextField{Name: "acronym", Required: true, Presentable: true, Max: 32},
		&core.TextField{Name: "color", Pattern: `^#[0-9a-fA-F]{6}$`, Help: "Couleur (ex. #1e88e5)"},
	)
	timestamps(parties)
	parties.AddIndex("idx_parties_acronym", true, "acronym", "")
	if err := app.Save(parties); err != nil {
		return err
	}

	elections := core.NewBaseCollection("elections")
	reference(elections)
	elections.Fields.Add(
		&core.TextField{Name: "name", Required: true, Presentable: true, Max: 200},
		&core.DateField{Name: "campaign_start", Required: true, Help: "Ouverture de la campagne (UTC)"},
		&core.DateField{Name: "campaign_end", Required: true, Help: "Clôture de la campagne (UTC) : 00:00 la veille du scrutin"},
		&core.DateField{Name: "election_day", Required: true},
		relation("parties", parties, 200, false),
		&core.NumberField{Name: "notice_hours", OnlyInt: true, Min: types.Pointer(0.0), Help: "Préavis en heures (défaut 72)"},
		&core.NumberField{Name: "clash_radius_m", Min: types.Pointer(0.0), Help: "Rayon de conflit en mètres (défaut 500)"},
		&core.NumberField{Name: "clash_buffer_min", OnlyInt: true, Min: types.Pointer(0.0), Help: "Marge de conflit en minutes (défaut 60)"},
		&core.NumberField{Name: "ack_hours", OnlyInt: true, Min: types.Pointer(0.0), Help: "Délai d'accusé de réception en heures (défaut 12)"},
		&core.BoolField{Name: "active"},
	)
	timestamps(elections)
	if err := app.Save(elections); err != nil {
		return err
	}

	// --- accounts -------------------------------------------------------
	users, err := app.FindCollectionByNameOrId("users")
	if err != nil {
		return err
	}
	users.Fields.Add(
		&core.TextField{Name: "phone", Max: 20, Pattern: `^\+?[0-9]{8,15}$`, Help: "Téléphone (identifiant de connexion), ex. +22997000000"},
		sel("role", true, "organizer", "party_admin", "officer", "commander", "director", "ministry"),
		relation("party", parties, 1, false),
		relation("unit", units, 1, false),
		&core.BoolField{Name: "disabled", Help: "Compte coupé (téléphone perdu) : toutes les sessions sont révoquées"},
	)
	users.AddIndex("idx_users_phone", true, "phone", "phone != ''")
	users.AddIndex("idx_users_party", false, "party", "")
	users.AddIndex("idx_users_unit", false, "unit", "")
	configureUsers(users)
	if err := app.Save(users); err != nil {
		return err
	}

	// --- field data -----------------------------------------------------
	itineraries := core.NewBaseCollection("itineraries")
	itineraries.Fields.Add(
		relation("party", parties, 1, true),
		relation("election", elections, 1, true),
		&core.TextField{Name: "title", Required: true, Presentable: true, Max: 200},
		&core.TextField{Name: "leader", Max: 200, Help: "Personnalité (facultatif)"},
		&core.TextField{Name: "notes", Max: 5000},
		relation("created_by", users, 1, false),
	)
	timestamps(itineraries)
	itineraries.AddIndex("idx_itineraries_party", false, "party", "")
	partyOwn := isParty + ` && party = @request.auth.party`
	itineraries.ListRule = rule(signedIn + " && (" + or(isMinistry, partyOwn) + ")")
	itineraries.ViewRule = itineraries.ListRule
	itineraries.CreateRule = rule(signedIn + " && " + isParty + ` && @request.body.party = @request.auth.party`)
	itineraries.UpdateRule = rule(signedIn + " && " + partyOwn + ` && @request.body.party:changed = false`)
	itineraries.DeleteRule = rule(signedIn + " && " + partyOwn)
	if err := app.Save(itineraries); err != nil {
		return err
	}

	events := core.NewBaseCollection("events")
	events.Fields.Add(
		relation("itinerary", itineraries, 1, false),
		relation("party", parties, 1, true),
		relation("election", elections, 1, true),
		withHelp(sel("kind", true, "meeting", "rally", "caravan", "march", "door_to_door"), "Réunion, meeting, caravane, marche ou porte-à-porte"),
		&core.TextField{Name: "title", Required: true, Presentable: true, Max: 200, Help: "Intitulé de l'évènement"},
		&core.TextField{Name: "place", Max: 300, Help: "Lieu (texte libre)"},
		relation("commune", communes, 1, false),
		relation("arrondissement", arrs, 1, false),
		&core.GeoPointField{Name: "location"},
		&core.JSONField{Name: "route", MaxSize: 64 << 10, Help: `Itinéraire : liste de {"lat":…, "lon":…}`},
		&core.DateField{Name: "starts_at", Required: true, Help: "Début (UTC ; heure locale = UTC+1)"},
		&core.DateField{Name: "ends_at", Required: true, Help: "Fin (UTC ; heure locale = UTC+1)"},
		&core.NumberField{Name: "expected_attendance", OnlyInt: true, Min: types.Pointer(0.0), Help: "Affluence attendue"},
		&core.SelectField{Name: "security_needs", MaxSelect: 5, Values: []string{"escort", "crowd_control", "vip_protection", "traffic", "medical"}, Help: "Besoins de sécurité"},
		&core.BoolField{Name: "sound_vehicle", Help: "Véhicule sonorisé (07:00–13:00 et 15:00–23:00)"},
		&core.TextField{Name: "notes", Max: 5000},
		withHelp(sel("status", false, "declared", "cancelled", "in_progress", "completed"), "Déclaré, annulé, en cours, terminé"),
		// server-set
		withHelp(relation("departement", deps, 1, false), "Calculé par le serveur"),
		&core.RelationField{Name: "lead_unit", CollectionId: units.Id, MaxSelect: 1, Help: "Unité cheffe de file (calculée)"},
		&core.RelationField{Name: "directorate", CollectionId: units.Id, MaxSelect: 1, Help: "Direction départementale (calculée)"},
		&core.DateField{Name: "declared_at", Help: "Heure serveur de la première réception"},
		&core.BoolField{Name: "late_notice", Help: "Préavis insuffisant (calculé)"},
		&core.BoolField{Name: "uncovered", Help: "Aucun commissariat ne couvre le lieu (calculé)"},
		&core.BoolField{Name: "clash", Help: "Chevauchement avec un autre parti (calculé)"},
		withHelp(relation("created_by", users, 1, false), "Auteur de la déclaration"),
		&core.NumberField{Name: "version", OnlyInt: true, Min: types.Pointer(0.0), Help: "+1 à chaque modification"},
		// internal, never shown to clients
		&core.JSONField{Name: "field_versions", Hidden: true, MaxSize: 8 << 10},
		&core.TextField{Name: "clash_cell", Hidden: true, Max: 64},
		&core.TextField{Name: "clash_area", Hidden: true, Max: 64},
	)
	timestamps(events)
	if err := app.Save(events); err != nil {
		return err
	}
	events.Fields.Add(&core.RelationField{Name: "clash_with", CollectionId: events.Id, MaxSelect: 50})
	events.AddIndex("idx_events_party", false, "party", "")
	events.AddIndex("idx_events_lead_unit", false, "lead_unit", "")
	events.AddIndex("idx_events_directorate", false, "directorate", "")
	events.AddIndex("idx_events_departement", false, "departement", "")
	events.AddIndex("idx_events_itinerary", false, "itinerary", "")
	events.AddIndex("idx_events_clash_cell", false, "election, clash_cell, starts_at", "")
	events.AddIndex("idx_events_clash_area", false, "election, clash_area, starts_at", "")
	if err := app.Save(events); err != nil {
		return err
	}

	assignments := core.NewBaseCollection("assignments")
	assignments.Fields.Add(
		&core.RelationField{Name: "event", CollectionId: events.Id, MaxSelect: 1, Required: true, CascadeDelete: true},
		relation("unit", units, 1, true),
		sel("role", true, "lead", "support", "oversight"),
		sel("status", true, "pending", "acknowledged", "adjustment_requested", "escalated"),
		&core.NumberField{Name: "officers", OnlyInt: true, Min: types.Pointer(0.0), Help: "Effectif prévu"},
		&core.TextField{Name: "plan", Max: 5000, Help: "Dispositif prévu"},
		&core.TextField{Name: "reason", Max: 2000, Help: "Motif de la demande d'ajustement"},
		relation("acknowledged_by", users, 1, false),
		&core.DateField{Name: "acknowledged_at"},
		&core.DateField{Name: "due_at"},
		&core.NumberField{Name: "version", OnlyInt: true, Min: types.Pointer(0.0)},
	)
	timestamps(assignments)
	assignments.AddIndex("idx_assignments_event_unit", true, "event, unit", "")
	assignments.AddIndex("idx_assignments_unit", false, "unit", "")
	assignments.AddIndex("idx_assignments_due", false, "status, role, due_at", "")
	if err := app.Save(assignments); err != nil {
		return err
	}

	// Events and receipts: visible to the owning party, to units with an
	// assignment, to directors of those units' départements and of the
	// event's directorate, and to the ministry.
	eventVisible := func(prefix string) string {
		return or(
			isMinistry,
			isParty+` && `+prefix+`party = @request.auth.party`,
			isUnit+` && `+prefix+`assignments_via_event.unit ?= @request.auth.unit`,
			isDirector+` && (`+prefix+`assignments_via_event.unit.departement ?= `+authDep+` || `+prefix+`directorate.departement = `+authDep+`)`,
		)
	}
	events.ListRule = rule(signedIn + " && (" + eventVisible("") + ")")
	events.ViewRule = events.ListRule
	events.CreateRule = rule(signedIn + " && " + isParty + ` && @request.body.party = @request.auth.party`)
	// Police may update (status only, enforced in hooks/events.go) the
	// events their unit leads; directors those of their département.
	events.UpdateRule = rule(signedIn + " && (" + or(
		isParty+` && party = @request.auth.party && @request.body.party:changed = false`,
		isUnit+` && lead_unit = @request.auth.unit`,
		isDirector+` && departement = `+authDep,
		isMinistry,
	) + ")")
	events.DeleteRule = nil // events are cancelled, never deleted (superusers excepted)
	if err := app.Save(events); err != nil {
		return err
	}

	assignmentVisible := or(
		isMinistry,
		isParty+` && event.party = @request.auth.party`,
		isUnit+` && unit = @request.auth.unit`,
		isDirector+` && (unit.departement = `+authDep+` || event.directorate.departement = `+authDep+`)`,
	)
	assignments.ListRule = rule(signedIn + " && (" + assignmentVisible + ")")
	assignments.ViewRule = assignments.ListRule
	assignments.UpdateRule = rule(signedIn + " && (" + or(
		`@request.auth.role = "commander" && unit = @request.auth.unit`,
		isDirector+` && unit.departement = `+authDep,
	) + ")")
	if err := app.Save(assignments); err != nil {
		return err
	}

	incidents := core.NewBaseCollection("incidents")
	incidents.Fields.Add(
		relation("event", events, 1, false),
		sel("kind", true, "disorder", "violence", "obstruction", "threat", "accident", "other"),
		&core.NumberField{Name: "severity", Required: true, OnlyInt: true, Min: types.Pointer(1.0), Max: types.Pointer(4.0), Help: "1 (faible) à 4 (critique)"},
		&core.TextField{Name: "description", Required: true, Presentable: true, Max: 5000},
		&core.GeoPointField{Name: "location"},
		&core.DateField{Name: "occurred_at", Required: true},
		&core.FileField{Name: "photos", MaxSelect: 5, MaxSize: 8 << 20, MimeTypes: []string{"image/jpeg", "image/png", "image/webp"}},
		sel("status", false, "unverified", "verified", "closed"),
		relation("reported_by", users, 1, false),
		relation("unit", units, 1, false),
		relation("commune", communes, 1, false),
		relation("arrondissement", arrs, 1, false),
		relation("departement", deps, 1, false),
		&core.RelationField{Name: "directorate", CollectionId: units.Id, MaxSelect: 1, Help: "Direction alertée (gravité 3–4)"},
		&core.BoolField{Name: "flagged", Help: "Gravité 3 ou 4 : la direction départementale est alertée"},
		&core.NumberField{Name: "version", OnlyInt: true, Min: types.Pointer(0.0)},
	)
	timestamps(incidents)
	incidents.AddIndex("idx_incidents_unit", false, "unit", "")
	incidents.AddIndex("idx_incidents_reported_by", false, "reported_by", "")
	incidents.AddIndex("idx_incidents_event", false, "event", "")
	incidentVisible := or(
		isMinistry,
		`reported_by = @request.auth.id`,
		isUnit+` && unit = @request.auth.unit`,
		isDirector+` && unit.departement = `+authDep,
	)
	incidents.ListRule = rule(signedIn + " && (" + incidentVisible + ")")
	incidents.ViewRule = incidents.ListRule
	incidents.CreateRule = rule(signedIn + ` && @request.auth.role != ""`)
	incidents.UpdateRule = rule(signedIn + " && (" + or(
		isMinistry,
		`reported_by = @request.auth.id && status = "unverified"`,
		isUnit+` && unit = @request.auth.unit`,
		isDirector+` && unit.departement = `+authDep,
	) + ")")
	if err := app.Save(incidents); err != nil {
		return err
	}

	receipts := core.NewBaseCollection("receipts")
	receipts.Fields.Add(
		&core.RelationField{Name: "event", CollectionId: events.Id, MaxSelect: 1, Required: true, CascadeDelete: true},
		&core.TextField{Name: "number", Required: true, Presentable: true, Max: 64},
		&core.TextField{Name: "token", Required: true, Max: 8000},
		&core.DateField{Name: "issued_at", Required: true},
		&core.DateField{Name: "revoked_at"},
		&core.TextField{Name: "revoked_reason", Max: 500},
	)
	timestamps(receipts)
	receipts.AddIndex("idx_receipts_number", true, "number", "")
	receipts.AddIndex("idx_receipts_event", false, "event", "")
	receipts.ListRule = rule(signedIn + " && (" + eventVisible("event.") + ")")
	receipts.ViewRule = receipts.ListRule
	if err := app.Save(receipts); err != nil {
		return err
	}

	audit := core.NewBaseCollection("audit")
	audit.Fields.Add(
		&core.TextField{Name: "collection", Required: true, Max: 64},
		&core.TextField{Name: "record", Required: true, Presentable: true, Max: 64},
		sel("action", true, "create", "update", "delete"),
		relation("actor", users, 1, false),
		&core.JSONField{Name: "changes", MaxSize: 1 << 20},
		&core.DateField{Name: "at", Required: true},
	)
	timestamps(audit)
	audit.AddIndex("idx_audit_record", false, "collection, record", "")
	audit.ListRule = rule(signedIn + " && " + isMinistry)
	audit.ViewRule = audit.ListRule
	if err := app.Save(audit); err != nil {
		return err
	}

	return usersRules(app, users)
}
