package routes

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"

	"coprosec/hooks/apierr"
	"coprosec/hooks/onboard"
	"coprosec/internal/jurisdiction"
	"coprosec/internal/syncproto"

	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/router"
)

// CodeImportRefused answers an import file with refused rows: nothing was
// written, data.problems lists every row (line, field, code, message).
const CodeImportRefused = "import_refused"

// maxImportBytes bounds an uploaded import file: 20,000 account rows of
// long names and e-mails fit.
const maxImportBytes = 8 << 20

// bindImportRoutes are the endpoints of `units import` and `accounts
// import` (DESIGN §6) for those who have no shell on the server: the
// ministry (units, police accounts) and a party_admin (its organizers);
// superusers too. The file is the request body (text/csv) or the "file"
// part of a multipart form; ?dry_run=true reports without writing.
func (s *Routes) bindImportRoutes(se *core.ServeEvent) {
	se.Router.POST("/api/import/units", func(e *core.RequestEvent) error {
		if !isRole(e.Auth, syncproto.RoleMinistry) {
			return apierr.Rule(jurisdiction.CodeForbidden, "", "Only the ministry imports units.")
		}
		file, dryRun, err := importFile(e)
		if err != nil {
			return err
		}
		report, err := onboard.ImportUnits(e.App, s.write, e.Auth, file, dryRun)
		if err != nil {
			return e.InternalServerError("", err)
		}
		if len(report.Problems) > 0 {
			return importRefused(report)
		}
		return e.JSON(http.StatusOK, map[string]any{"report": report})
	}).Bind(apis.RequireAuth())

	se.Router.POST("/api/import/accounts", func(e *core.RequestEvent) error {
		if !isRole(e.Auth, syncproto.RoleMinistry, syncproto.RolePartyAdmin) {
			return apierr.Rule(jurisdiction.CodeForbidden, "", "Only the ministry (police accounts) and a party's administrator (its organizers) import accounts.")
		}
		file, dryRun, err := importFile(e)
		if err != nil {
			return err
		}
		report, creds, err := onboard.ImportAccounts(e.App, s.write, e.Auth, file, dryRun)
		if err != nil {
			return e.InternalServerError("", err)
		}
		if len(report.Problems) > 0 {
			return importRefused(report)
		}
		// the initial passwords are in this answer only: never cached
		e.Response.Header().Set("Cache-Control", "no-store")
		if creds == nil {
			creds = []onboard.Credential{}
		}
		return e.JSON(http.StatusOK, map[string]any{"report": report, "credentials": creds})
	}).Bind(apis.RequireAuth())

	// a manager's reset: a new initial password, answered once
	se.Router.POST("/api/accounts/{id}/reset-password", func(e *core.RequestEvent) error {
		cred, err := onboard.ResetPassword(e.App, s.write, e.Auth, e.Request.PathValue("id"))
		if err != nil {
			return err
		}
		e.Response.Header().Set("Cache-Control", "no-store")
		return e.JSON(http.StatusOK, map[string]any{"credential": cred})
	}).Bind(apis.RequireAuth())
}

// isRole reports whether auth is a superuser or a user of one of roles.
func isRole(auth *core.Record, roles ...string) bool {
	if auth == nil {
		return false
	}
	if auth.IsSuperuser() {
		return true
	}
	for _, r := range roles {
		if auth.GetString("role") == r {
			return true
		}
	}
	return false
}

// importFile is the uploaded file of an import request and its dry_run.
func importFile(e *core.RequestEvent) (io.Reader, bool, error) {
	dryRun := false
	if v := e.Request.URL.Query().Get("dry_run"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return nil, false, apierr.Rule(syncproto.CodeInvalidRequest, "dry_run", "dry_run is true or false.")
		}
		dryRun = b
	}
	e.Request.Body = http.MaxBytesReader(e.Response, e.Request.Body, maxImportBytes)
	var src io.Reader = e.Request.Body
	if strings.HasPrefix(e.Request.Header.Get("Content-Type"), "multipart/form-data") {
		f, _, err := e.Request.FormFile("file")
		if err != nil {
			return nil, false, apierr.Rule(syncproto.CodeInvalidRequest, "file", `Send the CSV file as the "file" part of the form, or as the request body.`)
		}
		defer f.Close()
		src = f
	}
	data, err := io.ReadAll(src)
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, false, apierr.Rule(syncproto.CodeInvalidRequest, "file", "The file is larger than 8 MiB: import it in several parts.")
		}
		return nil, false, apierr.Rule(syncproto.CodeInvalidRequest, "file", "The file could not be read.")
	}
	return bytes.NewReader(data), dryRun, nil
}

// importRefused is the 400 of a file with refused rows. Each problem keeps
// its detailed English message as "detail" beside the message, which the
// edge says in the reader's language.
func importRefused(report onboard.Report) error {
	problems := make([]any, len(report.Problems))
	for i, p := range report.Problems {
		problems[i] = map[string]any{"line": p.Line, "field": p.Field, "code": p.Code, "message": p.Message, "detail": p.Message}
	}
	msg := strconv.Itoa(len(report.Problems)) + " row(s) refused; nothing was imported."
	err := router.NewBadRequestError(msg, nil)
	err.Data = map[string]any{"code": CodeImportRefused, "message": msg, "problems": problems}
	return err
}
