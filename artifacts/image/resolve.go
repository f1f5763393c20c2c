package image

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"ferry/artifacts/source"

	"ferry/artifacts/fault"
)

// Kinds of blob a bundle holds for an image.
const (
	KindIndex    = "index"
	KindManifest = "manifest"
	KindConfig   = "config"
	KindLayer    = "layer"
)

// Blob is one content-addressed object of an image.
type Blob struct {
	Digest    string `json:"digest"`
	Size      int64  `json:"size"`
	MediaType string `json:"mediaType,omitempty"`
	// Kind is index, manifest, config or layer.
	Kind string `json:"kind"`
	// Platforms are the os/arch[/variant] images that use the blob; empty
	// for an index.
	Platforms []string `json:"platforms,omitempty"`
}

// Resolved is an image reference resolved for a set of architectures.
type Resolved struct {
	// Reference is the reference as the catalog or list wrote it.
	Reference string
	// Digest is the digest of the top-level manifest or index; the bundle
	// keeps it so digest-pinned references resolve unchanged on the far side.
	Digest    string
	MediaType string
	// Platforms are the platforms carried, sorted.
	Platforms []string
	// Available are all platforms the image offers, sorted.
	Available []string
	// Blobs are the top-level manifest, the carried platforms' manifests,
	// configs and layers, each digest once.
	Blobs []Blob
	// ArtifactType is the top-level manifest's artifactType (OCI 1.1
	// artifacts), or its config's media type when that is not an image
	// config; empty for images.
	ArtifactType string
}

// Size is the image's compressed size: every blob it carries counted once.
func (r *Resolved) Size() int64 {
	var n int64
	for _, b := range r.Blobs {
		n += b.Size
	}
	return n
}

// ErrNoPlatform marks an image that has none of the chosen architectures.
var ErrNoPlatform = errors.New("no matching platform")

// ErrUnsupported marks an image in a format ferry cannot carry.
var ErrUnsupported = errors.New("unsupported image format")

// Resolver resolves references through one source access, sharing
// connections and auth tokens between calls. It is safe for concurrent use.
type Resolver struct {
	access *source.Access
	puller *remote.Puller
	// Keep, when set, is given every image manifest and index the
	// resolver reads, with its digest: a download after the plan need
	// not ask the registry for it again (registries that limit pulls
	// count manifest requests).
	Keep func(digest string, raw []byte)
}

// kept hands raw to Keep.
func (r *Resolver) kept(raw []byte) {
	if r.Keep != nil {
		sum := sha256.Sum256(raw)
		r.Keep("sha256:"+hex.EncodeToString(sum[:]), raw)
	}
}

// NewResolver builds a resolver on an access.
func NewResolver(a *source.Access) (*Resolver, error) {
	p, err := remote.NewPuller(a.RemoteOptions()...)
	if err != nil {
		return nil, err
	}
	return &Resolver{access: a, puller: p}, nil
}

// Resolve finds what the bundle carries for original when the chosen
// architectures are archs ("amd64", "arm64"). Errors are sentences.
func (r *Resolver) Resolve(ctx context.Context, original string, archs []string) (*Resolved, error) {
	return r.resolve(ctx, original, archs, nil)
}

// resolve is Resolve; fetched, when set, is told of the top-level
// manifest or index as soon as it is read, before its children are.
func (r *Resolver) resolve(ctx context.Context, original string, archs []string, fetched func(*remote.Descriptor)) (*Resolved, error) {
	ref, err := r.access.Reference(original)
	if err != nil {
		return nil, err
	}
	host := ref.Context().RegistryStr()
	desc, err := r.puller.Get(ctx, ref)
	if err != nil {
		return nil, source.Explain(original, host, err)
	}
	if d, ok := ref.(name.Digest); ok && d.DigestStr() != desc.Digest.String() {
		return nil, fmt.Errorf("%s was served with digest %s: the registry or mirror returned different content", original, desc.Digest)
	}
	if fetched != nil {
		fetched(desc)
	}
	res := &Resolved{Reference: original, Digest: desc.Digest.String(), MediaType: string(desc.MediaType), ArtifactType: artifactType(desc.Manifest)}
	seen := map[string]int{}
	add := func(b Blob) {
		i, ok := seen[b.Digest]
		if !ok {
			seen[b.Digest] = len(res.Blobs)
			res.Blobs = append(res.Blobs, b)
			return
		}
		for _, p := range b.Platforms {
			if !slices.Contains(res.Blobs[i].Platforms, p) {
				res.Blobs[i].Platforms = append(res.Blobs[i].Platforms, p)
			}
		}
	}
	switch {
	case desc.MediaType.IsIndex():
		add(Blob{Digest: res.Digest, Size: int64(len(desc.Manifest)), MediaType: res.MediaType, Kind: KindIndex})
		if err := r.walkIndex(ctx, ref, original, host, desc.Manifest, archs, res, add, map[string]bool{}, 0); err != nil {
			return nil, err
		}
		if len(res.Platforms) == 0 {
			return nil, fault.New(ErrNoPlatform, "%s has no image for %s (it has %s): choose one of those architectures", original, strings.Join(archs, ", "), orNone(res.Available))
		}
	case desc.MediaType.IsImage():
		p, blobs, err := r.image(ctx, ref, original, host, desc.Manifest, desc.MediaType, nil)
		if err != nil {
			return nil, err
		}
		res.Available = []string{p}
		if !platformMatches(p, archs) {
			return nil, fault.New(ErrNoPlatform, "%s is built only for %s, not for %s: choose that architecture or another image", original, p, strings.Join(archs, ", "))
		}
		res.Platforms = []string{p}
		for _, b := range blobs {
			add(b)
		}
	case desc.MediaType == types.DockerManifestSchema1 || desc.MediaType == types.DockerManifestSchema1Signed:
		return nil, fault.New(ErrUnsupported, "%s uses the old Docker schema 1 format, which registries no longer accept: rebuild or re-push it", original)
	default:
		return nil, fault.New(ErrUnsupported, "%s has media type %s, which is not an image or an index", original, desc.MediaType)
	}
	slices.Sort(res.Platforms)
	res.Platforms = slices.Compact(res.Platforms)
	slices.Sort(res.Available)
	res.Available = slices.Compact(res.Available)
	return res, nil
}

// walkIndex reads an index's children, each digest once however many
// indexes name it (seen), so a registry cannot make the work grow with the
// number of paths through nested indexes.
func (r *Resolver) walkIndex(ctx context.Context, ref name.Reference, original, host string, raw []byte, archs []string, res *Resolved, add func(Blob), seen map[string]bool, depth int) error {
	if depth > 4 {
		return fault.New(ErrUnsupported, "%s nests indexes too deeply", original)
	}
	r.kept(raw)
	idx, err := v1.ParseIndexManifest(strings.NewReader(string(raw)))
	if err != nil {
		return fmt.Errorf("%s: the index cannot be read: %w", original, err)
	}
	for _, m := range idx.Manifests {
		if err := ctx.Err(); err != nil {
			return err
		}
		if seen[m.Digest.String()] {
			continue
		}
		seen[m.Digest.String()] = true
		child := ref.Context().Digest(m.Digest.String())
		switch {
		case m.MediaType.IsIndex():
			d, err := r.puller.Get(ctx, child)
			if err != nil {
				return source.Explain(original, host, err)
			}
			add(Blob{Digest: m.Digest.String(), Size: m.Size, MediaType: string(m.MediaType), Kind: KindIndex})
			if err := r.walkIndex(ctx, ref, original, host, d.Manifest, archs, res, add, seen, depth+1); err != nil {
				return err
			}
		case m.MediaType.IsImage():
			if isAttestation(m) {
				continue
			}
			p := platformString(m.Platform)
			res.Available = append(res.Available, p)
			if !platformMatches(p, archs) {
				continue
			}
			d, err := r.puller.Get(ctx, child)
			if err != nil {
				return source.Explain(original, host, err)
			}
			_, blobs, err := r.image(ctx, child, original, host, d.Manifest, d.MediaType, m.Platform)
			if err != nil {
				return err
			}
			res.Platforms = append(res.Platforms, p)
			for _, b := range blobs {
				add(b)
			}
		}
	}
	return nil
}

// image lists one image manifest's blobs. When the index gave no platform,
// the config says which it is.
func (r *Resolver) image(ctx context.Context, ref name.Reference, original, host string, raw []byte, mt types.MediaType, plat *v1.Platform) (string, []Blob, error) {
	m, err := v1.ParseManifest(strings.NewReader(string(raw)))
	if err != nil {
		return "", nil, fmt.Errorf("%s: the manifest cannot be read: %w", original, err)
	}
	r.kept(raw)
	p := ""
	if plat != nil {
		p = platformString(plat)
	} else {
		p, err = r.configPlatform(ctx, ref, m.Config)
		if err != nil {
			return "", nil, source.Explain(original, host, err)
		}
	}
	dgst, _, err := v1.SHA256(strings.NewReader(string(raw)))
	if err != nil {
		return "", nil, err
	}
	var pl []string
	if p != "" {
		pl = []string{p}
	}
	blobs := []Blob{
		{Digest: dgst.String(), Size: int64(len(raw)), MediaType: string(mt), Kind: KindManifest, Platforms: pl},
		{Digest: m.Config.Digest.String(), Size: m.Config.Size, MediaType: string(m.Config.MediaType), Kind: KindConfig, Platforms: pl},
	}
	for _, l := range m.Layers {
		blobs = append(blobs, Blob{Digest: l.Digest.String(), Size: l.Size, MediaType: string(l.MediaType), Kind: KindLayer, Platforms: pl})
	}
	return p, blobs, nil
}

// configPlatform reads the platform from an image config blob. A config
// that is not an image config (an OCI artifact) has no platform and gives "".
func (r *Resolver) configPlatform(ctx context.Context, ref name.Reference, cfg v1.Descriptor) (string, error) {
	if !cfg.MediaType.IsConfig() {
		return "", nil
	}
	l, err := r.puller.Layer(ctx, ref.Context().Digest(cfg.Digest.String()))
	if err != nil {
		return "", err
	}
	rc, err := l.Compressed()
	if err != nil {
		return "", err
	}
	defer rc.Close()
	var c struct {
		OS           string `json:"os"`
		Architecture string `json:"architecture"`
		Variant      string `json:"variant"`
	}
	if err := json.NewDecoder(io.LimitReader(rc, 16<<20)).Decode(&c); err != nil {
		return "", fmt.Errorf("the image config cannot be read: %w", err)
	}
	if c.Architecture == "" {
		return "", nil
	}
	return platformString(&v1.Platform{OS: c.OS, Architecture: c.Architecture, Variant: c.Variant}), nil
}

// artifactType reads a manifest's artifactType, or else its config's media
// type when that is not an image config, as the referrers API describes an
// artifact.
func artifactType(raw []byte) string {
	var m struct {
		ArtifactType string `json:"artifactType"`
		Config       struct {
			MediaType types.MediaType `json:"mediaType"`
		} `json:"config"`
	}
	if json.Unmarshal(raw, &m) != nil {
		return ""
	}
	if m.ArtifactType != "" || m.Config.MediaType == "" || m.Config.MediaType.IsConfig() {
		return m.ArtifactType
	}
	return string(m.Config.MediaType)
}

func platformString(p *v1.Platform) string {
	if p == nil {
		return ""
	}
	s := p.OS + "/" + p.Architecture
	if p.Variant != "" {
		s += "/" + p.Variant
	}
	return s
}

// platformMatches says whether os/arch[/variant] is a Linux platform of one
// of archs. An image with no platform at all (an OCI artifact) matches any.
func platformMatches(p string, archs []string) bool {
	if p == "" {
		return true
	}
	parts := strings.Split(p, "/")
	if len(parts) < 2 || (parts[0] != "linux" && parts[0] != "") {
		return false
	}
	return slices.Contains(archs, parts[1])
}

// isAttestation spots BuildKit's attestation manifests, listed in indexes
// as platform unknown/unknown.
func isAttestation(d v1.Descriptor) bool {
	if d.Annotations["vnd.docker.reference.type"] == "attestation-manifest" {
		return true
	}
	return d.Platform != nil && d.Platform.OS == "unknown" && d.Platform.Architecture == "unknown"
}

func orNone(s []string) string {
	if len(s) == 0 {
		return "no platforms"
	}
	return strings.Join(s, ", ")
}
