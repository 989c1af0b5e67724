package syncproto

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"encoding/json/jsontext"
	jsonv2 "encoding/json/v2"
	"errors"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strings"
	"unicode/utf8"
)

// Push limits (DESIGN §5). 500 mutations of events with long caravan
// routes (a route may be 64 KB) need more than the 1 MiB of earlier
// versions; 4 MiB is /api/batch's body limit too. The field app sends
// smaller requests (100 mutations, 512 KB), which 2G finishes.
const (
	MaxRequestBytes = 4 << 20
	MaxMutations    = 500
	MaxIDLen        = 128 // device and mutation ids, in characters
)

// Mutation ops.
const (
	OpCreate = "create"
	OpUpdate = "update"
	OpDelete = "delete"
)

// Result statuses.
const (
	StatusApplied  = "applied"
	StatusConflict = "conflict"
	StatusRejected = "rejected"
)

// Request is the body of POST /api/sync/push.
type Request struct {
	Device    string     `json:"device"`
	Mutations []Mutation `json:"mutations"`
	// Cursor is the device's pull cursor (optional). The answer's cursor
	// advances it over the push's own changes only, so adopting it never
	// skips another user's change; without it the answer's cursor is
	// empty.
	Cursor string `json:"cursor,omitzero"`
}

// Mutation is one queued client write. ID identifies the mutation (the
// client retries with the same id, so the glue can deduplicate); RecordID
// is the record it targets, client-generated for create. BaseVersion is
// the record version the client edited; it is optional and ignored for
// create. Data is the full record for create and the changed fields for
// update; it is ignored for delete.
type Mutation struct {
	ID          string         `json:"id"`
	Collection  string         `json:"collection"`
	Op          string         `json:"op"`
	RecordID    string         `json:"record_id"`
	BaseVersion *int64         `json:"base_version,omitzero"`
	Data        map[string]any `json:"data,omitzero"`

	// Invalid is set by ParseRequest when this mutation is malformed; the
	// glue reports it as rejected without applying it.
	Invalid *Error `json:"-"`
}

// Result is the outcome of one mutation, in request order. Record is the
// server's version after the mutation (or the current one on conflict);
// Error is set for rejected and, with the conflicting fields, conflict.
type Result struct {
	ID     string         `json:"id"`
	Status string         `json:"status"`
	Record map[string]any `json:"record,omitzero"`
	Error  *Error         `json:"error,omitzero"`
}

// Error explains a non-applied mutation. Fields maps field names to
// per-field messages (validation) or values (conflicts).
type Error struct {
	Code    string         `json:"code"`
	Message string         `json:"message"`
	Fields  map[string]any `json:"fields,omitzero"`
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// PushResponse is the body of a successful POST /api/sync/push. Cursor is
// where the device's next pull should start.
type PushResponse struct {
	Results []Result `json:"results"`
	Cursor  string   `json:"cursor"`
	// WrittenSeq bounds the log positions of every change this push's
	// applied results stand for (the head once they were committed; a
	// result answered again was committed earlier): a client keeps an
	// applied mutation until DurableSeq reaches it.
	WrittenSeq int64 `json:"written_seq"`
	Durability
}

// MaxSafeSeq is the largest seq a JavaScript client reads exactly
// (2^53-1), answered as WrittenSeq when the server could not read its
// head: no durable position covers it.
const MaxSafeSeq = 1<<53 - 1

// MarshalJSON writes "results": [] rather than null.
func (p PushResponse) MarshalJSON() ([]byte, error) {
	type plain PushResponse
	if p.Results == nil {
		p.Results = []Result{}
	}
	return json.Marshal(plain(p))
}

// Codes of RequestError.
const (
	CodeTooLarge         = "too_large"
	CodeTooManyMutations = "too_many_mutations"
	CodeInvalidJSON      = "invalid_json"
	CodeInvalidRequest   = "invalid_request"
	// CodeInvalidMutation rejects one malformed mutation (Mutation.Invalid).
	CodeInvalidMutation = "invalid_mutation"
)

// Codes of a mutation's result error and of pull parameters.
const (
	CodeConflict           = "conflict"       // the fields changed on the server since base_version
	CodeAlreadyExists      = "already_exists" // a create of an id that exists
	CodeNotFound           = "not_found"      // an update of a record that does not exist or is not visible
	CodeInvalidBaseVersion = "invalid_base_version"
	CodeInvalidLimit       = "invalid_limit"
	CodeRejected           = "rejected"          // refused without a code of its own
	CodeValidationFailed   = "validation_failed" // PocketBase's field validation refused it
	// CodeMutationReused: the mutation id was already used by this user
	// for another change (another record, op or data); ids must be unique
	// per user, across the user's devices.
	CodeMutationReused = "mutation_id_reused"
)

// RequestError rejects a whole push request. The HTTP layer answers
// Status() with the error itself as the JSON body:
// {"code":"invalid_request","message":"mutations[3].op: ..."}.
// Nothing in the request has been applied, so the client can fix and
// resend it.
type RequestError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

func (e *RequestError) Error() string { return e.Code + ": " + e.Message }

// Status is the HTTP status for every RequestError.
func (e *RequestError) Status() int { return 400 }

// maxMessage bounds RequestError messages, which quote client input
// (collection names, JSON member names) that may be up to 1 MiB long.
const maxMessage = 300

func reqErr(code, format string, args ...any) *RequestError {
	msg := fmt.Sprintf(format, args...)
	if len(msg) > maxMessage {
		cut := maxMessage
		for cut > 0 && !utf8.RuneStart(msg[cut]) {
			cut--
		}
		msg = msg[:cut] + "…"
	}
	return &RequestError{Code: code, Message: msg}
}

// ParseRequest reads and validates a push body. It reads at most
// MaxRequestBytes+1 bytes, so an oversized body costs no more than that.
// Every error it returns is a *RequestError; an error from r itself is
// reported as invalid_request.
//
// JSON is decoded with encoding/json/v2 defaults: member names match
// exactly, duplicate names and invalid UTF-8 are rejected, unknown members
// are ignored (newer clients may send more), and data numbers become
// float64.
func ParseRequest(r io.Reader) (*Request, error) {
	body, err := io.ReadAll(io.LimitReader(r, MaxRequestBytes+1))
	if err != nil {
		return nil, reqErr(CodeInvalidRequest, "reading body: %v", err)
	}
	if len(body) > MaxRequestBytes {
		return nil, reqErr(CodeTooLarge, "body exceeds %d bytes", MaxRequestBytes)
	}
	var req Request
	if err := jsonv2.Unmarshal(body, &req); err != nil {
		return nil, decodeError(err)
	}
	if len(req.Mutations) > MaxMutations {
		return nil, reqErr(CodeTooManyMutations, "%d mutations, at most %d per request", len(req.Mutations), MaxMutations)
	}
	if err := req.validate(); err != nil {
		return nil, err
	}
	return &req, nil
}

// decodeError maps a JSON error to invalid_json (not JSON at all) or
// invalid_request (JSON of the wrong shape), naming the offending field.
func decodeError(err error) *RequestError {
	var syn *jsontext.SyntacticError
	if errors.As(err, &syn) {
		at := ""
		if where := pointerPath(syn.JSONPointer); where != "" {
			at = " (" + where + ")"
		}
		return reqErr(CodeInvalidJSON, "invalid JSON at byte %d%s: %v", syn.ByteOffset, at, unwrapMsg(syn.Err))
	}
	var sem *jsonv2.SemanticError
	if errors.As(err, &sem) {
		where := pointerPath(sem.JSONPointer)
		if where == "" {
			return reqErr(CodeInvalidRequest, "body must be a JSON object")
		}
		return reqErr(CodeInvalidRequest, "%s: %s", where, typeMsg(sem))
	}
	return reqErr(CodeInvalidJSON, "invalid JSON: %v", err)
}

// typeMsg says what was expected and what came, e.g. "expected integer,
// got number" for base_version 1.5.
func typeMsg(sem *jsonv2.SemanticError) string {
	want := "another type"
	if sem.GoType != nil {
		switch sem.GoType.Kind() {
		case reflect.String:
			want = "string"
		case reflect.Int, reflect.Int64, reflect.Int32:
			want = "integer"
		case reflect.Map, reflect.Struct:
			want = "object"
		case reflect.Slice:
			want = "array"
		}
	}
	got := map[jsontext.Kind]string{'n': "null", 't': "boolean", 'f': "boolean",
		'"': "string", '0': "number", '{': "object", '[': "array"}[sem.JSONKind]
	if got == "" {
		return "expected " + want
	}
	return "expected " + want + ", got " + got
}

func unwrapMsg(err error) string {
	if err == nil {
		return "syntax error"
	}
	return err.Error()
}

// pointerPath renders /mutations/3/op as mutations[3].op, the notation of
// the validation messages. Numeric tokens directly under "mutations" are
// the only array indexes in a push request.
func pointerPath(p jsontext.Pointer) string {
	toks := slices.Collect(p.Tokens())
	if len(toks) >= 2 && toks[0] == "mutations" {
		toks = append([]string{"mutations[" + toks[1] + "]"}, toks[2:]...)
	}
	return strings.Join(toks, ".")
}

func (req *Request) validate() *RequestError {
	if req.Device == "" {
		return reqErr(CodeInvalidRequest, "device is required")
	}
	if utf8.RuneCountInString(req.Device) > MaxIDLen {
		return reqErr(CodeInvalidRequest, "device longer than %d characters", MaxIDLen)
	}
	seen := make(map[string]int, len(req.Mutations))
	for i := range req.Mutations {
		m := &req.Mutations[i]
		bad := func(field, format string, args ...any) *RequestError {
			return reqErr(CodeInvalidRequest, "mutations[%d].%s: %s", i, field, fmt.Sprintf(format, args...))
		}
		switch {
		case m.ID == "":
			return bad("id", "required")
		case utf8.RuneCountInString(m.ID) > MaxIDLen:
			return bad("id", "longer than %d characters", MaxIDLen)
		}
		if j, dup := seen[m.ID]; dup {
			return bad("id", "duplicates mutations[%d].id", j)
		}
		seen[m.ID] = i

		m.Invalid = m.check()
	}
	return nil
}

// check validates one mutation. A malformed mutation is rejected on its
// own (its result says why) and never blocks the ones after it: a device
// whose outbox holds one bad entry must still drain the rest.
func (m *Mutation) check() *Error {
	bad := func(field, format string, args ...any) *Error {
		msg := reqErr(CodeInvalidRequest, "%s: %s", field, fmt.Sprintf(format, args...)).Message
		return &Error{Code: CodeInvalidMutation, Message: msg, Fields: map[string]any{field: msg}}
	}
	switch m.Op {
	case OpCreate, OpUpdate, OpDelete:
	default:
		return bad("op", "%q is not create, update or delete", m.Op)
	}
	switch {
	case m.Collection == "":
		return bad("collection", "required")
	case !IsSynced(m.Collection):
		return bad("collection", "%q is not a synced collection", m.Collection)
	case !IsClientWritable(m.Collection):
		return bad("collection", "%q is not writable by push", m.Collection)
	}
	switch {
	case m.RecordID == "":
		return bad("record_id", "required")
	case m.Op == OpCreate && !IsRecordID(m.RecordID):
		return bad("record_id", "must be 15 characters of [a-z0-9]")
	case utf8.RuneCountInString(m.RecordID) > MaxIDLen:
		return bad("record_id", "longer than %d characters", MaxIDLen)
	}
	if m.BaseVersion != nil && *m.BaseVersion < 0 {
		return bad("base_version", "must not be negative")
	}
	if (m.Op == OpCreate || m.Op == OpUpdate) && m.Data == nil {
		return bad("data", "an object is required for %s", m.Op)
	}
	return nil
}

// Fingerprint identifies what m asks for (collection, op, record, base
// version and data), so that a mutation id sent again can be told apart
// from the same id reused for another change. Data is compared as JSON
// values: key order and number spelling do not matter.
func (m Mutation) Fingerprint() string {
	what := struct {
		Collection  string         `json:"c"`
		Op          string         `json:"o"`
		RecordID    string         `json:"r"`
		BaseVersion *int64         `json:"b,omitzero"`
		Data        map[string]any `json:"d,omitzero"`
	}{m.Collection, m.Op, m.RecordID, m.BaseVersion, m.Data}
	if m.Op == OpDelete {
		what.BaseVersion, what.Data = nil, nil // ignored for delete
	}
	raw, err := jsonv2.Marshal(what, jsonv2.Deterministic(true))
	if err != nil {
		// data decoded from JSON always encodes again
		raw = []byte(fmt.Sprintf("%#v", what))
	}
	sum := sha256.Sum256(raw)
	return hex.EncodeToString(sum[:16])
}

// RecordIDLen is the length of PocketBase's generated record ids.
const RecordIDLen = 15

// IsRecordID reports whether id has the shape of a PocketBase generated id
// (15 characters of [a-z0-9]), which clients must mimic for creates so
// their ids are indistinguishable from server-made ones.
func IsRecordID(id string) bool {
	if len(id) != RecordIDLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}
