package receipts

import (
	"bytes"
	"encoding/json"
	"math"
	"slices"
	"testing"
	"time"
)

func nanValue() float64 { return math.NaN() }

func mustDigest(t *testing.T, d DeclaredDetails) string {
	t.Helper()
	s, err := d.Digest()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestCanonicalGolden pins the canonical form: changing it invalidates every
// digest already issued, so it must be a deliberate, versioned change.
func TestCanonicalGolden(t *testing.T) {
	got, err := sampleDetails().Canonical()
	if err != nil {
		t.Fatal(err)
	}
	want := `{"arrondissement":"080104","commune":"0801","ends_at":"2026-03-02T13:00:00Z",` +
		`"expected_attendance":5000,"kind":"meeting","lat":6.3654,"lon":2.4183,` +
		`"place":"Place de l'Étoile Rouge","route":[[6.3654,2.4183],[6.37,2.42]],` +
		`"security_needs":["crowd_control","traffic"],"sound_vehicle":true,` +
		`"starts_at":"2026-03-02T09:00:00Z","title":"Grand meeting à Cotonou","v":1}`
	if string(got) != want {
		t.Errorf("canonical\n got %s\nwant %s", got, want)
	}
	if d := mustDigest(t, sampleDetails()); len(d) != 43 {
		t.Errorf("digest %q is not 43 base64url characters", d)
	}
}

// TestCanonicalIsJCS checks the canonical form against an independent
// encoder: Go's encoding/json sorts map keys and, without HTML escaping,
// writes plain strings and numbers the way RFC 8785 does.
func TestCanonicalIsJCS(t *testing.T) {
	d := sampleDetails()
	d.Lat, d.Lon = nil, ptr(-0.000001)
	d.Route = nil
	got, err := d.Canonical()
	if err != nil {
		t.Fatal(err)
	}
	var v map[string]any
	if err := json.Unmarshal(got, &v); err != nil {
		t.Fatalf("canonical form is not JSON: %v", err)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	if want := bytes.TrimSuffix(buf.Bytes(), []byte("\n")); !bytes.Equal(got, want) {
		t.Errorf("canonical\n got %s\nwant %s", got, want)
	}
}

func TestCanonicalNumbersAndStrings(t *testing.T) {
	// Expected values are what JavaScript's String(n) and JSON.stringify give.
	nums := []struct {
		in   float64
		want string
	}{
		{0, "0"}, {math.Copysign(0, -1), "0"}, {1, "1"}, {-2.5, "-2.5"},
		{0.1, "0.1"}, {6.3654, "6.3654"}, {1e-6, "0.000001"}, {1e-7, "1e-7"},
		{1.5e-10, "1.5e-10"}, {1e20, "100000000000000000000"}, {1e21, "1e+21"},
		{123456789012345680000, "123456789012345680000"}, {5e-324, "5e-324"},
		{1.7976931348623157e308, "1.7976931348623157e+308"},
	}
	for _, tt := range nums {
		var e canonicalEncoder
		e.num(tt.in)
		if string(e.buf) != tt.want || e.err != nil {
			t.Errorf("num(%v) = %s (%v), want %s", tt.in, e.buf, e.err, tt.want)
		}
	}
	strs := []struct{ in, want string }{
		{"plain", `"plain"`},
		{`q"b\`, `"q\"b\\"`},
		{"\b\t\n\f\r\x00\x1f", `"\b\t\n\f\r\u0000\u001f"`},
		{"<&>\u2028é€😀\x7f", "\"<&>\u2028é€😀\x7f\""},
	}
	for _, tt := range strs {
		var e canonicalEncoder
		e.quote(tt.in)
		if string(e.buf) != tt.want || e.err != nil {
			t.Errorf("quote(%q) = %s (%v), want %s", tt.in, e.buf, e.err, tt.want)
		}
	}
}

func TestDigestDeterministic(t *testing.T) {
	base := mustDigest(t, sampleDetails())
	same := []func(*DeclaredDetails){
		func(d *DeclaredDetails) {}, // twice the same input
		func(d *DeclaredDetails) { d.SecurityNeeds = []string{"crowd_control", "traffic"} },
		func(d *DeclaredDetails) { d.SecurityNeeds = []string{"traffic", "crowd_control", "traffic"} },
		func(d *DeclaredDetails) { d.StartsAt = d.StartsAt.In(time.FixedZone("WAT", 3600)) },
		func(d *DeclaredDetails) { d.EndsAt = d.EndsAt.Add(400 * time.Millisecond) },
		func(d *DeclaredDetails) { d.Lat = ptr(*d.Lat) }, // another pointer, same value
	}
	for i, mutate := range same {
		d := sampleDetails()
		mutate(&d)
		if got := mustDigest(t, d); got != base {
			t.Errorf("case %d: digest changed: %s != %s", i, got, base)
		}
	}
	// Digest must not reorder the caller's slice.
	d := sampleDetails()
	before := slices.Clone(d.SecurityNeeds)
	mustDigest(t, d)
	if !slices.Equal(d.SecurityNeeds, before) {
		t.Errorf("Digest modified SecurityNeeds: %v", d.SecurityNeeds)
	}
}

func TestDigestChangesWithEveryDetail(t *testing.T) {
	changes := map[string]func(*DeclaredDetails){
		"kind":            func(d *DeclaredDetails) { d.Kind = "march" },
		"title":           func(d *DeclaredDetails) { d.Title += "!" },
		"place":           func(d *DeclaredDetails) { d.Place = "Stade de l'Amitié" },
		"commune":         func(d *DeclaredDetails) { d.Commune = "0802" },
		"arrondissement":  func(d *DeclaredDetails) { d.Arrondissement = "080105" },
		"lat":             func(d *DeclaredDetails) { d.Lat = ptr(6.3655) },
		"lat absent":      func(d *DeclaredDetails) { d.Lat = nil },
		"lat zero":        func(d *DeclaredDetails) { d.Lat = ptr(0) },
		"lon":             func(d *DeclaredDetails) { d.Lon = ptr(2.4184) },
		"route point":     func(d *DeclaredDetails) { d.Route[1][1] = 2.43 },
		"route order":     func(d *DeclaredDetails) { d.Route[0], d.Route[1] = d.Route[1], d.Route[0] },
		"route shorter":   func(d *DeclaredDetails) { d.Route = d.Route[:1] },
		"route empty":     func(d *DeclaredDetails) { d.Route = nil },
		"lat/lon swapped": func(d *DeclaredDetails) { d.Lat, d.Lon = d.Lon, d.Lat },
		"starts":          func(d *DeclaredDetails) { d.StartsAt = d.StartsAt.Add(time.Minute) },
		"ends":            func(d *DeclaredDetails) { d.EndsAt = d.EndsAt.Add(time.Second) },
		"attendance":      func(d *DeclaredDetails) { d.ExpectedAttendance++ },
		"need added":      func(d *DeclaredDetails) { d.SecurityNeeds = append(d.SecurityNeeds, "medical") },
		"need removed":    func(d *DeclaredDetails) { d.SecurityNeeds = d.SecurityNeeds[:1] },
		"needs empty":     func(d *DeclaredDetails) { d.SecurityNeeds = nil },
		"sound vehicle":   func(d *DeclaredDetails) { d.SoundVehicle = false },
		// Moving text between fields must not collide either.
		"text shifted": func(d *DeclaredDetails) { d.Kind, d.Title = d.Kind+d.Title[:5], d.Title[5:] },
	}
	seen := map[string]string{mustDigest(t, sampleDetails()): "original"}
	for name, mutate := range changes {
		d := sampleDetails()
		d.Route = slicesCloneRoute(d.Route)
		mutate(&d)
		got := mustDigest(t, d)
		if prev, ok := seen[got]; ok {
			t.Errorf("%s: same digest as %s", name, prev)
		}
		seen[got] = name
	}
}

func slicesCloneRoute(r [][2]float64) [][2]float64 { return slices.Clone(r) }

func TestCanonicalRejects(t *testing.T) {
	for name, mutate := range map[string]func(*DeclaredDetails){
		"NaN lat":         func(d *DeclaredDetails) { d.Lat = ptr(math.NaN()) },
		"infinite route":  func(d *DeclaredDetails) { d.Route[0][0] = math.Inf(1) },
		"invalid UTF-8":   func(d *DeclaredDetails) { d.Title = "\xff" },
		"huge attendance": func(d *DeclaredDetails) { d.ExpectedAttendance = math.MaxInt },
	} {
		if name == "huge attendance" && math.MaxInt <= maxSafeInt {
			continue // int cannot exceed 2^53 on this platform
		}
		d := sampleDetails()
		d.Route = slicesCloneRoute(d.Route)
		mutate(&d)
		if _, err := d.Canonical(); err == nil {
			t.Errorf("%s: Canonical succeeded", name)
		}
	}
}
