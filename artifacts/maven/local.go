package maven

import (
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// LocalRepositories turns each repository given as a local folder into a
// file:// URL, so a Maven layout on disk (a USB stick, ~/.m2/repository)
// resolves like a remote one. URLs are kept as they are.
func LocalRepositories(repos []string) []string {
	out := make([]string, len(repos))
	for i, r := range repos {
		out[i] = r
		if strings.Contains(r, "://") {
			continue
		}
		if st, err := os.Stat(r); err == nil && st.IsDir() {
			if abs, err := filepath.Abs(r); err == nil {
				out[i] = (&url.URL{Scheme: "file", Path: filepath.ToSlash(abs)}).String()
			}
		}
	}
	return out
}

// LocalTransport reads file:// URLs from disk and sends the rest through
// base, so a resolver and a downloader read a repository folder with the
// same requests they send a server. nil base means http.DefaultTransport.
func LocalTransport(base http.RoundTripper) http.RoundTripper {
	if base == nil {
		base = http.DefaultTransport
	}
	return localTransport{base: base, files: http.NewFileTransport(http.Dir("/"))}
}

type localTransport struct{ base, files http.RoundTripper }

func (t localTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Scheme == "file" {
		resp, err := t.files.RoundTrip(req)
		if err != nil {
			return nil, err
		}
		// The file transport leaves a HEAD answer's length in its header
		// only; sizing reads the field.
		if n, perr := strconv.ParseInt(resp.Header.Get("Content-Length"), 10, 64); perr == nil {
			resp.ContentLength = n
		}
		return resp, nil
	}
	return t.base.RoundTrip(req)
}
