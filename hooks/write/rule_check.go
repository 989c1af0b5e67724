package write

import (
	"database/sql"
	"encoding/json"
	"errors"
	"regexp"
	"slices"
	"strings"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/search"
)

// CanAccess is core.App.CanAccessRecord for the mutations of a sync push,
// with one addition: inside a write session it remembers the outcome of a
// rule that reads nothing but the request (the signed-in account's own
// fields, the values of the body, the method), for the same account and
// the same values of the body fields the rule names. Such a rule gives the
// same answer whatever the record, so a batch of 100 creates by one
// organizer asks SQLite once whether "@request.body.party =
// @request.auth.party" holds for party P, not 100 times. A rule that reads
// a record field, another collection or a date macro is evaluated every
// time, as by PocketBase.
func CanAccess(tx core.App, r *core.Record, info *core.RequestInfo, rule *string) (bool, error) {
	if info.HasSuperuserAuth() {
		return true, nil
	}
	if rule == nil {
		return false, nil
	}
	if *rule == "" {
		return true, nil
	}
	ws := sessionOf(tx)
	if ws == nil {
		return tx.CanAccessRecord(r, info, rule)
	}
	prefix := ruleKeyPrefix(r.Collection(), *rule, info)
	shape, known := ws.ruleShapes[prefix]
	if known && shape.requestOnly {
		if ok, seen := ws.ruleOutcomes[shape.key(prefix, info)]; seen {
			return ok, nil
		}
	}

	resolver := &recordingResolver{RecordFieldResolver: core.NewRecordFieldResolver(tx, r.Collection(), info, true)}
	ok, err := evalRule(tx, r, *rule, resolver)
	if err != nil {
		return false, err
	}
	if !known {
		shape = resolver.shape(*rule)
		if ws.ruleShapes == nil {
			ws.ruleShapes, ws.ruleOutcomes = map[string]ruleShape{}, map[string]bool{}
		}
		ws.ruleShapes[prefix] = shape
	}
	if shape.requestOnly {
		ws.ruleOutcomes[shape.key(prefix, info)] = ok
	}
	return ok, nil
}

// evalRule is the query of core.App.CanAccessRecord with resolver.
func evalRule(tx core.App, r *core.Record, rule string, resolver search.FieldResolver) (bool, error) {
	query := tx.RecordQuery(r.Collection()).Select("(1)").
		AndWhere(dbx.HashExp{r.Collection().Name + ".id": r.Id})
	expr, err := search.FilterData(rule).BuildExpr(resolver)
	if err != nil {
		return false, err
	}
	if err := resolver.UpdateQuery(query); err != nil {
		return false, err
	}
	var exists int
	err = query.AndWhere(expr).Limit(1).Row(&exists)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return false, err
	}
	return exists > 0, nil
}

func ruleKeyPrefix(col *core.Collection, rule string, info *core.RequestInfo) string {
	auth := ""
	if info.Auth != nil {
		auth = info.Auth.Collection().Id + "/" + info.Auth.Id
	}
	return col.Id + "\x00" + rule + "\x00" + auth + "\x00" + info.Method + "\x00" + info.Context
}

// ruleShape is what a rule reads: whether only the request, and which body
// fields.
type ruleShape struct {
	requestOnly bool
	bodyFields  []string
}

// key names an outcome: the rule, the account and the values of the body
// fields it reads (absent and null differ, for :isset).
func (s ruleShape) key(prefix string, info *core.RequestInfo) string {
	var b strings.Builder
	b.WriteString(prefix)
	for _, f := range s.bodyFields {
		b.WriteString("\x00")
		if v, ok := info.Body[f]; ok {
			raw, err := json.Marshal(v)
			if err != nil {
				raw = []byte("\x01unencodable") // never matches a real value
			}
			b.Write(raw)
		} else {
			b.WriteString("\x01absent")
		}
	}
	return b.String()
}

// requestField matches the identifiers whose value comes from the request
// alone: a direct field of the account or the body (no traversal to
// another record), optionally with a modifier that does not read the
// record (":changed" compares with it).
var requestField = regexp.MustCompile(`^@request\.(auth|body)\.(\w+)(:(isset|length|lower|each))?$|^@request\.(method|context)$`)

// recordingResolver is the PocketBase resolver, noting the identifiers a
// rule resolves.
type recordingResolver struct {
	*core.RecordFieldResolver
	fields []string
}

func (rr *recordingResolver) Resolve(field string) (*search.ResolverResult, error) {
	rr.fields = append(rr.fields, field)
	return rr.RecordFieldResolver.Resolve(field)
}

func (rr *recordingResolver) shape(rule string) ruleShape {
	// date macros (@now, @todayStart...) are resolved before the resolver
	// sees them: any "@" that does not start "@request." reads something
	// else than the request
	if strings.Count(rule, "@") != strings.Count(rule, "@request.") {
		return ruleShape{}
	}
	s := ruleShape{requestOnly: true}
	for _, f := range rr.fields {
		switch strings.ToLower(f) {
		case "null", "true", "false":
			continue // literals
		}
		m := requestField.FindStringSubmatch(f)
		if m == nil {
			return ruleShape{}
		}
		if m[1] == "body" && !slices.Contains(s.bodyFields, m[2]) {
			s.bodyFields = append(s.bodyFields, m[2])
		}
	}
	return s
}
