package hooks

import (
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"coprosec/internal/receipts"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
)

// keyringParam is the _params row holding the receipt signing keys. The
// _params table is part of every backup but no API or dashboard view reads
// it, which is what a signing key needs.
const keyringParam = "coprosec_receipt_keyring"

// keyRetention is how long a retired key stays published: longer than any
// receipt lives (a campaign of 15 days plus the grace after an event).
const keyRetention = 60 * 24 * time.Hour

// loadKeyring returns the signing keys, creating them on first use.
func (s *Service) loadKeyring(app core.App) (receipts.Keyring, error) {
	var raw string
	err := app.DB().NewQuery("SELECT value FROM _params WHERE id = {:id}").Bind(dbx.Params{"id": keyringParam}).Row(&raw)
	if err == nil {
		return receipts.UnmarshalKeyring([]byte(raw))
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return receipts.Keyring{}, err
	}
	kr, err := receipts.Keyring{}.Rotate(s.Now())
	if err != nil {
		return kr, err
	}
	return kr, storeKeyring(app, kr, true)
}

func storeKeyring(app core.App, kr receipts.Keyring, insert bool) error {
	data, err := receipts.MarshalKeyring(kr)
	if err != nil {
		return err
	}
	if insert {
		_, err = app.DB().Insert("_params", dbx.Params{"id": keyringParam, "value": string(data)}).Execute()
	} else {
		_, err = app.DB().Update("_params", dbx.Params{"value": string(data)}, dbx.HashExp{"id": keyringParam}).Execute()
	}
	return err
}

// RotateReceiptKey retires the active signing key for a new one; receipts
// signed with the old key stay verifiable until they expire.
func (s *Service) RotateReceiptKey(app core.App) (receipts.Keyring, error) {
	var kr receipts.Keyring
	err := app.RunInTransaction(func(tx core.App) error {
		old, err := s.loadKeyring(tx)
		if err != nil {
			return err
		}
		kr, err = old.Rotate(s.Now())
		if err != nil {
			return err
		}
		kr = kr.Prune(s.Now(), keyRetention)
		return storeKeyring(tx, kr, false)
	})
	return kr, err
}

// issueReceipt creates the receipt of an event whose lead assignment was
// just acknowledged, in the acknowledging transaction (DESIGN §5).
func (s *Service) issueReceipt(tx core.App, lead *core.Record) error {
	ev, err := tx.FindRecordById("events", lead.GetString("event"))
	if err != nil {
		return err
	}
	if err := s.revokeReceipts(tx, ev.Id, "superseded"); err != nil {
		return err
	}
	kr, err := s.loadKeyring(tx)
	if err != nil {
		return fmt.Errorf("receipt keys: %w", err)
	}
	code := func(collection, id string) string {
		if r, err := tx.FindRecordById(collection, id); err == nil {
			return r.GetString("code")
		}
		return ""
	}
	party, _ := tx.FindRecordById("parties", ev.GetString("party"))
	unit, _ := tx.FindRecordById("units", lead.GetString("unit"))
	depCode := code("departements", ev.GetString("departement"))
	ackAt := lead.GetDateTime("acknowledged_at").Time()
	if ackAt.IsZero() {
		ackAt = s.Now()
	}
	route, _ := routeOf(ev)
	declared := receipts.DeclaredDetails{
		Kind: ev.GetString("kind"), Title: ev.GetString("title"), Place: ev.GetString("place"),
		Commune: code("communes", ev.GetString("commune")), Arrondissement: code("arrondissements", ev.GetString("arrondissement")),
		StartsAt: timeOf(ev, "starts_at"), EndsAt: timeOf(ev, "ends_at"),
		ExpectedAttendance: ev.GetInt("expected_attendance"), SecurityNeeds: ev.GetStringSlice("security_needs"),
		SoundVehicle: ev.GetBool("sound_vehicle"),
	}
	if p := pointOf(ev, "location"); p != nil {
		declared.Lat, declared.Lon = &p.Lat, &p.Lon
	}
	for _, p := range route {
		declared.Route = append(declared.Route, [2]float64{p.Lat, p.Lon})
	}
	number, err := nextReceiptNumber(tx, depCode, ackAt.In(LocalZone).Year())
	if err != nil {
		return err
	}
	rc := receipts.Receipt{Number: number, Event: ev.Id, Party: ev.GetString("party"), Unit: lead.GetString("unit"),
		Departement: depCode, AcknowledgedAt: ackAt, Declared: declared}
	if party != nil {
		rc.PartyAcronym = party.GetString("acronym")
	}
	if unit != nil {
		rc.UnitName = unit.GetString("name")
	}
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

// nextReceiptNumber numbers receipts per département and year. It runs in
// the write transaction, and SQLite has a single writer, so two
// acknowledgements cannot take the same number.
func nextReceiptNumber(tx core.App, depCode string, year int) (string, error) {
	if depCode == "" {
		depCode = "BJ00"
	}
	prefix := fmt.Sprintf("%s-%d-", depCode, year)
	var n int64
	err := tx.DB().NewQuery("SELECT COUNT(*) FROM receipts WHERE number LIKE {:p}").Bind(dbx.Params{"p": prefix + "%"}).Row(&n)
	if err != nil {
		return "", err
	}
	return receipts.FormatNumber(depCode, year, n+1), nil
}

// revokeReceipts revokes the standing receipts of an event (J6).
func (s *Service) revokeReceipts(tx core.App, eventID, reason string) error {
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

// revocationList reads every revoked receipt.
func revocationList(app core.App) (receipts.RevocationList, error) {
	var rows []struct {
		Number, Reason string
		At             string `db:"revoked_at"`
	}
	err := app.DB().NewQuery("SELECT number, revoked_reason AS reason, revoked_at FROM receipts WHERE revoked_at != ''").All(&rows)
	list := receipts.NewRevocationList()
	for _, r := range rows {
		at, _ := time.Parse("2006-01-02 15:04:05.000Z", r.At)
		list.Revoke(r.Number, at, r.Reason)
	}
	return list, err
}

func (s *Service) bindReceiptRoutes(se *core.ServeEvent) {
	se.Router.GET("/api/receipts/jwks", func(e *core.RequestEvent) error {
		kr, err := s.loadKeyring(e.App)
		if err != nil {
			return e.InternalServerError("", err)
		}
		e.Response.Header().Set("Cache-Control", "public, max-age=300")
		return e.JSON(http.StatusOK, kr.JWKS())
	})
	se.Router.GET("/api/receipts/revoked", func(e *core.RequestEvent) error {
		list, err := revocationList(e.App)
		if err != nil {
			return e.InternalServerError("", err)
		}
		return e.JSON(http.StatusOK, list)
	}).Bind(apis.RequireAuth())
	se.Router.POST("/api/receipts/verify", func(e *core.RequestEvent) error {
		var body struct {
			Token string `json:"token"`
		}
		if err := e.BindBody(&body); err != nil || strings.TrimSpace(body.Token) == "" {
			return ruleError("invalid_request", "token", "Send {\"token\": \"<receipt JWT>\"}.")
		}
		kr, err := s.loadKeyring(e.App)
		if err != nil {
			return e.InternalServerError("", err)
		}
		list, err := revocationList(e.App)
		if err != nil {
			return e.InternalServerError("", err)
		}
		res := receipts.Verify(strings.TrimSpace(body.Token), kr.JWKS(), list, s.Now())
		return e.JSON(http.StatusOK, verifyResponse{Valid: res.Valid, Revoked: res.Revoked, Claims: res.Claims, Error: res.Error, Code: res.Code})
	}).Bind(apis.RequireAuth())
}

// verifyResponse is DESIGN §5's {valid, revoked, claims, error}, with the
// machine code beside the message.
type verifyResponse struct {
	Valid   bool             `json:"valid"`
	Revoked bool             `json:"revoked"`
	Claims  *receipts.Claims `json:"claims"`
	Error   string           `json:"error"`
	Code    string           `json:"code"`
}
