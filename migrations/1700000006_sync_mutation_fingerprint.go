package migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

func init() {
	m.Register(addMutationFingerprint, nil)
}

// addMutationFingerprint stores with each pushed mutation's first result
// what the mutation asked for (syncproto.Mutation.Fingerprint). A mutation
// id sent again with the same content answers its first result; the same
// id reused for another change (another device of the same user, another
// record) is refused instead of answering a result that is not its own
// and silently dropping its write. Rows stored before have an empty
// fingerprint and answer as before.
func addMutationFingerprint(app core.App) error {
	_, err := app.DB().NewQuery(`ALTER TABLE _sync_mutations ADD COLUMN fingerprint TEXT NOT NULL DEFAULT ''`).Execute()
	return err
}
