// Package apierr converts Coprosec's errors to what a client receives, in one
// place: the 400 body of DESIGN §4 for REST (a stable code in data.code, or
// in data.<field>.code when one field is at fault) and the `error` of a sync
// push result. Rules in internal/ return *jurisdiction.RuleError; the glue
// returns the errors built here; nothing parses a converted error back but
// ToSync, which reads the structure these constructors build.
package apierr

import (
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"

	"coprosec/internal/jurisdiction"
	"coprosec/internal/syncproto"

	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/tools/router"
)

// Rule is a 400 with a stable machine code: in data.<field>.code when field
// is set, else in data.code (DESIGN §4).
func Rule(code, field, message string) *router.ApiError {
	if field != "" {
		return router.NewBadRequestError(message, validation.Errors{field: validation.NewError(code, message)})
	}
	err := router.NewBadRequestError(message, nil)
	err.Data = map[string]any{"code": code, "message": message}
	return err
}

// Coded is an error of any status with a stable code in data.code, like
// Rule's: a 403 or a 404 of our own routes.
func Coded(status int, code, message string) *router.ApiError {
	err := router.NewApiError(status, message, nil)
	err.Data = map[string]any{"code": code, "message": message}
	return err
}

// TooManyRequests is a 429 with a stable code and the wait in seconds.
// french, when not nil, names the catalog entry of its French message (a
// variant of code, with its values); by default it is code's own.
func TooManyRequests(code, message string, retryAfterSec int, french *French) *router.ApiError {
	var raw any
	if french != nil {
		raw = *french
	}
	err := router.NewApiError(http.StatusTooManyRequests, message, raw)
	err.Data = map[string]any{"code": code, "message": message, "retry_after": retryAfterSec}
	return err
}

// Unavailable is a 503 with a stable code: the server could not do it now,
// a retry may succeed.
func Unavailable(code, message string) *router.ApiError {
	err := router.NewApiError(http.StatusServiceUnavailable, message, nil)
	err.Data = map[string]any{"code": code, "message": message}
	return err
}

// FromRule turns a domain *jurisdiction.RuleError into the 400 of DESIGN
// §4; any other error is returned as it is.
func FromRule(err error) error {
	if re, ok := jurisdiction.AsRuleError(err); ok {
		return Rule(re.Code, re.Field, re.Message)
	}
	return err
}

// Codes answered at the edge.
const (
	CodeRateLimited          = "rate_limited"            // 429: too many requests for one account
	CodeTooManyFailedSignins = "too_many_failed_signins" // 429: sign-in failures
	CodeReceiptUnavailable   = "receipt_unavailable"     // 503: no receipt could be signed now
	CodePrivateTable         = "private_table"           // a view over _params
)

// CodeInternal is the sync error of a mutation the server could not apply
// for a reason of its own: the phone sends it again later.
const CodeInternal = "internal_error"

// ToSync is the sync push `error` of err (DESIGN §5): the code and message
// of a 4xx built by this package or by PocketBase's validation, else
// CodeInternal.
func ToSync(err error) *syncproto.Error {
	if re, ok := jurisdiction.AsRuleError(err); ok {
		return &syncproto.Error{Code: re.Code, Message: re.Message}
	}
	var apiErr *router.ApiError
	if errors.As(err, &apiErr) && apiErr.Status < 500 {
		out := &syncproto.Error{Code: syncproto.CodeRejected, Message: apiErr.Message, Fields: apiErr.Data}
		if c, ok := apiErr.Data["code"].(string); ok {
			out.Code = c
			if msg, ok := apiErr.Data["message"].(string); ok {
				out.Message = msg
			}
			out.Fields = nil
		} else {
			for _, k := range slices.Sorted(maps.Keys(apiErr.Data)) {
				if fe, ok := fieldError(apiErr.Data[k]); ok {
					out.Code, out.Message = fe.Code(), fe.Error()
					break
				}
			}
		}
		return out
	}
	var verrs validation.Errors
	if errors.As(err, &verrs) {
		fields := map[string]any{}
		out := &syncproto.Error{Code: syncproto.CodeValidationFailed, Message: verrs.Error(), Fields: fields}
		for _, k := range slices.Sorted(maps.Keys(verrs)) {
			v := verrs[k]
			fields[k] = v.Error()
			var ve validation.Error
			if errors.As(v, &ve) {
				// as REST answers a field: its code and message, so the
				// message can be said in the reader's language
				fe := map[string]any{"code": ve.Code(), "message": ve.Error()}
				if p := ve.Params(); len(p) > 0 {
					fe["params"] = p
				}
				fields[k] = fe
				if out.Code == syncproto.CodeValidationFailed {
					out.Code = ve.Code()
				}
			}
		}
		return out
	}
	return &syncproto.Error{Code: CodeInternal, Message: "The server could not apply this change now; it will be retried."}
}

// fieldError reads one entry of an ApiError's data: PocketBase stores a
// field's validation.Error as {"code","message"} once resolved.
func fieldError(v any) (validation.Error, bool) {
	switch x := v.(type) {
	case validation.Error:
		return x, true
	case map[string]any:
		if c, ok := x["code"].(string); ok {
			return validation.NewError(c, fmt.Sprint(x["message"])), true
		}
	}
	return nil, false
}
