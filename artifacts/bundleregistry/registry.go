// Package bundleregistry serves a bundle as a read-only OCI registry, straight
// from its parts, for sites with no registry: the pull side of the OCI
// distribution spec (the /v2/ check, manifests by tag and digest with HEAD,
// blobs with Range, tag listing with n/last pagination, the spec's error
// codes). Images are served under their original repository path without the
// source host: docker.io/apache/x:1.0 is pulled as HOST/apache/x:1.0.
package bundleregistry

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"ferry/artifacts/bundle"
	"ferry/artifacts/image"
)

// Pull is one manifest served, for the log and the live count.
type Pull struct {
	Repo, Reference, Digest string
	Remote                  string
}

// Registry serves one bundle's images.
type Registry struct {
	contents *bundle.Contents
	// repos maps a repository path to its tags (tag → descriptor) and to
	// whether it exists at all (digest-only images have no tags).
	repos map[string]map[string]v1.Descriptor
	// media maps a manifest or index digest to its media type.
	media map[string]types.MediaType
	pulls atomic.Int64
	// OnPull, when set, is called for every manifest GET served.
	OnPull func(Pull)
}

// New reads the bundle's layout index and prepares to serve it.
func New(ctx context.Context, b *bundle.Bundle) (*Registry, error) {
	c, err := b.Scan(ctx)
	if err != nil {
		return nil, err
	}
	r := &Registry{contents: c, repos: map[string]map[string]v1.Descriptor{}, media: map[string]types.MediaType{}}
	sr, ok := c.Open(bundle.ImagesDir + "/index.json")
	if !ok {
		return r, nil // a bundle without images serves an empty registry
	}
	idx, err := v1.ParseIndexManifest(sr)
	if err != nil {
		c.Close()
		return nil, fmt.Errorf("%w: images/index.json cannot be read", bundle.ErrNotABundle)
	}
	for _, d := range idx.Manifests {
		ref := d.Annotations["org.opencontainers.image.ref.name"]
		repo, err := image.MappedRepo(ref, "")
		if err != nil {
			continue
		}
		_, _, tag, _ := image.Origin(ref)
		if r.repos[repo] == nil {
			r.repos[repo] = map[string]v1.Descriptor{}
		}
		if tag != "" {
			r.repos[repo][tag] = d
		}
		r.learn(d, 0)
	}
	return r, nil
}

// learn records the media types of a manifest and, for an index, of the
// children the bundle holds.
func (r *Registry) learn(d v1.Descriptor, depth int) {
	r.media[d.Digest.String()] = d.MediaType
	if !d.MediaType.IsIndex() || depth > 4 {
		return
	}
	sr, ok := r.blob(d.Digest.String())
	if !ok {
		return
	}
	child, err := v1.ParseIndexManifest(sr)
	if err != nil {
		return
	}
	for _, c := range child.Manifests {
		if _, ok := r.blob(c.Digest.String()); ok {
			r.learn(c, depth+1)
		}
	}
}

func (r *Registry) blob(digest string) (*io.SectionReader, bool) {
	hex, ok := strings.CutPrefix(digest, "sha256:")
	if !ok || len(hex) != 64 {
		return nil, false
	}
	return r.contents.Open(bundle.ImagesDir + "/blobs/sha256/" + hex)
}

// Repositories lists the repositories served, sorted.
func (r *Registry) Repositories() []string {
	out := make([]string, 0, len(r.repos))
	for k := range r.repos {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Pulls is how many manifests were served.
func (r *Registry) Pulls() int64 { return r.pulls.Load() }

// Close releases the bundle's parts.
func (r *Registry) Close() error { return r.contents.Close() }

// regError is the distribution spec's error body.
func regError(w http.ResponseWriter, status int, code, msg string, detail any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	body := map[string]any{"errors": []map[string]any{{"code": code, "message": msg, "detail": detail}}}
	_ = json.NewEncoder(w).Encode(body)
}

// ServeHTTP implements the pull side of the distribution spec.
func (r *Registry) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	w.Header().Set("Docker-Distribution-API-Version", "registry/2.0")
	p := req.URL.Path
	if p == "/v2" || p == "/v2/" {
		if req.Method != http.MethodGet && req.Method != http.MethodHead {
			regError(w, http.StatusMethodNotAllowed, "UNSUPPORTED", "this registry is read-only", nil)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", "2")
		w.WriteHeader(http.StatusOK)
		if req.Method == http.MethodGet {
			_, _ = w.Write([]byte("{}"))
		}
		return
	}
	if !strings.HasPrefix(p, "/v2/") {
		http.NotFound(w, req)
		return
	}
	if p == "/v2/_catalog" {
		r.catalog(w, req)
		return
	}
	if req.Method != http.MethodGet && req.Method != http.MethodHead {
		regError(w, http.StatusMethodNotAllowed, "UNSUPPORTED", "this registry is read-only: it serves a ferry bundle", nil)
		return
	}
	rest := strings.TrimPrefix(p, "/v2/")
	for _, kind := range []string{"/manifests/", "/blobs/", "/tags/list"} {
		i := strings.LastIndex(rest, kind)
		if i <= 0 {
			continue
		}
		repo, ref := rest[:i], rest[i+len(kind):]
		tags, known := r.repos[repo]
		if !known {
			regError(w, http.StatusNotFound, "NAME_UNKNOWN", "repository name not known to registry", map[string]string{"name": repo})
			return
		}
		switch kind {
		case "/manifests/":
			r.manifest(w, req, repo, ref, tags)
		case "/blobs/":
			r.serveBlob(w, req, ref)
		default:
			if ref != "" {
				break
			}
			r.tagList(w, req, repo, tags)
		}
		return
	}
	http.NotFound(w, req)
}

func (r *Registry) manifest(w http.ResponseWriter, req *http.Request, repo, ref string, tags map[string]v1.Descriptor) {
	digest := ref
	if !strings.HasPrefix(ref, "sha256:") {
		d, ok := tags[ref]
		if !ok {
			regError(w, http.StatusNotFound, "MANIFEST_UNKNOWN", "manifest unknown to registry", map[string]string{"tag": ref})
			return
		}
		digest = d.Digest.String()
	}
	mt, ok := r.media[digest]
	sr, present := r.blob(digest)
	if !ok || !present {
		regError(w, http.StatusNotFound, "MANIFEST_UNKNOWN", "manifest unknown to registry", map[string]string{"digest": digest})
		return
	}
	w.Header().Set("Content-Type", string(mt))
	w.Header().Set("Docker-Content-Digest", digest)
	w.Header().Set("Content-Length", strconv.FormatInt(sr.Size(), 10))
	w.WriteHeader(http.StatusOK)
	if req.Method == http.MethodHead {
		return
	}
	_, _ = io.Copy(w, sr)
	r.pulls.Add(1)
	if r.OnPull != nil {
		r.OnPull(Pull{Repo: repo, Reference: ref, Digest: digest, Remote: req.RemoteAddr})
	}
}

func (r *Registry) serveBlob(w http.ResponseWriter, req *http.Request, digest string) {
	sr, ok := r.blob(digest)
	if !ok {
		regError(w, http.StatusNotFound, "BLOB_UNKNOWN", "blob unknown to registry", map[string]string{"digest": digest})
		return
	}
	w.Header().Set("Docker-Content-Digest", digest)
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Cache-Control", "max-age=31536000")
	// ServeContent answers HEAD, Range and If-Range with the right
	// Content-Length and Content-Range.
	http.ServeContent(w, req, "", time.Time{}, sr)
}

func (r *Registry) tagList(w http.ResponseWriter, req *http.Request, repo string, tags map[string]v1.Descriptor) {
	all := make([]string, 0, len(tags))
	for t := range tags {
		all = append(all, t)
	}
	sort.Strings(all)
	q := req.URL.Query()
	if last := q.Get("last"); last != "" {
		i := sort.SearchStrings(all, last)
		if i < len(all) && all[i] == last {
			i++
		}
		all = all[i:]
	}
	if ns := q.Get("n"); ns != "" {
		n, err := strconv.Atoi(ns)
		if err != nil || n < 0 {
			regError(w, http.StatusBadRequest, "PAGINATION_NUMBER_INVALID", "invalid number of results requested", map[string]string{"n": ns})
			return
		}
		if n < len(all) {
			all = all[:n]
			if n > 0 {
				next := url.Values{"n": {ns}, "last": {all[len(all)-1]}}
				w.Header().Set("Link", fmt.Sprintf(`</v2/%s/tags/list?%s>; rel="next"`, repo, next.Encode()))
			}
		}
	}
	var buf bytes.Buffer
	_ = json.NewEncoder(&buf).Encode(map[string]any{"name": repo, "tags": all})
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(http.StatusOK)
	if req.Method == http.MethodGet {
		_, _ = w.Write(buf.Bytes())
	}
}

func (r *Registry) catalog(w http.ResponseWriter, req *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"repositories": r.Repositories()})
}
