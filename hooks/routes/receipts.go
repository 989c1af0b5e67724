package routes

import (
	"coprosec/hooks/apierr"
	"coprosec/hooks/write"
	"coprosec/internal/i18n"
	"coprosec/internal/receipts"
	"coprosec/internal/syncproto"
	"net/http"
	"strings"

	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
)

func (s *Routes) bindReceiptRoutes(se *core.ServeEvent) {
	se.Router.GET("/api/receipts/jwks", func(e *core.RequestEvent) error {
		kr, err := s.write.Keyring(e.App)
		if err != nil {
			return e.InternalServerError("", err)
		}
		e.Response.Header().Set("Cache-Control", "public, max-age=300")
		return e.JSON(http.StatusOK, kr.JWKS())
	})
	se.Router.GET("/api/receipts/revoked", func(e *core.RequestEvent) error {
		list, err := write.RevocationListFor(e.App, e.Auth)
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
			return apierr.Rule(syncproto.CodeInvalidRequest, "token", "Send {\"token\": \"<receipt JWT>\"}.")
		}
		kr, err := s.write.Keyring(e.App)
		if err != nil {
			return e.InternalServerError("", err)
		}
		list, err := write.RevocationList(e.App)
		if err != nil {
			return e.InternalServerError("", err)
		}
		res := receipts.Verify(strings.TrimSpace(body.Token), kr.JWKS(), list, s.write.Now())
		a := res.Answer()
		// a refusal is said in the client's language, like every error
		e.Response.Header().Add("Vary", "Accept-Language")
		if a.Code != "" && apierr.LangOf(e.Request) == i18n.French {
			key := a.Code
			if res.Reason != "" {
				key += ".reason"
			}
			if m, ok := i18n.Message(key, map[string]any{"reason": res.Reason}); ok {
				a.Error = m
			}
		}
		return e.JSON(http.StatusOK, a)
	}).Bind(apis.RequireAuth())
}
