package download

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// Cache is a content-addressed store on disk:
//
//	blobs/sha256/<hex>    verified content, by digest
//	partial/sha256/<hex>  downloads in progress, resumed on the next run
//	maven/<path>          Maven files, checked against their sidecars
//	located/sha256/<hex>  where a written bundle holds a blob (Location)
type Cache struct {
	Dir string
}

// OpenCache creates the cache's folders.
func OpenCache(dir string) (*Cache, error) {
	for _, d := range []string{"blobs/sha256", "partial/sha256", "maven", "located/sha256"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			return nil, fmt.Errorf("cannot use the cache folder %s: %w", dir, err)
		}
	}
	return &Cache{Dir: dir}, nil
}

func hexOf(digest string) (string, error) {
	h, ok := strings.CutPrefix(digest, "sha256:")
	if !ok || len(h) != 64 {
		return "", fmt.Errorf("%q is not a sha256 digest", digest)
	}
	if _, err := hex.DecodeString(h); err != nil {
		return "", fmt.Errorf("%q is not a sha256 digest", digest)
	}
	return h, nil
}

// BlobPath is where a verified blob lives.
func (c *Cache) BlobPath(digest string) string {
	h, _ := hexOf(digest)
	return filepath.Join(c.Dir, "blobs", "sha256", h)
}

func (c *Cache) partialPath(digest string) string {
	h, _ := hexOf(digest)
	return filepath.Join(c.Dir, "partial", "sha256", h)
}

// MavenPath is where a verified Maven file lives.
func (c *Cache) MavenPath(repoPath string) string {
	return filepath.Join(c.Dir, "maven", filepath.FromSlash(repoPath))
}

// Have says whether the cache holds the blob, as a copy or in a written
// bundle.
func (c *Cache) Have(digest string, size int64) bool {
	if c.HasBlob(digest, size) {
		return true
	}
	_, ok := c.Locate(digest, size)
	return ok
}

// HasBlob says whether the blob is stored complete with the given size.
func (c *Cache) HasBlob(digest string, size int64) bool {
	st, err := os.Stat(c.BlobPath(digest))
	return err == nil && st.Mode().IsRegular() && (size < 0 || st.Size() == size)
}

// Missing returns how many bytes of the blob are not yet in the cache,
// counting what a partial download already holds.
func (c *Cache) Missing(digest string, size int64) int64 {
	if c.Have(digest, size) {
		return 0
	}
	if st, err := os.Stat(c.partialPath(digest)); err == nil && st.Size() <= size {
		return size - st.Size()
	}
	return size
}

// PutBlob stores data under its digest after checking it.
func (c *Cache) PutBlob(digest string, data []byte) error {
	sum := sha256.Sum256(data)
	if "sha256:"+hex.EncodeToString(sum[:]) != digest {
		return fmt.Errorf("%w: content does not hash to %s", ErrDigestMismatch, digest)
	}
	tmp := c.partialPath(digest) + ".put"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, c.BlobPath(digest))
}

// ErrDigestMismatch marks content that does not match its expected digest
// or checksum; it is never cached.
var ErrDigestMismatch = errors.New("digest mismatch")

// resumeState opens a partial download for appending and returns it with
// the hashes of what it already holds.
func resumeState(path string, size int64, algos []string) (*os.File, *hashState, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	if size >= 0 && st.Size() > size {
		if err := f.Truncate(0); err != nil {
			f.Close()
			return nil, nil, err
		}
	}
	hs := newHashState(algos...)
	if _, err := io.Copy(hs, f); err != nil {
		f.Close()
		return nil, nil, err
	}
	return f, hs, nil
}
