// Package priority is the order of Coprosec's hooks and middlewares, in one
// place. PocketBase runs the handlers of one hook by ascending priority
// (ties in binding order); its own system handlers use 99 (record
// validation) and the middleware priorities of package apis.
package priority

import "github.com/pocketbase/pocketbase/apis"

// Record write hooks (OnRecordCreate/Update/Delete and OnRecordValidate).
const (
	// WriteTransaction is the outermost record handler: it opens the write
	// transaction and session, lets every rule handler run inside it, and
	// records the change once the record and its side rows are final.
	WriteTransaction = -100

	// RecordValidation replaces PocketBase's record validation handler at
	// the same place: after every application handler.
	RecordValidation = 99

	// FieldVersions runs last, once every handler has set the fields it
	// sets, so the version counts the final change.
	FieldVersions = 1000
)

// Request middlewares (Router.Bind).
const (
	// LocalizeErrors is the outermost of the API's own middlewares (just
	// before CORS, outside the activity logger and panic recovery): it says
	// in the client's language every error that any handler or middleware
	// inside returns, and the log keeps the English.
	LocalizeErrors = apis.DefaultCorsMiddlewarePriority - 1

	// AccountRateLimit runs once the auth token is loaded: signed-in
	// traffic is limited per account, never per carrier-NAT address.
	AccountRateLimit = apis.DefaultLoadAuthTokenMiddlewarePriority + 1

	// FilterGuard runs after AccountRateLimit, so a refused filter still
	// counts against the account.
	FilterGuard = apis.DefaultLoadAuthTokenMiddlewarePriority + 2

	// RecordWriteTransaction runs after the body limit (the body is read
	// within it before the transaction begins) and wraps the rest of a REST
	// record write, PocketBase's handler included.
	RecordWriteTransaction = apis.DefaultBodyLimitMiddlewarePriority + 1

	// WritePosition runs once the auth token is loaded (the position's
	// scopes are the account's) and outside RecordWriteTransaction, so it
	// reads the log head through the app, never the write's transaction.
	WritePosition = apis.DefaultLoadAuthTokenMiddlewarePriority + 3
)

// Realtime subscribe hooks (OnRealtimeSubscribeRequest).
const (
	// RealtimeTopics renames the subscriptions that the fan-out serves,
	// last before PocketBase stores them, so that every other check (the
	// filter guard) sees the topics as the client sent them.
	RealtimeTopics = 1000
)
