package jurisdiction

import (
	"slices"
	"strings"
	"time"
)

// What parties learn of J10, and how many partners an event stores.
//
// Police see the exact clash: the partner events, within clash_radius_m and
// clash_buffer_min. A party sees only a notice that another party has an
// event in the same area at about the same time, which police coordinate.
// The exact signal cannot be shown to parties: a party that moves its own
// event by metres or minutes and reads its clash flag back bisects a rival's
// hidden event to the metre and its end to the minute in about ten writes
// per axis. The notice therefore depends on the rival event only through
// coarse keys — its arrondissement (or its commune when either event has no
// arrondissement) and the NoticeSlot slots of local time its window
// touches — so no sequence of writes of one's own events tells more than
// "a rival event in this arrondissement, in this three-hour slot".

// NoticeSlot is the time granularity of the party notice: slots of local
// time starting at local midnight (00:00, 03:00, … 21:00).
const NoticeSlot = 3 * time.Hour

// floorSlot is the start of the NoticeSlot slot of local time holding t.
func floorSlot(t time.Time) time.Time {
	_, off := t.In(Local).Zone()
	shift := time.Duration(off) * time.Second
	// Truncate counts from the zero time (UTC midnight); 24 h is a whole
	// number of slots, so shifting by the offset aligns on local midnight.
	return t.Add(shift).Truncate(NoticeSlot).Add(-shift)
}

// ceilSlot is the first slot boundary at or after t.
func ceilSlot(t time.Time) time.Time {
	f := floorSlot(t)
	if f.Equal(t) {
		return f
	}
	return f.Add(NoticeSlot)
}

// NoticeWindow is the time part of the party notice of an event starting at
// start and ending at end: its clash window (TimeWindow) widened outward to
// whole NoticeSlot slots of local time. Another event is noticed when
// other.starts_at < to AND other.ends_at > from; since from and to are slot
// boundaries, that depends on the other event's times only through the
// slots holding its start and its end.
func NoticeWindow(start, end time.Time, buffer time.Duration) (from, to time.Time) {
	from, to = TimeWindow(Event{StartsAt: start, EndsAt: end}, buffer)
	return floorSlot(from), ceilSlot(to)
}

// Notices is the party notice predicate: the party of a is told that
// police coordinate a nearby event of another party b when all hold:
//   - they are different events of different, non-empty parties, neither
//     cancelled (as in Clashes);
//   - b meets a's NoticeWindow;
//   - both arrondissements are known and equal, or, when either is not
//     known, both communes are known and equal.
//
// Points are not compared. Clashes(a, b) implies Notices(a, b) whenever the
// two events share their arrondissement (or, without arrondissements, their
// commune); a clash across an arrondissement border is police's alone.
func Notices(a, b ClashCandidate, p ClashParams) bool {
	if a.ID != "" && a.ID == b.ID {
		return false
	}
	if a.Party == "" || b.Party == "" || a.Party == b.Party {
		return false
	}
	if a.Status == EventCancelled || b.Status == EventCancelled {
		return false
	}
	from, to := NoticeWindow(a.StartsAt, a.EndsAt, p.Buffer())
	if !(b.StartsAt.Before(to) && b.EndsAt.After(from)) {
		return false
	}
	return SameNoticeArea(a.Arrondissement, a.Commune, b.Arrondissement, b.Commune)
}

// NoticeSearchWindow bounds the events whose notice an event placed from
// start to end can change: Notices(x, ev) needs x.starts_at < to and
// x.ends_at > from (x's notice window is its clash window widened by less
// than one NoticeSlot on each side). The glue reads the events of the area
// within it, then checks Notices exactly.
func NoticeSearchWindow(start, end time.Time, buffer time.Duration) (from, to time.Time) {
	from, to = TimeWindow(Event{StartsAt: start, EndsAt: end}, buffer)
	return from.Add(-NoticeSlot), to.Add(NoticeSlot)
}

// SameNoticeArea is the place part of Notices.
func SameNoticeArea(arrA, comA, arrB, comB string) bool {
	if arrA != "" && arrB != "" {
		return arrA == arrB
	}
	return comA != "" && comA == comB
}

// MaxClashLinks is how many partner ids an event stores in clash_with.
// The partner count (clash_count) is exact; the list keeps the partners
// declared first. A clash never refuses a declaration: a party declaring
// hundreds of door-to-door events in one arrondissement must not block the
// declarations of every other party there.
const MaxClashLinks = 50

// ClashLink is a clash partner, as ranked for clash_with.
type ClashLink struct {
	ID         string
	DeclaredAt time.Time
}

// clashLinkCompare ranks partners: declared first, then by id.
func clashLinkCompare(a, b ClashLink) int {
	if c := a.DeclaredAt.Compare(b.DeclaredAt); c != 0 {
		return c
	}
	return strings.Compare(a.ID, b.ID)
}

// KeptClashLinks returns the ids clash_with keeps of an event's partners:
// the n declared first (ties by id), sorted by id. Deterministic: the same
// partners give the same list whatever their order.
func KeptClashLinks(partners []ClashLink, n int) []string {
	ranked := slices.Clone(partners)
	slices.SortFunc(ranked, clashLinkCompare)
	ranked = slices.CompactFunc(ranked, func(a, b ClashLink) bool { return a.ID == b.ID })
	if n < 0 {
		n = 0
	}
	if len(ranked) > n {
		ranked = ranked[:n]
	}
	out := make([]string, len(ranked))
	for i, l := range ranked {
		out[i] = l.ID
	}
	slices.Sort(out)
	return out
}

// LinkChange is how one partner's stored links change when another event
// (self) starts or stops clashing with it.
type LinkChange struct {
	Links     []string // the new clash_with
	Count     int      // the new clash_count
	Changed   bool     // something to write
	Recompute bool     // a listed partner leaves a truncated list: find the partner's partners again to fill its place
}

// UpdateLinks applies self's arrival (add) or departure to a partner whose
// stored links are links (at most n, with their declaration times when
// the list is full or truncated) and count (its exact partner count; a
// count below len(links) is read as len(links)).
//
// The stored list is always KeptClashLinks of every partner, so an arrival
// is exact without reading the unlisted partners (the first n of
// links ∪ {self}), and so is the departure of an unlisted one. Only the
// departure of a listed partner from a truncated list needs the next
// partner, which the caller finds (Recompute).
func UpdateLinks(links []ClashLink, count int, self ClashLink, add bool, n int) LinkChange {
	count = max(count, len(links))
	has := slices.ContainsFunc(links, func(l ClashLink) bool { return l.ID == self.ID })
	truncated := count > len(links)
	ids := func(ls []ClashLink) []string { return KeptClashLinks(ls, len(ls)) }
	switch {
	case add && has, !add && !has && !truncated:
		return LinkChange{Links: ids(links), Count: count}
	case add:
		return LinkChange{Links: KeptClashLinks(append(slices.Clone(links), self), n), Count: count + 1, Changed: true}
	case !has: // an unlisted partner leaves a truncated list
		return LinkChange{Links: ids(links), Count: count - 1, Changed: true}
	case truncated:
		return LinkChange{Recompute: true}
	default: // a listed partner leaves a complete list
		rest := slices.DeleteFunc(slices.Clone(links), func(l ClashLink) bool { return l.ID == self.ID })
		return LinkChange{Links: ids(rest), Count: count - 1, Changed: true}
	}
}
