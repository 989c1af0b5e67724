package routes

import (
	"coprosec/hooks/synclog"
	"coprosec/internal/syncproto"
	"time"
)

// Durability is how far the sync log is known to be replicated (the
// replication room's replicator). Without one the server answers its
// head: its own disk is all the durability there is.
type Durability interface {
	// DurableSeq is the newest seq known to be replicated, at most head.
	DurableSeq(head int64) int64
	// Status is the replica as GET /api/ops/status shows it, nil when
	// none is configured.
	Status() *ReplicaStatus
}

// ReplicaStatus is the "replica" object of GET /api/ops/status.
type ReplicaStatus struct {
	URL              string     `json:"url"` // without credentials
	LagS             float64    `json:"lag_s"`
	LastReplicatedAt *time.Time `json:"last_replicated_at"`
}

// SetDurability makes the sync answers' durable cursor follow d (set by
// the composition root before serving).
func (s *Routes) SetDurability(d Durability) { s.durability.Store(durabilityBox{d}) }

// durabilityBox lets an atomic.Value hold a nil Durability.
type durabilityBox struct{ d Durability }

// currentDurability is the replication in force (nil: none).
func (s *Routes) currentDurability() Durability {
	b, _ := s.durability.Load().(durabilityBox)
	return b.d
}

// durability is what an answer at position p says of replication.
func (s *Routes) durabilityAt(p synclog.Position) syncproto.Durability {
	seq := p.Head
	if d := s.currentDurability(); d != nil {
		seq = min(d.DurableSeq(p.Head), p.Head)
	}
	return syncproto.Durability{Durable: p.Cursor(seq), DurableSeq: seq, Epoch: p.Epoch}
}
