package syncproto

import "slices"

// ScopeDiff plans the index rows for one record change, given the record's
// scopes before and after it (nil before for a create, nil after for a
// delete).
//
// Every scope in after gets a put row, not only the new ones: the row
// carries the change's seq, and a reader of an unchanged scope must still
// see that the record changed. Every scope in before but not in after gets
// a remove row (a tombstone), so readers of that scope drop the record;
// for a delete that is all of before. Both results are sorted and
// deduplicated; either may be nil.
func ScopeDiff(before, after []Scope) (put, remove []Scope) {
	put = normalize(slices.Clone(after))
	for _, s := range normalize(slices.Clone(before)) {
		if _, found := slices.BinarySearch(put, s); !found {
			remove = append(remove, s)
		}
	}
	if len(put) == 0 {
		put = nil
	}
	return put, remove
}
