package image

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"golang.org/x/sync/errgroup"

	"ferry/artifacts/source"
)

// Roles of an artifact attached to an image.
const (
	// RoleSignature is a cosign signature (the sha256-<hex>.sig tag).
	RoleSignature = "signature"
	// RoleAttestation is a cosign attestation (the .att tag).
	RoleAttestation = "attestation"
	// RoleSBOM is a cosign SBOM (the .sbom tag).
	RoleSBOM = "SBOM"
	// RoleReferrer is an OCI 1.1 referrer: a manifest whose subject is
	// the image.
	RoleReferrer = "referrer"
)

// cosignSuffixes are the tags cosign attaches to a manifest, by role.
var cosignSuffixes = []struct{ suffix, role string }{
	{".sig", RoleSignature}, {".att", RoleAttestation}, {".sbom", RoleSBOM},
}

// Attached is an artifact about one manifest of an image: a cosign
// signature, attestation or SBOM in the same repository, or an OCI 1.1
// referrer.
type Attached struct {
	// Resolved is the artifact itself; its Reference is the original
	// repository with the cosign tag (repo:sha256-<hex>.sig) or, for a
	// referrer, the artifact's digest (repo@sha256:…).
	*Resolved
	Role string
	// Subject is the digest of the manifest the artifact is about, and
	// Platform that manifest's platform when it is one of an index's
	// ("" for the image's own digest).
	Subject, Platform string
	// ArtifactType is a referrer's artifact type.
	ArtifactType string
}

// Why says what the artifact is, for the plan: "signature of REF",
// "referrer of REF (linux/arm64, application/spdx+json)".
func (a Attached) Why(ref string) string {
	var detail []string
	if a.Platform != "" {
		detail = append(detail, a.Platform)
	}
	if a.ArtifactType != "" {
		detail = append(detail, a.ArtifactType)
	}
	s := a.Role + " of " + ref
	if len(detail) > 0 {
		s += " (" + strings.Join(detail, ", ") + ")"
	}
	return s
}

// CosignTag is the tag under which cosign attaches to digest with suffix
// (".sig", ".att", ".sbom"); "" is the OCI referrers fallback tag.
func CosignTag(digest, suffix string) string {
	return strings.Replace(digest, ":", "-", 1) + suffix
}

// ResolveAttached is Resolve, and finds what is attached to the image:
// for its own digest and for each carried platform manifest, the cosign
// tags and the OCI referrers (the referrers API, or its fallback tag when
// the registry answers 404). The lookups start as soon as the image's
// index or manifest is read, alongside the rest of its resolution; each
// candidate costs one request, at most conc at once. A candidate that is
// not there is normal and gives nothing; any other failure is an error.
// The attached artifacts are sorted by reference.
func (r *Resolver) ResolveAttached(ctx context.Context, original string, archs []string, conc int) (*Resolved, []Attached, error) {
	lctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		lookups errgroup.Group
		found   []Attached
		lerr    error
		started bool
	)
	res, err := r.resolve(ctx, original, archs, func(desc *remote.Descriptor) {
		subjects := []subject{{digest: desc.Digest.String()}}
		if desc.MediaType.IsIndex() {
			subjects = append(subjects, carriedChildren(desc.Manifest, archs)...)
		}
		started = true
		lookups.Go(func() error {
			found, lerr = r.attachments(lctx, original, subjects, conc)
			return nil
		})
	})
	if err != nil {
		cancel()
		_ = lookups.Wait()
		return nil, nil, err
	}
	_ = lookups.Wait()
	if !started {
		return res, nil, nil
	}
	if lerr != nil {
		return nil, nil, fmt.Errorf("the signatures and attestations of %s cannot be read: %w", original, lerr)
	}
	// Only what is about a manifest carried: an index child without a
	// platform is found out only once read.
	held := map[string]bool{}
	for _, b := range res.Blobs {
		held[b.Digest] = true
	}
	out := slices.DeleteFunc(found, func(a Attached) bool { return !held[a.Subject] })
	return res, out, nil
}

// subject is a manifest whose attachments are looked for, and its
// platform when it is one of an index's.
type subject struct{ digest, platform string }

// carriedChildren lists the image manifests of an index that resolving it
// for archs carries, as the index describes them.
func carriedChildren(raw []byte, archs []string) []subject {
	idx, err := v1.ParseIndexManifest(strings.NewReader(string(raw)))
	if err != nil {
		return nil
	}
	var out []subject
	for _, m := range idx.Manifests {
		if !m.MediaType.IsImage() || isAttestation(m) {
			continue
		}
		p := platformString(m.Platform)
		if platformMatches(p, archs) {
			out = append(out, subject{digest: m.Digest.String(), platform: p})
		}
	}
	return out
}

// attachments looks up every candidate of every subject at once, at most
// conc requests at a time.
func (r *Resolver) attachments(ctx context.Context, original string, subjects []subject, conc int) ([]Attached, error) {
	orig, err := name.ParseReference(original)
	if err != nil {
		return nil, fmt.Errorf("%q is not an image reference: %w", original, err)
	}
	repo := orig.Context()
	// The repository as written, so attachments keep the image's naming.
	repoName := repoOf(original)
	if conc <= 0 {
		conc = 4
	}
	var mu sync.Mutex
	var out []Attached
	keep := func(a Attached) {
		mu.Lock()
		defer mu.Unlock()
		if !slices.ContainsFunc(out, func(o Attached) bool { return o.Reference == a.Reference }) {
			out = append(out, a)
		}
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(conc)
	for _, s := range subjects {
		for _, c := range cosignSuffixes {
			g.Go(func() error {
				ref := repoName + ":" + CosignTag(s.digest, c.suffix)
				got, err := r.Resolve(gctx, ref, anyArch)
				if errors.Is(err, source.ErrNotFound) {
					return nil
				}
				if err != nil {
					return err
				}
				keep(Attached{Resolved: got, Role: c.role, Subject: s.digest, Platform: s.platform})
				return nil
			})
		}
		g.Go(func() error {
			found, err := r.referrers(gctx, repo, repoName, s.digest)
			if err != nil {
				return err
			}
			for _, d := range found {
				got, err := r.Resolve(gctx, repoName+"@"+d.Digest.String(), anyArch)
				if errors.Is(err, source.ErrNotFound) {
					continue // listed, but gone since
				}
				if err != nil {
					return err
				}
				at := got.ArtifactType
				if at == "" {
					at = d.ArtifactType
				}
				keep(Attached{Resolved: got, Role: RoleReferrer, Subject: s.digest, Platform: s.platform, ArtifactType: at})
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b Attached) int { return strings.Compare(a.Reference, b.Reference) })
	return out, nil
}

// anyArch resolves an attached artifact whatever platform it names: it
// is carried with the image, not chosen by architecture.
var anyArch = []string{"amd64", "arm64", "ppc64le", "s390x", "386", "arm", "riscv64", "mips64le"}

// referrers lists the manifests whose subject is digest, by the referrers
// API or, where the registry answers 404, its fallback tag (one request
// more); nothing found is an empty list.
func (r *Resolver) referrers(ctx context.Context, repo name.Repository, repoName, digest string) ([]v1.Descriptor, error) {
	mapped, err := r.access.Reference(repoName + "@" + digest)
	if err != nil {
		return nil, err
	}
	d, ok := mapped.(name.Digest)
	if !ok {
		return nil, fmt.Errorf("%s@%s is not a digest reference", repoName, digest)
	}
	opts := r.access.RemoteOptions(remote.WithContext(ctx), remote.Reuse(r.puller))
	idx, err := remote.Referrers(d, opts...)
	if err != nil {
		err = source.Explain(repoName+"@"+digest, repo.RegistryStr(), err)
		if errors.Is(err, source.ErrNotFound) {
			return nil, nil
		}
		return nil, err
	}
	m, err := idx.IndexManifest()
	if err != nil {
		return nil, fmt.Errorf("the referrers of %s@%s cannot be read: %w", repoName, digest, err)
	}
	return m.Manifests, nil
}

// repoOf is a reference as written without its tag and digest.
func repoOf(ref string) string {
	if i := strings.LastIndex(ref, "@"); i >= 0 {
		ref = ref[:i]
	}
	slash := strings.LastIndex(ref, "/")
	if i := strings.LastIndex(ref, ":"); i > slash {
		ref = ref[:i]
	}
	return ref
}
