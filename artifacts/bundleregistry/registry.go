// Package bundleregistry serves a bundle as a read-only OCI registry, straight
// from its parts, for sites with no registry: the pull side of the OCI
// distribution spec (the /v2/ check, manifests by tag and digest with HEAD,
// blobs with Range, tag listing with n/last pagination, the referrers API
// answered from the manifests with a subject the bundle carries, the spec's
// error codes). Cosign's signature, attestation and SBOM tags are served
// like any other tag. Images are served under their original
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
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"golang.org/x/sync/singleflight"

	"ferry/artifacts/bundle"
	"ferry/artifacts/image"
	"ferry/artifacts/progress"
	"ferry/artifacts/size"
)

// MaxManifestSize is the largest manifest, index or images/index.json read:
// the OCI distribution spec lets a registry refuse manifests over 4 MiB, and
// no real image comes near it, so anything larger is refused rather than
// read into memory.
const MaxManifestSize = 4 << 20

const maxManifestText = "4 MiB"

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

	// Progress, when set, hears of every manifest GET served, one event
	// at a time: progress.StageServe, Pulled, Item the repository and
	// reference, Label who pulled what, ItemsDone the pulls so far.
	Progress progress.Sink
	pullsMu  sync.Mutex
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
	// referrers lists, by subject digest, the manifests that name it as
	// their subject, as the referrers API describes them.
	referrers map[string][]v1.Descriptor
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
	sr, ok := c.Open(bundle.LayoutIndexPath)
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
			rp = &repository{tags: map[string]v1.Descriptor{}, uses: map[string]bool{}, referrers: map[string][]v1.Descriptor{}}
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
	// subject is the digest a referrer is about, and referrer the
	// referrer as the referrers API lists it.
	subject  string
	referrer v1.Descriptor
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
		if n.subject != "" {
			rp.addReferrer(n.subject, n.referrer)
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
	n.subject, n.referrer = referrerOf(raw, dg, mt)
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
	if sr, ok := r.contents.Open(bundle.BlobPath(hex)); ok {
		return sr, true
	}
	for _, b := range r.bases {
		if sr, ok := b.contents.Open(bundle.BlobPath(hex)); ok {
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
