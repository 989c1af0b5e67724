package replication

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"

	"github.com/benbjohnson/litestream"
)

// ErrBadURL is returned (wrapped) for a replica URL Coprosec does not take.
var ErrBadURL = errors.New("replica URL")

// ErrCABundle is returned for an s3:// replica while AWS_CA_BUNDLE is set:
// Litestream's S3 client builds its own HTTP transport, which the AWS SDK
// cannot give a custom CA bundle, so the client would fail when first used
// ("unable to add custom RootCAs HTTPClient"); refused up front with what
// to do instead.
var ErrCABundle = errors.New("AWS_CA_BUNDLE is set, which the embedded S3 replica client cannot use: unset it for serve and restore; a private CA goes into the system trust store (or SSL_CERT_FILE) instead")

// NewClient is Litestream's client for a replica URL: file:///DIR or
// s3://BUCKET/PATH?endpoint=URL[&region=R]. Credentials come from the
// standard AWS variables (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY).
func NewClient(raw string) (litestream.ReplicaClient, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("%w %q: %v", ErrBadURL, DisplayURLOrEmpty(raw), err)
	}
	switch u.Scheme {
	case "file":
		if u.Host != "" && u.Host != "localhost" {
			return nil, fmt.Errorf("%w: file:///DIR takes an absolute directory, not host %q", ErrBadURL, u.Host)
		}
		if u.Path == "" || u.Path == "/" {
			return nil, fmt.Errorf("%w: file:///DIR needs a directory", ErrBadURL)
		}
	case "s3":
		if u.Host == "" {
			return nil, fmt.Errorf("%w: s3://BUCKET/PATH needs a bucket", ErrBadURL)
		}
		if u.User != nil {
			return nil, fmt.Errorf("%w: credentials go in AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, not in the URL", ErrBadURL)
		}
		if os.Getenv("AWS_CA_BUNDLE") != "" {
			return nil, fmt.Errorf("replica %s: %w", DisplayURLOrEmpty(raw), ErrCABundle)
		}
	default:
		return nil, fmt.Errorf("%w %q: the scheme must be file or s3", ErrBadURL, DisplayURLOrEmpty(raw))
	}
	client, err := litestream.NewReplicaClientFromURL(raw)
	if err != nil {
		return nil, fmt.Errorf("%w %q: %v", ErrBadURL, DisplayURLOrEmpty(raw), err)
	}
	return client, nil
}

// safeQuery are the query parameters a displayed URL keeps; any other
// (a token, a key some provider takes in the query) is dropped.
var safeQuery = map[string]bool{"endpoint": true, "region": true, "forcePathStyle": true, "force-path-style": true, "skipVerify": true, "skip-verify": true}

// DisplayURL is the replica URL without credentials: no user info (in the
// URL or in its endpoint) and only the query parameters that configure
// where the replica is.
func DisplayURL(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("%w: %v", ErrBadURL, err)
	}
	u.User = nil
	q := url.Values{}
	for k, vs := range u.Query() {
		if !safeQuery[k] {
			continue
		}
		for _, v := range vs {
			if k == "endpoint" {
				if e, err := url.Parse(v); err == nil && e.User != nil {
					e.User = nil
					v = e.String()
				}
			}
			q.Add(k, v)
		}
	}
	u.RawQuery = q.Encode()
	u.Fragment = ""
	return u.String(), nil
}

// DisplayURLOrEmpty is DisplayURL, or a placeholder for a URL that does
// not parse (never the raw text, which may hold a secret).
func DisplayURLOrEmpty(raw string) string {
	if s, err := DisplayURL(raw); err == nil {
		return s
	}
	if i := strings.Index(raw, "://"); i > 0 {
		return raw[:i] + "://…"
	}
	return "…"
}
