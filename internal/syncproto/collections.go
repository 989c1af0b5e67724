package syncproto

import "slices"

// Reference collections are readable by every signed-in user and are
// never written through push.
var referenceCollections = map[string]bool{
	"departements":    true,
	"communes":        true,
	"arrondissements": true,
	"units":           true,
	"parties":         true,
	"elections":       true,
}

// Operational collections are synced with per-record visibility.
var operationalCollections = map[string]bool{
	"itineraries": true,
	"events":      true,
	"assignments": true,
	"incidents":   true,
	"receipts":    true,
	"users":       true,
}

// Only these may be written by a push; everything else is server-owned
// (receipts are issued by acknowledgements, users by the auth endpoints).
// Assignments are pushed as updates only: a commander acknowledges or asks
// for an adjustment from the field, offline; the server creates them.
var writableCollections = map[string]bool{
	"itineraries": true,
	"events":      true,
	"assignments": true,
	"incidents":   true,
}

// IsSynced reports whether collection is part of the sync protocol.
func IsSynced(collection string) bool {
	return referenceCollections[collection] || operationalCollections[collection]
}

// IsReference reports whether collection is reference data (scope ref).
func IsReference(collection string) bool { return referenceCollections[collection] }

// IsClientWritable reports whether a push may create, update or delete
// records of collection. Collection rules still decide per record.
func IsClientWritable(collection string) bool { return writableCollections[collection] }

// SyncedCollections returns the names of all synced collections, sorted.
func SyncedCollections() []string {
	out := make([]string, 0, len(referenceCollections)+len(operationalCollections))
	for c := range referenceCollections {
		out = append(out, c)
	}
	for c := range operationalCollections {
		out = append(out, c)
	}
	slices.Sort(out)
	return out
}
