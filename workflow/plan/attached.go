package plan

import (
	"context"
	"slices"

	"ferry/artifacts/image"
)

// AttachmentFinder resolves an image and finds the signatures,
// attestations, SBOMs and OCI referrers attached to it, making at most
// conc of those lookups at once; package image's Resolver is one.
type AttachmentFinder interface {
	ResolveAttached(ctx context.Context, ref string, archs []string, conc int) (*image.Resolved, []image.Attached, error)
}

// resolveImage resolves an image, and with attached finds what is
// attached to it too.
func (p *Planner) resolveImage(ctx context.Context, ref string, archs []string, attached bool) (*image.Resolved, []image.Attached, error) {
	if attached {
		return p.Attachments.ResolveAttached(ctx, ref, archs, attachedConcurrency)
	}
	r, err := p.Images.Resolve(ctx, ref, archs)
	return r, nil, err
}

// attachedConcurrency bounds the signature lookups of one image: the
// candidates of an index and two platforms (3 cosign tags and the
// referrers, each of the three digests) go at once.
const attachedConcurrency = 12

// attachedImages lists what is attached to a resolved image as images of
// the plan, each saying what it is about ("signature of REF"), needed by
// the image's modules.
func attachedImages(r *image.Resolved, found []image.Attached, modules []string) []Image {
	out := make([]Image, 0, len(found))
	for _, a := range found {
		out = append(out, Image{Reference: a.Reference, Modules: slices.Clone(modules), Digest: a.Digest, MediaType: a.MediaType,
			Platforms: nonEmpty(a.Platforms), AvailablePlatforms: nonEmpty(a.Available), Size: a.Size(), Blobs: a.Blobs,
			Why: a.Why(r.Reference), Subject: a.Subject, Role: a.Role})
	}
	return out
}

// withAttached lists the images resolved, each followed by what is
// attached to it; an artifact attached to two images (the same image
// listed twice) is listed once, needed by the modules of both.
func withAttached(images []*Image, attached [][]Image) []Image {
	out := make([]Image, 0, len(images))
	at := map[string]int{}
	for i, im := range images {
		if im == nil {
			continue
		}
		out = append(out, *im)
		for _, a := range attached[i] {
			j, ok := at[a.Reference]
			if !ok {
				at[a.Reference] = len(out)
				out = append(out, a)
				continue
			}
			for _, m := range a.Modules {
				if !slices.Contains(out[j].Modules, m) {
					out[j].Modules = append(out[j].Modules, m)
				}
			}
		}
	}
	return out
}

// nonEmpty drops the "" an artifact without a platform resolves to.
func nonEmpty(list []string) []string {
	return slices.DeleteFunc(slices.Clone(list), func(s string) bool { return s == "" })
}
