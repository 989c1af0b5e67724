package migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

func init() {
	m.Register(protectIncidentPhotos, nil)
}

// protectIncidentPhotos makes incident photos protected files: PocketBase
// then serves /api/files/incidents/<id>/<file> only with a short-lived file
// token (POST /api/files/token) of an account the incidents view rule lets
// see that incident. A photo of an injured person or of a unit's position
// was readable by anyone who knew its URL.
//
// A 320 px wide thumbnail is offered too (?thumb=320x0): the field app
// shows it first, for phones on 2G.
func protectIncidentPhotos(app core.App) error {
	incidents, err := app.FindCollectionByNameOrId("incidents")
	if err != nil {
		return err
	}
	photos, ok := incidents.Fields.GetByName("photos").(*core.FileField)
	if !ok {
		return nil
	}
	photos.Protected = true
	photos.Thumbs = []string{"320x0"}
	return app.Save(incidents)
}
