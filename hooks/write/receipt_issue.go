package write

import (
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"coprosec/hooks/apierr"
	"coprosec/internal/jurisdiction"
	"coprosec/internal/receipts"

	"github.com/pocketbase/dbx"
	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/search"
	"github.com/pocketbase/pocketbase/tools/types"
)

// keyringParam is the _params row holding the receipt signing keys. The
// _params table is part of every backup but no API or dashboard view reads
// it, which is what a signing key needs.
const keyringParam = "coprosec_receipt_keyring"

// Keyring returns the signing keys, creating them on first use.
//
// The keys are read on every use rather than cached, so that a rotation by
// `coprosec receipts rotate-key` (another process on the same database)
// takes effect at once in a running server.
func (s *Engine) Keyring(app core.App) (receipts.Keyring, error) {
	kr, found, err := readKeyring(app)
	if err != nil || found {
		return kr, err
	}
	kr, err = receipts.Keyring{}.Rotate(s.Now())
	if err != nil {
		return kr, err
	}
	sealed, err := sealKeyring(app, kr)
	if err != nil {
		return kr, err
	}
	// Two first requests may race: the loser keeps the winner's keys.
	_, err = app.DB().NewQuery("INSERT INTO _params (id, value) VALUES ({:id}, {:v}) ON CONFLICT (id) DO NOTHING").
		Bind(dbx.Params{"id": keyringParam, "v": sealed}).Execute()
	if err != nil {
		return kr, err
	}
	kr, found, err = readKeyring(app)
	if err == nil && !found {
		err = errors.New("receipt keyring vanished after it was stored")
	}
	return kr, err
}

// ReceiptJWKS returns the published key set (active key first), creating
// the keys on first use.
func (s *Engine) ReceiptJWKS(app core.App) (receipts.JWKS, error) {
	kr, err := s.Keyring(app)
	if err != nil {
		return receipts.JWKS{}, err
	}
	return kr.JWKS(), nil
}

// RotateReceiptKey retires the active signing key for a new one; receipts
// signed with the old key stay verifiable until they expire. A retired key
// is dropped only once it is older than receipts.KeyRetention and no stored receipt
// it signed is still unexpired.
func (s *Engine) RotateReceiptKey(app core.App) (receipts.Keyring, error) {
	var kr receipts.Keyring
	err := app.RunInTransaction(func(tx core.App) error {
		old, err := s.Keyring(tx)
		if err != nil {
			return err
		}
		kr, err = old.Rotate(s.Now())
		if err != nil {
			return err
		}
		var tokens []string
		if err := tx.DB().NewQuery("SELECT token FROM receipts").Column(&tokens); err != nil {
			return err
		}
		kr = kr.Retain(s.Now(), receipts.KeyRetention, receipts.KeysInUse(tokens, s.Now()))
		return storeKeyring(tx, kr)
	})
	return kr, err
}

// issueReceipt creates the receipt of an event whose lead assignment was
// just acknowledged, in the acknowledging transaction (DESIGN §5): when no
// receipt can be made, the acknowledgement is not saved either, and the
// client gets a 503 with the stable code receipt_unavailable (sync push
// reports it as a transient internal_error, so the device retries).
func (s *Engine) issueReceipt(tx core.App, lead *core.Record) error {
	if ev, err := tx.FindRecordById("events", lead.GetString("event")); err == nil {
		ackAt := lead.GetDateTime("acknowledged_at").Time()
		if ackAt.IsZero() {
			ackAt = s.Now()
		}
		// A receipt lives until the event's end plus the grace; past that,
		// there is nothing left to certify (and retrying would not help).
		if end := timeOf(ev, "ends_at"); !end.IsZero() && !end.Add(receipts.DefaultGrace).After(ackAt) {
			return apierr.Rule(jurisdiction.CodeEventOver, "status",
				"This event is over: it can no longer be acknowledged, and no receipt can be issued for it.")
		}
	}
	err := s.makeReceipt(tx, lead)
	if err == nil {
		return nil
	}
	tx.Logger().Error("receipt: acknowledgement refused, no receipt could be issued",
		"assignment", lead.Id, "event", lead.GetString("event"), "error", err)
	return apierr.Unavailable(apierr.CodeReceiptUnavailable,
		"The receipt of this acknowledgement could not be issued, so the acknowledgement was not saved. Try again later.")
}

func (s *Engine) makeReceipt(tx core.App, lead *core.Record) error {
	ev, err := tx.FindRecordById("events", lead.GetString("event"))
	if err != nil {
		return err
	}
	if err := s.revokeReceipts(tx, ev.Id, "superseded"); err != nil {
		return err
	}
	kr, err := s.Keyring(tx)
	if err != nil {
		return fmt.Errorf("receipt keys: %w", err)
	}
	// Every name the receipt carries is read, or signing fails: a receipt
	// is shown offline as it was signed, so a missing part would stay
	// missing on every phone.
	var codeErr error
	code := func(collection, id string) string {
		if id == "" || codeErr != nil {
			return ""
		}
		r, err := tx.FindRecordById(collection, id)
		if err != nil {
			codeErr = fmt.Errorf("receipt: %s %s: %w", collection, id, err)
			return ""
		}
		return r.GetString("code")
	}
	party, err := tx.FindRecordById("parties", ev.GetString("party"))
	if err != nil {
		return fmt.Errorf("receipt: party of event %s: %w", ev.Id, err)
	}
	unit, err := tx.FindRecordById("units", lead.GetString("unit"))
	if err != nil {
		return fmt.Errorf("receipt: unit of assignment %s: %w", lead.Id, err)
	}
	depCode := code("departements", ev.GetString("departement"))
	ackAt := lead.GetDateTime("acknowledged_at").Time()
	if ackAt.IsZero() {
		ackAt = s.Now()
	}
	route, err := routeOf(ev)
	if err != nil {
		return fmt.Errorf("receipt: route of event %s: %w", ev.Id, err)
	}
	declared := receipts.DeclaredDetails{
		Kind: ev.GetString("kind"), Title: ev.GetString("title"), Place: ev.GetString("place"),
		Commune: code("communes", ev.GetString("commune")), Arrondissement: code("arrondissements", ev.GetString("arrondissement")),
		StartsAt: timeOf(ev, "starts_at"), EndsAt: timeOf(ev, "ends_at"),
		ExpectedAttendance: ev.GetInt("expected_attendance"), SecurityNeeds: ev.GetStringSlice("security_needs"),
		SoundVehicle: ev.GetBool("sound_vehicle"),
	}
	if codeErr != nil {
		return codeErr
	}
	if p := pointOf(ev, "location"); p != nil {
		declared.Lat, declared.Lon = &p.Lat, &p.Lon
	}
	for _, p := range route {
		declared.Route = append(declared.Route, [2]float64{p.Lat, p.Lon})
	}
	number, err := nextReceiptNumber(tx, depCode, ackAt.In(jurisdiction.Local).Year())
	if err != nil {
		return err
	}
	rc := receipts.Receipt{Number: number, Event: ev.Id, Party: ev.GetString("party"), Unit: lead.GetString("unit"),
		Departement: depCode, AcknowledgedAt: ackAt, Declared: declared}
	rc.PartyAcronym = party.GetString("acronym")
	rc.UnitName = unit.GetString("name")
	claims, err := receipts.NewClaims(rc, receipts.DefaultGrace)
	if err != nil {
		return fmt.Errorf("receipt claims: %w", err)
	}
	token, err := receipts.Issue(kr.Active, claims)
	if err != nil {
		return fmt.Errorf("receipt signature: %w", err)
	}
	col, err := tx.FindCachedCollectionByNameOrId("receipts")
	if err != nil {
		return err
	}
	r := core.NewRecord(col)
	r.Load(map[string]any{"event": ev.Id, "number": number, "token": token, "issued_at": ackAt})
	return saveSystem(tx, r)
}

// nextReceiptNumber numbers receipts per département and year, like
// BJ08-2026-000123 for the département BJ08 (Littoral). It runs in the
// write transaction, and SQLite has a single writer, so two
// acknowledgements cannot take the same number. It follows the highest
// number used, not the count, so that a deleted receipt (its event deleted
// from the dashboard) never makes a number come round again.
func nextReceiptNumber(tx core.App, depCode string, year int) (string, error) {
	prefix := receipts.NumberPrefix(depCode, year)
	var n sql.NullInt64
	err := tx.DB().NewQuery("SELECT MAX(CAST(SUBSTR(number, {:from}) AS INTEGER)) FROM receipts WHERE SUBSTR(number, 1, {:len}) = {:p}").
		Bind(dbx.Params{"p": prefix, "len": len(prefix), "from": len(prefix) + 1}).Row(&n)
	if err != nil {
		return "", err
	}
	return receipts.NumberAfter(depCode, year, n.Int64), nil
}

// revokeReceipts revokes the standing receipts of an event (J6).
func (s *Engine) revokeReceipts(tx core.App, eventID, reason string) error {
	records, err := tx.FindAllRecords("receipts", dbx.HashExp{"event": eventID, "revoked_at": ""})
	if err != nil {
		return err
	}
	for _, r := range records {
		r.Set("revoked_at", s.Now())
		r.Set("revoked_reason", reason)
		if err := saveSystem(tx, r); err != nil {
			return err
		}
	}
	return nil
}

// RevocationList reads every revoked receipt: what verification checks
// against (the server's verify endpoint, the offline export).
func RevocationList(app core.App) (receipts.RevocationList, error) {
	return revocations(app.DB().Select("receipts.number", "receipts.revoked_reason", "receipts.revoked_at").From("receipts"))
}

// RevocationListFor reads the revoked receipts auth may see: the receipts
// list rule (DESIGN §3) decides, as for the records themselves. A party
// learns of its own withdrawn receipts, a unit of those of its events; the
// list names a receipt's time and reason of revocation, which are not
// another party's or another département's business.
func RevocationListFor(app core.App, auth *core.Record) (receipts.RevocationList, error) {
	col, err := app.FindCachedCollectionByNameOrId("receipts")
	if err != nil {
		return receipts.RevocationList{}, err
	}
	q := app.DB().Select("receipts.number", "receipts.revoked_reason", "receipts.revoked_at").Distinct(true).From("receipts")
	if auth == nil || !auth.IsSuperuser() {
		if col.ListRule == nil {
			return receipts.NewRevocationList(), nil
		}
		info := &core.RequestInfo{Auth: auth, Context: core.RequestInfoContextDefault, Method: "GET"}
		if *col.ListRule != "" {
			resolver := core.NewRecordFieldResolver(app, col, info, true)
			expr, err := search.FilterData(*col.ListRule).BuildExpr(resolver)
			if err != nil {
				return receipts.RevocationList{}, err
			}
			q.AndWhere(expr)
			if err := resolver.UpdateQuery(q); err != nil {
				return receipts.RevocationList{}, err
			}
		}
	}
	return revocations(q)
}

func revocations(q *dbx.SelectQuery) (receipts.RevocationList, error) {
	var rows []struct {
		Number string `db:"number"`
		Reason string `db:"revoked_reason"`
		At     string `db:"revoked_at"`
	}
	err := q.AndWhere(dbx.NewExp("receipts.revoked_at != ''")).All(&rows)
	list := receipts.NewRevocationList()
	for _, r := range rows {
		at, _ := types.ParseDateTime(r.At)
		list.Revoke(r.Number, at.Time(), r.Reason)
	}
	return list, err
}

// bindViewGuard refuses a view collection that reads _params, where the
// receipt signing keys are stored: _params is not a collection, so no
// record API reads it, but a superuser could define a view over it and
// browse the signing keys (and PocketBase's own secrets) in the dashboard.
func (s *Engine) bindViewGuard() {
	s.app.OnCollectionValidate().BindFunc(func(e *core.CollectionEvent) error {
		if e.Collection.IsView() && readsPrivateTable(e.Collection.ViewQuery) {
			return validation.Errors{"viewQuery": validation.NewError(apierr.CodePrivateTable,
				"A view cannot read the _params table: it holds the receipt signing keys and the server's secrets.")}
		}
		return e.Next()
	})
}

// readsPrivateTable reports whether a view query names the _params table.
// SQLite identifiers cannot be built at run time, and names compare
// case-insensitively, so any read of the table spells it out.
func readsPrivateTable(query string) bool {
	return strings.Contains(strings.ToLower(query), "_params")
}
