package replication

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/filesystem"
)

// Uploaded files (pb_data/storage: incident photos) are not in SQLite, so
// Litestream does not carry them. The replicator copies each file it finds
// in the app's storage to the replica, under storage/ beside Litestream's
// files, and a change counts as durable only once the files written
// before it are there too: PocketBase writes a record's files to storage
// before it writes the record's row, so a pass over the storage that
// begins after the log's head was read finds the files of every change up
// to that head. Restore copies them back.
//
// Thumbnails (thumbs_* directories) are left out: PocketBase makes them
// again from the original on demand. A file deleted from storage stays on
// the replica (a restore brings back an orphan nobody names, which is
// harmless).

// storageDir is the replica's folder (file://) or key prefix (s3://) of
// the uploaded files.
const storageDir = "storage"

// fileReplica is where the uploaded files are replicated.
type fileReplica struct {
	open   func() (*filesystem.System, error)
	prefix string // prepended to every storage key on the replica
}

// newFileReplica is the files' place on the replica at URL raw (checked
// by NewClient).
func newFileReplica(raw string) (*fileReplica, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadURL, err)
	}
	switch u.Scheme {
	case "file":
		dir := filepath.Join(filepath.FromSlash(u.Path), storageDir)
		return &fileReplica{open: func() (*filesystem.System, error) { return filesystem.NewLocal(dir) }}, nil
	case "s3":
		q := u.Query()
		region := q.Get("region")
		if region == "" {
			region = "us-east-1"
		}
		endpoint := q.Get("endpoint")
		if endpoint != "" && !strings.Contains(endpoint, "://") {
			endpoint = "https://" + endpoint
		}
		// Litestream's own default: path-style requests for a custom endpoint
		pathStyle := endpoint != ""
		for _, k := range []string{"forcePathStyle", "force-path-style"} {
			if v := q.Get(k); v != "" {
				pathStyle = v == "true" || v == "1"
			}
		}
		bucket := u.Host
		prefix := strings.Trim(u.Path, "/")
		if prefix != "" {
			prefix += "/"
		}
		return &fileReplica{
			prefix: prefix + storageDir + "/",
			open: func() (*filesystem.System, error) {
				return filesystem.NewS3(bucket, region, endpoint, os.Getenv("AWS_ACCESS_KEY_ID"), os.Getenv("AWS_SECRET_ACCESS_KEY"), pathStyle)
			},
		}, nil
	}
	return nil, fmt.Errorf("%w %q: the scheme must be file or s3", ErrBadURL, DisplayURLOrEmpty(raw))
}

// isThumb reports whether a storage key is a thumbnail PocketBase made.
func isThumb(key string) bool {
	return strings.Contains(key, "/thumbs_")
}

// fileCopier copies the app's uploaded files to the replica, remembering
// which are there (listed once, then every copy it made).
type fileCopier struct {
	app       core.App
	replica   *fileReplica
	onReplica map[string]bool // storage keys known on the replica; nil until listed
}

// sync copies every file of the app's storage the replica lacks. It
// succeeds only when the replica holds all of them.
func (c *fileCopier) sync(ctx context.Context) error {
	if c.app.Settings().S3.Enabled {
		return nil // the files live in S3 already, outside the data directory
	}
	src, err := c.app.NewFilesystem()
	if err != nil {
		return err
	}
	defer src.Close()
	dst, err := c.replica.open()
	if err != nil {
		return err
	}
	defer dst.Close()
	src.SetContext(ctx)
	dst.SetContext(ctx)
	if c.onReplica == nil {
		objs, err := dst.List(c.replica.prefix)
		if err != nil {
			return fmt.Errorf("listing the replica's files: %w", err)
		}
		known := make(map[string]bool, len(objs))
		for _, o := range objs {
			known[strings.TrimPrefix(o.Key, c.replica.prefix)] = true
		}
		c.onReplica = known
	}
	objs, err := src.List("")
	if err != nil {
		return fmt.Errorf("listing the uploaded files: %w", err)
	}
	var errs []error
	for _, o := range objs {
		if c.onReplica[o.Key] || isThumb(o.Key) {
			continue
		}
		if err := copyFile(src, o.Key, dst, c.replica.prefix+o.Key); err != nil {
			errs = append(errs, err)
			continue
		}
		c.onReplica[o.Key] = true
	}
	return errors.Join(errs...)
}

// copyFile copies one stored file with its content type and original
// name.
func copyFile(src *filesystem.System, srcKey string, dst *filesystem.System, dstKey string) error {
	f, err := src.GetReuploadableFile(srcKey, true)
	if err != nil {
		if ok, _ := src.Exists(srcKey); !ok {
			return nil // deleted since it was listed
		}
		return fmt.Errorf("reading %s: %w", srcKey, err)
	}
	if err := dst.UploadFile(f, dstKey); err != nil {
		return fmt.Errorf("copying %s: %w", srcKey, err)
	}
	return nil
}

// restoreFiles copies the replica's files into the local storage of the
// data directory dataDir; it answers how many it copied.
func restoreFiles(replica *fileReplica, dataDir string) (int, error) {
	src, err := replica.open()
	if err != nil {
		return 0, err
	}
	defer src.Close()
	dst, err := filesystem.NewLocal(filepath.Join(dataDir, core.LocalStorageDirName))
	if err != nil {
		return 0, err
	}
	defer dst.Close()
	objs, err := src.List(replica.prefix)
	if err != nil {
		return 0, fmt.Errorf("listing the replica's files: %w", err)
	}
	n := 0
	for _, o := range objs {
		key := strings.TrimPrefix(o.Key, replica.prefix)
		if key == o.Key && replica.prefix != "" || isThumb(key) {
			continue
		}
		if ok, _ := dst.Exists(key); ok {
			continue
		}
		if err := copyFile(src, o.Key, dst, key); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}
