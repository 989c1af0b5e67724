package routes

import (
	"strings"

	"coprosec/hooks/apierr"
	"coprosec/hooks/priority"
	"coprosec/internal/i18n"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"
	"github.com/pocketbase/pocketbase/tools/router"
)

// bindLocalize says every error answer of the API in the client's language
// (DESIGN §5), once, at the edge: whatever handler or middleware inside
// built the error (record writes and /api/batch, sign-in, our routes,
// PocketBase's own), its messages become the catalog's French unless
// Accept-Language prefers English; codes never change. The activity log,
// inside, keeps the English.
func (s *Routes) bindLocalize(se *core.ServeEvent) {
	se.Router.Bind(&hook.Handler[*core.RequestEvent]{
		Id:       "coprosecLocalizeErrors",
		Priority: priority.LocalizeErrors,
		Func: func(e *core.RequestEvent) error {
			err := e.Next()
			if err == nil || !strings.HasPrefix(e.Request.URL.Path, "/api/") {
				return err
			}
			e.Response.Header().Add("Vary", "Accept-Language")
			lang := apierr.LangOf(e.Request)
			if lang == i18n.English {
				return err
			}
			// the ApiError the router would answer for err
			apiErr := router.ToApiError(err)
			apierr.Localize(apiErr, lang)
			return apiErr
		},
	})
}
