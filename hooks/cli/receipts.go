package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"coprosec/hooks/write"
	"coprosec/internal/receipts"

	"github.com/pocketbase/pocketbase/core"
	"github.com/spf13/cobra"
)

// ErrReceiptInvalid is returned by `receipts verify` when the receipt does
// not verify, so that the process exits non-zero after printing the result.
var ErrReceiptInvalid = errors.New("receipt is not valid")

// receiptCommands is `coprosec receipts …` (DESIGN §5): key
// rotation and export on the server's data, and an offline verifier that
// reads files only, never the network nor the database.
func receiptCommands(app core.App, eng *write.Engine) *cobra.Command {
	cmd := &cobra.Command{Use: "receipts", Short: "Signed acknowledgement receipts (keys, offline verification)"}

	cmd.AddCommand(&cobra.Command{
		Use:   "rotate-key",
		Short: "Retire the active receipt signing key for a new one and print the new key id",
		Long: "Generates a new Ed25519 signing key for receipts. The previous key stays published in\n" +
			"GET /api/receipts/jwks so that the receipts it signed keep verifying until they expire.\n" +
			"A running server picks the new key up at once. Phones that verify offline need the new\n" +
			"key set (sync or `receipts export-jwks`) before they can check receipts signed with it.",
		Args:         cobra.NoArgs,
		SilenceUsage: true,
		RunE: func(c *cobra.Command, _ []string) error {
			if err := app.RunAllMigrations(); err != nil {
				return err
			}
			kr, err := eng.RotateReceiptKey(app)
			if err != nil {
				return fmt.Errorf("rotating the receipt key: %w", err)
			}
			fmt.Fprintln(c.OutOrStdout(), kr.Active.ID)
			return nil
		},
	})

	var jwksOut string
	exportJWKS := &cobra.Command{
		Use:   "export-jwks",
		Short: "Print the public key set (JWKS) that verifies receipts, for offline verifiers",
		Long: "Prints the same JSON as GET /api/receipts/jwks: public keys only, the active one first.\n" +
			"Creates the signing keys if the server never started.",
		Args:         cobra.NoArgs,
		SilenceUsage: true,
		RunE: func(c *cobra.Command, _ []string) error {
			if err := app.RunAllMigrations(); err != nil {
				return err
			}
			set, err := eng.ReceiptJWKS(app)
			if err != nil {
				return fmt.Errorf("reading the receipt keys: %w", err)
			}
			return writeJSONOut(c, jwksOut, set)
		},
	}
	exportJWKS.Flags().StringVarP(&jwksOut, "out", "o", "", "write to `FILE` instead of standard output")
	cmd.AddCommand(exportJWKS)

	var revokedOut string
	exportRevoked := &cobra.Command{
		Use:          "export-revoked",
		Short:        "Print the revocation list (same JSON as GET /api/receipts/revoked)",
		Args:         cobra.NoArgs,
		SilenceUsage: true,
		RunE: func(c *cobra.Command, _ []string) error {
			if err := app.RunAllMigrations(); err != nil {
				return err
			}
			list, err := write.RevocationList(app)
			if err != nil {
				return fmt.Errorf("reading the revocation list: %w", err)
			}
			return writeJSONOut(c, revokedOut, list)
		},
	}
	exportRevoked.Flags().StringVarP(&revokedOut, "out", "o", "", "write to `FILE` instead of standard output")
	cmd.AddCommand(exportRevoked)

	var jwksFile, revokedFile, at string
	verify := &cobra.Command{
		Use:   "verify TOKEN|-|@FILE --jwks FILE [--revoked FILE]",
		Short: "Verify a receipt offline against a saved key set (and revocation list)",
		Long: "Verifies a receipt token with no server and no network: only the key set saved from\n" +
			"GET /api/receipts/jwks (or `receipts export-jwks`) and, optionally, the revocation list\n" +
			"saved from GET /api/receipts/revoked. TOKEN is the JWT itself, - to read it from standard\n" +
			"input, or @FILE to read it from a file. Prints {valid, revoked, claims, error, code} like\n" +
			"POST /api/receipts/verify, and exits non-zero when the receipt is not valid.",
		Args:         cobra.ExactArgs(1),
		SilenceUsage: true,
		RunE: func(c *cobra.Command, args []string) error {
			token, err := readTokenArg(args[0], c.InOrStdin())
			if err != nil {
				return err
			}
			if jwksFile == "" {
				return errors.New("--jwks FILE is required (save it from GET /api/receipts/jwks or `receipts export-jwks`)")
			}
			raw, err := readSmallFile(jwksFile)
			if err != nil {
				return fmt.Errorf("--jwks: %w", err)
			}
			keys, err := receipts.ParseJWKS(raw)
			if err != nil {
				return fmt.Errorf("--jwks %s: %w", jwksFile, err)
			}
			var list receipts.RevocationList
			if revokedFile != "" {
				raw, err := readSmallFile(revokedFile)
				if err != nil {
					return fmt.Errorf("--revoked: %w", err)
				}
				if err := json.Unmarshal(raw, &list); err != nil {
					return fmt.Errorf("--revoked %s: not a revocation list (the JSON of GET /api/receipts/revoked): %w", revokedFile, err)
				}
			}
			now := eng.Now()
			if at != "" {
				if now, err = time.Parse(time.RFC3339, at); err != nil {
					return fmt.Errorf("--at must be an RFC 3339 time such as 2026-03-14T10:00:00Z: %w", err)
				}
			}
			res := receipts.Verify(token, keys, list, now)
			out := res.Answer()
			if err := writeJSONOut(c, "", out); err != nil {
				return err
			}
			if !res.Valid {
				return fmt.Errorf("%w: %s", ErrReceiptInvalid, res.Code)
			}
			return nil
		},
	}
	verify.Flags().StringVar(&jwksFile, "jwks", "", "key set `FILE` (JSON of GET /api/receipts/jwks); required")
	verify.Flags().StringVar(&revokedFile, "revoked", "", "revocation list `FILE` (JSON of GET /api/receipts/revoked)")
	verify.Flags().StringVar(&at, "at", "", "verify as of this RFC 3339 `TIME` instead of now")
	cmd.AddCommand(verify)

	return cmd
}

// maxInputFile bounds the files the verifier reads; a key set or a
// revocation list of a whole campaign is far smaller.
const maxInputFile = 16 << 20

func readSmallFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxInputFile+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxInputFile {
		return nil, fmt.Errorf("%s is too large", path)
	}
	return data, nil
}

// readTokenArg resolves TOKEN, - (standard input) or @FILE.
func readTokenArg(arg string, stdin io.Reader) (string, error) {
	var raw []byte
	var err error
	switch {
	case arg == "-":
		raw, err = io.ReadAll(io.LimitReader(stdin, receipts.MaxTokenSize*2))
	case strings.HasPrefix(arg, "@"):
		raw, err = readSmallFile(arg[1:])
	default:
		raw = []byte(arg)
	}
	if err != nil {
		return "", fmt.Errorf("reading the token: %w", err)
	}
	token := strings.TrimSpace(string(raw))
	if token == "" {
		return "", errors.New("the token is empty")
	}
	return token, nil
}

func writeJSONOut(c *cobra.Command, path string, v any) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	data = append(data, '\n')
	if path == "" {
		_, err = c.OutOrStdout().Write(data)
		return err
	}
	return os.WriteFile(path, data, 0o644)
}
