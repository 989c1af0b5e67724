package hooks_test

import (
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// The rooms of the server and the only arrows between them (ARCHITECTURE.md):
// data flows request → route → write transaction → commit → feed →
// realtime; nothing calls back up. A new package must be added here, with
// its arrows, for this test to pass.
var allowedImports = map[string][]string{
	"hooks":             {"hooks/cli", "hooks/demo", "hooks/realtime", "hooks/replication", "hooks/routes", "hooks/write"},
	"hooks/cli":         {"hooks/geoimport", "hooks/loadtest", "hooks/onboard", "hooks/replication", "hooks/write"},
	"hooks/replication": {"hooks/synclog"},
	"hooks/loadtest":    {"hooks/realtime", "hooks/write"},
	"hooks/demo":        {},
	"hooks/routes":      {"hooks/apierr", "hooks/clashview", "hooks/onboard", "hooks/priority", "hooks/synclog", "hooks/write"},
	"hooks/onboard":     {"hooks/apierr", "hooks/write"},
	"hooks/realtime":    {"hooks/clashview", "hooks/priority", "hooks/synclog", "hooks/write"},
	"hooks/geoimport":   {"hooks/write"},
	"hooks/write":       {"hooks/apierr", "hooks/clashview", "hooks/priority", "hooks/synclog"},
	"hooks/synclog":     {"hooks/clashview"},
	"hooks/clashview":   {},
	"hooks/apierr":      {},
	"hooks/priority":    {},
}

// TestLayout checks the import graph of the production code: hooks/ rooms
// import only what allowedImports lets them, internal/ packages import
// neither PocketBase nor the glue, and only main imports the composition
// root.
func TestLayout(t *testing.T) {
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	imports := map[string][]string{} // package dir (module-relative) → module-relative or external imports
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if n := d.Name(); n == "node_modules" || n == "testdata" || strings.HasPrefix(n, ".") && path != root {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, filepath.Dir(path))
		rel = filepath.ToSlash(rel)
		for _, spec := range f.Imports {
			p, _ := strconv.Unquote(spec.Path.Value)
			if local, ok := strings.CutPrefix(p, "coprosec/"); ok {
				p = local
			}
			if !slices.Contains(imports[rel], p) {
				imports[rel] = append(imports[rel], p)
			}
		}
		if _, ok := imports[rel]; !ok {
			imports[rel] = nil
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(imports) < len(allowedImports) {
		t.Fatalf("read %d packages under %s, fewer than the rooms listed", len(imports), root)
	}
	for pkg, deps := range imports {
		for _, dep := range deps {
			switch {
			case strings.HasPrefix(pkg, "internal/"):
				if strings.HasPrefix(dep, "github.com/pocketbase/") || dep == "hooks" || strings.HasPrefix(dep, "hooks/") {
					t.Errorf("%s imports %s: internal packages know neither PocketBase nor the glue", pkg, dep)
				}
			case pkg == "hooks" || strings.HasPrefix(pkg, "hooks/"):
				allowed, known := allowedImports[pkg]
				if !known {
					t.Errorf("%s is not a known room: add it and its arrows to allowedImports", pkg)
					continue
				}
				if (dep == "hooks" || strings.HasPrefix(dep, "hooks/")) && !slices.Contains(allowed, dep) {
					t.Errorf("%s imports %s: not an arrow of the layout", pkg, dep)
				}
			case pkg != ".":
				if dep == "hooks" || strings.HasPrefix(dep, "hooks/") {
					t.Errorf("%s imports %s: only main uses the glue", pkg, dep)
				}
			}
		}
	}
	for pkg := range allowedImports {
		if _, ok := imports[pkg]; !ok {
			t.Errorf("room %s has no Go file: remove it from allowedImports", pkg)
		}
	}
	if _, err := os.Stat(filepath.Join(root, "main.go")); err != nil {
		t.Errorf("main.go: %v", err)
	}
}
