package maven

import (
	"context"
	"crypto/md5"
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"ferry/artifacts/fault"
)

// ErrConflict marks a file the repository holds with other content and
// refuses to overwrite (Nexus and Reposilite with redeploy disabled).
var ErrConflict = errors.New("different file already deployed")

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

// Put deploys data at path unless the repository already has it identical
// (same size and the same sha1 as the repository's .sha1 says, or the same
// bytes when it has no .sha1).
func (u *Uploader) Put(ctx context.Context, path string, data []byte) (string, error) {
	sum := sha1.Sum(data)
	sha1hex := hex.EncodeToString(sum[:])
	resp, err := u.req(ctx, http.MethodHead, path, nil, 0)
	if err != nil {
		return "", err
	}
	resp.Body.Close()
	exists := resp.StatusCode == http.StatusOK
	if resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden {
		return "", u.refused(resp.StatusCode)
	}
	if exists && resp.ContentLength == int64(len(data)) {
		same, err := u.sameSHA1(ctx, path, sha1hex, data)
		if err != nil {
			return "", err
		}
		if same {
			return Skipped, nil
		}
	}
	resp, err = u.req(ctx, http.MethodPut, path, strings.NewReader(string(data)), int64(len(data)))
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusCreated || resp.StatusCode == http.StatusOK || resp.StatusCode == http.StatusNoContent:
		return Uploaded, nil
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		return "", u.refused(resp.StatusCode)
	case (resp.StatusCode == http.StatusBadRequest || resp.StatusCode == http.StatusConflict) && exists:
		return "", fault.New(ErrConflict, "%s already holds %s with different content and refuses to replace it (HTTP %d, redeploy disabled): delete it there, or leave it and skip this artifact", u.URL, path, resp.StatusCode)
	}
	return "", fmt.Errorf("%s answered HTTP %d to the upload of %s: check the repository's settings (write policy, layout, version policy)", u.URL, resp.StatusCode, path)
}

// Identical says whether the repository serves data at path.
func (u *Uploader) Identical(ctx context.Context, path string, data []byte) (bool, error) {
	resp, err := u.req(ctx, http.MethodHead, path, nil, 0)
	if err != nil {
		return false, err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || (resp.ContentLength >= 0 && resp.ContentLength != int64(len(data))) {
		return false, nil
	}
	s := sha1.Sum(data)
	return u.sameSHA1(ctx, path, hex.EncodeToString(s[:]), data)
}

func (u *Uploader) refused(code int) error {
	if code == http.StatusUnauthorized {
		return fault.New(ErrUnauthorized, "the Maven repository %s refused the credentials: check --maven-username and the password", u.URL)
	}
	return fault.New(ErrUnauthorized, "the Maven repository %s does not let these credentials deploy (HTTP 403): ask for deploy rights", u.URL)
}

// sameSHA1 compares with the repository's .sha1 sidecar, or with the file
// itself when there is none.
func (u *Uploader) sameSHA1(ctx context.Context, path, sha1hex string, data []byte) (bool, error) {
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
	got, err := io.ReadAll(io.LimitReader(resp.Body, int64(len(data))+1))
	if err != nil {
		return false, err
	}
	return string(got) == string(data), nil
}

// Sums returns the .sha1 and .md5 sidecar contents for data.
func Sums(data []byte) (sha1hex, md5hex string) {
	s := sha1.Sum(data)
	m := md5.Sum(data)
	return hex.EncodeToString(s[:]), hex.EncodeToString(m[:])
}

// CopyToDir writes data at path under dir (a folder Maven can use as a
// file repository), through a temporary file renamed into place.
func CopyToDir(dir, path string, data []byte) (string, error) {
	dst := filepath.Join(dir, filepath.FromSlash(path))
	if old, err := os.ReadFile(dst); err == nil && string(old) == string(data) {
		return Skipped, nil
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return "", fmt.Errorf("cannot write to the Maven folder %s: %w", dir, err)
	}
	tmp := dst + ".ferry-tmp"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return "", fmt.Errorf("cannot write to the Maven folder %s: %w", dir, err)
	}
	if err := os.Rename(tmp, dst); err != nil {
		return "", err
	}
	return Uploaded, nil
}
