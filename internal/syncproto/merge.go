package syncproto

import (
	"errors"
	"maps"
	"slices"
)

// ErrBadBase is returned by Merge when the client's base version is
// negative or newer than the record: the client claims to have edited a
// version the server never produced, so its replica is not ours (stale
// epoch or a buggy client) and nothing it says can be merged.
var ErrBadBase = errors.New("syncproto: base_version out of range")

// Merge decides which fields of an update apply, given the record's
// current values, its field_versions (the record version at which each
// field last changed; a missing field counts as 0, never changed) and
// version, and the mutation's base version and changed fields.
//
// For each field in changes:
//
//   - if the new value equals the current one (ValueEqual), it is neither
//     applied nor a conflict: the edit is already there, possibly made
//     concurrently by someone else;
//   - else if the field changed after base (fieldVersions[f] > base), it
//     is a conflict: someone else edited it since the client last saw it;
//   - else it applies.
//
// apply is never nil and holds only non-conflicting real changes, so its
// keys are what Bump must advance. Whether to apply it when conflicts is
// non-empty is the caller's policy; both results are valid on their own.
// conflicts is sorted.
//
// For field versions to mean anything, every write path (push, admin UI,
// server hooks) must Bump, records must be Bumped at creation, and records
// that predate field tracking must be backfilled with every field at the
// record's version; otherwise a missing entry reads as "never changed".
func Merge(current map[string]any, fieldVersions map[string]int64, version, base int64, changes map[string]any) (apply map[string]any, conflicts []string, err error) {
	if base < 0 || base > version {
		return nil, nil, ErrBadBase
	}
	apply = make(map[string]any, len(changes))
	for f, v := range changes {
		switch {
		case ValueEqual(current[f], v):
		case fieldVersions[f] > base:
			conflicts = append(conflicts, f)
		default:
			apply[f] = v
		}
	}
	slices.Sort(conflicts)
	return apply, conflicts, nil
}

// Bump returns a copy of fieldVersions with every changed field set to
// newVersion, the record version the write produces. The input is not
// modified, so a failed transaction leaves the caller's copy intact.
func Bump(fieldVersions map[string]int64, changedFields []string, newVersion int64) map[string]int64 {
	out := make(map[string]int64, len(fieldVersions)+len(changedFields))
	maps.Copy(out, fieldVersions)
	for _, f := range changedFields {
		out[f] = newVersion
	}
	return out
}
