package syncproto

import (
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strconv"
	"strings"
)

// Scope names one partition of the sync index. A pull reads the index rows
// of the caller's scopes; a write stores one row per scope of the record.
// Scopes are plain strings so the glue can store them in a TEXT column.
type Scope string

// Fixed scopes.
const (
	ScopeRef Scope = "ref" // reference data, every signed-in user
	ScopeAll Scope = "all" // everything operational, ministry
)

// Roles as stored on users.role.
const (
	RoleOrganizer  = "organizer"
	RolePartyAdmin = "party_admin"
	RoleOfficer    = "officer"
	RoleCommander  = "commander"
	RoleDirector   = "director"
	RoleMinistry   = "ministry"
)

// PartyScope is the scope of records owned by party id.
func PartyScope(id string) Scope { return Scope("party:" + id) }

// UnitScope is the scope of records a police unit must see.
func UnitScope(id string) Scope { return Scope("unit:" + id) }

// DepartementScope is the scope a director reads for its département.
func DepartementScope(id string) Scope { return Scope("departement:" + id) }

// UserScope is the scope of records private to one user.
func UserScope(id string) Scope { return Scope("user:" + id) }

// User is what scoping needs to know about the caller. Departement is the
// département of the user's unit (directors only need it).
type User struct {
	ID          string
	Role        string
	Party       string
	Unit        string
	Departement string
}

// UserScopes returns the scopes u may read, sorted and deduplicated.
// Every user reads ref and their own user scope; the role adds at most one
// more. A role whose anchor (party, unit or département) is missing gets
// nothing extra rather than an empty-id scope such as "party:", so a
// half-provisioned account can never match another's rows.
func UserScopes(u User) []Scope {
	s := []Scope{ScopeRef}
	if u.ID != "" {
		s = append(s, UserScope(u.ID))
	}
	switch u.Role {
	case RoleOrganizer, RolePartyAdmin:
		if u.Party != "" {
			s = append(s, PartyScope(u.Party))
		}
	case RoleOfficer, RoleCommander:
		if u.Unit != "" {
			s = append(s, UnitScope(u.Unit))
		}
	case RoleDirector:
		if u.Departement != "" {
			s = append(s, DepartementScope(u.Departement))
		}
	case RoleMinistry:
		s = append(s, ScopeAll)
	}
	return normalize(s)
}

// IsPoliceScope reports whether only police accounts (officers and
// commanders: their unit's scope; directors: their département's) and the
// ministry read s (UserScopes). Party and user scopes, and any scope added
// later, are not police scopes: a scope is one only if known to be.
func IsPoliceScope(s Scope) bool {
	return s == ScopeAll || strings.HasPrefix(string(s), string(UnitScope(""))) ||
		strings.HasPrefix(string(s), string(DepartementScope("")))
}

// PoliceScopes are the police scopes of scopes (IsPoliceScope), in order:
// where a change that only police may see (an event's exact clash links,
// jurisdiction.PoliceEventFields) is logged, so that no party's pull or
// poke hears of it.
func PoliceScopes(scopes []Scope) []Scope {
	var out []Scope
	for _, s := range scopes {
		if IsPoliceScope(s) {
			out = append(out, s)
		}
	}
	return out
}

// RecordFacts is what scoping needs to know about a record. The glue fills
// it per collection:
//
//   - itineraries: Party.
//   - events: Party; Units = units with an assignment to the event;
//     Departements = their départements plus the directorate's.
//   - assignments: Party of the event; Units = the assigned unit;
//     Departements = its département plus the event directorate's.
//   - receipts: as the receipt's event.
//   - incidents: ReportedBy; Units = the incident's unit; Departements =
//     its département.
//   - users: ID.
//   - reference collections: Collection only.
type RecordFacts struct {
	Collection   string
	ID           string
	Party        string
	ReportedBy   string
	Units        []string
	Departements []string
}

// RecordScopes returns the scopes a record must be indexed under, sorted
// and deduplicated. Unknown collections are not synced and get nil. Empty
// ids are skipped for the same reason as in UserScopes.
func RecordScopes(r RecordFacts) []Scope {
	var s []Scope
	add := func(prefix func(string) Scope, ids ...string) {
		for _, id := range ids {
			if id != "" {
				s = append(s, prefix(id))
			}
		}
	}
	switch {
	case IsReference(r.Collection):
		return []Scope{ScopeRef}
	case r.Collection == "itineraries":
		add(PartyScope, r.Party)
		s = append(s, ScopeAll)
	case r.Collection == "events", r.Collection == "assignments", r.Collection == "receipts":
		add(PartyScope, r.Party)
		add(UnitScope, r.Units...)
		add(DepartementScope, r.Departements...)
		s = append(s, ScopeAll)
	case r.Collection == "incidents":
		add(UserScope, r.ReportedBy)
		add(UnitScope, r.Units...)
		add(DepartementScope, r.Departements...)
		s = append(s, ScopeAll)
	case r.Collection == "users":
		// Only the user themself: accounts are not replicated to peers,
		// not even to the ministry.
		add(UserScope, r.ID)
	default:
		return nil
	}
	return normalize(s)
}

// Fingerprint is a short, stable, order-independent digest of a scope
// set. It goes into the cursor so that a role or unit change (a different
// scope set) forces the client to resync from scratch: rows it holds from
// scopes it lost would otherwise never be removed.
func Fingerprint(scopes []Scope) string {
	n := normalize(slices.Clone(scopes))
	var b strings.Builder
	for _, s := range n {
		// Length-prefixed so that no two different sets share an input.
		b.WriteString(strconv.Itoa(len(s)))
		b.WriteByte(':')
		b.WriteString(string(s))
	}
	sum := sha256.Sum256([]byte(b.String()))
	return hex.EncodeToString(sum[:8])
}

// normalize sorts and deduplicates s in place.
func normalize(s []Scope) []Scope {
	slices.Sort(s)
	return slices.Compact(s)
}
