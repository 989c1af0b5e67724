package hooks

import (
	"net/http"

	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/tools/router"
)

// ruleError is a 400 in PocketBase's usual error body with a stable machine
// code: in data.<field>.code when one field is at fault, else in data.code
// (DESIGN §4).
func ruleError(code, field, message string) *router.ApiError {
	if field != "" {
		return router.NewBadRequestError(message, validation.Errors{field: validation.NewError(code, message)})
	}
	err := router.NewBadRequestError(message, nil)
	err.Data = map[string]any{"code": code, "message": message}
	return err
}

// tooManyRequests is a 429 with a stable code and the wait in seconds.
func tooManyRequests(code, message string, retryAfterSec int) *router.ApiError {
	err := router.NewApiError(http.StatusTooManyRequests, message, nil)
	err.Data = map[string]any{"code": code, "message": message, "retry_after": retryAfterSec}
	return err
}
