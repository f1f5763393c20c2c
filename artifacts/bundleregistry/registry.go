// Package bundleregistry serves a bundle as a read-only OCI registry, straight
// from its parts, for sites with no registry: the pull side of the OCI
// distribution spec (the /v2/ check, manifests by tag and digest with HEAD,
// blobs with Range, tag listing with n/last pagination, an empty referrers
// answer, the spec's error codes). Images are served under their original
// repository path without the source host: docker.io/apache/x:1.0 is pulled
// as HOST/apache/x:1.0.
//
// Nothing damaged is served as if it were whole: every manifest is checked
// against its digest on every read, and a blob is hashed while it streams,
// its last bytes held back until the hash is known.
package bundleregistry

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"golang.org/x/sync/singleflight"

	"ferry/artifacts/bundle"
	"ferry/artifacts/image"
	"ferry/artifacts/size"
)

// MaxManifestSize is the largest manifest, index or images/index.json read:
// the OCI distribution spec lets a registry refuse manifests over 4 MiB, and
// no real image comes near it, so anything larger is refused rather than
// read into memory.
const MaxManifestSize = 4 << 20

const maxManifestText = "4 MiB"

// Pull is one manifest served, for the log and the live count.
type Pull struct {
	Repo, Reference, Digest string
	Remote                  string
}

// Registry serves one bundle's images.
type Registry struct {
	contents *bundle.Contents
	index    bundle.Index
	// bases serve the blobs a delta bundle leaves out.
	bases []baseBundle
	repos map[string]*repository
	// media maps a manifest or index digest to its media type.
	media map[string]types.MediaType
	// nodes maps a manifest or index digest to what it names.
	nodes map[string]node
	pulls atomic.Int64

	mu sync.Mutex
	// damaged holds what was found not to match its digest: it is refused
	// from then on.
	damaged map[string]*damage
	// verified holds blobs hashed whole and found right, which Range
	// requests may then read in pieces.
	verified map[string]bool
	hashing  singleflight.Group
	bufs     sync.Pool

	// OnPull, when set, is called for every manifest GET served.
	OnPull func(Pull)
	// OnError, when set, is told once of each item found damaged (a
	// *DamageError naming the part that holds it) and of every failed read
	// of the parts.
	OnError func(error)
}

// repository is one repository served: its tags, and every manifest and
// blob its images use (a blob is served only under the repositories that
// use it, as the distribution registry does).
type repository struct {
	tags map[string]v1.Descriptor
	uses map[string]bool
}

type damage struct {
	err      *DamageError
	reported bool
}

// DamageError says that an item's bytes in the bundle do not match its
// digest, and which part holds them.
type DamageError struct {
	// What is "image blob" or "image manifest".
	What   string
	Digest string
	// Parts are the 1-based numbers of the parts holding the item, and
	// Names their file names.
	Parts []int
	Names []string
	Of    int
}

func (e *DamageError) Error() string {
	where := "the bundle"
	switch len(e.Parts) {
	case 0:
	case 1:
		where = fmt.Sprintf("part %d of %d (%s)", e.Parts[0], e.Of, e.Names[0])
	default:
		where = fmt.Sprintf("parts %d–%d of %d (%s)", e.Parts[0], e.Parts[len(e.Parts)-1], e.Of, strings.Join(e.Names, ", "))
	}
	what := "the part"
	if len(e.Parts) > 1 {
		what = "those parts"
	}
	return fmt.Sprintf("%s %s is damaged in %s, so it is not served: copy %s again from the original media and restart ferry serve", e.What, shortDigest(e.Digest), where, what)
}

// Unwrap returns bundle.ErrDamagedPart.
func (e *DamageError) Unwrap() error { return bundle.ErrDamagedPart }

func shortDigest(d string) string {
	if len(d) > 19 {
		return d[:19] + "…"
	}
	return d
}

// New reads the bundle's layout index and every image manifest in it, and
// prepares to serve them. It refuses an images/index.json or a manifest
// larger than MaxManifestSize. A manifest that does not match its digest is
// not refused here: it is answered with an error when asked for.
func New(ctx context.Context, b *bundle.Bundle) (*Registry, error) {
	return NewWith(ctx, b, nil)
}

// NewWith is New for a delta bundle served with its bases: the blobs it
// leaves out are served from them, and their images are served too (a
// tag both carry is the delta's).
func NewWith(ctx context.Context, b *bundle.Bundle, bases []*bundle.Bundle) (*Registry, error) {
	c, err := b.Scan(ctx)
	if err != nil {
		return nil, err
	}
	r := &Registry{contents: c, index: b.Index, repos: map[string]*repository{}, media: map[string]types.MediaType{},
		nodes: map[string]node{}, damaged: map[string]*damage{}, verified: map[string]bool{}}
	r.bufs.New = func() any { return new([2][]byte) }
	for _, bb := range bases {
		bc, err := bb.Scan(ctx)
		if err != nil {
			r.Close()
			return nil, fmt.Errorf("the base bundle %s: %w", bb.Index.Name, err)
		}
		r.bases = append(r.bases, baseBundle{contents: bc, index: bb.Index})
	}
	// Every blob is known before any manifest is read: a delta's
	// manifests name blobs its bases hold.
	if err := r.load(ctx, c); err != nil {
		r.Close()
		return nil, err
	}
	for _, bb := range r.bases {
		if err := r.load(ctx, bb.contents); err != nil {
			r.Close()
			return nil, fmt.Errorf("the base bundle %s: %w", bb.index.Name, err)
		}
	}
	return r, nil
}

// baseBundle is a bundle served with a delta for the blobs it leaves out.
type baseBundle struct {
	contents *bundle.Contents
	index    bundle.Index
}

// load learns the images of one bundle's images/index.json.
func (r *Registry) load(ctx context.Context, c *bundle.Contents) error {
	sr, ok := c.Open(bundle.ImagesDir + "/index.json")
	if !ok {
		return nil // a bundle without images serves an empty registry
	}
	if sr.Size() > MaxManifestSize {
		return fmt.Errorf("%w: its images/index.json is %s, more than the %s a registry reads for an index: this bundle was not made by ferry, or its index is damaged", bundle.ErrNotABundle, size.Format(sr.Size()), maxManifestText)
	}
	idx, err := v1.ParseIndexManifest(sr)
	if err != nil {
		return fmt.Errorf("%w: images/index.json cannot be read", bundle.ErrNotABundle)
	}
	for _, d := range idx.Manifests {
		ref := d.Annotations["org.opencontainers.image.ref.name"]
		name, err := image.MappedRepo(ref, "")
		if err != nil {
			continue
		}
		_, _, tag, _ := image.Origin(ref)
		rp := r.repos[name]
		if rp == nil {
			rp = &repository{tags: map[string]v1.Descriptor{}, uses: map[string]bool{}}
			r.repos[name] = rp
		}
		if _, taken := rp.tags[tag]; tag != "" && !taken {
			rp.tags[tag] = d
		}
		if err := r.learn(ctx, rp, ref, d); err != nil {
			return fmt.Errorf("%s: %w", ref, err)
		}
	}
	return nil
}

// Holds says whether the bundle, or one of its bases, holds blob digest.
func (r *Registry) Holds(digest string) bool {
	_, ok := r.entry(digest)
	return ok
}

// node is what a manifest or index names that the bundle holds: an image
// manifest's config and layers, an index's children.
type node struct {
	blobs    []string
	children []child
}

type child struct {
	digest    v1.Hash
	mediaType types.MediaType
}

// learn records a manifest or index, and what it names, as used by rp.
// Each is read once, however many repositories use it, and visited once
// per repository however many indexes name it; indexes nested deeper than
// bundle.MaxNesting are refused.
func (r *Registry) learn(ctx context.Context, rp *repository, ref string, root v1.Descriptor) error {
	var g bundle.Graph
	return g.Walk(ctx, ref, root, func(d v1.Descriptor) ([]v1.Descriptor, error) {
		dg := d.Digest.String()
		if _, ok := r.media[dg]; !ok {
			r.media[dg] = d.MediaType
		}
		sr, ok := r.entry(dg)
		if !ok {
			return nil, nil // a sparse index's child that was not carried
		}
		rp.uses[dg] = true
		n, known := r.nodes[dg]
		if !known {
			var err error
			if n, err = r.readNode(dg, d.MediaType, sr); err != nil {
				return nil, err
			}
			r.nodes[dg] = n
		}
		for _, b := range n.blobs {
			rp.uses[b] = true
		}
		kids := make([]v1.Descriptor, 0, len(n.children))
		for _, c := range n.children {
			kids = append(kids, v1.Descriptor{Digest: c.digest, MediaType: c.mediaType})
		}
		return kids, nil
	})
}

// readNode reads what a manifest or index names. One that is damaged or
// cannot be parsed names nothing: it is refused when asked for, and what it
// names is unreachable. Only a manifest over MaxManifestSize is an error.
func (r *Registry) readNode(dg string, mt types.MediaType, sr *io.SectionReader) (node, error) {
	if sr.Size() > MaxManifestSize {
		return node{}, fmt.Errorf("its manifest %s is %s, more than the %s a registry accepts: this bundle cannot be served", shortDigest(dg), size.Format(sr.Size()), maxManifestText)
	}
	if !mt.IsIndex() && !mt.IsImage() {
		return node{}, nil
	}
	raw, err := r.readManifest(dg, sr)
	if err != nil {
		return node{}, nil
	}
	var n node
	if mt.IsIndex() {
		idx, err := v1.ParseIndexManifest(bytes.NewReader(raw))
		if err != nil {
			return node{}, nil
		}
		for _, c := range idx.Manifests {
			n.children = append(n.children, child{c.Digest, c.MediaType})
		}
		return n, nil
	}
	m, err := v1.ParseManifest(bytes.NewReader(raw))
	if err != nil {
		return node{}, nil
	}
	for _, b := range append([]v1.Descriptor{m.Config}, m.Layers...) {
		if _, ok := r.entry(b.Digest.String()); ok {
			n.blobs = append(n.blobs, b.Digest.String())
		}
	}
	return n, nil
}

// entry opens the blob file of a sha256 digest.
func (r *Registry) entry(digest string) (*io.SectionReader, bool) {
	hex, ok := strings.CutPrefix(digest, "sha256:")
	if !ok || len(hex) != 64 {
		return nil, false
	}
	if sr, ok := r.contents.Open(bundle.ImagesDir + "/blobs/sha256/" + hex); ok {
		return sr, true
	}
	for _, b := range r.bases {
		if sr, ok := b.contents.Open(bundle.ImagesDir + "/blobs/sha256/" + hex); ok {
			return sr, true
		}
	}
	return nil, false
}

// indexOf is the index of the bundle whose parts hold sr.
func (r *Registry) indexOf(sr *io.SectionReader) bundle.Index {
	outer, _, _ := sr.Outer()
	for _, b := range r.bases {
		if outer == io.ReaderAt(b.contents) {
			return b.index
		}
	}
	return r.index
}

// readManifest reads a manifest whole and checks it against its digest;
// a mismatch is a *DamageError, remembered.
func (r *Registry) readManifest(digest string, sr *io.SectionReader) ([]byte, error) {
	if d := r.damagedErr(digest); d != nil {
		return nil, d
	}
	if sr.Size() > MaxManifestSize {
		return nil, fmt.Errorf("manifest %s is %s, more than the %s a registry accepts", shortDigest(digest), size.Format(sr.Size()), maxManifestText)
	}
	raw := make([]byte, sr.Size())
	if n, err := sr.ReadAt(raw, 0); n < len(raw) && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("manifest %s cannot be read from the bundle: %w", shortDigest(digest), err)
	}
	if bundle.Digest(raw) != digest {
		return nil, r.markDamaged("image manifest", digest, sr)
	}
	return raw, nil
}

// markDamaged remembers an item as damaged and names the parts holding it.
func (r *Registry) markDamaged(what, digest string, sr *io.SectionReader) *DamageError {
	r.mu.Lock()
	defer r.mu.Unlock()
	if d, ok := r.damaged[digest]; ok {
		return d.err
	}
	idx := r.indexOf(sr)
	e := &DamageError{What: what, Digest: digest, Of: len(idx.Parts)}
	_, off, n := sr.Outer()
	for _, s := range idx.Spans(off, n) {
		e.Parts = append(e.Parts, s.Part+1)
		e.Names = append(e.Names, idx.Parts[s.Part].Name)
	}
	r.damaged[digest] = &damage{err: e}
	delete(r.verified, digest)
	return e
}

func (r *Registry) damagedErr(digest string) *DamageError {
	r.mu.Lock()
	defer r.mu.Unlock()
	if d, ok := r.damaged[digest]; ok {
		return d.err
	}
	return nil
}

// report tells OnError of a problem; damage only the first time.
func (r *Registry) report(err error) {
	var de *DamageError
	if errors.As(err, &de) {
		r.mu.Lock()
		d := r.damaged[de.Digest]
		first := d != nil && !d.reported
		if first {
			d.reported = true
		}
		r.mu.Unlock()
		if !first {
			return
		}
	}
	if r.OnError != nil {
		r.OnError(err)
	}
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
func (r *Registry) Close() error {
	err := r.contents.Close()
	for _, b := range r.bases {
		if e := b.contents.Close(); err == nil {
			err = e
		}
	}
	return err
}

// regError is the distribution spec's error body.
func regError(w http.ResponseWriter, status int, code, msg string, detail any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Del("Content-Length")
	w.Header().Del("Docker-Content-Digest")
	w.Header().Del("Cache-Control")
	w.WriteHeader(status)
	e := map[string]any{"code": code, "message": msg}
	if detail != nil {
		e["detail"] = detail
	}
	_ = json.NewEncoder(w).Encode(map[string]any{"errors": []map[string]any{e}})
}

// refuse answers a request for an item that is damaged or cannot be read.
func (r *Registry) refuse(w http.ResponseWriter, err error) {
	r.report(err)
	regError(w, http.StatusInternalServerError, "UNKNOWN", err.Error(), nil)
}

// ServeHTTP implements the pull side of the distribution spec.
func (r *Registry) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	w.Header().Set("Docker-Distribution-API-Version", "registry/2.0")
	p := req.URL.Path
	if req.Method != http.MethodGet && req.Method != http.MethodHead {
		regError(w, http.StatusMethodNotAllowed, "UNSUPPORTED", "this registry is read-only: it serves a ferry bundle", nil)
		return
	}
	if p == "/v2" || p == "/v2/" {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", "2")
		w.WriteHeader(http.StatusOK)
		if req.Method == http.MethodGet {
			_, _ = w.Write([]byte("{}"))
		}
		return
	}
	if p == "/v2/_catalog" {
		r.catalog(w, req)
		return
	}
	rest, ok := strings.CutPrefix(p, "/v2/")
	if !ok {
		unknownPath(w, p)
		return
	}
	if name, ok := strings.CutSuffix(rest, "/tags/list"); ok && name != "" {
		if rp := r.repository(w, name); rp != nil {
			r.tagList(w, req, name, rp)
		}
		return
	}
	i := strings.LastIndex(rest, "/")
	if i < 0 {
		unknownPath(w, p)
		return
	}
	head, ref := rest[:i], rest[i+1:]
	for _, kind := range []string{"/manifests", "/blobs", "/referrers"} {
		name, ok := strings.CutSuffix(head, kind)
		if !ok || name == "" || ref == "" {
			continue
		}
		if kind == "/referrers" {
			referrers(w, req, ref)
			return
		}
		rp := r.repository(w, name)
		if rp == nil {
			return
		}
		if kind == "/manifests" {
			r.manifest(w, req, name, rp, ref)
		} else {
			r.serveBlob(w, req, rp, ref)
		}
		return
	}
	unknownPath(w, p)
}

func unknownPath(w http.ResponseWriter, p string) {
	regError(w, http.StatusNotFound, "UNSUPPORTED", "no such endpoint in this read-only registry", map[string]string{"path": p})
}

// repository finds a repository served, or answers NAME_UNKNOWN.
func (r *Registry) repository(w http.ResponseWriter, name string) *repository {
	rp, ok := r.repos[name]
	if !ok {
		regError(w, http.StatusNotFound, "NAME_UNKNOWN", "repository name not known to registry", map[string]string{"name": name})
	}
	return rp
}

var (
	algorithmPattern = regexp.MustCompile(`^[a-z0-9]+(?:[.+_-][a-z0-9]+)*$`)
	hexPattern       = regexp.MustCompile(`^[a-f0-9]+$`)
)

// validDigest says whether s is a digest the spec's clients may send:
// sha256 or sha512, lower-case hex of the right length.
func validDigest(s string) bool {
	alg, enc, ok := strings.Cut(s, ":")
	if !ok || !algorithmPattern.MatchString(alg) || !hexPattern.MatchString(enc) {
		return false
	}
	switch alg {
	case "sha256":
		return len(enc) == 64
	case "sha512":
		return len(enc) == 128
	}
	return false
}

func digestInvalid(w http.ResponseWriter, d string) {
	regError(w, http.StatusBadRequest, "DIGEST_INVALID", "invalid digest: sha256 followed by 64 lower-case hex digits was expected", map[string]string{"digest": d})
}

// referrers answers the referrers API: a bundle carries no referrers, so
// the answer is an empty index (the spec forbids a 404 here: it would tell
// the client that the API is missing).
func referrers(w http.ResponseWriter, req *http.Request, ref string) {
	if !validDigest(ref) {
		digestInvalid(w, ref)
		return
	}
	body := []byte(`{"schemaVersion":2,"mediaType":"` + string(types.OCIImageIndex) + `","manifests":[]}`)
	w.Header().Set("Content-Type", string(types.OCIImageIndex))
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	if req.Method == http.MethodGet {
		_, _ = w.Write(body)
	}
}

// accepts says whether a client's Accept header lets it have a manifest
// of media type mt, as the distribution registry decides: OCI manifests and
// indexes only for a client that lists them, a Docker manifest list by tag
// only for one that lists it (the distribution registry would rewrite it
// for an older client, which a bundle cannot), a Docker schema 2 manifest
// always. Unlike the distribution registry, no Accept header at all, or
// */*, accepts everything, as the OCI spec's own registries do.
func accepts(req *http.Request, mt types.MediaType, byTag bool) bool {
	vals := req.Header.Values("Accept")
	if len(vals) == 0 {
		return true
	}
	for _, v := range vals {
		for s := range strings.SplitSeq(v, ",") {
			m, _, err := mime.ParseMediaType(s)
			if err != nil {
				continue
			}
			if m == "*/*" || m == string(mt) {
				return true
			}
		}
	}
	switch mt {
	case types.DockerManifestSchema2:
		return true
	case types.DockerManifestList:
		return !byTag
	}
	return false
}

func (r *Registry) manifest(w http.ResponseWriter, req *http.Request, name string, rp *repository, ref string) {
	digest := ref
	byTag := !strings.Contains(ref, ":")
	if byTag {
		d, ok := rp.tags[ref]
		if !ok {
			regError(w, http.StatusNotFound, "MANIFEST_UNKNOWN", "manifest unknown to registry", map[string]string{"tag": ref})
			return
		}
		digest = d.Digest.String()
	} else if !validDigest(ref) {
		digestInvalid(w, ref)
		return
	}
	mt := r.media[digest]
	sr, present := r.entry(digest)
	if !rp.uses[digest] || !present {
		regError(w, http.StatusNotFound, "MANIFEST_UNKNOWN", "manifest unknown to registry", map[string]string{"digest": digest})
		return
	}
	if !accepts(req, mt, byTag) {
		regError(w, http.StatusNotFound, "MANIFEST_UNKNOWN", fmt.Sprintf("%s found, but the Accept header does not list it", mt), map[string]string{"digest": digest})
		return
	}
	raw, err := r.readManifest(digest, sr)
	if err != nil {
		r.refuse(w, err)
		return
	}
	w.Header().Set("Content-Type", string(mt))
	w.Header().Set("Docker-Content-Digest", digest)
	w.Header().Set("Content-Length", strconv.Itoa(len(raw)))
	w.WriteHeader(http.StatusOK)
	if req.Method == http.MethodHead {
		return
	}
	_, _ = w.Write(raw)
	r.pulls.Add(1)
	if r.OnPull != nil {
		r.OnPull(Pull{Repo: name, Reference: ref, Digest: digest, Remote: req.RemoteAddr})
	}
}

func (r *Registry) tagList(w http.ResponseWriter, req *http.Request, name string, rp *repository) {
	all := make([]string, 0, len(rp.tags))
	for t := range rp.tags {
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
				w.Header().Set("Link", fmt.Sprintf(`</v2/%s/tags/list?%s>; rel="next"`, name, next.Encode()))
			}
		}
	}
	var buf bytes.Buffer
	_ = json.NewEncoder(&buf).Encode(map[string]any{"name": name, "tags": all})
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
