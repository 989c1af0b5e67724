package jurisdiction

import (
	"slices"
	"time"

	"coprosec/internal/geo"
)

// Local is Africa/Porto-Novo local time: UTC+1, no DST (no tzdata needed).
var Local = time.FixedZone("WAT", 3600)

// Election defaults applied by Election.Defaults to zero fields.
const (
	DefaultNoticeHours    = 72
	DefaultClashRadiusM   = 500.0
	DefaultClashBufferMin = 60
	DefaultAckHours       = 12
)

// Election is the subset of an election record the rules need.
//
// Zero numeric fields mean "use the default" (Defaults). To express an
// explicit zero (e.g. no clash buffer, no notice requirement), store a
// negative value: every use clamps negatives to 0.
type Election struct {
	ID            string
	CampaignStart time.Time // inclusive; zero = unbounded
	CampaignEnd   time.Time // inclusive; zero = unbounded
	ElectionDay   time.Time // any instant of the vote day (its local date is used); zero = no eve/day rule
	Parties       []string  // admitted party ids
	NoticeHours   int
	ClashRadiusM  float64
	// ClashBufferMin widens clash windows: two events clash when the gap
	// between them is < ClashBufferMin minutes.
	ClashBufferMin int
	AckHours       int
	Active         bool
}

// Defaults returns a copy with zero NoticeHours/ClashRadiusM/ClashBufferMin/
// AckHours replaced by 72/500/60/12. Idempotent.
func (e Election) Defaults() Election {
	if e.NoticeHours == 0 {
		e.NoticeHours = DefaultNoticeHours
	}
	if e.ClashRadiusM == 0 {
		e.ClashRadiusM = DefaultClashRadiusM
	}
	if e.ClashBufferMin == 0 {
		e.ClashBufferMin = DefaultClashBufferMin
	}
	if e.AckHours == 0 {
		e.AckHours = DefaultAckHours
	}
	return e
}

// Admits reports whether party is admitted to the election.
func (e Election) Admits(party string) bool {
	return party != "" && slices.Contains(e.Parties, party)
}

// ClashParams returns the defaulted, clamped clash parameters.
func (e Election) ClashParams() ClashParams {
	d := e.Defaults()
	return ClashParams{RadiusM: max(d.ClashRadiusM, 0), BufferMin: max(d.ClashBufferMin, 0)}
}

// Event kinds.
const (
	KindMeeting      = "meeting"
	KindRally        = "rally"
	KindCaravan      = "caravan"
	KindMarch        = "march"
	KindSoundVehicle = "sound_vehicle"
)

// Event statuses. An empty status is treated as EventDeclared.
const (
	EventDeclared   = "declared"
	EventInProgress = "in_progress"
	EventCompleted  = "completed"
	EventCancelled  = "cancelled"
)

// MaxRoutePoints is the maximum length of Event.Route (J4).
const MaxRoutePoints = 500

// Event is the subset of an event record the rules need.
type Event struct {
	ID, Party, Election, Kind, Status string
	Commune, Arrondissement           string // relation ids, may be empty
	Location                          *geo.Point
	Route                             []geo.Point // caravan/march itinerary; ignored for other kinds
	StartsAt, EndsAt                  time.Time
	DeclaredAt                        time.Time // server receive time of the declaration (J9, J11)
	// ChangedAt is the server time of the latest time/place/route change
	// (zero on creation). When later than DeclaredAt it is the base of the
	// acknowledgement deadlines (J11) so that re-pending assignments get a
	// fresh deadline. Late notice (J9) is always measured from DeclaredAt.
	ChangedAt    time.Time
	SoundVehicle bool // a sound vehicle accompanies the event (J8 sound hours apply)
}

func (ev Event) status() string {
	if ev.Status == "" {
		return EventDeclared
	}
	return ev.Status
}

// hasRoute reports whether the kind uses Route (J4).
func hasRoute(kind string) bool { return kind == KindCaravan || kind == KindMarch }

// Place is a resolved location: ids, possibly partially empty (an event
// placed by commune has no arrondissement).
type Place struct {
	Departement, Commune, Arrondissement string
}

// Geography is implemented by the glue over the geo index and the database.
type Geography interface {
	// HasBoundaries reports whether polygons are loaded (Locate is usable).
	HasBoundaries() bool
	// Locate returns the place containing p; false when p is outside Benin.
	Locate(p geo.Point) (Place, bool)
	// ArrondissementPlace returns the full place of an arrondissement id.
	ArrondissementPlace(id string) (Place, bool)
	// CommunePlace returns the place (Arrondissement empty) of a commune id.
	CommunePlace(id string) (Place, bool)
}

// Unit kinds.
const (
	UnitDirectorate  = "directorate"
	UnitCommissariat = "commissariat"
)

// Unit is a police unit: a departmental directorate or a commissariat.
// Communes lists commune-level coverage; Arrondissements lists
// arrondissement-level coverage (commissariats only).
type Unit struct {
	ID, Name, Kind, Departement, Parent string
	Communes, Arrondissements           []string
}

func (u Unit) label() string {
	if u.Name != "" {
		return u.Name
	}
	return u.ID
}

// Role of a unit for an event.
type Role string

// Assignment roles.
const (
	RoleLead      Role = "lead"
	RoleSupport   Role = "support"
	RoleOversight Role = "oversight"
)

// Status of an assignment.
type Status string

// Assignment statuses. There is deliberately no "refused" (J12).
const (
	StatusPending             Status = "pending"
	StatusAcknowledged        Status = "acknowledged"
	StatusAdjustmentRequested Status = "adjustment_requested"
	StatusEscalated           Status = "escalated"
)

// Assignment is a stored assignment record.
type Assignment struct {
	ID, Event, Unit string
	Role            Role
	Status          Status
	DueAt           time.Time
	AcknowledgedAt  *time.Time
	AcknowledgedBy  string
	Reason          string // adjustment request reason
	Officers        int    // commander-written
	Plan            string // commander-written security plan
}

// PlannedAssignment is an assignment the rules want to exist.
type PlannedAssignment struct {
	Unit   string
	Role   Role
	Status Status // initial status: pending, or escalated (J9)
	DueAt  time.Time
}

// Plan is the outcome of Assign.
type Plan struct {
	Place       Place
	LeadUnit    string
	Directorate string // directorate of Place.Departement
	Uncovered   bool
	LateNotice  bool
	// Assignments: lead first, then the event's directorate (unless it
	// leads), then route units/directorates in route order. One per unit.
	Assignments []PlannedAssignment
}

// Actor is who writes a record (J12).
type Actor struct {
	Role            string // ActorOrganizer, ActorOfficer, ActorCommander, ActorDirector
	Party           string // organizers
	Unit            string // police
	UnitDepartement string // police: département of Unit
}

// Actor roles.
const (
	ActorOrganizer = "organizer"
	ActorOfficer   = "officer"
	ActorCommander = "commander"
	ActorDirector  = "director"
)
