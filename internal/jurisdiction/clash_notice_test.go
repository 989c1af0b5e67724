package jurisdiction

import (
	"slices"
	"testing"
	"time"
)

func at(h, m int) time.Time { return time.Date(2026, 3, 14, h, m, 0, 0, Local) }

func TestNoticeWindowIsWholeLocalSlots(t *testing.T) {
	tests := []struct {
		start, end time.Time
		buffer     time.Duration
		from, to   time.Time
	}{
		{at(10, 0), at(12, 0), time.Hour, at(9, 0), at(15, 0)},
		{at(9, 0), at(12, 0), 0, at(9, 0), at(12, 0)},
		{at(9, 1), at(11, 59), 0, at(9, 0), at(12, 0)},
		{at(0, 30), at(1, 0), time.Hour, at(0, 0).Add(-3 * time.Hour), at(3, 0)},
	}
	for _, tt := range tests {
		from, to := NoticeWindow(tt.start, tt.end, tt.buffer)
		if !from.Equal(tt.from) || !to.Equal(tt.to) {
			t.Errorf("NoticeWindow(%v, %v) = %v, %v; want %v, %v", tt.start, tt.end, from, to, tt.from, tt.to)
		}
	}
}

// The notice of a depends on b only through b's area and the slots of its
// start and end: moving b anywhere within them never changes it.
func TestNoticesDependOnlyOnCoarseKeys(t *testing.T) {
	p := ClashParams{RadiusM: 500, BufferMin: 60}
	a := ClashCandidate{ID: "a", Party: "A", Arrondissement: "x", Commune: "c", StartsAt: at(10, 0), EndsAt: at(11, 30)}
	// a's window, 09:00–12:30 with the buffer, widens to 09:00–15:00
	for _, arr := range []string{"x", "y"} {
		for _, slot := range []time.Time{at(12, 0), at(15, 0)} {
			var seen []bool
			for off := 0; off < 180; off += 7 {
				start := slot.Add(time.Duration(off) * time.Minute)
				b := ClashCandidate{ID: "b", Party: "B", Arrondissement: arr, Commune: "c", StartsAt: start, EndsAt: start.Add(40 * time.Minute)}
				seen = append(seen, Notices(a, b, p))
			}
			if slices.Contains(seen, !seen[0]) {
				t.Errorf("arrondissement %s, slot %v: the notice changes within one slot: %v", arr, slot, seen)
			}
			if want := arr == "x" && slot.Equal(at(12, 0)); seen[0] != want {
				t.Errorf("arrondissement %s, slot %v: notice %v, want %v", arr, slot, seen[0], want)
			}
		}
	}
	// a clash in the same arrondissement is always noticed
	b := ClashCandidate{ID: "b", Party: "B", Arrondissement: "x", StartsAt: at(11, 30), EndsAt: at(12, 0)}
	if !Clashes(a, b, p) || !Notices(a, b, p) {
		t.Error("a clash is not noticed")
	}
	// own party, cancelled, other commune without arrondissement: no notice
	for _, b := range []ClashCandidate{
		{ID: "b", Party: "A", Arrondissement: "x", StartsAt: at(10, 0), EndsAt: at(11, 0)},
		{ID: "b", Party: "B", Status: EventCancelled, Arrondissement: "x", StartsAt: at(10, 0), EndsAt: at(11, 0)},
		{ID: "b", Party: "B", Commune: "d", StartsAt: at(10, 0), EndsAt: at(11, 0)},
	} {
		if Notices(a, b, p) {
			t.Errorf("noticed %+v", b)
		}
	}
	// NoticeSearchWindow holds every event whose notice can include a
	from, to := NoticeSearchWindow(a.StartsAt, a.EndsAt, p.Buffer())
	for s := at(0, 0); s.Before(at(23, 0)); s = s.Add(10 * time.Minute) {
		x := ClashCandidate{ID: "x", Party: "B", Arrondissement: "x", StartsAt: s, EndsAt: s.Add(50 * time.Minute)}
		if Notices(x, a, p) && !(x.StartsAt.Before(to) && x.EndsAt.After(from)) {
			t.Errorf("%v–%v notices a but is outside the search window", x.StartsAt, x.EndsAt)
		}
	}
}

func TestKeptClashLinksAndUpdates(t *testing.T) {
	t0 := at(8, 0)
	link := func(id string, min int) ClashLink {
		return ClashLink{ID: id, DeclaredAt: t0.Add(time.Duration(min) * time.Minute)}
	}
	all := []ClashLink{link("e", 1), link("d", 2), link("c", 3), link("b", 3), link("a", 9)}
	if got := KeptClashLinks(all, 3); !slices.Equal(got, []string{"b", "d", "e"}) {
		t.Errorf("kept %v", got)
	}
	if got := KeptClashLinks(slices.Concat(all[2:], all[:2]), 3); !slices.Equal(got, []string{"b", "d", "e"}) {
		t.Errorf("order-dependent: %v", got)
	}
	kept := []ClashLink{link("b", 3), link("d", 2), link("e", 1)} // KeptClashLinks(all, 3)
	tests := []struct {
		name  string
		links []ClashLink
		count int
		self  ClashLink
		add   bool
		want  LinkChange
	}{
		{"add to a short list", kept[:2], 2, link("z", 0), true, LinkChange{Links: []string{"b", "d", "z"}, Count: 3, Changed: true}},
		{"add later than a full list", kept, 5, link("z", 10), true, LinkChange{Links: []string{"b", "d", "e"}, Count: 6, Changed: true}},
		{"add earlier than a full list", kept, 5, link("z", 0), true, LinkChange{Links: []string{"d", "e", "z"}, Count: 6, Changed: true}},
		{"already linked", kept, 5, link("d", 2), true, LinkChange{Links: []string{"b", "d", "e"}, Count: 5}},
		{"unlisted leaves", kept, 5, link("a", 9), false, LinkChange{Links: []string{"b", "d", "e"}, Count: 4, Changed: true}},
		{"listed leaves a truncated list", kept, 5, link("d", 2), false, LinkChange{Recompute: true}},
		{"listed leaves a complete list", kept, 3, link("d", 2), false, LinkChange{Links: []string{"b", "e"}, Count: 2, Changed: true}},
		{"not a partner", kept, 3, link("q", 3), false, LinkChange{Links: []string{"b", "d", "e"}, Count: 3}},
	}
	for _, tt := range tests {
		got := UpdateLinks(tt.links, tt.count, tt.self, tt.add, 3)
		if !slices.Equal(got.Links, tt.want.Links) || got.Count != tt.want.Count || got.Changed != tt.want.Changed || got.Recompute != tt.want.Recompute {
			t.Errorf("%s: %+v, want %+v", tt.name, got, tt.want)
		}
	}
}
