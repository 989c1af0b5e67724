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
//
// Stored results are kept for a stated time (write.MutationResultRetention)
// and pruned by the daily sync job; the index on `at` keeps that cheap.
func addMutationFingerprint(app core.App) error {
	for _, q := range []string{
		`ALTER TABLE _sync_mutations ADD COLUMN fingerprint TEXT NOT NULL DEFAULT ''`,
		`CREATE INDEX _sync_mutations_at ON _sync_mutations (at)`,
	} {
		if _, err := app.DB().NewQuery(q).Execute(); err != nil {
			return err
		}
	}
	return nil
}
