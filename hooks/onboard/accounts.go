package onboard

import (
	"errors"
	"io"
	"net/http"
	"runtime"
	"strings"
	"sync"

	"coprosec/hooks/apierr"
	"coprosec/hooks/write"
	"coprosec/internal/accounts"
	"coprosec/internal/jurisdiction"
	"coprosec/internal/onboard"
	"coprosec/internal/syncproto"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"golang.org/x/crypto/bcrypt"
)

// Credential is the first sign-in of an account an import created: what
// its slip says. Password is the initial password, given only here (the
// credentials file or the endpoint's answer), never logged or stored in
// clear.
type Credential struct {
	Line     int    `json:"line"`
	Name     string `json:"name"`
	Role     string `json:"role"`
	Unit     string `json:"unit,omitempty"`  // the unit's name, for police accounts
	Party    string `json:"party,omitempty"` // the party's acronym, for party accounts
	Login    string `json:"login"`           // the phone, or the e-mail when there is no phone
	Password string `json:"password"`
}

// CredentialColumns is the header of a credentials file.
var CredentialColumns = []string{"name", "role", "unit", "party", "login", "initial_password"}

// Values is c as a row of a credentials file.
func (c Credential) Values() []string {
	return []string{c.Name, c.Role, c.Unit, c.Party, c.Login, c.Password}
}

// PlaceholderEmail is the sign-in e-mail of an account that has only a
// phone: PocketBase requires an e-mail on every account, and the reserved
// .invalid domain (RFC 2606) can never receive mail.
func PlaceholderEmail(phone string) string {
	return "p" + strings.TrimPrefix(phone, "+") + "@telephone.invalid"
}

// ImportAccounts creates and updates the accounts of an accounts file
// (DESIGN §6) as auth (nil: the operator), idempotent by phone, then
// e-mail: an account found by either is updated to the file's name, role,
// party, unit and sign-in identifiers, and keeps its password; a new one
// gets a random initial password, returned among the credentials and to
// be changed at first sign-in. A party_admin may import its party's
// organizers, the ministry police accounts: the users' REST rules decide,
// row by row. All or nothing, like ImportUnits.
func ImportAccounts(app core.App, eng *write.Engine, auth *core.Record, file io.Reader, dryRun bool) (Report, []Credential, error) {
	report := Report{DryRun: dryRun}
	rows, err := onboard.ReadAccounts(file)
	if refused(err, &report) {
		return report, nil, nil
	}
	// Initial passwords are hashed before the transaction, on every core,
	// not while holding SQLite's single writer. Accounts that appear in
	// between are hashed in the transaction.
	var pool []initialPassword
	if !dryRun {
		if pool, err = passwordsFor(app, rows); err != nil {
			return report, nil, err
		}
	}
	var creds []Credential
	err = inTransaction(app, &report, func(tx core.App) error {
		imp, err := newAccountImport(tx, eng, auth, &report)
		if err != nil {
			return err
		}
		imp.passwords, imp.dryRun = pool, dryRun
		creds, err = imp.run(rows)
		return err
	})
	if err != nil || len(report.Problems) > 0 || dryRun {
		return report, nil, err
	}
	return report, creds, nil
}

type accountImport struct {
	tx     core.App
	eng    *write.Engine
	auth   *core.Record
	report *Report
	col    *core.Collection

	parties   map[string]string // acronym → id
	units     map[string]string // folded name → id
	passwords []initialPassword // drawn and hashed beforehand
	dryRun    bool              // nothing is kept: one password serves every row
}

func newAccountImport(tx core.App, eng *write.Engine, auth *core.Record, report *Report) (*accountImport, error) {
	col, err := tx.FindCachedCollectionByNameOrId("users")
	if err != nil {
		return nil, err
	}
	imp := &accountImport{tx: tx, eng: eng, auth: auth, report: report, col: col,
		parties: map[string]string{}, units: map[string]string{}}
	var refs []struct {
		ID   string `db:"id"`
		Name string `db:"name"`
	}
	if err := tx.DB().Select("id", "acronym AS name").From("parties").All(&refs); err != nil {
		return nil, err
	}
	for _, p := range refs {
		imp.parties[strings.ToUpper(p.Name)] = p.ID
	}
	refs = nil
	if err := tx.DB().Select("id", "name").From("units").All(&refs); err != nil {
		return nil, err
	}
	for _, u := range refs {
		imp.units[fold(u.Name)] = u.ID
	}
	return imp, nil
}

func (imp *accountImport) run(rows []onboard.AccountRow) ([]Credential, error) {
	type planned struct {
		row   onboard.AccountRow
		body  map[string]any
		found *core.Record
	}
	var plan []planned
	for _, row := range rows {
		body, ok := imp.body(row)
		if !ok {
			continue
		}
		found, err := imp.find(row)
		if err != nil {
			return nil, err
		}
		plan = append(plan, planned{row, body, found})
	}
	if len(imp.report.Problems) > 0 {
		return nil, nil // nothing is written: no password to draw
	}
	var creds []Credential
	for _, p := range plan {
		if p.found != nil {
			if err := imp.update(p.row, p.found, p.body); err != nil {
				return nil, err
			}
			continue
		}
		pw, err := imp.nextPassword()
		if err != nil {
			return nil, err
		}
		created, err := imp.create(p.row, p.body, pw)
		if err != nil {
			return nil, err
		}
		if created {
			login := p.row.Phone
			if login == "" {
				login = p.row.Email
			}
			creds = append(creds, Credential{Line: p.row.Line, Name: p.row.Name, Role: p.row.Role,
				Unit: p.row.Unit, Party: p.row.Party, Login: login, Password: pw.plain})
		}
	}
	return creds, nil
}

// body is the stored form of row: the keys a REST write by its manager
// sends (a party account names no unit, a police account no party, as the
// users' create rule expects); false when the party or unit is unknown.
func (imp *accountImport) body(row onboard.AccountRow) (map[string]any, bool) {
	body := map[string]any{"name": row.Name, "role": row.Role}
	if row.Phone != "" {
		body["phone"] = row.Phone
	}
	if row.Email != "" {
		body["email"] = row.Email
	}
	unknown := func(field, message string) bool {
		imp.report.unknown(row.Line, field, message)
		return false
	}
	switch {
	case accounts.IsParty(row.Role):
		id, ok := imp.parties[row.Party]
		if !ok {
			return nil, unknown("party", "No party has the acronym "+row.Party+".")
		}
		body["party"] = id
	case accounts.IsPolice(row.Role):
		id, ok := imp.units[fold(row.Unit)]
		if !ok {
			return nil, unknown("unit", `No unit is named "`+row.Unit+`".`)
		}
		body["unit"] = id
	}
	return body, true
}

// find is the stored account of row: by phone, then by e-mail.
func (imp *accountImport) find(row onboard.AccountRow) (*core.Record, error) {
	for _, by := range []struct{ field, value string }{{"phone", row.Phone}, {"email", row.Email}} {
		if by.value == "" {
			continue
		}
		var found []*core.Record
		err := imp.tx.RecordQuery(imp.col).
			AndWhere(dbx.NewExp("LOWER(["+by.field+"]) = {:v}", dbx.Params{"v": strings.ToLower(by.value)})).
			Limit(1).All(&found)
		if err != nil {
			return nil, err
		}
		if len(found) > 0 {
			return found[0], nil
		}
	}
	return nil, nil
}

func (imp *accountImport) create(row onboard.AccountRow, body map[string]any, pw initialPassword) (bool, error) {
	r := core.NewRecord(imp.col)
	r.Load(body)
	if row.Email == "" {
		r.SetEmail(PlaceholderEmail(row.Phone))
	}
	// hashed beforehand, in parallel, outside the transaction
	r.SetRaw("password", &core.PasswordFieldValue{Plain: pw.plain, Hash: pw.hash})
	if imp.auth == nil || imp.auth.IsSuperuser() {
		r.Set("must_change_password", true) // for a manager, write.AuthorizeWrite sets it
	}
	ok, err := imp.report.attempt(row.Line, func() error { return imp.eng.CreateAs(imp.tx, imp.auth, r, body) })
	if ok {
		imp.report.Created++
	}
	return ok, err
}

// update changes what the file changes of a stored account; its password
// is never touched, nor its e-mail when the file gives none.
func (imp *accountImport) update(row onboard.AccountRow, stored *core.Record, body map[string]any) error {
	changes := map[string]any{}
	for f, v := range body {
		cur := stored.GetString(f)
		if f == "email" && strings.EqualFold(cur, v.(string)) {
			continue
		}
		if cur != v.(string) {
			changes[f] = v
		}
	}
	// a party account keeps no unit, a police account no party
	for _, f := range []string{"party", "unit"} {
		if _, given := body[f]; !given && stored.GetString(f) != "" {
			changes[f] = ""
		}
	}
	if len(changes) == 0 {
		imp.report.Unchanged++
		return nil
	}
	ok, err := imp.report.attempt(row.Line, func() error { return imp.eng.UpdateAs(imp.tx, imp.auth, stored, changes) })
	if ok {
		imp.report.Updated++
	}
	return err
}

type initialPassword struct{ plain, hash string }

func (imp *accountImport) nextPassword() (initialPassword, error) {
	if len(imp.passwords) == 0 {
		p, err := drawPasswords(1)
		if err != nil {
			return initialPassword{}, err
		}
		imp.passwords = p
	}
	pw := imp.passwords[0]
	if !imp.dryRun { // a dry run writes nothing: one password serves every row
		imp.passwords = imp.passwords[1:]
	}
	return pw, nil
}

// passwordsFor draws and hashes a password for every row that matches no
// stored account now (read outside any transaction).
func passwordsFor(app core.App, rows []onboard.AccountRow) ([]initialPassword, error) {
	col, err := app.FindCachedCollectionByNameOrId("users")
	if err != nil {
		return nil, err
	}
	probe := &accountImport{tx: app, col: col}
	n := 0
	for _, row := range rows {
		found, err := probe.find(row)
		if err != nil {
			return nil, err
		}
		if found == nil {
			n++
		}
	}
	return drawPasswords(n)
}

// initialPasswordCost is the bcrypt cost of an initial password: bcrypt's
// minimum. The cost factor slows the guessing of passwords people choose;
// an initial password is 12 random characters of a 31-letter alphabet
// (59 bits, onboard.InitialPassword), which no number of guesses reaches
// at any cost, and is replaced at first sign-in by one hashed at the
// users' own cost. At that cost 5,000 accounts took minutes of hashing.
const initialPasswordCost = bcrypt.MinCost

// drawPasswords draws n initial passwords and hashes them on every core.
func drawPasswords(n int) ([]initialPassword, error) {
	cost := initialPasswordCost
	out := make([]initialPassword, n)
	for i := range out {
		p, err := onboard.InitialPassword()
		if err != nil {
			return nil, err
		}
		out[i].plain = p
	}
	errs := make([]error, n)
	var wg sync.WaitGroup
	next := make(chan int)
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for i := range next {
				h, err := bcrypt.GenerateFromPassword([]byte(out[i].plain), cost)
				out[i].hash, errs[i] = string(h), err
			}
		})
	}
	for i := range out {
		next <- i
	}
	close(next)
	wg.Wait()
	return out, errors.Join(errs...)
}

// ResetPassword gives the account id a new initial password, on behalf of
// auth, its manager (the users' manage rule: a party_admin its party's
// organizers, the ministry police accounts; a superuser any). Every
// session of the account ends (PocketBase rotates its token key with the
// password) and it must choose its own at its next sign-in.
func ResetPassword(app core.App, eng *write.Engine, auth *core.Record, id string) (Credential, error) {
	var cred Credential
	err := app.RunInTransaction(func(tx core.App) error {
		r, err := tx.FindRecordById("users", id)
		if err != nil || !write.CanView(tx, r, auth) {
			return apierr.Rule(syncproto.CodeNotFound, "", "The account does not exist or is not visible to you.")
		}
		info := &core.RequestInfo{Auth: auth, Method: http.MethodPatch, Context: core.RequestInfoContextDefault}
		if ok, err := write.CanAccess(tx, r, info, r.Collection().ManageRule); err != nil {
			return err
		} else if !ok {
			return apierr.Rule(jurisdiction.CodeForbidden, "", "You do not manage this account.")
		}
		pws, err := drawPasswords(1)
		if err != nil {
			return err
		}
		r.SetRaw("password", &core.PasswordFieldValue{Plain: pws[0].plain, Hash: pws[0].hash})
		r.RefreshTokenKey()
		if auth.IsSuperuser() {
			r.Set("must_change_password", true) // for a manager, write.AuthorizeWrite sets it
		}
		if err := eng.UpdateAs(tx, auth, r, map[string]any{}); err != nil {
			return err
		}
		cred = Credential{Name: r.GetString("name"), Role: r.GetString("role"), Login: r.GetString("phone"), Password: pws[0].plain}
		if cred.Login == "" {
			cred.Login = r.Email()
		}
		if u, err := tx.FindRecordById("units", r.GetString("unit")); err == nil {
			cred.Unit = u.GetString("name")
		}
		if p, err := tx.FindRecordById("parties", r.GetString("party")); err == nil {
			cred.Party = p.GetString("acronym")
		}
		return nil
	})
	return cred, err
}
