package syncproto

import (
	"encoding/json"
	"errors"
	"math/rand/v2"
	"slices"
	"testing"
)

func put(seq int64, id string) Row { return Row{Seq: seq, Collection: "events", ID: id} }
func remove(seq int64, id string) Row {
	return Row{Seq: seq, Collection: "events", ID: id, Removed: true}
}

func TestCollapse(t *testing.T) {
	tests := []struct {
		name string
		rows []Row
		want []Row
	}{
		{"empty", nil, []Row{}},
		{"distinct", []Row{put(1, "a"), put(2, "b")}, []Row{put(1, "a"), put(2, "b")}},
		{"same seq two scopes", []Row{put(3, "a"), put(3, "a")}, []Row{put(3, "a")}},
		{"live wins over removed", []Row{remove(3, "a"), put(3, "a"), remove(3, "a")}, []Row{put(3, "a")}},
		{"all removed", []Row{remove(3, "a"), remove(3, "a")}, []Row{remove(3, "a")}},
		{"later put supersedes", []Row{put(1, "a"), put(2, "b"), put(5, "a")}, []Row{put(2, "b"), put(5, "a")}},
		{"later remove supersedes put", []Row{put(1, "a"), remove(4, "a")}, []Row{remove(4, "a")}},
		{"later put supersedes remove", []Row{remove(1, "a"), put(4, "a")}, []Row{put(4, "a")}},
		{"same id other collection", []Row{put(1, "a"), {Seq: 2, Collection: "incidents", ID: "a"}},
			[]Row{put(1, "a"), {Seq: 2, Collection: "incidents", ID: "a"}}},
		{"unordered input", []Row{put(5, "a"), put(2, "b"), remove(1, "a")}, []Row{put(2, "b"), put(5, "a")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Collapse(tt.rows); !slices.Equal(got, tt.want) {
				t.Errorf("Collapse(%v) = %v, want %v", tt.rows, got, tt.want)
			}
		})
	}
}

// Applying the collapsed page must leave a replica exactly as applying
// every row in order (with live-wins within a seq) would.
func TestCollapsePreservesReplica(t *testing.T) {
	rows := []Row{
		put(1, "a"), put(1, "a"), put(2, "b"), remove(3, "a"), put(3, "a"),
		remove(4, "b"), put(5, "c"), remove(6, "c"), remove(6, "c"), put(7, "b"),
	}
	apply := func(rows []Row) map[string]bool {
		live := map[string]bool{}
		for i, r := range rows {
			// Live wins among rows of one record at one seq.
			sameSeqLive := !r.Removed
			for _, o := range rows[i+1:] {
				if o.Seq == r.Seq && o.ID == r.ID && !o.Removed {
					sameSeqLive = true
				}
			}
			if sameSeqLive {
				live[r.ID] = true
			} else {
				delete(live, r.ID)
			}
		}
		return live
	}
	full, collapsed := apply(rows), apply(Collapse(rows))
	if len(full) != len(collapsed) {
		t.Fatalf("replica %v, collapsed replica %v", full, collapsed)
	}
	for id := range full {
		if !collapsed[id] {
			t.Fatalf("replica %v, collapsed replica %v", full, collapsed)
		}
	}
}

func TestPage(t *testing.T) {
	rows := []Row{put(11, "a"), remove(12, "b"), put(12, "b"), put(13, "c"), put(14, "a"), remove(15, "d"), put(15, "d")}
	tests := []struct {
		name     string
		rows     []Row
		from     int64
		limit    int
		want     []Row
		wantNext int64
		wantMore bool
	}{
		{"empty keeps cursor", nil, 10, 5, []Row{}, 10, false},
		{"all fit", rows, 10, 10, []Row{put(12, "b"), put(13, "c"), put(14, "a"), put(15, "d")}, 15, false},
		{"exact fit", rows, 10, 5, []Row{put(12, "b"), put(13, "c"), put(14, "a"), put(15, "d")}, 15, false},
		{"cut between seqs", rows, 10, 2, []Row{put(11, "a"), put(12, "b")}, 12, true},
		{"never splits a seq", rows[:2], 10, 1, []Row{put(11, "a")}, 11, true},
		{"limit one", rows, 10, 1, []Row{put(11, "a")}, 11, true},
		{"collapse across seqs", rows, 10, 4, []Row{put(12, "b"), put(13, "c"), put(14, "a")}, 14, true},
		{"ignores rows at or below from", rows, 12, 1, []Row{put(13, "c")}, 13, true},
		{"zero limit acts as one", rows, 10, 0, []Row{put(11, "a")}, 11, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, next, more := Page(tt.rows, tt.from, tt.limit)
			if !slices.Equal(got, tt.want) || next != tt.wantNext || more != tt.wantMore {
				t.Errorf("Page(limit %d) = %v, %d, %v; want %v, %d, %v", tt.limit, got, next, more, tt.want, tt.wantNext, tt.wantMore)
			}
		})
	}
}

// Paging through with FetchLimit-sized fetches must visit every seq once
// and end in the same replica state as one big page.
func TestPageWalk(t *testing.T) {
	var log []Row
	for seq := int64(1); seq <= 40; seq++ {
		id := string(rune('a' + seq%7))
		log = append(log, Row{Seq: seq, Collection: "events", ID: id, Removed: seq%3 == 0})
		if seq%2 == 0 { // the same change seen through a second scope, live
			log = append(log, put(seq, id))
		}
	}
	const nScopes = 2
	for limit := 1; limit <= 6; limit++ {
		cursor, pages := int64(0), 0
		var applied []Row
		for {
			var fetched []Row
			for _, r := range log {
				if r.Seq > cursor && len(fetched) < FetchLimit(limit, nScopes) {
					fetched = append(fetched, r)
				}
			}
			page, next, more := Page(fetched, cursor, limit)
			if next < cursor {
				t.Fatalf("limit %d: cursor went back from %d to %d", limit, cursor, next)
			}
			applied, cursor = append(applied, page...), next
			if pages++; !more || pages > 100 {
				break
			}
		}
		if want := Collapse(log); !slices.Equal(Collapse(applied), want) {
			t.Errorf("limit %d: paged result %v, want %v", limit, Collapse(applied), want)
		}
		if cursor != 40 {
			t.Errorf("limit %d: final cursor %d, want 40", limit, cursor)
		}
	}
}

func TestFetchLimit(t *testing.T) {
	tests := []struct{ limit, scopes, want int }{
		{500, 3, 1501}, {1, 1, 2}, {10, 0, 11}, {0, 2, 3},
	}
	for _, tt := range tests {
		if got := FetchLimit(tt.limit, tt.scopes); got != tt.want {
			t.Errorf("FetchLimit(%d, %d) = %d, want %d", tt.limit, tt.scopes, got, tt.want)
		}
	}
}

func TestParseLimit(t *testing.T) {
	tests := []struct {
		in      string
		want    int
		wantErr bool
	}{
		{"", 500, false},
		{"1", 1, false},
		{"500", 500, false},
		{"1000", 1000, false},
		{"1001", 1000, false},
		{"007", 7, false},
		{"99999999999999999999999999", 1000, false},
		{"0", 0, true},
		{"000", 0, true},
		{"-1", 0, true},
		{"+5", 0, true},
		{" 5", 0, true},
		{"5 ", 0, true},
		{"1e3", 0, true},
		{"ten", 0, true},
		{"٥", 0, true}, // non-ASCII digit
	}
	for _, tt := range tests {
		got, err := ParseLimit(tt.in)
		if got != tt.want || (err != nil) != tt.wantErr {
			t.Errorf("ParseLimit(%q) = %d, %v; want %d, err=%v", tt.in, got, err, tt.want, tt.wantErr)
		}
		if err != nil && !errors.Is(err, ErrBadLimit) {
			t.Errorf("ParseLimit(%q) error %v is not ErrBadLimit", tt.in, err)
		}
	}
}

func TestPullResponseJSON(t *testing.T) {
	tests := []struct {
		name string
		resp PullResponse
		want string
	}{
		{"empty", PullResponse{Cursor: "c"}, `{"changes":[],"cursor":"c","more":false,"reset":false,"durable":"","durable_seq":0,"epoch":""}`},
		{"put and remove", PullResponse{
			Changes: []Change{
				{Seq: 1, Collection: "events", ID: "a", Op: OpPut, Record: map[string]any{"n": 0}},
				{Seq: 2, Collection: "events", ID: "b", Op: OpRemove},
			},
			Cursor: "c", More: true, Reset: true,
			Durability: Durability{Durable: "d", DurableSeq: 2, Epoch: "e"},
		}, `{"changes":[{"seq":1,"collection":"events","id":"a","op":"put","record":{"n":0}},{"seq":2,"collection":"events","id":"b","op":"remove"}],"cursor":"c","more":true,"reset":true,"durable":"d","durable_seq":2,"epoch":"e"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, v := range []any{tt.resp, &tt.resp} {
				b, err := json.Marshal(v)
				if err != nil || string(b) != tt.want {
					t.Errorf("Marshal = %s, %v; want %s", b, err, tt.want)
				}
			}
		})
	}
	if put(1, "a").Op() != OpPut || remove(1, "a").Op() != OpRemove {
		t.Error("Row.Op")
	}
}

// An index built by random record changes, read scope by scope with
// ScopeFetchLimit, pages exactly like Page over every row.
func TestPageScopesMatchesPage(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	scopes := []string{"ref", "user:u", "party:p", "unit:x", "departement:d"}
	for round := 0; round < 200; round++ {
		type key struct{ scope, id string }
		index := map[key]Row{}
		live := map[string][]string{} // record → scopes it is live in
		seq := int64(0)
		for c := rng.IntN(40); c > 0; c-- {
			seq++
			id := string(rune('a' + rng.IntN(8)))
			var after []string
			for _, s := range scopes {
				if rng.IntN(3) == 0 {
					after = append(after, s)
				}
			}
			for _, s := range after {
				index[key{s, id}] = Row{Seq: seq, Collection: "events", ID: id}
			}
			for _, s := range live[id] {
				if !slices.Contains(after, s) {
					index[key{s, id}] = Row{Seq: seq, Collection: "events", ID: id, Removed: true}
				}
			}
			live[id] = after
		}
		for from := int64(0); from <= seq; from++ {
			for limit := 1; limit <= 6; limit++ {
				var all []Row
				per := make([]ScopeRows, len(scopes))
				for i, s := range scopes {
					var rows []Row
					for k, r := range index {
						if k.scope == s && r.Seq > from {
							rows = append(rows, r)
						}
					}
					all = append(all, rows...)
					slices.SortFunc(rows, func(a, b Row) int { return int(a.Seq - b.Seq) })
					if len(rows) >= ScopeFetchLimit(limit) {
						rows, per[i].Truncated = rows[:ScopeFetchLimit(limit)], true
					}
					per[i].Rows = rows
				}
				wantPage, wantNext, wantMore := Page(all, from, limit)
				page, next, more := PageScopes(per, from, limit)
				if !slices.Equal(page, wantPage) || next != wantNext || more != wantMore {
					t.Fatalf("round %d from %d limit %d: PageScopes = %v %d %v, Page = %v %d %v",
						round, from, limit, page, next, more, wantPage, wantNext, wantMore)
				}
			}
		}
	}
}

func TestAdvanceOver(t *testing.T) {
	own := func(r Row) bool { return r.ID == "mine" }
	rows := func(truncated bool, seqIDs ...any) ScopeRows {
		s := ScopeRows{Truncated: truncated}
		for i := 0; i < len(seqIDs); i += 2 {
			s.Rows = append(s.Rows, Row{Seq: int64(seqIDs[i].(int)), ID: seqIDs[i+1].(string)})
		}
		return s
	}
	for _, c := range []struct {
		name   string
		scopes []ScopeRows
		want   int64
	}{
		{"nothing new", nil, 20},
		{"only own rows", []ScopeRows{rows(false, 12, "mine", 15, "mine")}, 20},
		{"another change first", []ScopeRows{rows(false, 11, "theirs", 15, "mine")}, 10},
		{"another change after own", []ScopeRows{rows(false, 12, "mine", 16, "theirs")}, 15},
		{"the earliest across scopes", []ScopeRows{rows(false, 12, "mine", 18, "theirs"), rows(false, 14, "theirs")}, 13},
		{"a truncated scope vouches for its rows only", []ScopeRows{rows(true, 12, "mine", 13, "mine")}, 13},
		{"never behind from", []ScopeRows{rows(false, 10, "theirs")}, 10},
	} {
		if got := AdvanceOver(c.scopes, 10, 20, own); got != c.want {
			t.Errorf("%s: %d, want %d", c.name, got, c.want)
		}
	}
}
