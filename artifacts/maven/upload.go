package maven

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"

	"ferry/artifacts/ctxio"
	"ferry/artifacts/fault"
)

// ErrConflict marks a file the repository holds with other content and
// refuses to overwrite (Nexus and Reposilite with redeploy disabled).
var ErrConflict = errors.New("different file already deployed")

// ErrDamaged marks a file whose content does not hash to the sha256 it must
// have: it was not made visible at the destination.
var ErrDamaged = errors.New("file damaged")

// DamagedError says which file did not hash to its sha256. Its text is a
// fact, not advice: the caller knows where the file came from and what to
// do about it.
type DamagedError struct {
	Path      string
	Want, Got string // sha256, hex
}

func (e *DamagedError) Error() string {
	return fmt.Sprintf("%s hashes to sha256:%s where sha256:%s was expected", e.Path, e.Got, e.Want)
}

// Unwrap returns ErrDamaged.
func (e *DamagedError) Unwrap() error { return ErrDamaged }

// ErrFolderFull marks a Maven folder whose file system ran out of space.
var ErrFolderFull = errors.New("Maven folder full")

// Source is a file to deploy: where to read it, its size, and the sha256 it
// must hash to. It is read through as often as needed (to compare with
// what the destination holds, then to send), never held in memory.
type Source struct {
	Content io.ReaderAt
	Size    int64
	// SHA256 is lowercase hex; content that hashes otherwise is refused.
	SHA256 string
}

// BytesSource is a Source for content in memory (a generated sidecar).
func BytesSource(b []byte) Source {
	s := sha256.Sum256(b)
	return Source{Content: bytes.NewReader(b), Size: int64(len(b)), SHA256: hex.EncodeToString(s[:])}
}

// Checksums are a file's digests as lowercase hex, for its sidecars.
type Checksums struct{ SHA1, MD5, SHA256 string }

// checked reads a Source once, hashing as it goes. The read that would
// deliver the last byte first checks the sha256: on a mismatch it withholds
// that byte and fails, so a receiver that is sent the stream (an HTTP
// upload, a file) never gets a complete copy of a damaged file.
type checked struct {
	r              io.Reader
	path           string
	want           string
	left           int64
	s256, s1, smd5 hash.Hash
	// sums and err are set once the last byte is read, perhaps by the
	// HTTP transport's goroutine: read them through result.
	mu   sync.Mutex
	sums Checksums
	err  error // the DamagedError, once found
}

func (s Source) open(path string) *checked {
	return &checked{r: io.NewSectionReader(s.Content, 0, s.Size), path: path, want: strings.ToLower(s.SHA256), left: s.Size,
		s256: sha256.New(), s1: sha1.New(), smd5: md5.New()}
}

func (c *checked) finish() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sums = Checksums{SHA1: hex.EncodeToString(c.s1.Sum(nil)), MD5: hex.EncodeToString(c.smd5.Sum(nil)), SHA256: hex.EncodeToString(c.s256.Sum(nil))}
	if c.sums.SHA256 != c.want {
		c.err = &DamagedError{Path: c.path, Want: c.want, Got: c.sums.SHA256}
	}
	return c.err
}

// result is the checksums and the verdict, once the last byte was read.
func (c *checked) result() (Checksums, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.sums, c.err
}

func (c *checked) Read(p []byte) (int, error) {
	if c.left == 0 {
		if _, err := c.result(); err != nil {
			return 0, err
		}
		return 0, io.EOF
	}
	if int64(len(p)) > c.left {
		p = p[:c.left]
	}
	n, err := c.r.Read(p)
	c.s256.Write(p[:n])
	c.s1.Write(p[:n])
	c.smd5.Write(p[:n])
	c.left -= int64(n)
	if c.left == 0 {
		if derr := c.finish(); derr != nil {
			return n - 1, derr
		}
		return n, nil
	}
	if errors.Is(err, io.EOF) {
		return n, io.ErrUnexpectedEOF
	}
	return n, err
}

// Sum reads the whole source and checks it, without sending it anywhere.
func (s Source) Sum(path string) (Checksums, error) {
	c := s.open(path)
	if s.Size == 0 {
		c.finish()
	}
	if _, err := io.Copy(io.Discard, c); err != nil {
		sums, _ := c.result()
		return sums, err
	}
	return c.result()
}

// Uploader deploys files into a Maven repository by HTTP PUT, as Nexus 3,
// Artifactory and Reposilite accept: HEAD first, skipping files already
// identical, with .sha1 and .md5 sidecars.
type Uploader struct {
	// URL is the repository's base URL, without credentials.
	URL                string
	Username, Password string
	Client             *http.Client
}

// Outcome of one file.
const (
	Uploaded = "uploaded"
	Skipped  = "skipped"
)

func (u *Uploader) client() *http.Client {
	if u.Client != nil {
		return u.Client
	}
	return http.DefaultClient
}

func (u *Uploader) req(ctx context.Context, method, path string, body io.Reader, size int64) (*http.Response, error) {
	r, err := http.NewRequestWithContext(ctx, method, strings.TrimSuffix(u.URL, "/")+"/"+path, body)
	if err != nil {
		return nil, err
	}
	if body != nil {
		r.ContentLength = size
	}
	if u.Username != "" {
		r.SetBasicAuth(u.Username, u.Password)
	}
	resp, err := u.client().Do(r)
	if err != nil {
		return nil, explain(u.URL, err)
	}
	return resp, nil
}

// Put deploys src at path unless the repository already has it identical
// (same size and the same sha1 as the repository's .sha1 says, or the same
// content when it has no .sha1), and returns the file's checksums. The
// content is checked against src.SHA256 as it is read: a damaged file is
// never sent whole, what the repository kept of it is deleted (when this
// upload created it), and the error is a *DamagedError.
func (u *Uploader) Put(ctx context.Context, path string, src Source) (string, Checksums, error) {
	resp, err := u.req(ctx, http.MethodHead, path, nil, 0)
	if err != nil {
		return "", Checksums{}, err
	}
	resp.Body.Close()
	exists := resp.StatusCode == http.StatusOK
	if resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden {
		return "", Checksums{}, u.refused(resp.StatusCode)
	}
	if exists && resp.ContentLength == src.Size {
		sums, err := src.Sum(path)
		if err != nil {
			return "", sums, err
		}
		same, err := u.sameSHA1(ctx, path, sums.SHA1, src.Size)
		if err != nil {
			return "", sums, err
		}
		if same {
			return Skipped, sums, nil
		}
	}
	body := src.open(path)
	if src.Size == 0 {
		if err := body.finish(); err != nil {
			return "", Checksums{}, err
		}
	}
	resp, err = u.req(ctx, http.MethodPut, path, body, src.Size)
	sums, damaged := body.result()
	if damaged != nil {
		if resp != nil {
			resp.Body.Close()
		}
		if !exists {
			u.remove(ctx, path)
		}
		return "", sums, damaged
	}
	if err != nil {
		return "", sums, err
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusCreated || resp.StatusCode == http.StatusOK || resp.StatusCode == http.StatusNoContent:
		return Uploaded, sums, nil
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		return "", sums, u.refused(resp.StatusCode)
	case (resp.StatusCode == http.StatusBadRequest || resp.StatusCode == http.StatusConflict) && exists:
		return "", sums, fault.New(ErrConflict, "%s already holds %s with different content and refuses to replace it (HTTP %d, redeploy disabled): delete it there, or leave it and skip this artifact", u.URL, path, resp.StatusCode)
	}
	return "", sums, fmt.Errorf("%s answered HTTP %d to the upload of %s: check the repository's settings (write policy, layout, version policy)", u.URL, resp.StatusCode, path)
}

// remove deletes path, where the repository allows it (WebDAV, Nexus and
// Artifactory do for deployers; others answer 405 and keep nothing of an
// upload that did not complete).
func (u *Uploader) remove(ctx context.Context, path string) {
	resp, err := u.req(context.WithoutCancel(ctx), http.MethodDelete, path, nil, 0)
	if err == nil {
		resp.Body.Close()
	}
}

// Identical says whether the repository serves a file of size bytes at
// path whose sha1 is sha1hex.
func (u *Uploader) Identical(ctx context.Context, path string, size int64, sha1hex string) (bool, error) {
	resp, err := u.req(ctx, http.MethodHead, path, nil, 0)
	if err != nil {
		return false, err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || (resp.ContentLength >= 0 && resp.ContentLength != size) {
		return false, nil
	}
	return u.sameSHA1(ctx, path, sha1hex, size)
}

func (u *Uploader) refused(code int) error {
	if code == http.StatusUnauthorized {
		return fault.New(ErrUnauthorized, "the Maven repository %s refused the credentials: check %s", u.URL, fault.Use(fault.MavenLogin))
	}
	return fault.New(ErrUnauthorized, "the Maven repository %s does not let these credentials deploy (HTTP 403): ask for deploy rights", u.URL)
}

// sameSHA1 compares with the repository's .sha1 sidecar, or with the sha1
// of the file itself when there is none.
func (u *Uploader) sameSHA1(ctx context.Context, path, sha1hex string, size int64) (bool, error) {
	resp, err := u.req(ctx, http.MethodGet, path+".sha1", nil, 0)
	if err != nil {
		return false, err
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
	resp.Body.Close()
	if resp.StatusCode == http.StatusOK {
		return strings.HasPrefix(strings.ToLower(strings.TrimSpace(string(body))), sha1hex), nil
	}
	resp, err = u.req(ctx, http.MethodGet, path, nil, 0)
	if err != nil {
		return false, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return false, nil
	}
	h := sha1.New()
	n, err := io.Copy(h, io.LimitReader(resp.Body, size+1))
	if err != nil {
		return false, err
	}
	return n == size && hex.EncodeToString(h.Sum(nil)) == sha1hex, nil
}

// Sums returns the .sha1 and .md5 sidecar contents for data.
func Sums(data []byte) (sha1hex, md5hex string) {
	s := sha1.Sum(data)
	m := md5.Sum(data)
	return hex.EncodeToString(s[:]), hex.EncodeToString(m[:])
}

// TempSuffix ends the name a file has in a Maven folder while it is being
// written and checked; only a checked file is renamed into place.
const TempSuffix = ".ferry-tmp"

// CopyToDir writes src at path under dir (a folder Maven can use as a file
// repository) unless the folder already holds it with the same sha256, and
// returns the file's checksums. The copy is written under a temporary name
// and renamed into place only once its sha256 matches; otherwise (a damaged
// source, a full disk) the temporary file is removed and the error is
// returned, a *DamagedError for a damaged source.
func CopyToDir(ctx context.Context, dir, path string, src Source) (string, Checksums, error) {
	dst := filepath.Join(dir, filepath.FromSlash(path))
	if st, err := os.Stat(dst); err == nil && st.Mode().IsRegular() && st.Size() == src.Size {
		f, err := os.Open(dst)
		if err == nil {
			sums, err := Source{Content: f, Size: src.Size, SHA256: src.SHA256}.Sum(path)
			f.Close()
			if err == nil {
				return Skipped, sums, nil
			}
		}
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return "", Checksums{}, fmt.Errorf("cannot write to the Maven folder %s: %w", dir, err)
	}
	tmp := dst + TempSuffix
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o644)
	if err != nil {
		return "", Checksums{}, fmt.Errorf("cannot write to the Maven folder %s: %w", dir, err)
	}
	c := src.open(path)
	if src.Size == 0 {
		c.finish()
	}
	_, err = io.Copy(f, ctxio.Reader(ctx, c))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if ctx.Err() != nil {
		os.Remove(tmp) // nothing half-written stays under its name or beside it
		return "", Checksums{}, ctx.Err()
	}
	sums, damaged := c.result()
	if damaged != nil {
		os.Remove(tmp)
		return "", sums, damaged
	}
	if errors.Is(err, syscall.ENOSPC) {
		os.Remove(tmp)
		return "", sums, fault.New(ErrFolderFull, "the Maven folder %s is full (writing %s): free space there or choose another folder (%s), then run the import again", dir, path, fault.Use(fault.MavenDir))
	}
	if err != nil {
		os.Remove(tmp)
		return "", sums, fmt.Errorf("cannot write to the Maven folder %s: %w", dir, err)
	}
	if err := os.Rename(tmp, dst); err != nil {
		os.Remove(tmp)
		return "", sums, fmt.Errorf("cannot write to the Maven folder %s: %w", dir, err)
	}
	return Uploaded, sums, nil
}
