package hooks_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

var binary struct {
	once sync.Once
	path string
	err  error
	out  []byte
}

// coprosecBinary is the server's binary, built once per test run for the
// tests that run its commands.
func coprosecBinary(t testing.TB) string {
	t.Helper()
	binary.once.Do(func() {
		dir, err := os.MkdirTemp("", "coprosec-bin-")
		if err != nil {
			binary.err = err
			return
		}
		binary.path = filepath.Join(dir, "coprosec")
		start := time.Now()
		build := exec.Command("go", "build", "-o", binary.path, ".")
		build.Dir = ".."
		binary.out, binary.err = build.CombinedOutput()
		t.Logf("go build: %v", time.Since(start))
	})
	if binary.err != nil {
		t.Fatalf("go build: %v\n%s", binary.err, binary.out)
	}
	return binary.path
}
