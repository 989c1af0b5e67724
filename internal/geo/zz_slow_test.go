package geo

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

func TestZZSlow(t *testing.T) {
	dir := os.Getenv("FZDIR")
	files, _ := filepath.Glob(filepath.Join(dir, "*"))
	for _, f := range files {
		b, _ := os.ReadFile(f)
		// parse "go test fuzz v1\n[]byte(\"...\")"
		s := string(b)
		i := bytes.IndexByte(b, '(')
		q, err := strconv.Unquote(s[i+1 : len(s)-2])
		if err != nil {
			t.Log(f, err)
			continue
		}
		start := time.Now()
		done := make(chan bool)
		go func() {
			layer, err := ReadGeoJSON(bytes.NewReader([]byte(q)))
			if err == nil {
				for _, ft := range layer.Features {
					ft.Geometry.InteriorPoint()
				}
				NewIndex(layer.Features)
			}
			close(done)
		}()
		select {
		case <-done:
		case <-time.After(3 * time.Second):
			t.Logf("SLOW %s: %q", f, q)
			continue
		}
		if d := time.Since(start); d > 50*time.Millisecond {
			t.Logf("%s %v %q", f, d, q)
		}
	}
}
