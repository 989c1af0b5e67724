package onboard

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode/utf8"
)

// Codes of a refused file or row.
const (
	CodeInvalidEncoding = "invalid_encoding" // not UTF-8
	CodeWrongSeparator  = "wrong_separator"  // ";" or tabs where "," is expected
	CodeInvalidHeader   = "invalid_header"   // missing or unknown columns
	CodeInvalidRow      = "invalid_row"      // wrong number of values, broken quotes
	CodeEmptyFile       = "empty_file"       // a header and no row
	CodeMissingValue    = "missing_value"    // a required column left empty
	CodeInvalidValue    = "invalid_value"    // a value of the wrong shape
	CodeDuplicate       = "duplicate"        // the same name, phone or e-mail twice in the file
	CodeUnknownCode     = "unknown_code"     // a code or name that matches nothing (glue)
	CodeTooManyRows     = "too_many_rows"
)

// MaxRows bounds one file: the country's units fit many times, and the
// largest account file (every police officer of a département) too.
const MaxRows = 20000

// Problem is one refused line of a file (line 1 is the header).
type Problem struct {
	Line    int    `json:"line"`
	Field   string `json:"field,omitempty"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

func (p Problem) String() string {
	if p.Field != "" {
		return fmt.Sprintf("line %d, %s: %s (%s)", p.Line, p.Field, p.Message, p.Code)
	}
	return fmt.Sprintf("line %d: %s (%s)", p.Line, p.Message, p.Code)
}

// FileError refuses a whole file: nothing of it can be read row by row.
type FileError struct{ Problem }

func (e *FileError) Error() string { return e.Problem.String() }

// Problems refuses a file whose rows could be read but not all accepted.
type Problems []Problem

func (ps Problems) Error() string {
	lines := make([]string, len(ps))
	for i, p := range ps {
		lines[i] = p.String()
	}
	return fmt.Sprintf("%d problem(s):\n%s", len(ps), strings.Join(lines, "\n"))
}

// firstLines records the line where each key (a name, a phone, an area)
// first appears in a file.
type firstLines map[string]int

// claim records key for line, or reports the earlier line holding it.
func (f firstLines) claim(key string, line int) (first int, taken bool) {
	if first, ok := f[key]; ok {
		return first, first != line
	}
	f[key] = line
	return line, false
}

// record is one data row: its line and values by column.
type record struct {
	line   int
	values map[string]string
}

func (r record) get(col string) string { return strings.TrimSpace(r.values[col]) }

// readFile reads a CSV of exactly the columns want (any order, names
// compared without case), UTF-8 with or without BOM, comma-separated.
func readFile(r io.Reader, want []string) ([]record, error) {
	raw, err := io.ReadAll(io.LimitReader(r, 64<<20))
	if err != nil {
		return nil, err
	}
	raw = bytes.TrimPrefix(raw, []byte("\xef\xbb\xbf"))
	if !utf8.Valid(raw) {
		line := 1 + bytes.Count(raw[:invalidAt(raw)], []byte("\n"))
		return nil, fileErr(line, "", CodeInvalidEncoding, "The file is not UTF-8 text: save it as \"CSV UTF-8\".")
	}
	first, _, _ := strings.Cut(string(raw), "\n")
	if !strings.Contains(first, ",") && (strings.Contains(first, ";") || strings.Contains(first, "\t")) {
		return nil, fileErr(1, "", CodeWrongSeparator, "Values must be separated by commas, not semicolons or tabs.")
	}
	cr := csv.NewReader(bytes.NewReader(raw))
	cr.FieldsPerRecord = -1 // checked below, with the line number
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, fileErr(1, "", CodeInvalidHeader, "The file is empty: its first line must be "+strings.Join(want, ","))
	}
	if err != nil {
		return nil, csvErr(err)
	}
	cols := make([]string, len(header))
	for i, h := range header {
		cols[i] = strings.ToLower(strings.TrimSpace(h))
	}
	var missing, unknown []string
	for _, w := range want {
		if !slices.Contains(cols, w) {
			missing = append(missing, w)
		}
	}
	for _, c := range cols {
		if !slices.Contains(want, c) {
			unknown = append(unknown, c)
		}
	}
	if len(missing) > 0 || len(unknown) > 0 || len(cols) != len(want) {
		msg := "The first line must be " + strings.Join(want, ",")
		if len(missing) > 0 {
			msg += "; missing: " + strings.Join(missing, ", ")
		}
		if len(unknown) > 0 {
			msg += "; unknown: " + strings.Join(unknown, ", ")
		}
		return nil, fileErr(1, "", CodeInvalidHeader, msg+".")
	}
	var out []record
	for {
		vals, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, csvErr(err)
		}
		line, _ := cr.FieldPos(0)
		if len(vals) == 1 && strings.TrimSpace(vals[0]) == "" {
			continue // a blank line
		}
		if len(vals) != len(cols) {
			return nil, fileErr(line, "", CodeInvalidRow, fmt.Sprintf("%d values where the header has %d columns.", len(vals), len(cols)))
		}
		if len(out) == MaxRows {
			return nil, fileErr(line, "", CodeTooManyRows, fmt.Sprintf("At most %d rows per file.", MaxRows))
		}
		rec := record{line: line, values: make(map[string]string, len(cols))}
		for i, c := range cols {
			rec.values[c] = vals[i]
		}
		out = append(out, rec)
	}
	if len(out) == 0 {
		return nil, fileErr(1, "", CodeEmptyFile, "The file has a header but no row.")
	}
	return out, nil
}

func fileErr(line int, field, code, msg string) *FileError {
	return &FileError{Problem{Line: line, Field: field, Code: code, Message: msg}}
}

func csvErr(err error) *FileError {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return fileErr(pe.StartLine, "", CodeInvalidRow, "Unreadable line: "+pe.Err.Error()+".")
	}
	return fileErr(0, "", CodeInvalidRow, err.Error())
}

func invalidAt(b []byte) int {
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size <= 1 {
			return i
		}
		i += size
	}
	return len(b)
}

// splitCodes reads a list of codes separated by ";" (spaces ignored).
func splitCodes(s string) []string {
	var out []string
	for _, c := range strings.Split(s, ";") {
		if c = strings.TrimSpace(c); c != "" {
			out = append(out, c)
		}
	}
	return out
}
