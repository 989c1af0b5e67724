package cli

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"

	"coprosec/hooks/onboard"
	"coprosec/hooks/write"

	"github.com/pocketbase/pocketbase/core"
	"github.com/spf13/cobra"
)

// onboardCommands are `units import` and `accounts import` (DESIGN §6).
// At the shell the operator imports as a superuser would: any unit, any
// account, the rules of the data (J5, account consistency) still apply.
func onboardCommands(app core.App, eng *write.Engine) []*cobra.Command {
	var dryRun bool
	units := &cobra.Command{Use: "units", Short: "Police units and their coverage"}
	unitsImport := &cobra.Command{
		Use:   "import FILE.csv",
		Short: "Create and update units from a CSV file (name,kind,departement,parent,communes,arrondissements,phone); idempotent by name, all or nothing",
		Args:  cobra.ExactArgs(1), SilenceUsage: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := app.RunAllMigrations(); err != nil {
				return err
			}
			f, err := os.Open(args[0])
			if err != nil {
				return err
			}
			defer f.Close()
			report, err := onboard.ImportUnits(app, eng, nil, f, dryRun)
			return printReport(cmd.OutOrStdout(), args[0], report, err)
		},
	}
	unitsImport.Flags().BoolVar(&dryRun, "dry-run", false, "check the file and report what would change, writing nothing")
	units.AddCommand(unitsImport)

	var credentials string
	accounts := &cobra.Command{Use: "accounts", Short: "Police and party accounts"}
	accountsImport := &cobra.Command{
		Use: "import FILE.csv --credentials OUT.csv",
		Short: "Create and update accounts from a CSV file (name,phone,email,role,party,unit); idempotent by phone then e-mail, all or nothing; " +
			"new accounts' initial passwords go to OUT.csv only",
		Args: cobra.ExactArgs(1), SilenceUsage: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			if credentials == "" && !dryRun {
				return errors.New("--credentials OUT.csv is required: the initial passwords are written there and nowhere else")
			}
			if err := app.RunAllMigrations(); err != nil {
				return err
			}
			in, err := os.Open(args[0])
			if err != nil {
				return err
			}
			defer in.Close()
			var out *os.File
			if !dryRun {
				// created before the import, so that an unwritable path fails
				// before any account exists; never over an older sheet, whose
				// passwords would be lost
				out, err = os.OpenFile(credentials, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
				if err != nil {
					return fmt.Errorf("credentials file: %w", err)
				}
			}
			report, creds, err := onboard.ImportAccounts(app, eng, nil, in, dryRun)
			if out != nil {
				werr := writeCredentials(out, creds)
				if cerr := out.Close(); werr == nil {
					werr = cerr
				}
				if len(creds) == 0 {
					_ = os.Remove(credentials)
				} else if werr != nil {
					return fmt.Errorf("%d accounts were created but their credentials could not be written (%v): reset their passwords", len(creds), werr)
				} else {
					fmt.Fprintf(cmd.OutOrStdout(), "%d initial passwords written to %s (keep it safe; hand out one slip per person)\n", len(creds), credentials)
				}
			}
			return printReport(cmd.OutOrStdout(), args[0], report, err)
		},
	}
	accountsImport.Flags().StringVar(&credentials, "credentials", "", "file to write the new accounts' initial passwords to (created, mode 0600; must not exist)")
	accountsImport.Flags().BoolVar(&dryRun, "dry-run", false, "check the file and report what would change, writing nothing")
	accounts.AddCommand(accountsImport)
	return []*cobra.Command{units, accounts}
}

// writeCredentials writes the credentials file: one row per new account.
func writeCredentials(w io.Writer, creds []onboard.Credential) error {
	cw := csv.NewWriter(w)
	_ = cw.Write(onboard.CredentialColumns)
	for _, c := range creds {
		_ = cw.Write(c.Values())
	}
	cw.Flush()
	return cw.Error()
}

func printReport(w io.Writer, path string, report onboard.Report, err error) error {
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "%s: %s\n", path, report)
	if len(report.Problems) > 0 {
		return fmt.Errorf("%s: %d row(s) refused, nothing written", path, len(report.Problems))
	}
	return nil
}
