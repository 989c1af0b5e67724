package hooks_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"coprosec/hooks/onboard"
)

// BenchmarkAccountsImport5000 imports 5,000 new police accounts in one
// file as the operator: reading, 5,000 bcrypt hashes (on every core,
// before the transaction) and one transaction of 5,000 account saves.
func BenchmarkAccountsImport5000(b *testing.B) {
	const n = 5000
	var file strings.Builder
	file.WriteString(accountsHeader)
	units := []string{"Commissariat central de Cotonou", "Commissariat central d'Abomey-Calavi", "Commissariat central de Ouidah"}
	for i := range n {
		fmt.Fprintf(&file, "Agent %d,+22996%06d,,officer,,%s\n", i, i, units[i%len(units)])
	}
	for b.Loop() {
		b.StopTimer()
		e := newEnv(b)
		e.world()
		b.StartTimer()
		start := time.Now()
		report, creds, err := onboard.ImportAccounts(e.app, e.svc.Write, nil, strings.NewReader(file.String()), false)
		if err != nil || report.Created != n || len(creds) != n {
			b.Fatalf("%v %v %d", report, err, len(creds))
		}
		b.ReportMetric(float64(n)/time.Since(start).Seconds(), "accounts/s")
	}
}
