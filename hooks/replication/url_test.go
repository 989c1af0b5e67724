package replication

import (
	"errors"
	"strings"
	"testing"
)

func TestDisplayURLHidesCredentials(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"file:///srv/replica", "file:///srv/replica"},
		{"s3://bucket/prod/db?endpoint=http%3A%2F%2F127.0.0.1%3A9000&region=us-east-1", "s3://bucket/prod/db?endpoint=http%3A%2F%2F127.0.0.1%3A9000&region=us-east-1"},
		{"s3://key:secret@bucket/p", "s3://bucket/p"},
		{"s3://bucket/p?endpoint=https://u:pw@s3.example&access-key-id=AKIA&region=r", "s3://bucket/p?endpoint=https%3A%2F%2Fs3.example&region=r"},
	} {
		got, err := DisplayURL(c.in)
		if err != nil || got != c.want {
			t.Errorf("DisplayURL(%q) = %q, %v; want %q", c.in, got, err, c.want)
		}
		if strings.Contains(got, "secret") || strings.Contains(got, "AKIA") || strings.Contains(got, "pw") {
			t.Errorf("DisplayURL(%q) shows a credential: %q", c.in, got)
		}
	}
}

func TestNewClientRefusesBadURLs(t *testing.T) {
	t.Setenv("AWS_CA_BUNDLE", "")
	for _, raw := range []string{
		"", "/srv/replica", "ftp://host/x", "file://host/dir", "file:///", "s3:///path",
		"s3://key:secret@bucket/p", "%zz",
	} {
		_, err := NewClient(raw)
		if !errors.Is(err, ErrBadURL) {
			t.Errorf("NewClient(%q): %v, want ErrBadURL", raw, err)
		}
		if err != nil && strings.Contains(err.Error(), "secret") {
			t.Errorf("NewClient(%q) error shows the secret: %v", raw, err)
		}
	}
	for _, raw := range []string{"file:///srv/replica", "s3://bucket/prod?endpoint=http://127.0.0.1:9000&region=us-east-1"} {
		if _, err := NewClient(raw); err != nil {
			t.Errorf("NewClient(%q): %v", raw, err)
		}
	}
}

// TestNewClientRefusesACABundle: with AWS_CA_BUNDLE set, an s3:// replica
// is refused when the server starts, saying why, rather than failing at
// its first upload; a file:// replica does not care.
func TestNewClientRefusesACABundle(t *testing.T) {
	t.Setenv("AWS_CA_BUNDLE", "/etc/ssl/certs/ca-certificates.crt")
	_, err := NewClient("s3://bucket/prod?endpoint=http://127.0.0.1:9000&region=us-east-1")
	if !errors.Is(err, ErrCABundle) || !strings.Contains(err.Error(), "s3://bucket/prod") {
		t.Errorf("s3 replica with AWS_CA_BUNDLE: %v, want ErrCABundle naming the replica", err)
	}
	if _, err := NewClient("file:///srv/replica"); err != nil {
		t.Errorf("file replica with AWS_CA_BUNDLE: %v", err)
	}
}
