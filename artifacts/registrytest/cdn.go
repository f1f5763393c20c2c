package registrytest

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Registries across the internet answer a blob GET with a redirect to a
// CDN, which serves the bytes (Range requests too) from hosts of its own,
// at a signed URL that expires. RedirectBlobs makes the proxy do the same,
// so clients are tested and measured against that shape: the redirect, a
// second host without the registry's login, and URLs that stop working.

// cdnTTL is how long a URL the CDN hands out stays valid, as signed URLs
// do (minutes, at the big registries).
const cdnTTL = 10 * time.Minute

// cdn is the proxy's second listener, serving blobs at the URLs the
// proxy's redirects name.
type cdn struct {
	host   string
	origin *Registry
	dir    string // copies of blobs fetched from the origin

	mu        sync.Mutex
	fetching  map[string]*sync.Mutex
	notBefore int64 // URLs issued earlier are refused, as expired

	redirects atomic.Int64
	requests  atomic.Int64
}

// RedirectBlobs answers every blob GET with a 307 redirect to a CDN the
// proxy serves on a second loopback port, until the test ends. The CDN
// serves the blob, with Range, from the registry's storage folder
// (distribution) or from a copy it fetches from the registry on first
// request; its answers go through the proxy's latency, caps and faults.
// Its URLs carry no login and expire after ten minutes (see ExpireCDN).
func (p *FaultProxy) RedirectBlobs(t testing.TB) {
	t.Helper()
	c := &cdn{origin: p.target, dir: t.TempDir(), fetching: map[string]*sync.Mutex{}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { p.serveCDN(c, w, r) }))
	t.Cleanup(srv.Close)
	c.host = strings.TrimPrefix(srv.URL, "http://")
	p.mu.Lock()
	p.cdn = c
	p.mu.Unlock()
}

// ExpireCDN makes every CDN URL handed out so far expire: the CDN answers
// 403 to them, as to a signed URL past its time.
func (p *FaultProxy) ExpireCDN() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cdn != nil {
		p.cdn.notBefore = time.Now().UnixNano()
	}
}

// CDNHost is the CDN's "127.0.0.1:PORT" (plain HTTP: name it insecure
// too), or "" before RedirectBlobs.
func (p *FaultProxy) CDNHost() string {
	if c := p.cdnOf(); c != nil {
		return c.host
	}
	return ""
}

// Redirects is how many blob GETs the proxy redirected to the CDN.
func (p *FaultProxy) Redirects() int64 {
	if c := p.cdnOf(); c != nil {
		return c.redirects.Load()
	}
	return 0
}

// CDNRequests is how many requests the CDN received.
func (p *FaultProxy) CDNRequests() int64 {
	if c := p.cdnOf(); c != nil {
		return c.requests.Load()
	}
	return 0
}

func (p *FaultProxy) cdnOf() *cdn {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.cdn
}

// redirect answers a blob GET of repo with the CDN's URL for it.
func (c *cdn) redirect(w http.ResponseWriter, r *http.Request, repo, digest string) {
	c.redirects.Add(1)
	q := url.Values{"repo": {repo}, "issued": {strconv.FormatInt(time.Now().UnixNano(), 10)}}
	http.Redirect(w, r, "http://"+c.host+"/blobs/"+digest+"?"+q.Encode(), http.StatusTemporaryRedirect)
}

// serveCDN serves a blob at a URL a redirect named.
func (p *FaultProxy) serveCDN(c *cdn, w http.ResponseWriter, r *http.Request) {
	c.requests.Add(1)
	p.mu.Lock()
	latency, notBefore := p.latency, c.notBefore
	p.mu.Unlock()
	if latency > 0 {
		time.Sleep(latency)
	}
	digest := strings.TrimPrefix(r.URL.Path, "/blobs/")
	issued, err := strconv.ParseInt(r.URL.Query().Get("issued"), 10, 64)
	if r.Method != http.MethodGet && r.Method != http.MethodHead || !strings.HasPrefix(digest, "sha256:") || err != nil {
		http.Error(w, "not a blob URL", http.StatusNotFound)
		return
	}
	if issued < notBefore || time.Since(time.Unix(0, issued)) > cdnTTL {
		http.Error(w, "Request has expired", http.StatusForbidden)
		return
	}
	path, err := c.blobFile(r, r.URL.Query().Get("repo"), digest)
	if err != nil {
		http.Error(w, err.Error(), http.StatusNotFound)
		return
	}
	f, err := os.Open(path)
	if err != nil {
		http.Error(w, err.Error(), http.StatusNotFound)
		return
	}
	defer f.Close()
	if r.Method == http.MethodGet {
		p.mu.Lock()
		p.ranges = append(p.ranges, r.Header.Get("Range"))
		p.mu.Unlock()
		w = &countingWriter{ResponseWriter: w, p: p, digest: digest, start: time.Now()}
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	http.ServeContent(w, r, "", time.Time{}, f)
}

// blobFile is where the CDN holds a blob: in the distribution registry's
// storage, or in a copy fetched from the registry once.
func (c *cdn) blobFile(r *http.Request, repo, digest string) (string, error) {
	hex := strings.TrimPrefix(digest, "sha256:")
	if len(hex) != 64 || strings.ContainsAny(hex, "./") {
		return "", fmt.Errorf("%q is not a digest", digest)
	}
	if c.origin.Storage != "" {
		return filepath.Join(c.origin.Storage, "docker", "registry", "v2", "blobs", "sha256", hex[:2], hex, "data"), nil
	}
	c.mu.Lock()
	m := c.fetching[hex]
	if m == nil {
		m = &sync.Mutex{}
		c.fetching[hex] = m
	}
	c.mu.Unlock()
	m.Lock()
	defer m.Unlock()
	path := filepath.Join(c.dir, hex)
	if _, err := os.Stat(path); err == nil {
		return path, nil
	}
	req, err := http.NewRequestWithContext(r.Context(), http.MethodGet, c.origin.URL+"/v2/"+repo+"/blobs/"+digest, nil)
	if err != nil {
		return "", err
	}
	resp, err := (&http.Client{Transport: c.origin.Transport()}).Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("the origin answered %s", resp.Status)
	}
	tmp := path + ".part"
	f, err := os.Create(tmp)
	if err != nil {
		return "", err
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		f.Close()
		return "", err
	}
	if err := f.Close(); err != nil {
		return "", err
	}
	return path, os.Rename(tmp, path)
}
