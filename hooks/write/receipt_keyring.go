package write

import (
	"database/sql"
	"errors"
	"fmt"
	"os"
	"strings"

	"coprosec/internal/receipts"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/security"
	"github.com/pocketbase/pocketbase/tools/types"
)

// sealedPrefix marks a keyring stored encrypted (a keyring in clear is a
// JSON object).
const sealedPrefix = "enc:"

// keyringKey is the key PocketBase encrypts its settings with: the value of
// the variable that --encryptionEnv names, "" when there is none. The
// receipt signing keys are encrypted with it too, so that a stolen backup
// cannot sign receipts.
func keyringKey(app core.App) string {
	if env := app.EncryptionEnv(); env != "" {
		return os.Getenv(env)
	}
	return ""
}

// sealKeyring is kr as stored: encrypted when the app has an encryption
// key, in clear otherwise.
func sealKeyring(app core.App, kr receipts.Keyring) (string, error) {
	data, err := receipts.MarshalKeyring(kr)
	if err != nil {
		return "", err
	}
	key := keyringKey(app)
	if key == "" {
		return string(data), nil
	}
	enc, err := security.Encrypt(data, key)
	if err != nil {
		return "", fmt.Errorf("encrypting the receipt signing keys (the --encryptionEnv key must be 32 characters): %w", err)
	}
	return sealedPrefix + enc, nil
}

// openKeyring reads a stored keyring; sealed tells whether it was
// encrypted.
func openKeyring(app core.App, stored string) (kr receipts.Keyring, sealed bool, err error) {
	enc, sealed := strings.CutPrefix(stored, sealedPrefix)
	if !sealed {
		kr, err = receipts.UnmarshalKeyring([]byte(stored))
		return kr, false, err
	}
	key := keyringKey(app)
	if key == "" {
		return kr, true, errors.New("the receipt signing keys are encrypted: run coprosec with --encryptionEnv naming the variable that held the key when they were stored")
	}
	data, err := security.Decrypt(enc, key)
	if err != nil {
		return kr, true, fmt.Errorf("decrypting the receipt signing keys (is the --encryptionEnv key the one they were stored with?): %w", err)
	}
	kr, err = receipts.UnmarshalKeyring(data)
	return kr, true, err
}

// readKeyring reads the stored keyring; found is false when there is none.
// A keyring stored in clear before the server had an encryption key is
// encrypted in place on first read.
func readKeyring(app core.App) (kr receipts.Keyring, found bool, err error) {
	var raw sql.NullString
	err = app.DB().NewQuery("SELECT value FROM _params WHERE id = {:id}").Bind(dbx.Params{"id": keyringParam}).Row(&raw)
	if errors.Is(err, sql.ErrNoRows) {
		return kr, false, nil
	}
	if err != nil {
		return kr, false, err
	}
	kr, sealed, err := openKeyring(app, raw.String)
	if err != nil {
		return kr, true, err
	}
	if !sealed && keyringKey(app) != "" {
		if err := storeKeyring(app, kr); err != nil {
			return kr, true, fmt.Errorf("encrypting the stored receipt signing keys: %w", err)
		}
	}
	return kr, true, nil
}

func storeKeyring(app core.App, kr receipts.Keyring) error {
	sealed, err := sealKeyring(app, kr)
	if err != nil {
		return err
	}
	_, err = app.DB().Update("_params", dbx.Params{"value": sealed, "updated": types.NowDateTime().String()},
		dbx.HashExp{"id": keyringParam}).Execute()
	return err
}
