package hooks_test

import (
	"net/http"
	"strings"
	"testing"
)

// With --encryptionEnv set, the receipt signing keys are stored encrypted
// with PocketBase's settings key (a keyring stored in clear before is
// encrypted on first use), the published keys do not change, and a server
// started without the key refuses to sign rather than failing silently.
func TestReceiptKeyringEncryptedAtRest(t *testing.T) {
	// tests.NewTestApp names "pb_test_env" as the encryption variable
	t.Setenv("pb_test_env", "")
	e := newEnv(t)
	_, plainJWKS := e.rcJWKS() // creates the keys, in clear: no key yet
	seeds := e.rcSeeds()

	t.Setenv("pb_test_env", "0123456789abcdef0123456789abcdef")
	_, jwks := e.rcJWKS()
	if string(jwks) != string(plainJWKS) {
		t.Fatalf("the published keys changed when the keyring was encrypted:\n%s\n%s", plainJWKS, jwks)
	}
	raw := e.rcKeyringRaw()
	if !strings.HasPrefix(raw, "enc:") {
		t.Fatalf("keyring stored in clear with an encryption key: %.40s…", raw)
	}
	for _, seed := range seeds {
		if strings.Contains(raw, seed) {
			t.Fatal("a private seed is readable in the stored keyring")
		}
	}

	t.Setenv("pb_test_env", "")
	if res := e.do("GET", "/api/receipts/jwks", nil, nil); res.Status != http.StatusInternalServerError {
		t.Fatalf("without the key: %s", res)
	}
	if _, err := e.svc.Write.ReceiptJWKS(e.app); err == nil || !strings.Contains(err.Error(), "encryptionEnv") {
		t.Fatalf("without the key, the error does not say what to do: %v", err)
	}
	t.Setenv("pb_test_env", "fedcba9876543210fedcba9876543210")
	if _, err := e.svc.Write.ReceiptJWKS(e.app); err == nil {
		t.Fatal("a wrong key opened the keyring")
	}
}
