package write

import (
	"context"
	"database/sql"
	"errors"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
)

// unaudited fields carry no meaning for a reader of the audit trail.
var unaudited = map[string]bool{"updated": true, "created": true, "field_versions": true,
	"clash_cell": true, "clash_area": true, "version": true}

// Kinds of actor an audit row names (its actor_kind).
const (
	ActorUser      = "user"      // a signed-in account
	ActorSuperuser = "superuser" // the dashboard
	ActorSystem    = "system"    // Go code: jobs, imports, the seed
)

// EscalationActor is the actor_name of the escalation job's writes (J11).
const EscalationActor = "escalation job (J11)"

// serverActor names a write by Go code that did not say what it is.
var serverActor = &auditActor{kind: ActorSystem, name: "server"}

// auditActor is who acted, as the audit row keeps it: a snapshot taken at
// write time, so that the trail still says who it was once the account is
// deleted (which clears the `actor` relation) or changed.
type auditActor struct {
	kind      string
	user      string // users id (kind user)
	superuser string // _superusers id (kind superuser)
	name      string // the account's name, a superuser's email, a system label
	role      string
	unit      string
	unitName  string
	party     string
	partyName string
}

func (a *auditActor) fields() map[string]any {
	return map[string]any{
		"actor": a.user, "actor_kind": a.kind, "actor_name": a.name, "actor_role": a.role,
		"actor_unit": a.unit, "actor_unit_name": a.unitName, "actor_party": a.party,
		"actor_party_name": a.partyName, "actor_superuser": a.superuser,
	}
}

// systemActorKey names the part of the server that makes a system write.
type systemActorKey struct{}

// systemActorContext is systemContext for a write that the audit attributes
// to the named part of the server (the escalation job).
func systemActorContext(name string) context.Context {
	return context.WithValue(systemContext(), systemActorKey{}, name)
}

// beginActing makes the one acting on r (the signed-in user or superuser
// of its request, or the named part of the server) the actor of every
// audit row written until the returned func is called: r's own and those
// of the writes it causes in the transaction (assignments recomputed, clash
// links). A write with neither inherits the actor of the write it is part
// of, else it is the server's.
func (s *Engine) beginActing(tx core.App, r *core.Record, ctx context.Context) (end func()) {
	ws := sessionOf(tx)
	if ws == nil {
		return func() {}
	}
	a := s.requestActor(tx, r)
	if a == nil {
		if name, _ := ctx.Value(systemActorKey{}).(string); name != "" {
			a = &auditActor{kind: ActorSystem, name: name}
		}
	}
	if a == nil {
		return func() {}
	}
	ws.acting = append(ws.acting, a)
	n := len(ws.acting)
	return func() { ws.acting = ws.acting[:n-1] }
}

// currentActor is the actor of an audit row of r written now.
func (s *Engine) currentActor(tx core.App, r *core.Record) *auditActor {
	if ws := sessionOf(tx); ws != nil && len(ws.acting) > 0 {
		return ws.acting[len(ws.acting)-1]
	}
	if a := s.requestActor(tx, r); a != nil {
		return a
	}
	return serverActor
}

// requestActor is the snapshot of the account whose request saves r
// (Acting), nil when none does.
func (s *Engine) requestActor(tx core.App, r *core.Record) *auditActor {
	v, _ := s.actors.Load(r)
	auth, _ := v.(*core.Record)
	if auth == nil {
		return nil
	}
	ws := sessionOf(tx)
	key := auth.Collection().Id + "/" + auth.Id
	if ws != nil {
		if a, ok := ws.actorSnapshots[key]; ok {
			return a
		}
	}
	var a *auditActor
	if auth.IsSuperuser() {
		a = &auditActor{kind: ActorSuperuser, superuser: auth.Id, name: auth.Email()}
	} else {
		a = &auditActor{kind: ActorUser, user: auth.Id, name: auth.GetString("name"), role: auth.GetString("role"),
			unit: auth.GetString("unit"), party: auth.GetString("party")}
		a.unitName = nameOf(tx, "units", a.unit)
		a.partyName = nameOf(tx, "parties", a.party)
	}
	if ws != nil {
		if ws.actorSnapshots == nil {
			ws.actorSnapshots = map[string]*auditActor{}
		}
		ws.actorSnapshots[key] = a
	}
	return a
}

// nameOf is the name of the record id of a reference collection ("" when
// id is empty or unknown).
func nameOf(tx core.App, collection, id string) string {
	if id == "" {
		return ""
	}
	var name string
	err := tx.DB().Select("name").From(collection).Where(dbx.HashExp{"id": id}).Row(&name)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		tx.Logger().Warn("audit: reading the actor's "+collection, "id", id, "error", err)
	}
	return name
}

// writeAudit records who changed what on r, with before/after values, in
// the transaction of the change (DESIGN §3 audit, readable by ministry).
func (s *Engine) writeAudit(tx core.App, r *core.Record, action string, before map[string]any) error {
	after := map[string]any{}
	if action != "delete" {
		after = r.FieldsData()
	}
	changes := map[string]any{}
	for _, f := range r.Collection().Fields {
		name := f.GetName()
		if unaudited[name] || f.Type() == core.FieldTypePassword {
			continue
		}
		b, a := before[name], after[name]
		if action == "create" && isZeroValue(a) || action == "delete" && isZeroValue(b) {
			continue
		}
		if action == "update" && sameValue(b, a) {
			continue
		}
		changes[name] = map[string]any{"before": b, "after": a}
	}
	if action == "update" && len(changes) == 0 {
		return nil
	}
	col, err := tx.FindCachedCollectionByNameOrId("audit")
	if err != nil {
		return err
	}
	row := core.NewRecord(col)
	row.Load(map[string]any{
		"collection": r.Collection().Name, "record": r.Id, "action": action,
		"changes": changes, "at": s.Now(),
	})
	row.Load(s.currentActor(tx, r).fields())
	if ws := sessionOf(tx); ws != nil {
		ws.addAudit(row)
		return nil
	}
	return insertRecordRows(tx, []*core.Record{row})
}
