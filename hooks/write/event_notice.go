package write

import (
	"fmt"
	"time"

	"coprosec/internal/jurisdiction"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"
)

// The party notice (clash_notice, jurisdiction.Notices) is stored on every
// event and kept current by the write that changes it: an event's own write
// computes its notice, and the events of other parties whose notice it
// turns on or off get a follow-up write. Those follow-ups depend only on
// the arrondissement and three-hour slots of the event written, so what a
// party reads of its events never tells more than that.

// noticeAreaExp selects the events of election that a notice in
// arrondissement arr of commune com compares with
// (jurisdiction.SameNoticeArea) and that start before to and end after
// from: those of the arrondissement (every event whose arrondissement is
// known is indexed under its clash_area), and those known only by the
// commune; without an arrondissement, every event of the commune. Nil when
// neither is known.
//
// Each branch of the OR names the election and a bounded start range
// itself (meetingWindow), so that SQLite answers each from its index
// ((election, clash_area, starts_at) or (election, commune, starts_at));
// an OR of bare area terms beside them could use neither, and read every
// event of the election at every declaration.
func noticeAreaExp(election, arr, com string, rivals []any, from, to time.Time) dbx.Expression {
	inArr := meetingWindow(dbx.HashExp{"election": election, "clash_area": jurisdiction.ArrondissementKey(arr)}, rivals, from, to)
	switch {
	case arr != "" && com != "":
		return dbx.Or(inArr, meetingWindow(dbx.HashExp{"election": election, "commune": com, "arrondissement": ""}, rivals, from, to))
	case arr != "":
		return inArr
	case com != "":
		return meetingWindow(dbx.HashExp{"election": election, "commune": com}, rivals, from, to)
	}
	return nil
}

// noticeFor is c's notice as the events stored in tx give it, leaving out
// the event exclude (one being deleted).
func noticeFor(tx core.App, c jurisdiction.ClashCandidate, election string, p jurisdiction.ClashParams, exclude string) (bool, error) {
	from, to := jurisdiction.NoticeWindow(c.StartsAt, c.EndsAt, p.Buffer())
	q, err := rivalEvents(tx, c, election, from, to, "id")
	if q == nil || err != nil {
		return false, err
	}
	var found []string
	err = q.AndWhere(dbx.NewExp("id != {:exclude}", dbx.Params{"exclude": exclude})).Limit(1).Column(&found)
	return len(found) > 0, err
}

// rivalEvents selects cols of the events of the other parties, not
// cancelled, in c's notice area, whose window meets [from, to): nil when
// c can have no notice (no party, cancelled, no area, no other party).
func rivalEvents(tx core.App, c jurisdiction.ClashCandidate, election string, from, to time.Time, cols ...string) (*dbx.SelectQuery, error) {
	if c.Party == "" || c.Status == jurisdiction.EventCancelled {
		return nil, nil
	}
	rivals, err := rivalParties(tx, c.Party)
	if err != nil || len(rivals) == 0 {
		return nil, err
	}
	area := noticeAreaExp(election, c.Arrondissement, c.Commune, rivals, from, to)
	if area == nil {
		return nil, nil
	}
	return tx.DB().Select(cols...).From("events").Where(area).
		AndWhere(dbx.NewExp("status != 'cancelled' AND party != {:party} AND id != {:self}", dbx.Params{"party": c.Party, "self": c.ID})), nil
}

// noticeColumns are the columns of a noticeRow.
var noticeColumns = []string{"id", "party", "status", "arrondissement", "commune", "starts_at", "ends_at", "clash_notice"}

// noticeRow is a rival event as the notice searches read it.
type noticeRow struct {
	ID, Party, Status, Arrondissement, Commune string
	StartsAt                                   types.DateTime `db:"starts_at"`
	EndsAt                                     types.DateTime `db:"ends_at"`
	Notice                                     bool           `db:"clash_notice"`
}

func (r noticeRow) candidate() jurisdiction.ClashCandidate {
	return jurisdiction.ClashCandidate{ID: r.ID, Party: r.Party, Status: r.Status, Arrondissement: r.Arrondissement,
		Commune: r.Commune, StartsAt: r.StartsAt.Time(), EndsAt: r.EndsAt.Time()}
}

// noticeRead is the rival events read around one placement of an event.
type noticeRead struct {
	key  string
	rows []noticeRow
}

func noticeKey(election string, c jurisdiction.ClashCandidate) string {
	return fmt.Sprint(election, "|", c.ID, "|", c.Party, "|", c.Status, "|", c.Arrondissement, "|", c.Commune, "|",
		c.StartsAt.UnixNano(), "|", c.EndsAt.UnixNano())
}

// ownNotice is the notice of c, the event being saved, from the rival
// events in its notice search window; the rows are kept in the session
// for noticeChanges of the same save, which needs the same ones (the
// events whose notice c turns on), so that a declaration reads them once.
func ownNotice(tx core.App, c jurisdiction.ClashCandidate, election string, p jurisdiction.ClashParams) (bool, error) {
	ws := sessionOf(tx)
	if ws != nil {
		ws.lastNotice = nil
	}
	from, to := jurisdiction.NoticeSearchWindow(c.StartsAt, c.EndsAt, p.Buffer())
	q, err := rivalEvents(tx, c, election, from, to, noticeColumns...)
	if q == nil || err != nil {
		return false, err
	}
	var rows []noticeRow
	if err := q.All(&rows); err != nil {
		return false, err
	}
	if ws != nil {
		ws.lastNotice = &noticeRead{key: noticeKey(election, c), rows: rows}
	}
	for _, r := range rows {
		if jurisdiction.Notices(c, r.candidate(), p) {
			return true, nil
		}
	}
	return false, nil
}

// storedCandidate is the stored event r as the clash predicates see it.
func storedCandidate(r *core.Record) jurisdiction.ClashCandidate {
	return jurisdiction.ClashCandidate{ID: r.Id, Party: r.GetString("party"), Status: r.GetString("status"),
		Arrondissement: r.GetString("arrondissement"), Commune: r.GetString("commune"), Location: pointOf(r, "location"),
		StartsAt: timeOf(r, "starts_at"), EndsAt: timeOf(r, "ends_at")}
}

// noticeChanges adds to changes the new notice of the other parties'
// events that the event self, placed as old before this write and as now
// after it (nil: not placed, as when created or deleted), turns on or off.
// A deleted self is still stored and is left out. The changes are written
// with the clash links (linkClashes), one follow-up write per event.
func noticeChanges(tx core.App, election string, old, now *jurisdiction.ClashCandidate, deleting bool, changes map[string]bool) error {
	elRec, err := findElection(tx, election)
	if err != nil {
		return nil // no election: no notice
	}
	p := electionFromRecord(elRec).ClashParams()
	var (
		areas       []dbx.Expression
		self, party string
	)
	for _, c := range []*jurisdiction.ClashCandidate{old, now} {
		if c == nil || c.Party == "" || c.Status == jurisdiction.EventCancelled {
			continue
		}
		// the events that notice c are of the other parties (the party
		// check in Go below covers a party that changed)
		rivals, err := rivalParties(tx, c.Party)
		if err != nil {
			return err
		}
		from, to := jurisdiction.NoticeSearchWindow(c.StartsAt, c.EndsAt, p.Buffer())
		a := noticeAreaExp(election, c.Arrondissement, c.Commune, rivals, from, to)
		if a == nil || len(rivals) == 0 {
			continue
		}
		areas = append(areas, a)
		self = c.ID
		if party == "" {
			party = c.Party
		} else if party != c.Party {
			party = "-" // the party changed: compare with both in Go
		}
	}
	if len(areas) == 0 {
		return nil
	}
	var rows []noticeRow
	if ws := sessionOf(tx); ws != nil && ws.lastNotice != nil {
		// a new placement only (a create): the rows ownNotice read for it
		if old == nil && now != nil && !deleting && ws.lastNotice.key == noticeKey(election, *now) {
			rows = ws.lastNotice.rows
		}
		ws.lastNotice = nil
	}
	if rows == nil {
		err = tx.DB().Select(noticeColumns...).
			From("events").
			Where(dbx.Or(areas...)).
			AndWhere(dbx.NewExp("status != 'cancelled' AND id != {:self} AND party != {:party}", dbx.Params{"self": self, "party": party})).
			All(&rows)
		if err != nil {
			return err
		}
	}
	exclude := ""
	if deleting {
		exclude = self
	}
	for _, row := range rows {
		x := row.candidate()
		inNow := now != nil && !deleting && jurisdiction.Notices(x, *now, p)
		inOld := old != nil && jurisdiction.Notices(x, *old, p)
		want := row.Notice
		switch {
		case inNow:
			want = true // self is the rival it is told about
		case inOld && row.Notice:
			// self leaves: another rival may remain
			if want, err = noticeFor(tx, x, election, p, exclude); err != nil {
				return err
			}
		}
		if want != row.Notice {
			changes[row.ID] = want
		}
	}
	return nil
}
