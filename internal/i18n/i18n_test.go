package i18n

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestFromAcceptLanguage(t *testing.T) {
	for _, c := range []struct {
		header string
		want   Lang
	}{
		{"", French},
		{"en", English},
		{"en-US,en;q=0.9", English},
		{"EN-gb", English},
		{"fr", French},
		{"fr-FR,fr;q=0.9,en;q=0.8", French},
		{"en-US,en;q=0.9,fr;q=0.8", English},
		{"fr;q=0.8,en;q=0.8", French},   // a tie is French
		{"en;q=0.8,fr;q=0.9", French},   // French preferred
		{"en;q=0.9,fr;q=0.8", English},  // English strictly preferred
		{"en;q=0", French},              // not acceptable
		{"en;q=0.5", English},           // English listed, French not
		{"de-DE,de;q=0.9", French},      // neither
		{"*", French},                   // wildcards do not count
		{"en;q=abc", French},            // malformed quality: ignored
		{"en;q=2", French},              // out of range: ignored
		{"en;q=0.4, fr;q=0.3", English}, // spaces
		{"fr-BJ;q=0.2, en-US;q=0.1", French},
		{" en ; q = 0.7 ", English},
		{"eng", French}, // not an English tag
		{",,,;", French},
	} {
		if got := FromAcceptLanguage(c.header); got != c.want {
			t.Errorf("FromAcceptLanguage(%q) = %s, want %s", c.header, got, c.want)
		}
	}
}

func TestMessageParams(t *testing.T) {
	m, ok := Message("validation_length_out_of_range", map[string]any{"min": 3, "max": 10})
	if !ok || m != "La longueur doit être comprise entre 3 et 10." {
		t.Fatalf("%q %v", m, ok)
	}
	if m, _ := Message("validation_length_out_of_range", nil); strings.Contains(m, "{{") {
		t.Fatalf("unfilled placeholder: %q", m)
	}
	if _, ok := Message("no_such_code", nil); ok {
		t.Fatal("unknown code found")
	}
	if Or("no_such_code", nil) != Generic {
		t.Fatal("Or")
	}
	if Wait(45*time.Second) != "45 s" || Wait(90*time.Second) != "2 min" || Wait(time.Hour) != "60 min" || Wait(3*time.Hour) != "3 h" {
		t.Fatal("Wait")
	}
}

// Every stable code declared in the server's Go sources (a constant named
// Code… or Flag… with a string value, in internal/ and hooks/) has a
// French message, and so do PocketBase's validation codes that reach users.
func TestCatalogCoversEveryCode(t *testing.T) {
	root := filepath.Join("..", "..")
	found := 0
	for _, dir := range []string{"internal", "hooks"} {
		err := filepath.WalkDir(filepath.Join(root, dir), func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return nil
			}
			f, err := parser.ParseFile(token.NewFileSet(), path, nil, 0)
			if err != nil {
				return err
			}
			for _, decl := range f.Decls {
				gd, ok := decl.(*ast.GenDecl)
				if !ok || gd.Tok != token.CONST {
					continue
				}
				for _, spec := range gd.Specs {
					vs := spec.(*ast.ValueSpec)
					for i, name := range vs.Names {
						if !strings.HasPrefix(name.Name, "Code") && !strings.HasPrefix(name.Name, "Flag") || i >= len(vs.Values) {
							continue
						}
						lit, ok := vs.Values[i].(*ast.BasicLit)
						if !ok || lit.Kind != token.STRING {
							continue
						}
						code, _ := strconv.Unquote(lit.Value)
						found++
						if _, ok := french[code]; !ok {
							t.Errorf("%s: %s = %q has no French message in the catalog", path, name.Name, code)
						}
					}
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if found < 70 {
		t.Fatalf("read only %d code constants: is the source tree where the test expects it?", found)
	}
	for _, code := range []string{
		"validation_required", "validation_invalid_email", "validation_is_email", "validation_not_unique",
		"validation_values_mismatch", "validation_length_out_of_range", "validation_min_greater_equal_than_required",
		"validation_max_less_equal_than_required", "validation_invalid_format", "validation_invalid_value",
		"validation_min_text_constraint", "validation_max_text_constraint", "validation_missing_rel_records",
		"validation_in_invalid", "validation_match_invalid", "validation_too_many_values", "batch_request_failed",
	} {
		if _, ok := french[code]; !ok {
			t.Errorf("PocketBase code %s has no French message", code)
		}
	}
	for code, m := range french {
		if strings.TrimSpace(m) == "" {
			t.Errorf("%s: empty message", code)
		}
	}
}
