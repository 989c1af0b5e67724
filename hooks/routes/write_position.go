package routes

import (
	"net/http"
	"strconv"

	"coprosec/hooks/priority"
	"coprosec/hooks/synclog"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"
)

// The log position of a REST write's answer (DESIGN §5 durability): what
// a push answers as `epoch` and `written_seq`, for the writes a client
// sends over PocketBase's REST API (an assignment decision, an incident
// with photos). The client keeps such a write until an answer of the same
// epoch has `durable_seq` at or above HeaderWrittenSeq, and sends it again
// after a restore (another epoch), exactly as it does for pushed mutations.
const (
	HeaderEpoch      = "X-Coprosec-Epoch"
	HeaderWrittenSeq = "X-Coprosec-Written-Seq"
)

// positionRoutes are the writes whose successful answers carry the
// position: PocketBase's REST record writes and /api/batch.
func positionRoute(pattern string) bool {
	return recordWriteRoutes[pattern] || pattern == "POST /api/batch"
}

// bindWritePosition stamps the position headers on every successful
// answer of a REST write. PocketBase writes those answers once the write's
// transaction has committed (record_tx.go, and /api/batch's own), so the
// log head read when the answer's status is written bounds every change
// the write made.
func (s *Routes) bindWritePosition(se *core.ServeEvent) {
	se.Router.Bind(&hook.Handler[*core.RequestEvent]{
		Id:       "coprosecWritePosition",
		Priority: priority.WritePosition,
		Func: func(e *core.RequestEvent) error {
			if !positionRoute(e.Request.Pattern) {
				return e.Next()
			}
			app, auth := e.App, e.Auth
			orig := e.Response
			e.Response = &positionWriter{ResponseWriter: orig, stamp: func(h http.Header) {
				pos, err := synclog.CurrentPosition(app, auth)
				if err != nil {
					// no epoch: the client keeps the write with none, and
					// the next answer's epoch, differing, has it sent again
					app.Logger().Error("REST write: reading the log position", "error", err)
					return
				}
				h.Set(HeaderEpoch, pos.Epoch)
				h.Set(HeaderWrittenSeq, strconv.FormatInt(pos.Head, 10))
				// readable by a browser client of another origin too
				h.Add("Access-Control-Expose-Headers", HeaderEpoch+", "+HeaderWrittenSeq)
			}}
			defer func() { e.Response = orig }()
			return e.Next()
		},
	})
}

// positionWriter calls stamp once, just before a successful status is
// written.
type positionWriter struct {
	http.ResponseWriter
	stamp   func(http.Header)
	decided bool
}

func (w *positionWriter) WriteHeader(status int) {
	if !w.decided {
		w.decided = true
		if status >= 200 && status < 300 {
			w.stamp(w.Header())
		}
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *positionWriter) Write(b []byte) (int, error) {
	if !w.decided {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets PocketBase's router and http.ResponseController reach the
// writer underneath (status tracking, flushing).
func (w *positionWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
